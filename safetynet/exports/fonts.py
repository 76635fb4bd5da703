"""The font every PDF is written in: a CJK TrueType font, embedded (as a subset of the glyphs
used) so a slip, a summary or a notice looks the same in every reader and on every printer.

The font is ``SAFETYNET_PDF_FONT`` when set, else Debian's WenQuanYi Micro Hei
(``fonts-wqy-microhei``, which ``make test`` and the CI install). Without either, PDFs fall
back to the Adobe CID font STSong-Light, which readers substitute (not embedded, and with no
glyph for some signs such as "·"); a warning says so once.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from safetynet.config import get_settings

log = logging.getLogger(__name__)

EMBEDDED = "SafetyNetCJK"
FALLBACK = "STSong-Light"
CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def font_file() -> Path | None:
    """The TrueType file PDFs embed, or None when none is installed."""
    chosen = get_settings().pdf_font
    paths = [chosen] if chosen else list(CANDIDATES)
    return next((Path(p) for p in paths if Path(p).is_file()), None)


@cache
def pdf_font() -> str:
    """Register the PDF font with ReportLab (once) and return its name."""
    path = font_file()
    if path is not None:
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED, str(path), subfontIndex=0))
            return EMBEDDED
        except Exception as exc:  # a damaged or non-TrueType file: say so and fall back
            log.warning("PDF font %s cannot be used (%s); falling back to %s", path, exc,
                        FALLBACK)  # fmt: skip
    else:
        log.warning(
            "no CJK TrueType font found (install fonts-wqy-microhei or set SAFETYNET_PDF_FONT);"
            " PDFs use the reader-supplied %s, not embedded",
            FALLBACK,
        )
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FALLBACK
