"""Bills at the window exactly at a layer's deductible and threshold, and one fen below and
above, against the arithmetic worked out here from the policy (anhui-poor-2017, an ordinary
resident at the county hospital: basic insurance 80 % above 500 yuan a stay; critical illness
insurance 50 % of the year's remaining compliant cost above 20,000 yuan); a 0-yuan bill; and
what the settled slip, the ledger and the month's public notice say of the same settlement, to
the fen."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest
from sqlalchemy import Engine, exists, select

from safetynet.codes import PovertyStatus
from safetynet.reports.notice import public_notice
from safetynet.store.db import session_scope
from safetynet.store.models import (
    Enrollment,
    Person,
    PovertyStatusPeriod,
    Settlement,
    SettlementLayer,
)
from tests.web.conftest import csrf_of

STAY = ("2017-12-10", "2017-12-15")
BASIC, CRITICAL = "Basic medical insurance", "Critical illness insurance"


def _half_up(fen: int, bp: int) -> int:
    return (fen * bp + 5000) // 10000


def expected(compliant: int) -> dict[str, int]:
    """The cascade for an ordinary resident's first stay of the year at a county hospital."""
    basic = _half_up(max(0, compliant - 500_00), 8000)
    critical = _half_up(max(0, compliant - basic - 20000_00), 5000)
    return {BASIC: basic, CRITICAL: critical}


@pytest.fixture
def ordinary(web_engine: Engine, hospital: str) -> Person:
    """An ordinary resident enrolled in 2017, alive, with no settlement and no status."""
    with session_scope(web_engine) as s:
        person = s.scalar(
            select(Person)
            .join(Enrollment, Enrollment.person_id == Person.id)
            .where(
                Enrollment.year == 2017, Enrollment.category == PovertyStatus.ORDINARY,
                Person.deceased_on.is_(None), Person.birth_date < date(1990, 1, 1),
                ~exists().where(Settlement.person_id == Person.id),
                ~exists().where(PovertyStatusPeriod.household_id == Person.household_id),
            )
            .order_by(Person.id.desc())
        )  # fmt: skip
        assert person is not None
        return person


def _form(rid: str, hospital: str, csrf: str, lines: list[tuple[str, str, str]]) -> dict:  # type: ignore[type-arg]
    return {
        "csrf_token": csrf, "resident_id": rid, "institution_code": hospital,
        "kind": "inpatient", "date": STAY[0], "discharge_date": STAY[1], "diagnosis": "J18.9",
        "item_code": [c for c, _, _ in lines], "item_quantity": [q for _, q, _ in lines],
        "item_amount": [a for _, _, a in lines],
    }  # fmt: skip


def _yuan(text: str) -> int:
    whole, _, cents = text.replace(",", "").strip().partition(".")
    return int(whole) * 100 + int(cents or 0)


def _layers(page: str) -> dict[str, int]:
    """Each layer's payment, the total, what all layers paid and what the patient pays."""
    table = page[page.index('<table class="num layers">') :]
    table = table[: table.index("</table>")]
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S):
        found = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in found]
        if cells:
            out[cells[0]] = _yuan(cells[-1])
    return out


def _yuan_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _bill(fen: int) -> list[tuple[str, str, str]]:
    """A class-A bill of ``fen``: appendectomy lines (ceiling 1,800 a unit) at most 1,800."""
    lines, rest = [], fen
    while rest > 0:
        part = min(rest, 1800_00)
        lines.append(("S0017", "1", _yuan_text(part)))
        rest -= part
    return lines


@pytest.mark.parametrize(
    "compliant",
    [499_99, 500_00, 500_01, 97999_95, 98000_00, 98000_05],
)
def test_a_bill_at_each_threshold_previews_to_the_fen(
    login, ordinary: Person, hospital: str, compliant: int
) -> None:
    client = login("clerk", "en")
    page = client.get(f"/window?resident_id={ordinary.resident_id}")
    r = client.post(
        "/window/preview", data=_form(ordinary.resident_id, hospital, csrf_of(page.text),
                                      _bill(compliant))
    )  # fmt: skip
    assert r.status_code == 200, r.text[-2000:]
    got = _layers(r.text)
    want = expected(compliant)
    assert got["Total cost"] == compliant
    assert {k: got[k] for k in want} == want, (compliant, got)
    paid = sum(v for k, v in got.items() if k not in ("Total cost", "Paid by all layers",
                                                      "The patient pays"))  # fmt: skip
    assert got["Paid by all layers"] == paid == sum(want.values())
    assert got["The patient pays"] == compliant - paid


def test_a_zero_yuan_bill_pays_nothing_and_owes_nothing(
    login, ordinary: Person, hospital: str
) -> None:
    client = login("clerk", "en")
    csrf = csrf_of(client.get(f"/window?resident_id={ordinary.resident_id}").text)
    r = client.post(
        "/window/preview", data=_form(ordinary.resident_id, hospital, csrf, [("S0017", "1", "0")])
    )
    assert r.status_code in (200, 422)
    if r.status_code == 200:
        got = _layers(r.text)
        assert got["Total cost"] == got["Paid by all layers"] == got["The patient pays"] == 0


def test_the_slip_the_ledger_and_the_notice_say_the_same(
    login, ordinary: Person, hospital: str, web_engine: Engine
) -> None:
    compliant = 98000_05
    client = login("clerk", "en")
    csrf = csrf_of(client.get(f"/window?resident_id={ordinary.resident_id}").text)
    form = _form(ordinary.resident_id, hospital, csrf, _bill(compliant))
    preview = client.post("/window/preview", data=form)
    key = re.search(r'name="client_key" value="([0-9a-f]+)"', preview.text)
    assert key
    done = client.post("/window/settle", data={**form, "client_key": key.group(1)})
    assert done.status_code == 303, done.text[-2000:]
    entry_id = int(done.headers["location"].rsplit("/", 1)[1])
    slip = _layers(client.get(done.headers["location"]).text)
    assert slip == _layers(preview.text)
    pdf = pypdf.PdfReader(io.BytesIO(client.get(f"{done.headers['location']}/pdf").content))
    printed = "".join(page.extract_text() for page in pdf.pages).replace(" ", "")
    for key in ("Total cost", BASIC, CRITICAL, "Paid by all layers", "The patient pays"):
        fen = slip[key]
        assert f"{fen // 100:,}.{fen % 100:02d}" in printed, key  # the printed slip's figures
    with session_scope(web_engine) as s:
        entry = s.get(Settlement, entry_id)
        assert entry is not None
        layers = dict(
            s.execute(
                select(SettlementLayer.layer_id, SettlementLayer.paid_fen).where(
                    SettlementLayer.settlement_id == entry_id
                )
            ).all()
        )
        notice = public_notice(s, ordinary.region_code, 2017, 12)
    assert (entry.total_fen, entry.paid_fen, entry.out_of_pocket_fen) == (
        slip["Total cost"], slip["Paid by all layers"], slip["The patient pays"]
    )  # fmt: skip
    assert layers["basic"] == slip[BASIC] == expected(compliant)[BASIC]
    assert layers["critical"] == slip[CRITICAL] == expected(compliant)[CRITICAL]
    assert sum(layers.values()) == entry.paid_fen
    line = notice.rows.filter(notice.rows["entry_id"] == entry_id).row(0, named=True)
    assert (line["total_fen"], line["paid_fen"], line["out_of_pocket_fen"]) == (
        entry.total_fen, entry.paid_fen, entry.out_of_pocket_fen
    )  # fmt: skip
    assert line["layer_basic_fen"] == layers["basic"]
    assert line["layer_critical_fen"] == layers["critical"]
    assert ordinary.name not in str(line["name"]) or len(ordinary.name) == 1
    assert ordinary.resident_id not in str(line["resident_id"])
