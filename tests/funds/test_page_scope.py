"""The fund page's statements list the institutions the county pays: its own, and one
outside it only when it settled claims of the county's residents in the year — not another
county's hospital, nor an out-of-county one that treated nobody of the county (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from safetynet.codes import InstitutionLevel, RegionLevel
from safetynet.funds.journal import Line, post_entry
from safetynet.funds.page import build
from safetynet.funds.rules import default_rules
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import Institution, Region
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient


def _other_places(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(Region(code="340422", name="邻县", level=RegionLevel.COUNTY, parent_code=None))
        s.flush()
        s.add_all(
            [
                Institution(code="H-OTHER", name="邻县医院", level=InstitutionLevel.COUNTY,
                            in_county=False, region_code="340422"),
                Institution(code="P-PROV", name="省立医院", level=InstitutionLevel.PROVINCE,
                            in_county=False, region_code=None),
                Institution(code="P-IDLE", name="省第二医院", level=InstitutionLevel.PROVINCE,
                            in_county=False, region_code=None),
            ]
        )  # fmt: skip


def _spent(engine: Engine, code: str, fen: int) -> None:
    """A month-3 spending line of ``code`` in the basic fund (another county's payment)."""
    with session_scope(engine) as s:
        lines = [
            Line("basic", "spending", fen, institution_code=code, claim_kind="inpatient", month=3),
            Line("basic", "payable", -fen, institution_code=code, month=3),
        ]
        post_entry(s, default_rules(), year=2017, posted_on=date(2017, 3, 31),
                   kind="settlement", lines=lines, user="test")  # fmt: skip


def test_the_county_lists_the_institutions_it_pays(db_engine: Engine, county: County) -> None:
    _other_places(db_engine)
    with session_scope(db_engine) as s:
        submit(s, inpatient(county.ordinary_id, date(2017, 3, 1)), user="clerk")
        referred = inpatient(county.poor_id, date(2017, 3, 5), institution_code="P-PROV")
        submit(s, referred, user="clerk")
    _spent(db_engine, "H-OTHER", 50_000)
    _spent(db_engine, "P-IDLE", 70_000)
    with session_scope(db_engine) as s:
        page = build(s, default_rules(), "340421", 2017, 3, "en")
        listed = {r.institution_code for r in page.rows}
        assert listed == {"H-COUNTY", "P-PROV"}
        assert set(page.names) == {"H-COUNTY", "P-PROV"}
        # the other county sees its own hospital, not ours
        other = build(s, default_rules(), "340422", 2017, 3, "en")
        assert {r.institution_code for r in other.rows} == {"H-OTHER"}
        # a township: its own institutions only, not the referral hospital
        town = build(s, default_rules(), "340421100", 2017, 3, "en")
        assert "P-PROV" not in {r.institution_code for r in town.rows}
