"""A county's own early-warning file — a rule file whose ``region`` is the county's code,
beside the national one in the rule folder (``safetynet/early_warning/files/``) — is the one
read for that county's households on every path: the check after a settlement (from the
ledger and from the running totals), the year's batch and ``safetynet warnings evaluate``,
the monitoring list's deadlines and a workflow step at the CLI and on the page; a household
of another county with the same figures is read with the national file. At the line exactly
(``at least``: flagged) and one fen under it, both ways round, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from typer.testing import CliRunner

from safetynet.cli.main import app as cli
from safetynet.codes import PovertyStatus, RegionLevel, Sex
from safetynet.early_warning import rules, totals
from safetynet.early_warning.online import check_entries
from safetynet.early_warning.rules import load_rules
from safetynet.early_warning.service import evaluate_year, monitoring_list
from safetynet.registry.resident_id import append_check_digits
from safetynet.security.users import create_user
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import (
    EarlyWarning,
    Enrollment,
    Household,
    Person,
    Region,
    WarningEvent,
)
from safetynet.store.models.security import Role
from safetynet.web.app import create_app
from tests.settlement.conftest import County, county
from tests.settlement.helpers import inpatient
from tests.web.conftest import csrf_of

__all__ = ["county"]

YEAR = 2017
OTHER, OTHER_TOWN, OTHER_VILLAGE = "340422", "340422100", "340422100201"
PASSWORD = "county-rules-test"
runner = CliRunner()


def _rule_file(
    folder: Path, name: str, region: str | None, line_fen: int, close: int, extra: str = ""
) -> None:
    """A rule file of one person rule (compliant self-pay of the year at least the line),
    ``extra`` rules, and its workflow (closed after ``close`` months below the lines; the
    visit due in ``close`` × 5 days)."""
    where = "null" if region is None else f'"{region}"'
    (folder / f"{name}.yaml").write_text(
        f"""id: {name}
title_en: Test rules {name}
title_zh: 测试规则
region: {where}
valid_from: 2017-01-01
valid_to: null
sources:
  s:
    document: 测试文件
    confidence: doc
rules:
  - id: self_pay_year
    kind: person_self_pay
    level: watch
    source: s
    line: "{line_fen // 100}.{line_fen % 100:02d}"
{extra}workflow:
  source: s
  verify_within_days: {close * 5}
  follow_up_every_days: 31
  close_after_months: {close}
""",
        encoding="utf-8",
    )


def _homes(engine: Engine, county: County, diagnosis: str = "J18.9") -> tuple[int, int, list[int]]:
    """H2 (the ordinary person's, in county 340421) and H3 (a person of the same age, sex
    and claim, moved with the household to county 340422 after settling): the same figures.
    Returns the two households and the two settlements."""
    (rid,) = (str(x) for x in append_check_digits(np.array([34042119850505007], np.int64)))
    with session_scope(engine) as s:
        s.add(Region(code=OTHER, name="邻县", level=RegionLevel.COUNTY))
        s.flush()
        s.add(Region(code=OTHER_TOWN, name="邻镇", level=RegionLevel.TOWNSHIP, parent_code=OTHER))
        s.flush()
        s.add(Region(code=OTHER_VILLAGE, name="西村", level=RegionLevel.VILLAGE,
                     parent_code=OTHER_TOWN))  # fmt: skip
        h3 = Household(number="H3", region_code="340421100201")
        s.add(h3)
        s.flush()
        p = Person(resident_id=rid, name="孙七", sex=Sex.MALE, birth_date=date(1985, 5, 5),
                   household_id=h3.id, region_code="340421100201")  # fmt: skip
        s.add(p)
        s.flush()
        s.add(Enrollment(person_id=p.id, year=YEAR, category=PovertyStatus.ORDINARY,
                         enrolled_on=date(2016, 12, 1)))  # fmt: skip
    ids = []
    with session_scope(engine) as s:
        for who in (county.ordinary_id, rid):
            claim = inpatient(who, date(YEAR, 3, 1), diagnosis=diagnosis,
                              items=[{"code": "BED", "amount": "60000.00"}])  # fmt: skip
            view = submit(s, claim, user="clerk")
            assert view.settlement_id is not None
            ids.append(view.settlement_id)
    with session_scope(engine) as s:
        home = s.scalars(select(Household).where(Household.number == "H3")).one()
        home.region_code = OTHER_VILLAGE
        s.scalars(select(Person).where(Person.resident_id == rid)).one().region_code = OTHER_VILLAGE
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        assert h2 is not None
        return h2, home.id, ids


def _figure(engine: Engine, tmp_path: Path, h2: int, h3: int) -> int:
    """The two persons' compliant self-pay of the year (the same: the same claim)."""
    probe = tmp_path / "probe"
    probe.mkdir()
    _rule_file(probe, "probe", None, 1, 3)
    with engine.connect() as conn:
        found = evaluate_year(conn, YEAR, rules=load_rules(probe / "probe.yaml")).warnings
    by_home = dict(found.select("household_id", "measure").iter_rows())
    assert by_home[h2] == by_home[h3] > 0
    return int(by_home[h2])


def _flagged(engine: Engine) -> dict[int, tuple[str, int]]:
    """The recorded self-pay warnings: household → (rule set, threshold)."""
    W = EarlyWarning
    with session_scope(engine) as s:
        rows = s.execute(select(W.household_id, W.rule_set, W.threshold)).all()
    return {h: (rs, t) for h, rs, t in rows}


def _forget(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.execute(delete(WarningEvent))
        s.execute(delete(EarlyWarning))


@pytest.mark.parametrize("county_lower", [True, False], ids=["county-lower", "county-higher"])
def test_each_household_is_flagged_by_its_countys_own_line(
    db_engine: Engine,
    county: County,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    county_lower: bool,
) -> None:
    h2, h3, ids = _homes(db_engine, county)
    figure = _figure(db_engine, tmp_path, h2, h3)
    # the county's line at the figure exactly and the national one fen above it, or the
    # other way round: the same figures flag the one household and not the other
    own, national = (figure, figure + 1) if county_lower else (figure + 1, figure)
    folder = tmp_path / "files"
    folder.mkdir()
    _rule_file(folder, "national-test", None, national, 3)
    _rule_file(folder, "county-340422", OTHER, own, 1)
    monkeypatch.setattr(rules, "FILES", folder)
    want = {h3: ("county-340422", own)} if county_lower else {h2: ("national-test", national)}

    # the check after the settlements, from the ledger (the year is not kept in totals)
    with db_engine.connect() as conn:
        assert totals.read(conn, YEAR, [h2, h3]) is None
    with session_scope(db_engine) as s:
        found = check_entries(s, ids)
    assert set(found["household_id"].to_list()) == set(want)
    assert _flagged(db_engine) == want

    # the same check from the running totals, rebuilt and marked for the year
    _forget(db_engine)
    with session_scope(db_engine) as s:
        totals.rebuild(s, YEAR)
    with db_engine.connect() as conn:
        assert totals.read(conn, YEAR, [h2, h3]) is not None
    with session_scope(db_engine) as s:
        check_entries(s, ids)
    assert _flagged(db_engine) == want

    # the year's batch, and `safetynet warnings evaluate` recording it
    with db_engine.connect() as conn:
        year = evaluate_year(conn, YEAR)
    assert dict(year.warnings.select("household_id", "threshold").iter_rows()) == {
        h: t for h, (_, t) in want.items()
    }
    _forget(db_engine)
    url = db_engine.url.render_as_string(hide_password=False)
    done = runner.invoke(cli, ["warnings", "evaluate", "--year", str(YEAR), "--db", url])
    assert done.exit_code == 0, done.output
    assert "1 new warnings recorded" in done.output
    assert _flagged(db_engine) == want
    # a region's evaluation reads its county's file too
    with db_engine.connect() as conn:
        other = evaluate_year(conn, YEAR, OTHER).warnings
    assert other["household_id"].to_list() == ([h3] if county_lower else [])


def test_the_workflow_of_each_households_county(
    db_engine: Engine, county: County, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both households flagged (both lines at the figure): the county's file closes after
    one month below the lines and wants the visit within 5 days, the national after three
    months and 15 days. The monitoring list, the CLI's step and the page's step read the
    warning's household's county's workflow."""
    h2, h3, ids = _homes(db_engine, county)
    figure = _figure(db_engine, tmp_path, h2, h3)
    folder = tmp_path / "files"
    folder.mkdir()
    _rule_file(folder, "national-test", None, figure, 3)
    _rule_file(folder, "county-340422", OTHER, figure, 1)
    monkeypatch.setattr(rules, "FILES", folder)
    with session_scope(db_engine) as s:
        check_entries(s, ids)
    W = EarlyWarning
    with session_scope(db_engine) as s:
        rows = s.execute(select(W.household_id, W.id, W.detected_on, W.verify_due_on)).all()
    by_home = {h: (wid, on, due) for h, wid, on, due in rows}
    assert by_home[h2][2] == by_home[h2][1] + timedelta(days=15)
    assert by_home[h3][2] == by_home[h3][1] + timedelta(days=5)

    url = db_engine.url.render_as_string(hide_password=False)

    def step(wid: int, name: str, on: str) -> str:
        extra = ["--measure", "re_assistance"] if name == "measure" else []
        done = runner.invoke(cli, ["warnings", "step", str(wid), name, "--on", on, "--db", url,
                                   "--by", "town", *extra])  # fmt: skip
        return done.output

    for wid, _, _ in by_home.values():
        step(wid, "visit_confirmed", "2017-04-10")
    with session_scope(db_engine) as s:
        listed = monitoring_list(s, YEAR, date(2017, 4, 12))
    due = dict(listed.select("household_id", "due_on").iter_rows())
    # verified: the hand-over is due the visit's day plus the county's days
    assert due == {h2: date(2017, 4, 25), h3: date(2017, 4, 15)}
    for wid, _, _ in by_home.values():
        step(wid, "hand_over", "2017-04-11")
        step(wid, "measure", "2017-05-02")
        step(wid, "follow_up_below", "2017-06-10")
    # one month below the lines: the county closes, the national file needs three
    assert "now closed" in step(by_home[h3][0], "close", "2017-06-20")
    assert "close.too_early" in step(by_home[h2][0], "close", "2017-06-20")

    # the page: a bureau user of each county steps its county's warning
    _forget(db_engine)
    with session_scope(db_engine) as s:
        check_entries(s, ids)
        rows = s.execute(select(W.household_id, W.id)).all()
        for name, region in (("bureau_a", "340421"), ("bureau_b", OTHER)):
            create_user(s, username=name, password=PASSWORD, role=Role.BUREAU,
                        region_code=region, locale="en")  # fmt: skip
    wids = dict(rows)
    web = create_app(db_engine, secret_key="test-secret-key")

    def login(user: str) -> TestClient:
        client = TestClient(web, follow_redirects=False)
        page = client.get("/login")
        form = {"username": user, "password": PASSWORD, "csrf_token": csrf_of(page.text),
                "next": "/"}  # fmt: skip
        r = client.post("/login", data=form)
        assert r.status_code == 303, r.text
        return client

    def page_step(client: TestClient, wid: int, name: str, on: str) -> str:
        page = client.get(f"/warnings/{wid}")
        assert page.status_code == 200
        data = {"step": name, "on": on, "csrf_token": csrf_of(page.text)}
        if name == "measure":
            data["measure"] = "re_assistance"
        r = client.post(f"/warnings/{wid}/step", data=data)
        assert r.status_code == 303
        return str(r.headers["location"])

    def walk(client: TestClient, wid: int) -> str:
        for name, on in (("visit_confirmed", "2017-04-10"), ("hand_over", "2017-04-11"),
                         ("measure", "2017-05-02"), ("follow_up_below", "2017-06-10")):  # fmt: skip
            assert "error" not in page_step(client, wid, name, on)
        return page_step(client, wid, "close", "2017-06-20")

    assert "error" not in walk(login("bureau_b"), wids[h3])
    assert "error=close.too_early" in walk(login("bureau_a"), wids[h2])
    with session_scope(db_engine) as s:
        states = dict(s.execute(select(W.household_id, W.state)).all())
    assert {h: str(v.value) for h, v in states.items()} == {h2: "measures", h3: "closed"}


SERIOUS = """  - id: serious_nine
    kind: serious_disease
    level: watch
    source: s
    disease_list: nine_major
"""


def test_a_countys_own_disease_list_from_the_running_totals(
    db_engine: Engine, county: County, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The county's file alone names a serious-disease list: the running totals, kept by
    each settlement of a year marked as kept, carry its bit, and the check reads it for the
    county's household only (the same diagnosis in the other county raises nothing)."""
    folder = tmp_path / "files"
    folder.mkdir()
    _rule_file(folder, "national-test", None, 100_000_000, 3)
    _rule_file(folder, "county-340422", OTHER, 100_000_000, 1, SERIOUS)
    monkeypatch.setattr(rules, "FILES", folder)
    with session_scope(db_engine) as s:
        totals.rebuild(s, YEAR)  # the year kept in totals from its first settlement
    h2, h3, ids = _homes(db_engine, county, diagnosis="C15.9")  # oesophageal cancer
    with db_engine.connect() as conn:
        assert totals.read(conn, YEAR, [h2, h3]) is not None
    with session_scope(db_engine) as s:
        found = check_entries(s, ids)
    assert found.select("household_id", "rule_id").rows() == [(h3, "serious_nine")]
    with db_engine.connect() as conn:
        year = evaluate_year(conn, YEAR).warnings
    assert year.select("household_id", "rule_id").rows() == [(h3, "serious_nine")]


def test_a_county_file_is_found_by_its_region_short_or_padded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rule_file(tmp_path, "national-test", None, 100, 3)
    _rule_file(tmp_path, "county-padded", "340422000000", 50, 1)
    monkeypatch.setattr(rules, "FILES", tmp_path)
    on = date(YEAR, 12, 31)
    assert rules.rules_for(OTHER_VILLAGE, on).id == "county-padded"
    assert rules.rules_for(OTHER, on).id == "county-padded"
    assert rules.rules_for("340421100201", on).id == "national-test"
    assert rules.rules_for("", on).id == "national-test"
    assert rules.rules_for("340423100201", on).id == "national-test"
    found = rules.rules_by_region([OTHER_VILLAGE, "340421100201", None], on)
    assert {k: v.id if v else None for k, v in found.items()} == {
        OTHER_VILLAGE: "county-padded",
        "340421100201": "national-test",
        "": "national-test",
    }
