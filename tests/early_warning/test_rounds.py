"""Re-assistance rounds in the database: draft from the ledger, approved by a second person,
paid and posted to the re-assistance fund once, cancelled with the posting reversed; a second
draft after approval refused; audited (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from safetynet.early_warning.indicators import rounds_paid
from safetynet.early_warning.rounds import (
    RoundError,
    approve_round,
    cancel_round,
    draft_round,
    pay_round,
)
from safetynet.funds.household_payments import fund_of_rounds
from safetynet.funds.journal import Line, balances, post_entry
from safetynet.funds.posting import post_allocations
from safetynet.funds.rules import default_rules
from safetynet.funds.schema import Allocation
from safetynet.funds.watch import alarms, fund_years
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import (
    AuditEvent,
    FundEntry,
    FundLine,
    ReassistancePayment,
    ReassistanceRound,
)
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]


def test_draft_approve_pay(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        first = draft_round(s, 2017, "340421", user="officer", budget_fen=100_00)
        second = draft_round(s, 2017, "340421", user="officer")
        assert first.amount_fen == 100_00 and first.owed_fen > 100_00  # scaled to the budget
        assert second.amount_fen == second.owed_fen  # 2.7 M is plenty
        with pytest.raises(RoundError) as err:
            approve_round(s, second.id, user="officer", on=date(2018, 1, 5))
        assert err.value.code == "round.same_person"
        approve_round(s, second.id, user="director", on=date(2018, 1, 5))
        assert s.get(ReassistanceRound, first.id) is None  # the other draft is gone
        with pytest.raises(RoundError):
            draft_round(s, 2017, "340421", user="officer")
        with pytest.raises(RoundError) as err:  # maker-checker: the approver does not pay
            pay_round(s, second.id, user="director", on=date(2018, 1, 20))
        assert err.value.code == "round.approver_pays"
        assert s.get(ReassistanceRound, second.id).state == "approved"  # type: ignore[union-attr]
        paid = pay_round(s, second.id, user="cashier", on=date(2018, 1, 20))
        assert paid.state == "paid"
        rows = s.scalars(
            select(ReassistancePayment.amount_fen).where(ReassistancePayment.round_id == second.id)
        ).all()
        assert sum(rows) == second.amount_fen and len(rows) == 1
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.target == "reassistance_round")
        ).all()
        assert sorted(actions) == sorted(["reassistance.draft"] * 2 + ["reassistance.approve",
                                          "reassistance.pay"])  # fmt: skip
        assert s.scalar(select(func.count(ReassistanceRound.id))) == 1


def test_round_command(db_engine: Engine, county: County) -> None:
    from typer.testing import CliRunner

    from safetynet.cli.main import app

    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    url = db_engine.url.render_as_string(hide_password=False)
    run = CliRunner().invoke
    made = run(app, ["warnings", "round", "draft", "--year", "2017", "--region", "340421",
                     "--by", "officer", "--db", url])  # fmt: skip
    assert made.exit_code == 0 and ": draft;" in made.output, made.output
    same = run(
        app, ["warnings", "round", "approve", "--round", "1", "--by", "officer", "--db", url]
    )
    assert same.exit_code == 2
    ok = run(app, ["warnings", "round", "approve", "--round", "1", "--by", "boss", "--db", url])
    assert ok.exit_code == 0 and ": approved;" in ok.output
    paid = run(app, ["warnings", "round", "pay", "--round", "1", "--by", "cashier", "--db", url])
    assert paid.exit_code == 0 and ": paid;" in paid.output
    bare = run(app, ["warnings", "round", "cancel", "--round", "1", "--by", "boss", "--db", url])
    assert bare.exit_code == 2  # no reason
    gone = run(app, ["warnings", "round", "cancel", "--round", "1", "--by", "boss",
                     "--reason", "wrong list", "--db", url])  # fmt: skip
    assert gone.exit_code == 0 and ": cancelled;" in gone.output
    with session_scope(db_engine) as s:
        kinds = s.scalars(select(FundEntry.kind).where(FundEntry.kind.like("reassist%"))).all()
        assert sorted(kinds) == ["reassist_round", "reassist_undo"]


def _round_entries(s: Session) -> list[tuple[str, str | None, list[tuple[str, str, int]]]]:
    out = []
    for e in s.scalars(
        select(FundEntry).where(FundEntry.kind.like("reassist%")).order_by(FundEntry.id)
    ):
        lines = s.execute(
            select(FundLine.fund, FundLine.account, FundLine.amount_fen)
            .where(FundLine.entry_id == e.id)
            .order_by(FundLine.id)
        ).all()
        out.append((e.kind, e.reference, [tuple(r) for r in lines]))
    return out  # type: ignore[return-value]


def test_paying_posts_once_and_cancelling_reverses(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        rnd = draft_round(s, 2017, "340421", user="officer")
        assert rnd.window_fen == 0 and rnd.amount_fen > 0
        approve_round(s, rnd.id, user="director", on=date(2018, 1, 5))
        assert _round_entries(s) == []  # approving posts nothing
        pay_round(s, rnd.id, user="cashier", on=date(2018, 1, 20))
        pay_round(s, rnd.id, user="cashier", on=date(2018, 1, 21))  # again: nothing more
        amount, rid = rnd.amount_fen, rnd.id
        fund = fund_of_rounds(default_rules())
        assert fund == "re_assistance"  # the fund the window's layer is charged to
        assert _round_entries(s) == [
            ("reassist_round", f"reassist_round:{rid}",
             [(fund, "spending", amount), (fund, "cash", -amount)]),
        ]  # fmt: skip
        # the fund's year: the round counted in its spending (paid after the year: month 12)
        fy = fund_years(s, default_rules(), 2017, 12, [fund])[fund]
        assert fy.spending_by_month[11] == amount and fy.spending_to_date == amount
        paid = s.scalar(
            select(func.count()).where(
                AuditEvent.action == "reassistance.pay", AuditEvent.target_id == str(rid)
            )
        )
        assert paid == 1
    with session_scope(db_engine) as s:
        with pytest.raises(RoundError) as err:
            cancel_round(s, rid, user="director", on=date(2018, 2, 1), reason=" ")
        assert err.value.code == "round.no_reason"
        cancel_round(s, rid, user="director", on=date(2018, 2, 1), reason="wrong bank list")
        with pytest.raises(RoundError):
            cancel_round(s, rid, user="director", on=date(2018, 2, 2), reason="again")
        entries = _round_entries(s)
        assert entries[1] == (
            "reassist_undo", f"reassist_undo:{rid}",
            [(fund, "spending", -amount), (fund, "cash", amount)],
        )  # fmt: skip
        assert balances(s, year=2017, fund=fund) == {(fund, "spending"): 0, (fund, "cash"): 0}
        # a new round of the year may be drafted, approved and paid after the cancellation
        again = draft_round(s, 2017, "340421", user="officer")
        approve_round(s, again.id, user="director", on=date(2018, 2, 3))
        pay_round(s, again.id, user="cashier", on=date(2018, 2, 4))
        assert balances(s, year=2017, fund=fund)[(fund, "spending")] == again.amount_fen
        assert rounds_paid(s, 2017, "340421") == again.amount_fen
        assert rounds_paid(s, 2017, "340421100") == again.amount_fen  # the township's household


def test_a_cancelled_approved_round_posts_nothing(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        rnd = draft_round(s, 2017, "340421", user="officer")
        approve_round(s, rnd.id, user="director", on=date(2018, 1, 5))
        cancel_round(s, rnd.id, user="director", on=date(2018, 1, 6), reason="budget cut")
        assert _round_entries(s) == []
        with pytest.raises(RoundError) as err:
            pay_round(s, rnd.id, user="cashier", on=date(2018, 1, 7))
        assert err.value.code == "round.not_approved"
        assert rounds_paid(s, 2017, "340421") == 0


def test_the_pot_alarm_counts_window_and_round_payments(db_engine: Engine, county: County) -> None:
    """A window payment (the layer, in March) and a round paid in June spend from the same
    pot: to the end of June the run-rate projects 2 × both; a pot between 2 × the window's
    and 2 × both rings only because the round is counted too."""
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        rnd = draft_round(s, 2017, "340421", user="officer")
        approve_round(s, rnd.id, user="director", on=date(2017, 6, 10))
        pay_round(s, rnd.id, user="cashier", on=date(2017, 6, 20))
        window, paid = 600_000, rnd.amount_fen  # 6,000 yuan at the window in March
        rules = default_rules()
        fund = fund_of_rounds(rules)
        lines = [
            Line(fund, "spending", window, institution_code="H-COUNTY", month=3),
            Line(fund, "payable", -window, institution_code="H-COUNTY", month=3),
        ]
        post_entry(s, rules, year=2017, posted_on=date(2017, 3, 31), kind="settlement",
                   lines=lines, user="test")  # fmt: skip
        pot = 2 * window + paid  # above 2 × the window's alone, below 2 × both
        small = rules.model_copy(update={"allocations": [
            Allocation(fund=fund, amount=Decimal(pot) / 100, source="langxi-004",
                       region="340421")]})  # fmt: skip
        post_allocations(s, 2017, user="test", rules=small)
        fy = fund_years(s, small, 2017, 6, [fund])[fund]
        assert (fy.pot, fy.spending_to_date) == (pot, window + paid)
        hits = [h for h in alarms(s, small, 2017, 6) if h.alarm.kind == "pot_exhausted_projected"]
        assert len(hits) == 1 and hits[0].figures["projection_high_fen"] == 2 * (window + paid)


def test_a_round_paid_before_its_year_is_refused_and_nothing_posted(
    db_engine: Engine, county: County
) -> None:
    """A 2017 round dated 31 December 2016 would post to 2017's December (a date outside
    the year is taken as after it): refused, nothing written; 1 January 2017 is paid."""
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        rnd = draft_round(s, 2017, "340421", user="officer")
        approve_round(s, rnd.id, user="director", on=date(2017, 3, 5))
        rid = rnd.id
    with session_scope(db_engine) as s, pytest.raises(RoundError) as err:
        pay_round(s, rid, user="cashier", on=date(2016, 12, 31))
    assert err.value.code == "round.paid_before_year"
    with session_scope(db_engine) as s:
        assert s.get(ReassistanceRound, rid).state == "approved"  # type: ignore[union-attr]
        assert _round_entries(s) == []
        assert pay_round(s, rid, user="cashier", on=date(2017, 1, 1)).state == "paid"
        [(kind, ref, _lines)] = _round_entries(s)
        assert (kind, ref) == ("reassist_round", f"reassist_round:{rid}")


def test_a_round_is_its_own_countys(db_engine: Engine, county: County) -> None:
    """A user of another county (or of a township in it) takes no step of the round; its own
    county (and a township of it, a region above it) is not of another county."""
    from safetynet.codes import RegionLevel
    from safetynet.early_warning.rounds import of_other_county
    from safetynet.store.models import Region

    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        s.add(Region(code="340000", name="省", level=RegionLevel.PROVINCE))
        s.flush()
        s.add(Region(code="340499", name="邻县", level=RegionLevel.COUNTY, parent_code="340000"))
        s.flush()
        s.add(Region(code="340499100", name="邻镇", level=RegionLevel.TOWNSHIP,
                     parent_code="340499"))  # fmt: skip
        s.get(Region, "340421").parent_code = "340000"  # type: ignore[union-attr]
        s.flush()
        row = draft_round(s, 2017, "340421", user="officer")
        for region, other in (("340499", True), ("340499100", True), ("340421", False),
                              ("340421100", False), ("340000", False)):  # fmt: skip
            assert of_other_county(s, row, region) is other, region
        for step in (
            lambda: approve_round(s, row.id, user="director", on=date(2018, 1, 5),
                                  region_code="340499"),
            lambda: pay_round(s, row.id, user="director", on=date(2018, 1, 5),
                              region_code="340499100"),
            lambda: cancel_round(s, row.id, user="director", on=date(2018, 1, 5), reason="x",
                                 region_code="340499"),
        ):  # fmt: skip
            with pytest.raises(RoundError) as err:
                step()
            assert err.value.code == "round.other_county"
        assert row.state == "draft"
        approve_round(s, row.id, user="director", on=date(2018, 1, 5), region_code="340421")
        assert row.state == "approved"


def test_a_round_is_drafted_at_a_county_never_above(db_engine: Engine, county: County) -> None:
    """A province's round would pay the households the county's round pays (neither sees
    the other as live): refused, nothing written; the county drafts as before."""
    from safetynet.codes import RegionLevel
    from safetynet.store.models import Region

    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        s.add(Region(code="340000", name="省", level=RegionLevel.PROVINCE))
        s.flush()
        s.get(Region, "340421").parent_code = "340000"  # type: ignore[union-attr]
        s.flush()
        with pytest.raises(RoundError) as err:
            draft_round(s, 2017, "340000", user="officer")
        assert err.value.code == "round.no_county"
        assert s.scalar(select(func.count(ReassistanceRound.id))) == 0
        row = draft_round(s, 2017, "340421100", user="officer")  # a township of the county
        approve_round(s, row.id, user="director", on=date(2018, 1, 5))
        with pytest.raises(RoundError):
            draft_round(s, 2017, "340000", user="officer")


def test_a_round_is_paid_from_its_countys_pot(db_engine: Engine, county: County) -> None:
    """The round's journal lines name the county whose pot pays it, so the county's own
    figures and its pot's alarm count it (they named no county: the county's spending and
    alarm left the round out), and its reversal likewise."""
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        rnd = draft_round(s, 2017, "340421100", user="officer")  # a township of the county
        approve_round(s, rnd.id, user="director", on=date(2017, 6, 10))
        pay_round(s, rnd.id, user="cashier", on=date(2017, 6, 20))
        rules = default_rules()
        fund = fund_of_rounds(rules)
        payers = set(s.scalars(select(FundLine.payer_region).join(FundEntry).where(
            FundEntry.kind == "reassist_round")))  # fmt: skip
        assert payers == {"340421"}
        mine = fund_years(s, rules, 2017, 6, [fund], payer="340421")[fund]
        assert mine.spending_to_date == rnd.amount_fen > 0
        pot = rnd.amount_fen  # the round alone projects past a pot of its own size
        small = rules.model_copy(update={"allocations": [
            Allocation(fund=fund, amount=Decimal(pot) / 100, source="langxi-004",
                       region="340421")]})  # fmt: skip
        post_allocations(s, 2017, user="test", rules=small)
        hits = alarms(s, small, 2017, 6, "340421")
        assert [h.alarm.kind for h in hits if h.fund == fund] == ["pot_exhausted_projected"]
        cancel_round(s, rnd.id, user="director", on=date(2017, 7, 1), reason="wrong list")
        after = fund_years(s, rules, 2017, 7, [fund], payer="340421")[fund]
        assert after.spending_to_date == 0


def test_a_paid_round_is_not_cancelled_before_it_was_paid(
    db_engine: Engine, county: County
) -> None:
    """The reversal of a round paid on 1 June was posted on the day the cancel gave, 5 March:
    the journal took the money back three months before it paid it (March's figures short,
    June's over). Refused, nothing written; cancelled on the day it was paid, it is."""
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        rnd = draft_round(s, 2017, "340421", user="officer")
        approve_round(s, rnd.id, user="director", on=date(2017, 3, 5))
        pay_round(s, rnd.id, user="cashier", on=date(2017, 6, 1))
        rid = rnd.id
    with session_scope(db_engine) as s, pytest.raises(RoundError) as err:
        cancel_round(s, rid, user="director", on=date(2017, 3, 5), reason="wrong budget")
    assert err.value.code == "round.cancel_before_paid"
    with session_scope(db_engine) as s:
        assert s.get(ReassistanceRound, rid).state == "paid"  # type: ignore[union-attr]
        assert len(_round_entries(s)) == 1
        done = cancel_round(s, rid, user="director", on=date(2017, 6, 1), reason="wrong budget")
        assert done.state == "cancelled" and len(_round_entries(s)) == 2
