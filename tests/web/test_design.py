"""The analyst's policy-design page over HTTP: a search on the database's claims year runs
in the background, its progress is polled, its result shows the frontier, the reform file
and the workbook download; bad input is said on the form; only report readers may use it,
each sees only their own searches, and starting and downloading are audited."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from safetynet.design.service import make_design, prepare
from safetynet.design.source import claims_from_db
from safetynet.engine.compile import compile_policy
from safetynet.policy.loader import load_policy
from safetynet.store.db import session_scope
from safetynet.store.models import Settlement, SettlementLayer
from safetynet.store.models.security import AuditEvent
from tests.web.conftest import csrf_of

YEAR = 2017
RULE = "layers[basic].rules[inpatient_poor]"
FORM = {
    "base": "anhui-poor-2017",
    "year": str(YEAR),
    "parameters": f"{RULE}.ratio.county=70%:90%:10%\n{RULE}.deductible.county=0,250",
    "targets": "poor_ratio>=50%\npoor_oop_share[5000]<=100%",
    "objective": "least-spending",
    "trials": "50",
}


def _start(client, **changes: str):  # type: ignore[no-untyped-def]
    page = client.get("/design")
    assert page.status_code == 200
    return client.post("/design", data={**FORM, **changes, "csrf_token": csrf_of(page.text)})


def _wait(client, job: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    for _ in range(600):
        p = client.get(f"/design/{job}/progress").json()
        if p["finished"]:
            return p  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError("the search did not finish")


def test_a_search_runs_in_the_background_and_shows_its_frontier(
    login, web_engine: Engine, tmp_path: Path
) -> None:
    client = login("analyst", "en")
    r = _start(client)
    assert r.status_code == 303, r.text
    job = r.headers["location"].rsplit("/", 1)[1]
    first = client.get(f"/design/{job}")
    assert first.status_code == 200 and 'id="design-status"' in first.text
    # the base policy by its title, not its file's name
    assert "Anhui comprehensive medical security for the rural poor (2017)" in first.text
    assert "anhui-poor-2017" not in first.text.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert _wait(client, job)["state"] == "done"
    page = client.get(f"/design/{job}")
    assert "data-progress-url" not in page.text  # finished: nothing more to poll
    blob = re.search(r'<script type="application/json" id="design-data">(.*?)</script>',
                     page.text, re.S)  # fmt: skip
    assert blob
    data = json.loads(blob.group(1))
    assert len(data["feasible"]) + len(data["others"]) == 6 and len(data["best"]) == 1
    assert "Best reforms" in page.text and "Frontier" in page.text
    assert "<script>" not in page.text  # no inline script: the page's code is /static/design.js
    assert client.get("/static/design.js").status_code == 200
    # the reform file: a policy that extends the base and loads
    reform = client.get(f"/design/{job}/reform-1.yaml")
    assert reform.status_code == 200 and "attachment" in reform.headers["content-disposition"]
    path = tmp_path / "reform.yaml"
    path.write_text(reform.text, encoding="utf-8")
    assert "extends: anhui-poor-2017.yaml" in reform.text
    assert load_policy(path).id == "anhui-poor-2017-reform-1"
    assert client.get(f"/design/{job}/reform-9.yaml").status_code == 404
    xlsx = client.get(f"/design/{job}/design.xlsx")
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["Best reforms", "Frontier", "All candidates"]
    assert wb["All candidates"].max_row >= 1 + 6
    # Chinese page
    client.get("/locale/zh_Hans")
    zh = client.get(f"/design/{job}")
    assert "最优方案" in zh.text and "基金支出（元）" in zh.text
    # another user does not see the search
    assert login("bureau", "en").get(f"/design/{job}").status_code == 404
    with session_scope(web_engine) as s:
        actions = set(
            s.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.target == "design", AuditEvent.target_id == job
                )
            )
        )
    assert {"search", "export"} <= actions


def test_bad_input_is_said_on_the_form(login) -> None:
    client = login("analyst", "en")
    r = _start(client, parameters=f"{RULE}.ratios.county=70%,80%")
    assert r.status_code == 400 and "rules[inpatient_poor].ratios" in r.text
    r = _start(client, parameters=f"{RULE}.ratio.county=90%:120%:10%")
    assert r.status_code == 400 and "between 0% and 100%" in r.text
    r = _start(client, targets="poor_ratio>=90%\npoor_ratio<=80%")
    assert r.status_code == 400 and "contradict" in r.text


def test_hostile_numbers_and_years_are_refused_before_a_search_starts(login) -> None:
    """NaN or infinity in a range was a 500 (InvalidOperation comparing the step); 1e999999
    was a million-digit value, a step of 1e-999999 an overflow; the year 99999999 started a
    search that could only fail. Each is refused on the form, no search started."""
    client = login("analyst", "en")
    for parameters in (f"{RULE}.deductible.county=nan:inf:1", f"{RULE}.deductible.county=0:1:NaN",
                       f"{RULE}.deductible.county=1e999999,2",
                       f"{RULE}.deductible.county=0:500:1e-999999"):  # fmt: skip
        r = _start(client, parameters=parameters)
        assert r.status_code == 400 and "is not a number" in r.text, (parameters, r.status_code)
    for year in ("99999999", "-1", "1999"):
        r = _start(client, year=year)
        assert r.status_code == 422 and "Year" in r.text, (year, r.status_code)


def test_an_infeasible_search_names_the_binding_target(login) -> None:
    client = login("analyst", "en")
    r = _start(client, targets="poor_ratio>=99.99%")
    job = r.headers["location"].rsplit("/", 1)[1]
    assert _wait(client, job)["state"] == "failed"
    page = client.get(f"/design/{job}")
    assert "no feasible reform" in page.text and "poor_ratio&gt;=99.99%" in page.text


def test_only_report_readers_may_design(login) -> None:
    clerk = login("clerk", "en")
    assert clerk.get("/design").status_code == 403


def test_the_database_year_settles_as_the_ledger_did(web_engine: Engine) -> None:
    """The base policy over the database's claims pays what the ledger recorded."""
    d = make_design("anhui-poor-2017", [f"{RULE}.ratio.county=80%"], [], "least-spending")
    cp = compile_policy(d.space.base)
    year = prepare(d, claims_from_db(web_engine, cp, YEAR))
    with session_scope(web_engine) as s:
        paid = s.scalar(
            select(func.sum(SettlementLayer.paid_fen))
            .join(Settlement, Settlement.id == SettlementLayer.settlement_id)
            .where(Settlement.year == YEAR, Settlement.policy_id == "anhui-poor-2017")
        )
    assert year.figures(cp).spend == paid


def test_errors_come_out_in_the_users_language(login) -> None:
    client = login("analyst", "zh_Hans")
    r = _start(client, parameters=f"{RULE}.ratios.county=70%,80%")
    assert r.status_code == 400
    assert "政策中没有 layers[basic].rules[inpatient_poor].ratios" in r.text
    r = _start(client, targets="poor_ratio>=90%\npoor_ratio<=80%")
    assert "相互矛盾" in r.text


def test_the_command_searches_the_database_year(web_engine: Engine, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from safetynet.cli.main import app

    url = web_engine.url.render_as_string(hide_password=False)
    r = CliRunner().invoke(
        app,
        ["design", "--base", "anhui-poor-2017", "--db", url, "--year", str(YEAR),
         "--vary", f"{RULE}.ratio.county=70%,90%", "--target", "poor_ratio>=50%",
         "--out", str(tmp_path)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert load_policy(tmp_path / "reform-1.yaml").id == "anhui-poor-2017-reform-1"
    r = CliRunner().invoke(app, ["design", "--base", "anhui-poor-2017", "--db", url,
                                 "--vary", f"{RULE}.ratio.county=70%"])  # fmt: skip
    assert r.exit_code == 2 and "--db needs --year" in r.output


def test_a_township_user_searches_and_sees_its_own_region_only(login, web_engine: Engine) -> None:
    """A user bound to a township searches the township's claims, never the county's: the
    base policy over them pays what the ledger paid the township's persons; the search is
    seen by its owner only, and only while the owner is still bound to that region."""
    from safetynet.design.jobs import JOBS
    from safetynet.security.scope import within
    from safetynet.store.models import Person, User

    with session_scope(web_engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        assert township
        paid = s.scalar(
            select(func.sum(SettlementLayer.paid_fen))
            .join(Settlement, Settlement.id == SettlementLayer.settlement_id)
            .join(Person, Person.id == Settlement.person_id)
            .where(Settlement.year == YEAR, Settlement.policy_id == "anhui-poor-2017",
                   within(Person.region_code, township))
        )  # fmt: skip
    d = make_design("anhui-poor-2017", [f"{RULE}.ratio.county=80%"], [], "least-spending")
    cp = compile_policy(d.space.base)
    county = claims_from_db(web_engine, cp, YEAR)
    own = claims_from_db(web_engine, cp, YEAR, township)
    assert 0 < own.height < county.height
    assert prepare(d, own).figures(cp).spend == paid
    client = login("township", "en")
    r = _start(client)
    assert r.status_code == 303, r.text
    job = r.headers["location"].rsplit("/", 1)[1]
    started = JOBS.get(job, "township")
    assert started is not None and started.region == township and township in started.claims
    assert _wait(client, job)["state"] in ("done", "failed")
    for other in ("bureau", "analyst", "admin"):
        assert login(other, "en").get(f"/design/{job}/progress").status_code == 404, other
    assert JOBS.get(job, "township", "elsewhere") is None  # moved to another region since


def test_the_form_names_the_policies_by_title_in_the_users_language(login) -> None:
    """A Chinese reader chooses among Chinese titles; the form still sends the file's name."""
    page = login("analyst", "zh_Hans").get("/design").text
    options = dict(re.findall(r'<option value="([a-z0-9-]+)"[^>]*>([^<]*)</option>', page))
    assert options["anhui-poor-2017"] == "安徽省农村贫困人口综合医疗保障（2017）"
    assert len(options) >= 7 and all(re.search(r"[\u4e00-\u9fff]", t) for t in options.values())
    english = login("analyst", "en").get("/design").text
    assert "Langxi county comprehensive medical security for the rural poor (2018)" in english
