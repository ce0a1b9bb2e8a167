#!/usr/bin/env python3
"""Compile every locale/*/LC_MESSAGES/*.po into its .mo with polib (pure Python).

`manage.py compilemessages` needs GNU gettext's msgfmt; a fresh machine with only Python
has none, so the compiled catalogues are committed and this script makes them. It is
idempotent: a .mo is rewritten only when its content would change, so running it twice
(or after `makemessages` changed only comments) leaves the tree clean.

    python scripts/compile_messages.py          # compile
    python scripts/compile_messages.py --check  # exit 1 if a .mo is stale or a .po incomplete
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"


def compiled_bytes(po_path: Path) -> bytes:
    """The .mo for ``po_path`` as bytes. Fuzzy entries are left out, as msgfmt does."""
    po = polib.pofile(str(po_path))
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "out.mo"
        po.save_as_mofile(str(target))
        return target.read_bytes()


def problems_in(po_path: Path) -> list[str]:
    po = polib.pofile(str(po_path))
    rel = po_path.relative_to(ROOT)
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"{rel}: fuzzy: {entry.msgid!r}")
        elif not entry.translated():
            found.append(f"{rel}: untranslated: {entry.msgid!r}")
    return found


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale .mo files and incomplete .po files")
    args = parser.parse_args(argv)
    failures = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        data = compiled_bytes(po_path)
        current = mo_path.read_bytes() if mo_path.exists() else None
        if args.check:
            failures += problems_in(po_path)
            if current != data:
                failures.append(f"{mo_path.relative_to(ROOT)} is stale: run python scripts/compile_messages.py")
        elif current != data:
            mo_path.write_bytes(data)
            print(f"compiled {mo_path.relative_to(ROOT)}")
        else:
            print(f"{mo_path.relative_to(ROOT)} is up to date")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
