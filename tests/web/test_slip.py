"""The settlement slip over HTTP and as PDF: what was settled (item lines, diagnosis, dates,
the clerk by name, a readable claim number), only the facts each layer's rule has (no
sentinel such as the backstop's "ratio -0.01%"), why a layer paid nothing; the PDF on one
A5 page with its CJK font embedded."""

from __future__ import annotations

import html
import io
import re

import pypdf
import pytest
from sqlalchemy import Engine, exists, select

from safetynet.store.db import session_scope
from safetynet.store.models import Person, Settlement
from safetynet.store.models.registry import Enrollment
from tests.web.conftest import csrf_of

ITEMS = [("S0002", "10", "350.00"), ("D0003", "10", "180.00"), ("S0004", "2", "36.00"),
         ("M0005", "1", "2000.00")]  # fmt: skip


def _poor(engine: Engine, *, fresh: bool, skip: int = 0) -> Person:
    """A registered-poor person enrolled for 2017; ``fresh``: with nothing settled yet."""
    query = (
        select(Person)
        .join(Enrollment, Enrollment.person_id == Person.id)
        .where(
            Enrollment.year == 2017,
            Enrollment.category == "registered_poor",
            Person.deceased_on.is_(None),
        )
    )
    if fresh:
        query = query.where(~exists().where(Settlement.person_id == Person.id))
    with session_scope(engine) as s:
        person = s.scalar(query.order_by(Person.id.desc()).offset(skip).limit(1))
        assert person is not None
        return person


@pytest.fixture
def poor_person(web_engine: Engine) -> Person:
    return _poor(web_engine, fresh=True)


def _settle(client, resident_id: str, hospital: str, items=ITEMS) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/window?resident_id={resident_id}")
    form = {
        "csrf_token": csrf_of(page.text), "resident_id": resident_id,
        "institution_code": hospital, "kind": "inpatient", "date": "2017-03-06",
        "discharge_date": "2017-03-13", "diagnosis": "j18.9",
        "item_code": [c for c, _, _ in items], "item_quantity": [q for _, q, _ in items],
        "item_amount": [a for _, _, a in items],
    }  # fmt: skip
    preview = client.post("/window/preview", data=form)
    assert preview.status_code == 200, preview.text
    key = re.search(r'name="client_key" value="([0-9a-f]+)"', preview.text)
    assert key
    done = client.post("/window/settle", data={**form, "client_key": key.group(1)})
    assert done.status_code == 303, done.text
    return str(done.headers["location"])


def _visible(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_backstop_shows_its_ceiling_never_a_sentinel_ratio(login, web_engine, hospital) -> None:
    client = login("clerk", "en")
    url = _settle(client, _poor(web_engine, fresh=False).resident_id, hospital)
    english = _visible(client.get(url).text)
    assert "-0.01%" not in english and "ratio -" not in english
    backstop = english[english.index("Government backstop") :]
    assert "the year's ceiling 3,000.00" in backstop.split("Paid by all layers")[0]
    client.get("/locale/zh_Hans")
    chinese = _visible(client.get(url).text)
    assert "-0.01%" not in chinese and "比例 -" not in chinese
    pdf = pypdf.PdfReader(io.BytesIO(client.get(f"{url}/pdf").content))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "-0.01%" not in text and "比例 -" not in text


def test_the_slip_shows_what_was_settled_and_why_a_layer_paid_nothing(
    login, poor_person, hospital
) -> None:
    client = login("clerk", "en")
    url = _settle(client, poor_person.resident_id, hospital)
    page = client.get(url).text
    text = _visible(page)
    # the item lines: code, catalog name, class, quantity, unit price, amount, self-paid
    items = _visible(page[page.index('id="slip-items"') : page.index("</table>")])
    assert all(code in items for code, _, _ in ITEMS)
    assert re.search(r"S0002 .+ 10 35.00 350.00 ", items)  # 10 × 35.00 = 350.00
    assert re.search(r"M0005 .+ [ABC] 1 2,000.00 2,000.00 ", items)
    # diagnosis with its title, the stay's dates, the clerk by name, a readable claim number
    assert re.search(r'id="diagnosis">J18.9 \w', page)
    assert 'id="admitted">2017-03-06<' in page and 'id="discharged">2017-03-13<' in page
    assert 'id="clerk">县医院一站式窗口' in page and 'id="clerk">clerk<' not in page
    claim_no = re.search(r'id="claim-no">([^<]+)<', page)
    assert claim_no
    assert re.fullmatch(
        r"W-20170306-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", claim_no.group(1).strip()
    )
    # critical illness insurance pays above the poor's 5,000 threshold of the year
    critical = text[text.index("Critical illness insurance") :].split("Medical assistance")[0]
    assert "is below the 5,000.00 threshold" in critical
    client.get("/locale/zh_Hans")
    chinese = _visible(client.get(url).text)
    critical = chinese[chinese.index("大病保险") :].split("医疗救助")[0]
    assert "5,000.00" in critical and "threshold" not in critical
    assert "J18.9 肺炎" in chinese
    # rules, layers and the policy by their names, never their ids
    assert "贫困人口住院" in chinese and "安徽省农村贫困人口综合医疗保障" in chinese
    # (the source documents' titles are the policy file's, outside this page's text)
    own = _visible(re.sub(r'<td class="src">.*?</td>', "", client.get(url).text, flags=re.S))
    for word in ("inpatient_poor", "basic", "critical", "anhui-poor-2017", "threshold"):
        assert word not in own, word


def test_the_slip_pdf_is_one_a5_page_with_an_embedded_cjk_font(login, web_engine, hospital) -> None:
    many = [(code, "1", f"{10 + i}.00") for i in range(6) for code, _, _ in ITEMS]  # 24 lines
    client = login("clerk")
    url = _settle(client, _poor(web_engine, fresh=False, skip=1).resident_id, hospital, many)
    pdf = pypdf.PdfReader(io.BytesIO(client.get(f"{url}/pdf").content))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "个人实际支付" in text or "患者支付" in text or "个人支付" in text
    assert "·" in text
    fonts = [f for f in pdf.pages[0]["/Resources"]["/Font"].values()]
    assert fonts and all(_embedded(f.get_object()) for f in fonts)


def _embedded(font: dict) -> bool:  # type: ignore[type-arg]
    """A PDF font dictionary carries its font file (TrueType, Type 1 or CFF)."""
    fonts = [font]
    fonts += [d.get_object() for d in font.get("/DescendantFonts", [])]
    for f in fonts:
        desc = f.get("/FontDescriptor")
        if desc is not None and any(
            k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
        ):
            return True
    return False
