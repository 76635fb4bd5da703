"""Re-extract the messages of ``safetynet/`` (the web app, the exports, the command line) and
merge them into the catalogs.

    .venv/bin/python scripts/i18n_update.py

Runs Babel's extraction (``safetynet/web/locales/babel.cfg``; only ``_()``, ``gettext()`` and
``N_()`` calls) over the whole package into ``messages.pot`` and
updates ``zh_Hans/LC_MESSAGES/messages.po`` with new messages (untranslated until someone
translates them; ``tests/web/test_i18n.py`` fails until then).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "safetynet"
LOCALES = PACKAGE / "web" / "locales"
KEYWORDS = ("_", "gettext", "N_")


def main() -> None:
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    pot = LOCALES / "messages.pot"
    subprocess.run(
        [pybabel, "extract", "-F", str(LOCALES / "babel.cfg"), "--no-default-keywords",
         *(arg for k in KEYWORDS for arg in ("-k", k)), "--no-location", "--omit-header",
         "--sort-output", "-o", str(pot), str(PACKAGE)],
        check=True,
    )  # fmt: skip
    po = LOCALES / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    if po.exists():
        cmd = ["update", "-i", str(pot), "-o", str(po), "-l", "zh_Hans", "--no-fuzzy-matching"]
    else:
        cmd = ["init", "-i", str(pot), "-o", str(po), "-l", "zh_Hans"]
    subprocess.run([pybabel, *cmd], check=True)


if __name__ == "__main__":
    main()
