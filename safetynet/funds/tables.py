"""Monthly statements and budget rounds as export tables (xlsx, PDF), in a language."""

from __future__ import annotations

import polars as pl

from safetynet.exports.table import Column, Table
from safetynet.funds.budget_round import BudgetRound
from safetynet.funds.schema import FundRules
from safetynet.funds.statements import StatementRow
from safetynet.i18n import N_, gettext_for
from safetynet.money import fmt_yuan

KINDS = ("inpatient", "outpatient", "chronic_outpatient")
SOURCE_NAMES = {
    "individual": N_("individual contributions"),
    "subsidy_central": N_("central subsidy"),
    "subsidy_province": N_("provincial subsidy"),
    "subsidy_city": N_("city subsidy"),
    "subsidy_county": N_("county subsidy"),
    "subsidy_township": N_("township subsidy"),
    "medical_assistance": N_("paid by medical assistance"),
    "fiscal": N_("fiscal allocation"),
    "interest": N_("interest"),
}
ALARM_NAMES = {
    "utilization_below": N_("Fund utilization below %(threshold)s"),
    "current_balance_above": N_("Current-year balance above %(threshold)s"),
    "accumulated_balance_above": N_("Accumulated balance above %(threshold)s"),
    "cover_below": N_("Balance covers fewer than %(threshold)s months of spending"),
    "deficit_projected": N_("Deficit projected before year end"),
    "pot_exhausted_projected": N_("Budget projected to run out"),
}
FIGURE_NAMES = {
    "income_fen": N_("income of the year"),
    "spending_to_date_fen": N_("spending to date"),
    "projected_spending_fen": N_("spending of the year, projected"),
    "projection_low_fen": N_("projection, low"),
    "projection_high_fen": N_("projection, high"),
    "accumulated_fen": N_("accumulated balance"),
    "utilization_pct": N_("utilization, %"),
    "current_balance_pct": N_("current-year balance, %"),
    "accumulated_balance_pct": N_("accumulated balance, %"),
    "months_of_cover": N_("months of cover"),
    "projected_year_end_balance_fen": N_("balance at year end, projected"),
    "pot_fen": N_("budget"),
    "runs_out_in_month": N_("runs out in month"),
}


def fund_names(rules: FundRules, lang: str) -> dict[str, str]:
    return {f.id: (f.name.zh if lang.startswith("zh") else f.name.en) for f in rules.funds}


def periods_text(row: StatementRow) -> str:
    """The periods (year-month) of a row's approved amounts and settlements, with each one's
    amount in yuan, e.g. ``2017-12 400.00; 2018-01 1,000.00``."""
    return "; ".join(
        f"{p // 100}-{p % 100:02d} {fmt_yuan(v)}" for p, v in sorted(row.periods.items()) if v
    )


def statement_table(
    rules: FundRules,
    rows: list[StatementRow],
    names: dict[str, str],
    year: int,
    month: int,
    lang: str,
) -> Table:
    """The month's statement of every institution in ``rows``: one row per institution and
    fund, each institution's total in bold."""
    _ = gettext_for(lang)
    funds = fund_names(rules, lang)
    columns = [
        Column("institution", _("Institution"), width=24),
        Column("fund", _("Fund"), width=18),
        Column("payer", _("Paying county"), width=10),
        Column("inpatient", _("Inpatient claims"), "money"),
        Column("outpatient", _("Outpatient claims"), "money"),
        Column("chronic_outpatient", _("Chronic-disease outpatient claims"), "money"),
        Column("claims", _("Amount of claims settled"), "money"),  # not the count
        Column("deducted", _("Review deductions"), "money"),
        Column("recovered", _("Recoveries"), "money"),
        Column("approved", _("Approved"), "money"),
        Column("deposit", _("Quality deposit withheld"), "money"),
        Column("adjustment", _("Year-end budget settlement"), "money"),
        Column("carried", _("Carried from last month"), "money"),
        Column("prepaid_made", _("Prepaid this month"), "money"),
        Column("prepaid_applied", _("Prepayments netted"), "money"),
        Column("payable", _("Payable"), "money"),
        Column("periods", _("Periods the amounts belong to"), width=28),
    ]
    out: list[list[object]] = []
    strong: set[int] = set()
    mine = sorted(
        (r for r in rows if r.month == month),
        key=lambda r: (r.institution_code, r.fund, r.payer_region or ""),
    )
    for code in sorted({r.institution_code for r in mine}):
        part = [r for r in mine if r.institution_code == code]
        label = f"{names.get(code, code)} ({code})"
        for r in part:
            out.append(
                [
                    label,
                    funds.get(r.fund, r.fund),
                    r.payer_region or "",
                    *(r.claims_by_kind.get(k, 0) for k in KINDS),
                    r.claims,
                    r.deducted,
                    r.recovered,
                    r.approved,
                    r.deposit,
                    r.adjustment,
                    r.carried,
                    r.prepaid_made,
                    r.prepaid_applied,
                    r.payable,
                    periods_text(r),
                ]
            )
        if len(part) > 1:
            strong.add(len(out))
            out.append(
                [
                    label,
                    _("All funds"),
                    "",
                    *(sum(r.claims_by_kind.get(k, 0) for r in part) for k in KINDS),
                    *(
                        sum(getattr(r, a) for r in part)
                        for a in (
                            "claims",
                            "deducted",
                            "recovered",
                            "approved",
                            "deposit",
                            "adjustment",
                            "carried",
                            "prepaid_made",
                            "prepaid_applied",
                            "payable",
                        )
                    ),
                    "",
                ]
            )
    share = f"{rules.payments.quality_deposit.share * 100:g}%"
    return Table(
        title=_("Monthly statement of institutions, %(year)s-%(month)02d")
        % {"year": year, "month": month},
        columns=columns,
        rows=out,
        strong=strong,
        note=_(
            "Approved = claims settled − review deductions − recoveries; the quality deposit "
            "is %(share)s of what is approved; payable = approved − deposit + year-end "
            "settlement + carried − prepayments netted."
        )
        % {"share": share},
        sheet=_("Statement"),
    )


def round_table(rules: FundRules, rnd: BudgetRound, persons: pl.DataFrame, lang: str) -> Table:
    """A budget-limited fund's year-end round, each person's amount explained."""
    _ = gettext_for(lang)
    fund = fund_names(rules, lang).get(rnd.fund, rnd.fund)
    rows = []
    paid_by = {"person": _("at the window"), "household": _("in a re-assistance round")}
    order = [c for c in ("payee", "person_id", "household_id") if c in persons.columns]
    for r in persons.sort(order, nulls_last=True).iter_rows(named=True):
        if rnd.short:
            why = _(
                "The year's claims on %(fund)s total %(total)s yuan against a budget of "
                "%(pot)s yuan: every amount is scaled by %(index)s, so %(owed)s yuan "
                "becomes %(amount)s yuan."
            ) % {
                "fund": fund,
                "total": fmt_yuan(rnd.total_fen),
                "pot": fmt_yuan(rnd.pot_fen),
                "index": f"{r['scale_bp'] / 100:.2f}%",
                "owed": fmt_yuan(r["owed_fen"]),
                "amount": fmt_yuan(r["amount_fen"]),
            }
        else:
            why = _("Within the budget of %(pot)s yuan: paid in full.") % {
                "pot": fmt_yuan(rnd.pot_fen)
            }
        payee = r.get("payee") or "person"
        rows.append(
            [
                r.get("resident_id")
                or r.get("household_number")
                or str(r.get("person_id") or r.get("household_id")),
                r.get("name") or "",
                paid_by.get(payee, payee),
                r["owed_fen"],
                r["amount_fen"],
                r["difference_fen"],
                why,
            ]
        )
    return Table(
        title=_("Year-end round of %(fund)s, %(year)s") % {"fund": fund, "year": rnd.year},
        columns=[
            Column("resident_id", _("Resident ID or household number"), width=20),
            Column("name", _("Name"), width=10),
            Column("paid_by", _("Paid"), width=14),
            Column("owed", _("Paid from the budget"), "money"),
            Column("amount", _("Amount in the round"), "money"),
            Column("difference", _("Difference"), "money"),
            Column("why", _("Explanation"), width=60),
        ],
        rows=rows,
        note=_("Budget %(pot)s yuan; claims %(total)s yuan.")
        % {"pot": fmt_yuan(rnd.pot_fen), "total": fmt_yuan(rnd.total_fen)},
        sheet=_("Round"),
    )


PAGE_COLUMNS = (
    "institution",
    "fund",
    "claims",
    "deducted",
    "recovered",
    "approved",
    "deposit",
    "prepaid_applied",
    "payable",
)


def narrow(table: Table, keys: tuple[str, ...] = PAGE_COLUMNS) -> Table:
    """The table with only the columns named by ``keys`` (the page shows fewer than the
    workbook: the split by kind, the month's prepayment, the paying county — the page shows
    the user's county's share — and the periods the amounts belong to stay in the file)."""
    index = [i for i, c in enumerate(table.columns) if c.key in keys]
    return Table(
        table.title,
        [table.columns[i] for i in index],
        [[row[i] for i in index] for row in table.rows],
        table.note,
        table.notes,
        table.strong,
        table.sheet,
    )
