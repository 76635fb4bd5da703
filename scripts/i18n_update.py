"""Re-extract the web app's messages and merge them into the catalogs.

    .venv/bin/python scripts/i18n_update.py

Runs Babel's extraction (``safetynet/web/locales/babel.cfg``) into ``messages.pot`` and
updates ``zh_Hans/LC_MESSAGES/messages.po`` with new messages (untranslated until someone
translates them; ``tests/web/test_i18n.py`` fails until then).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LOCALES = Path(__file__).parents[1] / "safetynet" / "web" / "locales"


def main() -> None:
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    pot = LOCALES / "messages.pot"
    subprocess.run(
        [pybabel, "extract", "-F", str(LOCALES / "babel.cfg"), "-k", "N_", "--no-location",
         "--omit-header", "--sort-output", "-o", str(pot), str(LOCALES.parent)],
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
