"""CI check: the Simplified Chinese catalogue covers every translatable string in the code.

Runs makemessages (needs GNU gettext) so strings added since the last `make messages` show
up, then fails if any entry is untranslated or fuzzy, naming them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main() -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "insurer.settings"}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--ignore=.venv",
            "--ignore=node_modules",
            "--ignore=staticfiles",
            "--ignore=var",
            "--no-obsolete",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    catalogue = polib.pofile(str(PO))
    missing = [e for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    for entry in missing[:50]:
        where = entry.occurrences[0] if entry.occurrences else ("?", "")
        print(f"untranslated: {entry.msgid!r} ({where[0]}:{where[1]})")
    if missing:
        print(f"{len(missing)} string(s) lack a Chinese translation; run `make messages` and translate them.")
        return 1
    print(f"catalogue complete: {len(catalogue)} entries translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
