"""The settlement slip as a one-page A5 PDF (ReportLab), in the user's language: the patient,
the claim, the bill's item lines, every layer with its rule and facts (or why it paid
nothing), and what the patient pays.

Text is set in the embedded CJK font of :mod:`safetynet.exports.fonts`. A long bill is set
smaller until the slip fits its one page (down to a floor; a bill longer than that still
prints, on more pages). Every text is escaped before it reaches ReportLab's markup: a name
is never markup.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, Table, TableStyle

from safetynet import labels
from safetynet.exports.fonts import pdf_font
from safetynet.exports.pdf import text
from safetynet.money import fmt_yuan
from safetynet.web.i18n import translations
from safetynet.web.slip_data import Slip
from safetynet.web.slip_text import layer_facts, nothing_paid_text, rule_label

SCALES = (1.0, 0.9, 0.8, 0.72, 0.65, 0.58, 0.52)  # tried in turn until the slip fits one page
MARGIN = 8 * mm


def _story(slip: Slip, locale: str, scale: float) -> list[Flowable]:
    font = pdf_font()
    tr = translations(locale)
    _ = tr.gettext
    zh = locale == "zh_Hans"
    view = slip.view
    size = 8.5 * scale
    body = ParagraphStyle("body", fontName=font, fontSize=size, leading=size * 1.25)
    small = ParagraphStyle("small", parent=body, fontSize=size * 0.82, leading=size * 1.02,
                           textColor=colors.HexColor("#555555"))  # fmt: skip
    title = ParagraphStyle("title", parent=body, fontSize=13 * scale, leading=16 * scale)

    def p(value: str, style: ParagraphStyle = body) -> Flowable:
        return text(value, style)

    heading = f"{_('Settlement slip')} {view.claim_no or ''}"
    if view.entry_kind == "reversal":
        heading += f" · {_(labels.ENTRY['reversal'])}"
    when = (
        [(_("Admitted"), slip.admitted.isoformat()), (_("Discharged"), slip.discharged.isoformat())]
        if slip.discharged
        else [(_("Visit date"), slip.admitted.isoformat())]
    )
    diagnosis = " ".join(x for x in (slip.diagnosis_code, slip.diagnosis_title) if x)
    clerk = slip.clerk_name + (f" · {_('reason: %(r)s') % {'r': slip.reason}}" if slip.reason
                               else "")  # fmt: skip
    pairs = [
        (_("Patient"), f"{view.person_name} · {view.resident_id}"),
        (_("Institution"), slip.institution_name),
        (_("Kind"), _(labels.KIND[view.kind])),
        *when,
        *([(_("Diagnosis"), diagnosis)] if diagnosis else []),
        (_("Policy"), view.policy_title_zh if zh else view.policy_title_en),
        (_("Settled by"), clerk),
        (_("Ledger entry"), str(view.settlement_id)),
    ]
    half = (len(pairs) + 1) // 2
    meta_rows = []
    for i in range(half):
        right = pairs[half + i] if half + i < len(pairs) else ("", "")
        meta_rows.append([p(pairs[i][0], small), p(pairs[i][1]), p(right[0], small), p(right[1])])
    meta = Table(meta_rows, colWidths=[20 * mm, 75 * mm, 20 * mm, None], hAlign="LEFT")
    meta.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("FONTNAME", (0, 0), (-1, -1), font),
                              ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5)]))  # fmt: skip
    pad = [("TOPPADDING", (0, 0), (-1, -1), 1 * scale),
           ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * scale),
           ("VALIGN", (0, 0), (-1, -1), "TOP"),
           ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
           ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), size),
           ("LEADING", (0, 0), (-1, -1), size * 1.2)]  # fmt: skip
    story: list[Flowable] = [
        p(heading, title),
        Spacer(1, 1.5 * mm * scale),
        meta,
        Spacer(1, 2 * mm * scale),
    ]
    if slip.lines:
        heads = (_("Item code"), _("Item"), _("Class"), _("Quantity"), _("Unit price"),
                 _("Amount"), _("Self-paid part"))  # fmt: skip
        rows: list[list[object]] = [[p(h, small) for h in heads]]
        for line in slip.lines:
            rows.append([
                line.code, p(line.name or _("not in the catalog")), line.item_class or "",
                str(line.quantity), fmt_yuan(line.unit_price_fen), fmt_yuan(line.amount_fen),
                fmt_yuan(line.self_paid_fen),
            ])  # fmt: skip
        items = Table(rows, colWidths=[20 * mm, None, 10 * mm, 14 * mm, 22 * mm, 24 * mm, 24 * mm],
                      repeatRows=1)  # fmt: skip
        items.setStyle(TableStyle([*pad, ("ALIGN", (2, 1), (-1, -1), "RIGHT")]))
        story += [items, Spacer(1, 2 * mm * scale)]
    rows = [[p(h, small) for h in (_("Layer"), _("Rule and how it was computed"),
                                   _("Paid (yuan)"))]]  # fmt: skip
    total = _("compliant %(c)s; borne by the institution %(b)s") % {
        "c": fmt_yuan(view.compliant_fen), "b": fmt_yuan(view.institution_borne_fen)}  # fmt: skip
    rows.append([p(_("Total cost")), p(total, small), fmt_yuan(view.total_fen)])
    for layer in view.layers:
        notes = [x for x in (*layer_facts(layer, _), nothing_paid_text(layer, _), layer.source)
                 if x]  # fmt: skip
        detail: list[Flowable] = [p(rule_label(layer, locale))] if layer.rule_id else []
        if notes:
            detail.append(p(" · ".join(notes), small))
        rows.append([p(layer.name_zh if zh else layer.name_en), detail, fmt_yuan(layer.paid_fen)])
    rows.append([p(_("Paid by all layers")), "", fmt_yuan(view.paid_fen)])
    rows.append([p(_("The patient pays")), "", fmt_yuan(view.out_of_pocket_fen)])
    layers = Table(rows, colWidths=[42 * mm, None, 26 * mm], repeatRows=1)
    layers.setStyle(TableStyle([
        *pad,
        ("ALIGN", (2, 0), (2, -1), "RIGHT"),
        ("LINEABOVE", (0, -2), (-1, -2), 0.75, colors.black),
        ("FONTSIZE", (2, -1), (2, -1), size * 1.35),
        ("LEADING", (2, -1), (2, -1), size * 1.6),
    ]))  # fmt: skip
    story.append(layers)
    if slip.refund_note:
        story += [Spacer(1, 1.5 * mm * scale), p(_(slip.refund_note), small)]
    if view.pay_later and view.entry_kind == "settlement":
        owed = fmt_yuan(view.out_of_pocket_fen)
        story += [Spacer(1, 1.5 * mm * scale), p(_(
            "Diagnose first, pay later: admitted without a deposit; at discharge the patient "
            "owes %(owed)s yuan.") % {"owed": owed})]  # fmt: skip
    return story


def _build(slip: Slip, locale: str, scale: float) -> tuple[bytes, int]:
    _ = translations(locale).gettext
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A5), leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=MARGIN, bottomMargin=MARGIN,
        title=f"{_('Settlement slip')} {slip.view.claim_no or ''}", author="SafetyNet",
        initialFontName=pdf_font(),
    )  # fmt: skip
    doc.build(_story(slip, locale, scale))
    return buf.getvalue(), doc.page


def slip_pdf(slip: Slip, locale: str) -> bytes:
    """The slip on one landscape A5 page, set smaller as the bill grows."""
    pdf = b""
    for scale in SCALES:
        pdf, pages = _build(slip, locale, scale)
        if pages == 1:
            break
    return pdf
