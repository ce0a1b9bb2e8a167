"""Loading the rule catalogue (data/rules.json) into ClockRule rows.

Used by the data migration (with the historical model) and by ``manage.py
clocks_rules_load`` (after a new version is added to the file). A (code, version) already
loaded is never changed: editing it in the file is refused, add a new version instead.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

RULES_FILE = Path(__file__).resolve().parent / "data" / "rules.json"
FIELDS = (
    "effective_from",
    "title",
    "source",
    "trigger",
    "duration_value",
    "limit_per_clock",
    "duration_unit",
    "on_due",
    "pause_allowed",
    "escalation",
    "breach_notify",
    "verify",
    "verify_note",
    "notes",
)
UNITS = {"natural_days", "working_days", "hours", "years"}


def rule_data(path: Path = RULES_FILE) -> list[dict]:
    rows = json.loads(path.read_text(encoding="utf-8"))["rules"]
    order = {}
    for row in rows:
        order.setdefault(row["code"], len(order) + 1)
        row["position"] = order[row["code"]]
        row["effective_from"] = dt.date.fromisoformat(row["effective_from"])
        if row["duration_unit"] not in UNITS:
            raise ImproperlyConfigured(f"{row['code']} v{row['version']}: unknown unit {row['duration_unit']!r}")
        offsets = [step["at"] for step in row.get("escalation", [])]
        if offsets != sorted(offsets) or any(not 0 < at < row["duration_value"] for at in offsets):
            raise ImproperlyConfigured(
                f"{row['code']} v{row['version']}: escalation offsets must rise inside the duration"
            )
    return rows


def rules_load(model, path: Path = RULES_FILE) -> list:
    """Create the rule versions the table lacks; return them. ``model`` is ClockRule (or
    its historical version in a migration)."""
    created = []
    known = {f.name for f in model._meta.get_fields()}
    for row in rule_data(path):
        if any(f in row and f not in known for f in FIELDS):
            continue  # needs a column a later migration adds; that migration loads it
        existing = model.objects.filter(code=row["code"], version=row["version"]).first()
        values = {f: row.get(f, model._meta.get_field(f).get_default()) for f in FIELDS if f in known}
        if existing is None:
            created.append(
                model.objects.create(code=row["code"], version=row["version"], position=row["position"], **values)
            )
            continue
        changed = [f for f, v in values.items() if getattr(existing, f) != v]
        if changed:
            raise ImproperlyConfigured(
                f"{row['code']} v{row['version']} differs from the loaded rule in {', '.join(changed)}: "
                "a rule version is never edited; add a new version with its effective date"
            )
    return created
