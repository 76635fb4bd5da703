"""Text users read lives in the catalogs: every message has a Chinese translation, and the
pages come out in the language chosen. Messages are extracted from the whole package (the web
app, the indicators' tables, the command line)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import safetynet
from safetynet.web.i18n import LOCALES_DIR, translations

PACKAGE = Path(safetynet.__file__).parent


def _extracted() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    keywords = {"_": None, "gettext": None, "N_": None}
    return {
        msg if isinstance(msg, str) else msg[0]
        for _file, _line, msg, _comments, _ctx in extract_from_dir(
            str(PACKAGE), method_map, keywords=keywords
        )
    }


def test_every_message_has_a_chinese_translation() -> None:
    with (LOCALES_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id for m in catalog if m.id and m.string}
    missing = sorted(_extracted() - translated)
    assert len(_extracted()) > 100
    assert not missing, f"untranslated (run scripts/i18n_update.py and translate): {missing}"


def test_placeholders_survive_translation() -> None:
    with (LOCALES_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    import re

    for m in catalog:
        if m.id and m.string:
            assert sorted(re.findall(r"%\(\w+\)s", m.id)) == sorted(
                re.findall(r"%\(\w+\)s", m.string)
            ), m.id


def test_pages_come_out_in_the_chosen_language(login) -> None:
    zh = login("bureau")
    assert "概览" in zh.get("/").text and "各保障层次支出（元）" in zh.get("/").text  # money: yuan
    assert "各保障层次支出（元）" in zh.get("/dashboard").text
    zh.get("/locale/en")
    en = zh.get("/").text
    assert "Spending by layer (yuan)" in en and "各保障层次支出" not in en
    assert translations("zh_Hans").gettext("Log in") == "登录"
