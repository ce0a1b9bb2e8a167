"""Errors with a row and a column, shared by file imports, the API and the screens."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RowError:
    row: int | None  # 1-based data row (the header is row 0); None for file-level errors
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class RowErrors(Exception):
    """Raised when a file (or a JSON batch) has bad rows; nothing was written."""

    def __init__(self, errors: list[RowError], *, source: str = ""):
        self.errors = errors
        self.source = source
        super().__init__(f"{source}: {len(errors)} error(s); first: {errors[0]}" if errors else source)

    def as_dict(self) -> dict:
        return {
            "detail": f"{self.source}: {len(self.errors)} error(s), nothing was written",
            "errors": [asdict(e) for e in self.errors],
        }
