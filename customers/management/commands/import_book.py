"""manage.py import_book DIR [--only kinds] [--actor USERNAME]

Imports the interchange CSVs found in DIR in dependency order. Each file is all-or-nothing:
on a bad row every error is printed ("transactions.csv row 17, column amount: must not be
negative") and the command exits non-zero with nothing written for that file.

The command runs as the OS operator (recorded in the audit trail as ``system:<os user>``);
``--actor USERNAME`` runs it as that user instead, whose role must allow importing.
The dashboard figures are refreshed synchronously at the end, not queued.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from customers import imports
from customers.services import SystemActor, book_import
from customers.summary import book_summary_refresh
from insurer.errors import RowErrors


class Command(BaseCommand):
    help = "Import the book of business from the interchange CSV files in DIR (see interchange.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            help="folder holding products.csv, customers.csv, beneficial_owners.csv, "
            "policies.csv and/or transactions.csv",
        )
        parser.add_argument("--only", default="", help=f"comma-separated kinds to import ({', '.join(imports.KINDS)})")
        parser.add_argument("--actor", default="", help="username to import as (default: the OS operator)")
        parser.add_argument("--no-refresh", action="store_true", help="do not refresh the dashboard figures")

    def handle(self, *args, directory, only, actor, no_refresh, **options):
        folder = Path(directory)
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a directory")
        kinds = self._kinds(only)
        user = self._actor(actor)
        found = [(kind, folder / imports.SPECS[kind].filename) for kind in kinds]
        found = [(kind, path) for kind, path in found if path.exists()]
        if not found:
            names = ", ".join(imports.SPECS[k].filename for k in kinds)
            raise CommandError(f"no import file in {folder} (looked for {names})")
        changed = False
        for kind, path in found:
            started = time.perf_counter()
            try:
                result = book_import(actor=user, kind=kind, source=path.name, rows_or_file=path, queue_summary=False)
            except RowErrors as exc:
                for error in exc.errors:
                    self.stderr.write(f"{exc.source} {error}")
                raise CommandError(
                    f"{exc.source}: {len(exc.errors)} error(s); nothing was written for this file"
                ) from exc
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
            seconds = time.perf_counter() - started
            changed = changed or bool(result.created or result.updated)
            rate = result.rows / seconds if seconds else 0
            self.stdout.write(
                f"{path.name}: {result.rows} rows, {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged in {seconds:.2f} s ({rate:,.0f} rows/s)"
            )
        if changed and not no_refresh:
            book_summary_refresh(trigger="import")
            self.stdout.write("dashboard figures refreshed")

    def _kinds(self, only: str) -> list[str]:
        if not only:
            return list(imports.KINDS)
        wanted = [k.strip().replace("-", "_") for k in only.split(",") if k.strip()]
        unknown = [k for k in wanted if k not in imports.KINDS]
        if unknown:
            raise CommandError(f"unknown kind(s) {', '.join(unknown)}; use {', '.join(imports.KINDS)}")
        return [k for k in imports.KINDS if k in wanted]  # dependency order, whatever was typed

    def _actor(self, username: str):
        if not username:
            return SystemActor.current()
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no user {username!r}") from exc
