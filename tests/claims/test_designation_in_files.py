"""A claim file's institutions are taken as designated (docs/formats.md): designation data a
line carries about its institution is not read, so `settle` and the early warnings on a file
(the simulator settles as `settle` does) pay a claim the window refuses as outside the
institution's designation period (the window's refusal pinned beside it, both DBs)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from safetynet.claims.settle_file import settle_claims
from safetynet.early_warning.claim_file import file_frames
from safetynet.engine.compile import compile_policy
from safetynet.policy.loader import load_policy
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import Order, submit_many
from safetynet.store.db import session_scope
from safetynet.store.models import Institution
from tests.settlement.conftest import County, build_county
from tests.settlement.helpers import inpatient

CLAIM = {
    "claim_no": "C1", "person_id": "P-1", "date": "2017-03-01", "kind": "inpatient",
    "level": "county", "age": 40, "statuses": ["registered_poor"], "institution": "H-COUNTY",
    "items": [{"code": "X", "class": "A", "amount": "10000.00"}],
}  # fmt: skip
ENDED = {"designated_from": "2016-01-01", "designated_to": "2016-12-31", "inpatient": False}


def _file(tmp_path: Path, extra: dict[str, object]) -> Path:
    path = tmp_path / f"claims-{len(extra)}.jsonl"
    path.write_text(json.dumps({**CLAIM, **extra}) + "\n", "utf-8")
    return path


def test_a_file_pays_a_claim_whatever_designation_it_carries(tmp_path: Path) -> None:
    cp = compile_policy(load_policy("anhui-poor-2017"))
    plain, carrying = _file(tmp_path, {}), _file(tmp_path, ENDED)
    settled = [settle_claims(cp, p) for p in (plain, carrying)]
    assert settled[0].equals(settled[1])  # the designation fields are not read
    paid = (
        settled[1].select([c for c in settled[1].columns if c.startswith("pay_")]).sum_horizontal()
    )
    assert paid[0] > 0
    ledgers = [file_frames(cp, p)[0] for p in (plain, carrying)]
    assert ledgers[0].equals(ledgers[1]) and ledgers[1]["paid_fen"][0] == paid[0]


@pytest.fixture
def county(db_engine: Engine) -> County:
    with session_scope(db_engine) as s:
        return build_county(s)


def test_the_window_refuses_the_claim_outside_the_designation(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        hospital = s.scalar(select(Institution).where(Institution.code == "H-COUNTY"))
        assert hospital is not None
        hospital.designated_from, hospital.designated_to = date(2016, 1, 1), date(2016, 12, 31)
    with session_scope(db_engine, write_lock=True) as s:
        (out,) = submit_many(s, [Order(inpatient(county.poor_id), "his")])
    assert isinstance(out, SettlementError) and out.code == "institution_not_designated"
