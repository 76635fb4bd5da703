"""The settlement slip as PDF (ReportLab), in the user's language.

Chinese text uses the Adobe-standard CID font STSong-Light, which PDF readers supply, so the
file needs no embedded font and shows Chinese on any machine. Every text goes through
:func:`safetynet.exports.pdf.text` (escaped: a name is never markup).
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from safetynet.exports.pdf import text
from safetynet.money import fmt_yuan
from safetynet.settlement.service import SettlementView
from safetynet.web import labels
from safetynet.web.i18n import translations

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def slip_pdf(view: SettlementView, institution_name: str, created_by: str, locale: str) -> bytes:
    _ = translations(locale).gettext
    zh = locale == "zh_Hans"
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    title = ParagraphStyle("title", parent=body, fontSize=14, leading=18)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9, textColor=colors.grey)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A5), leftMargin=10 * mm, rightMargin=10 * mm,
        topMargin=10 * mm, bottomMargin=10 * mm,
        title=f"{_('Settlement slip')} {view.settlement_id}", author="SafetyNet",
    )  # fmt: skip
    heading = f"{_('Settlement slip')} № {view.settlement_id}"
    if view.entry_kind == "reversal":
        heading += f" · {_(labels.ENTRY['reversal'])}"
    meta = [
        (_("Patient"), f"{view.person_name} · {view.resident_id}"),
        (_("Institution"), institution_name),
        (_("Claim"), f"{view.claim_no} · {_(labels.KIND[view.kind])} · {view.claim_date}"),
        (_("Policy"), view.policy_id),
        (_("Settled by"), created_by),
    ]
    meta_table = Table(
        [[text(k, small), text(v, body)] for k, v in meta], colWidths=[28 * mm, None]
    )
    rows = [[text(h, small) for h in (_("Layer"), _("Rule and how it was computed"),
                                            _("Paid (yuan)"))]]  # fmt: skip
    rows.append([text(_("Total cost"), body), "", fmt_yuan(view.total_fen)])
    for layer in view.layers:
        facts = " · ".join(
            f"{_(labels.FACT[k])} {v / 100:g}%" if k.endswith("_bp") else
            f"{_(labels.FACT[k])} {fmt_yuan(v)}"
            for k, v in layer.facts.items()
            if v and not (k == "allowed" and v < 0)
        )  # fmt: skip
        rule = (layer.rule_id or "") + (f" — {layer.source}" if layer.source else "")
        rows.append([
            text(layer.name_zh if zh else layer.name_en, body),
            [text(rule, body), text(facts, small)],
            fmt_yuan(layer.paid_fen),
        ])  # fmt: skip
    rows.append([text(_("Paid by all layers"), body), "", fmt_yuan(view.paid_fen)])
    rows.append([text(_("The patient pays"), body), "",
                 fmt_yuan(view.out_of_pocket_fen)])  # fmt: skip
    layers = Table(rows, colWidths=[45 * mm, None, 30 * mm], repeatRows=1)
    layers.setStyle(
        TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("ALIGN", (2, 0), (2, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ("LINEABOVE", (0, -2), (-1, -2), 0.75, colors.black),
            ("FONTSIZE", (2, -1), (2, -1), 12),
        ])
    )  # fmt: skip
    story = [text(heading, title), Spacer(1, 3 * mm), meta_table, Spacer(1, 4 * mm), layers]
    if view.pay_later and view.entry_kind == "settlement":
        owed = fmt_yuan(view.out_of_pocket_fen)
        story += [Spacer(1, 3 * mm), text(_(
            "Diagnose first, pay later: admitted without a deposit; at discharge the patient "
            "owes %(owed)s yuan.") % {"owed": owed}, body)]  # fmt: skip
    doc.build(story)
    return buf.getvalue()
