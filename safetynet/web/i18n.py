"""Translations: the ``.po`` catalogs under ``locales/`` compiled in memory at start-up.

English is the source language (message ids are English); Simplified Chinese (``zh_Hans``) is
the default locale of a county deployment. Python code marks text with :func:`N_` and the
templates call ``_()``; ``tests/web/test_i18n.py`` extracts both with Babel and fails on any
message without a Chinese translation.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
LOCALES = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"
LANGUAGE_NAMES = {"zh_Hans": "中文", "en": "English"}


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> NullTranslations:
    po = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale.replace("_Hans", ""))
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def negotiate(accept_language: str | None) -> str:
    """The locale for a browser's Accept-Language header (Chinese unless English comes first)."""
    if not accept_language:
        return DEFAULT_LOCALE
    for part in accept_language.split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE
