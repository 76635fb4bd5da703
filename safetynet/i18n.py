"""Translations shared by the web app, the exports and the command line.

English is the source language (message ids are English); the catalogs live in
``safetynet/web/locales`` (``zh_Hans/LC_MESSAGES/messages.po``), compiled in memory on first
use. Code marks labels kept in tables with :func:`N_` and translates them where they are
shown with ``gettext_for(locale)``; ``scripts/i18n_update.py`` extracts every ``_()``,
``gettext()`` and ``N_()`` call under ``safetynet/``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "web" / "locales"
LOCALES = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def normalize(locale: str) -> str:
    """The catalog locale of a language tag: ``zh``, ``zh_Hans``, ``zh-CN`` → ``zh_Hans``;
    anything else → ``en``."""
    return "zh_Hans" if locale.lower().startswith("zh") else "en"


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


def gettext_for(locale: str) -> Callable[[str], str]:
    """``gettext`` of the catalog for ``locale`` (any tag :func:`normalize` accepts)."""
    return translations(normalize(locale)).gettext
