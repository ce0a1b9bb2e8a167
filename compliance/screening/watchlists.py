"""Reading a watch-list CSV into checked entries (no database writes here).

Two layouts, told apart by the header (docs/aml.md, "Screening and due diligence"):

- OpenSanctions ``targets.simple.csv``: id, schema, name, aliases, birth_date, countries,
  addresses, identifiers, sanctions, phones, emails, dataset, first_seen, last_seen,
  last_change (``program_ids`` too in newer exports). Multi-valued cells are ``;``-joined.
  An entry is a PEP when its dataset names PEPs (``peps`` in the dataset, e.g. wd_peps) and
  sanctioned when its ``sanctions`` cell is filled or it is not a PEP dataset.
- our own: entry_id, name, and optionally aliases, birth_date, id_number, country, list
  (sanctions | pep), program, schema.

Every row is checked before anything is written; errors name the row (1-based, the header is
row 0) and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from insurer.errors import RowError, RowErrors

OPENSANCTIONS_REQUIRED = (
    "id",
    "schema",
    "name",
    "aliases",
    "birth_date",
    "countries",
    "identifiers",
    "sanctions",
    "dataset",
)
OPENSANCTIONS_COLUMNS = (
    "id",
    "schema",
    "name",
    "aliases",
    "birth_date",
    "countries",
    "addresses",
    "identifiers",
    "sanctions",
    "phones",
    "emails",
    "dataset",
    "first_seen",
    "last_seen",
    "last_change",
)
OWN_REQUIRED = ("entry_id", "name")
OWN_COLUMNS = ("entry_id", "name", "aliases", "birth_date", "id_number", "country", "list", "program", "schema")
LISTS = ("sanctions", "pep")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_COUNTRY = re.compile(r"^[a-z]{2,8}$")  # ISO-2, plus OpenSanctions' historic codes (suhh, csxx, ...)
MAX_NAME = 300


@dataclass
class ParsedEntry:
    entry_id: str
    name: str
    schema: str = ""
    aliases: list[str] = field(default_factory=list)
    birth_date: str = ""
    id_numbers: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    sanctions: str = ""
    is_sanctioned: bool = True
    is_pep: bool = False
    dataset: str = ""

    def content_hash(self) -> str:
        doc = [
            self.name,
            self.schema,
            self.aliases,
            self.birth_date,
            self.id_numbers,
            self.countries,
            self.sanctions,
            self.is_sanctioned,
            self.is_pep,
            self.dataset,
        ]
        return hashlib.sha256(json.dumps(doc, ensure_ascii=False).encode()).hexdigest()


@dataclass
class ParsedList:
    layout: str  # "opensanctions" | "own"
    entries: list[ParsedEntry]
    sha256: str


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def _decode(data: bytes | str, source: str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    from customers.imports.reader import decode  # the book's UTF-8 check and its message

    return decode(data, source)


def _birth_date(value: str, row: int, column: str, errors: list[RowError]) -> str:
    """The first date of a ;-list, at the precision given (YYYY, YYYY-MM or YYYY-MM-DD)."""
    first = _split(value)[0] if value.strip() else ""
    if not first:
        return ""
    if not _DATE.match(first):
        errors.append(
            RowError(row, column, _("%(value)r is not a date (YYYY, YYYY-MM or YYYY-MM-DD)") % {"value": first})
        )
        return ""
    parts = [int(p) for p in first.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        errors.append(RowError(row, column, _("%(value)r is not a real date") % {"value": first}))
        return ""
    return first


def parse_watchlist(data: bytes | str, source: str = "watchlist.csv") -> ParsedList:
    """Parse and check a whole file; RowErrors (every problem, by row and column) if any."""
    text = _decode(data, source)
    sha = hashlib.sha256(text.encode()).hexdigest()
    if not text.strip():
        raise RowErrors([RowError(None, None, _("the file is empty: expected a header row"))], source=source)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    cols = set(header)
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise RowErrors(
            [RowError(None, None, _("duplicate column(s): %(c)s") % {"c": ", ".join(duplicates)})], source=source
        )
    if {"id", "schema"} <= cols:
        layout, required = "opensanctions", OPENSANCTIONS_REQUIRED
    else:
        layout, required = "own", OWN_REQUIRED
    missing = [c for c in required if c not in cols]
    if missing:
        raise RowErrors(
            [
                RowError(
                    None,
                    c,
                    _("required column missing (%(layout)s layout needs: %(req)s)")
                    % {"layout": layout, "req": ", ".join(required)},
                )
                for c in missing
            ],
            source=source,
        )
    errors: list[RowError] = []
    entries: list[ParsedEntry] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=1):
        if not any(v.strip() for v in raw):
            continue
        if len(raw) != len(header):
            errors.append(
                RowError(number, None, _("%(n)d cells, the header has %(h)d") % {"n": len(raw), "h": len(header)})
            )
            continue
        row = {h: v.strip() for h, v in zip(header, raw, strict=True)}
        key_col = "id" if layout == "opensanctions" else "entry_id"
        key = row.get(key_col, "")
        if key and key in seen:
            errors.append(
                RowError(number, key_col, _("%(id)r repeats row %(first)d") % {"id": key, "first": seen[key]})
            )
            continue
        if key:
            seen[key] = number
        entry = _opensanctions_row(row, number, errors) if layout == "opensanctions" else _own_row(row, number, errors)
        if entry is None:
            continue
        entries.append(entry)
    if not entries and not errors:
        errors.append(RowError(None, None, _("the file has a header but no entries")))
    if errors:
        raise RowErrors(errors, source=source)
    return ParsedList(layout, entries, sha)


def _common(row: dict, number: int, errors: list[RowError], id_col: str) -> tuple[str, str] | None:
    entry_id, name = row.get(id_col, ""), row.get("name", "")
    bad = False
    if not entry_id:
        errors.append(RowError(number, id_col, _("required")))
        bad = True
    elif len(entry_id) > 120:
        errors.append(RowError(number, id_col, _("longer than 120 characters")))
        bad = True
    if not name:
        errors.append(RowError(number, "name", _("required")))
        bad = True
    elif len(name) > MAX_NAME:
        errors.append(RowError(number, "name", _("longer than %(n)d characters") % {"n": MAX_NAME}))
        bad = True
    return None if bad else (entry_id, name)


def _countries(value: str, number: int, column: str, errors: list[RowError]) -> list[str]:
    out = [c.lower() for c in _split(value)]
    wrong = [c for c in out if not _COUNTRY.match(c)]
    if wrong:
        errors.append(RowError(number, column, _("%(v)r is not a country code") % {"v": wrong[0]}))
    return out


def _opensanctions_row(row: dict, number: int, errors: list[RowError]) -> ParsedEntry | None:
    n_errors = len(errors)
    common = _common(row, number, errors, "id")
    birth = _birth_date(row.get("birth_date", ""), number, "birth_date", errors)
    countries = _countries(row.get("countries", ""), number, "countries", errors)
    if common is None or len(errors) > n_errors:
        return None
    dataset = row.get("dataset", "")
    sanctions = row.get("sanctions", "")
    is_pep = "pep" in dataset.lower()
    return ParsedEntry(
        entry_id=common[0],
        name=common[1],
        schema=row.get("schema", ""),
        aliases=_split(row.get("aliases", "")),
        birth_date=birth,
        id_numbers=_split(row.get("identifiers", "")),
        countries=countries,
        sanctions=sanctions,
        is_sanctioned=bool(sanctions) or not is_pep,
        is_pep=is_pep,
        dataset=dataset,
    )


def _own_row(row: dict, number: int, errors: list[RowError]) -> ParsedEntry | None:
    n_errors = len(errors)
    common = _common(row, number, errors, "entry_id")
    birth = _birth_date(row.get("birth_date", ""), number, "birth_date", errors)
    countries = _countries(row.get("country", ""), number, "country", errors)
    kind = (row.get("list") or "sanctions").lower()
    if kind not in LISTS:
        errors.append(RowError(number, "list", _("%(v)r: expected sanctions or pep") % {"v": row.get("list")}))
    if common is None or len(errors) > n_errors:
        return None
    return ParsedEntry(
        entry_id=common[0],
        name=common[1],
        schema=row.get("schema", "") or "Person",
        aliases=_split(row.get("aliases", "")),
        birth_date=birth,
        id_numbers=_split(row.get("id_number", "")),
        countries=countries,
        sanctions=row.get("program", "") if kind == "sanctions" else "",
        is_sanctioned=kind == "sanctions",
        is_pep=kind == "pep",
        dataset=row.get("program", ""),
    )


def opensanctions_csv(rows: list[dict]) -> str:
    """Write entries as targets.simple.csv (the demo list, tests)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(OPENSANCTIONS_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: r.get(c, "") for c in OPENSANCTIONS_COLUMNS})
    return buffer.getvalue()
