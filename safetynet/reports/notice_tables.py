"""The public notice as tables in the reader's language: the same tables make the web page,
the workbook (xlsx) and the PDF, so the three always agree.

A county's or a township's notice opens with a table of its townships or villages (claims,
persons and every amount, with the total); then every notice lists the reimbursements, one
line per ledger entry, with a subtotal after each township or village and the total at the
end. Names and resident IDs arrive masked from :func:`safetynet.reports.notice.public_notice`;
nothing here sees them otherwise. Labels come from the web app's translation catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import polars as pl

from safetynet import labels
from safetynet.exports.pdf import write_pdf
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import xlsx_bytes
from safetynet.i18n import N_, translations
from safetynet.reports.notice import Notice, month_bounds
from safetynet.store.models.ledger import EntryKind

MONTHS = (
    N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
    N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
)  # fmt: skip
GROUP_LABEL = {"township": N_("Township"), "village": N_("Village")}
REFUNDED = N_("refund made on %(date)s")
REFUNDED_LATER = N_("refunded on %(date)s")  # a settlement of the month refunded in a later one
Gettext = Callable[[str], str]


def _tr(locale: str) -> Gettext:
    return translations(locale).gettext


def period_label(notice: Notice, locale: str) -> str:
    """``March 2018`` / ``2018年3月``."""
    _ = _tr(locale)
    return _("%(month)s %(year)s") % {"month": _(MONTHS[notice.month - 1]), "year": notice.year}


def notice_title(notice: Notice, locale: str) -> str:
    """``郎溪县 2018年3月 健康脱贫医疗费用报销公示`` in Chinese, the same in English."""
    _ = _tr(locale)
    text = _("%(region)s: public notice of medical expense reimbursements, %(period)s")
    return text % {"region": notice.region_name, "period": period_label(notice, locale)}


def notice_subtitle(notice: Notice, locale: str) -> str:
    _ = _tr(locale)
    start, end = month_bounds(notice.year, notice.month)
    last = end - timedelta(days=1)
    text = _("%(path)s; from %(start)s to %(end)s; amounts in yuan.") % {
        "path": " / ".join(notice.region_path), "start": start.isoformat(),
        "end": last.isoformat(),
    }  # fmt: skip
    return f"{text} " + _(
        "Names and resident ID numbers are masked. A settlement counts in the month of "
        "discharge (or of the visit); a refund is a negative line in the month it is made, "
        "so the totals are net of refunds; a settlement refunded in the same month is not "
        "listed."
    )


def empty_statement(notice: Notice, locale: str) -> str:
    _ = _tr(locale)
    return _("No reimbursements were paid in %(period)s.") % {
        "period": period_label(notice, locale)
    }


def _layer_columns(notice: Notice, locale: str) -> list[Column]:
    zh = locale == "zh_Hans"
    return [
        Column(la.column, la.name_zh if zh else la.name_en, "money", 12) for la in notice.layers
    ]


def _money_columns(notice: Notice, locale: str) -> list[Column]:
    _ = _tr(locale)
    return [
        Column("total_fen", _("Total cost"), "money", 12),
        Column("compliant_fen", _("Compliant cost"), "money", 12),
        *_layer_columns(notice, locale),
        Column("paid_fen", _("Reimbursed in total"), "money", 12),
        Column("out_of_pocket_fen", _("Paid by the patient"), "money", 12),
    ]


def summary_table(notice: Notice, locale: str) -> Table | None:
    """The notice's townships (county) or villages (township) with their sums and the total."""
    level = notice.group_level
    if level is None or notice.is_empty:
        return None
    _ = _tr(locale)
    columns = [
        Column("group_name", _(GROUP_LABEL[level.value]), "text", 12),
        Column("claims", _("Claims (net of refunds)"), "count", 9),
        Column("persons", _("Number of persons"), "count", 8),
        *_money_columns(notice, locale),
    ]
    keys = [c.key for c in columns]
    total = {**notice.totals, "group_name": _("Total")}
    rows = [*notice.groups.select(keys).iter_rows(), tuple(total.get(k, "") for k in keys)]
    title = _("By township") if level.value == "township" else _("By village")
    return Table(title, columns, rows, strong={len(rows) - 1})


def _line_text(notice: Notice, locale: str) -> pl.DataFrame:
    """The lines' text columns in the reader's language (vectorised)."""
    _ = _tr(locale)
    sep = "、" if locale == "zh_Hans" else ", "
    statuses = {code: _(text) for code, text in labels.STATUS.items()}
    kinds = {code: _(text) for code, text in labels.KIND.items()}
    before, _sep, after = _(REFUNDED).partition("%(date)s")
    later_before, _sep, later_after = _(REFUNDED_LATER).partition("%(date)s")
    day = pl.col("entry_date").cast(pl.String)
    return notice.rows.with_columns(
        pl.col("category")
        .list.eval(pl.element().replace_strict(statuses, default=pl.element()))
        .list.join(sep)
        .alias("category"),
        pl.col("kind").replace_strict(kinds, default=pl.col("kind")).alias("kind"),
        pl.coalesce("institution_name", "institution_code").alias("institution_name"),
        pl.when(pl.col("start_date") == pl.col("end_date"))
        .then(pl.col("start_date").cast(pl.String))
        .otherwise(
            pl.concat_str(pl.col("start_date").cast(pl.String), pl.lit(" ~ "),
                          pl.col("end_date").cast(pl.String))
        )
        .alias("dates"),
        pl.when(pl.col("entry_kind") == EntryKind.REVERSAL.value)
        .then(pl.concat_str(pl.lit(before), day, pl.lit(after)))
        .when(pl.col("refunded_on").is_not_null())
        .then(pl.concat_str(pl.lit(later_before), pl.col("refunded_on").cast(pl.String),
                            pl.lit(later_after)))
        .otherwise(pl.lit(""))
        .alias("remark"),
    )  # fmt: skip


def lines_table(notice: Notice, locale: str) -> Table:
    """Every reimbursement, with a subtotal after each group and the total at the end."""
    _ = _tr(locale)
    grouped = notice.group_level is not None
    columns = [
        *([Column("village_name", _("Village"), "text", 8)] if grouped else []),
        Column("name", _("Name"), "text", 9),
        Column("resident_id", _("Resident ID"), "text", 22),  # fits the CJK font's digits
        Column("category", _("Person category"), "text", 10),
        Column("institution_name", _("Institution"), "text", 15),
        Column("kind", _("Kind of care"), "text", 10),
        Column("dates", _("Dates of care"), "text", 11),
        *_money_columns(notice, locale),
        Column("remark", _("Remark"), "text", 8),
    ]
    keys = [c.key for c in columns]
    money = notice.money_columns
    first = keys[0]
    title = _("Reimbursements")
    if notice.is_empty:
        return Table(title, columns, [], note=empty_statement(notice, locale))
    lines = _line_text(notice, locale).with_columns(pl.lit(0).alias("_rank"))
    parts = [lines]
    if grouped:
        subtotal = _("Subtotal")
        parts.append(
            notice.groups.select(
                "group_code",
                pl.concat_str(pl.col("group_name"), pl.lit(f" {subtotal}")).alias(first),
                *money,
                pl.lit(1).alias("_rank"),
            )
        )
    text = [c.key for c in columns if c.kind == "text"]
    frame = (
        pl.concat(parts, how="diagonal_relaxed")
        .with_row_index("_order")
        .sort("group_code", "_rank", "_order")
        .with_columns(pl.col(text).fill_null(""))
    )
    total = {**notice.totals, first: _("Total")}
    rows = [*frame.select(keys).iter_rows(), tuple(total.get(k, "") for k in keys)]
    strong = {i for i, r in enumerate(frame["_rank"].to_list()) if r} | {len(rows) - 1}
    return Table(title, columns, rows, strong=strong)


def notice_tables(notice: Notice, locale: str) -> list[Table]:
    summary = summary_table(notice, locale)
    return [*([summary] if summary else []), lines_table(notice, locale)]


def village_tables(notice: Notice, locale: str) -> list[Table]:
    """The reimbursements one village at a time, for the notice board of each: a table per
    village, titled with its township and village and the notice's period, its lines and
    its subtotal."""
    _ = _tr(locale)
    lines = lines_table(notice, locale)
    if notice.is_empty or notice.group_level is None:
        return [lines]
    columns = [c for c in lines.columns if c.key != "village_name"]
    keys = [c.key for c in columns]
    money = notice.money_columns
    words = [c.key for c in columns if c.kind == "text"]
    text = _line_text(notice, locale).with_columns(pl.col(words).fill_null(""))
    out = []
    for (code,), part in text.group_by(["village_code"], maintain_order=True):
        first = part.row(0, named=True)
        place = [first["village_name"]]
        if notice.group_level.value == "township":
            place.insert(0, first["group_name"])
        sums = {k: int(part[k].sum()) for k in money}
        subtotal = {**sums, keys[0]: _("Subtotal")}
        rows = [*part.select(keys).iter_rows(), tuple(subtotal.get(k, "") for k in keys)]
        title = f"{' '.join(place)} · {period_label(notice, locale)}"
        out.append(Table(title, columns, rows, note=notice_title(notice, locale),
                         strong={len(rows) - 1}, sheet=str(code)))  # fmt: skip
    return out


def notice_pdf(notice: Notice, locale: str) -> bytes:
    """The notice as a village notice board needs it: the summary by township or village
    first, then every village on a page of its own (its lines and subtotal, titled with
    the village)."""
    summary = summary_table(notice, locale)
    return write_pdf(
        notice_title(notice, locale),
        [*([summary] if summary else []), *village_tables(notice, locale)],
        subtitle=notice_subtitle(notice, locale),
        page_break=True,
    )


def notice_xlsx(notice: Notice, locale: str) -> bytes:
    tables = notice_tables(notice, locale)
    for t in tables:  # the workbook's sheets carry the title and the definitions
        t.note = " ".join(x for x in (notice_title(notice, locale), t.note) if x)
        t.notes = [*t.notes, notice_subtitle(notice, locale)]
    return xlsx_bytes(tables)


def notice_stem(notice: Notice) -> str:
    return f"notice-{notice.region_code}-{notice.period}"
