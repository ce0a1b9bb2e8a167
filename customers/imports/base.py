"""What every file kind shares: its column spec, the result of an import, chunked lookups."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field

from django.db.models import QuerySet

from insurer.errors import RowError

# Key lookups go to the database in chunks of this many keys: one query per chunk keeps
# the count constant in the number of rows while staying under SQLite's bound-parameter
# limit (32,766) with room to spare.
LOOKUP_CHUNK = 5_000


@dataclass(frozen=True)
class FileSpec:
    kind: str
    filename: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass
class ImportResult:
    kind: str
    source: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["rows_per_second"] = round(self.rows_per_second)
        return data


@dataclass
class Table:
    """A parsed file (or JSON batch): the header and the data rows, values stripped.

    ``numbers[i]`` is the 1-based data row of ``rows[i]`` as the integrator counts it
    (the header is row 0), so error messages point at the right line of their file.
    """

    source: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def index(self, name: str) -> int | None:
        try:
            return self.columns.index(name)
        except ValueError:
            return None


def chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def values_in(queryset: QuerySet, field_name: str, keys: Iterable, *fields: str) -> Iterator[tuple]:
    """``values_list(*fields)`` of the rows whose ``field_name`` is in ``keys``, one query
    per LOOKUP_CHUNK keys (never one per row)."""
    keys = sorted(set(keys))
    for part in chunks(keys):
        yield from queryset.filter(**{f"{field_name}__in": part}).values_list(*fields)
