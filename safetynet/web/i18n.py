"""Translations: the ``.po`` catalogs under ``locales/`` compiled in memory at start-up
(:mod:`safetynet.i18n`, shared with the exports and the command line).

English is the source language (message ids are English); Simplified Chinese (``zh_Hans``) is
the default locale of a county deployment. Python code marks text with :func:`N_` and the
templates call ``_()``; ``tests/web/test_i18n.py`` extracts both with Babel and fails on any
message without a Chinese translation.
"""

from __future__ import annotations

from safetynet.i18n import DEFAULT_LOCALE, LOCALES, LOCALES_DIR, N_, translations

__all__ = ["DEFAULT_LOCALE", "LANGUAGE_NAMES", "LOCALES", "LOCALES_DIR", "N_", "asked_locale",
           "negotiate", "translations"]  # fmt: skip
LANGUAGE_NAMES = {"zh_Hans": "中文", "en": "English"}


def asked_locale(accept_language: str | None) -> str | None:
    """The locale an ``Accept-Language`` header names first (``zh…`` or ``en…``), if any."""
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return None


def negotiate(accept_language: str | None) -> str:
    """The locale for a browser's Accept-Language header (Chinese unless English comes first)."""
    return asked_locale(accept_language) or DEFAULT_LOCALE
    for part in accept_language.split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE
