"""Turn bytes (a CSV file) or a JSON list of objects into a checked Table.

File-level problems (not UTF-8, empty, missing or duplicate columns) stop here with one
clear message each; row-level problems are left to the kind's validator.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from customers.imports.base import FileSpec, Table
from insurer.errors import RowError, RowErrors

BOM = b"\xef\xbb\xbf"


def _file_error(source: str, message: str, column: str | None = None) -> RowErrors:
    return RowErrors([RowError(None, column, message)], source=source)


def decode(data: bytes, source: str) -> str:
    """UTF-8 text of ``data`` (a leading BOM, as Excel writes, is dropped)."""
    skipped = 0
    if data.startswith(BOM):
        data, skipped = data[len(BOM) :], len(BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skipped
        line = data[: exc.start].count(b"\n") + 1
        raise _file_error(
            source,
            _(
                "the file is not UTF-8: byte 0x%(byte)02X at byte offset %(offset)d (line %(line)d) is not "
                "valid UTF-8. It was probably saved as GBK/GB18030 or another legacy encoding; save it as "
                "UTF-8 (in Excel: “CSV UTF-8”) and import it again."
            )
            % {"byte": data[exc.start], "offset": offset, "line": line},
        ) from exc


def _check_header(header: list[str], spec: FileSpec, source: str) -> None:
    seen, duplicates = set(), []
    for name in header:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    errors = []
    if duplicates:
        errors.append(
            RowError(None, None, _("duplicate column(s) in the header: %(names)s") % {"names": ", ".join(duplicates)})
        )
    missing = [c for c in spec.required if c not in seen]
    if missing:
        errors.append(
            RowError(
                None,
                None,
                _("missing required column(s): %(missing)s (the header must name: %(required)s)")
                % {"missing": ", ".join(missing), "required": ", ".join(spec.required)},
            )
        )
    if errors:
        raise RowErrors(errors, source=source)


def read_csv(data: bytes | str, spec: FileSpec, source: str | None = None) -> Table:
    source = source or spec.filename
    text = decode(data, source) if isinstance(data, bytes) else data.lstrip("\ufeff")
    if not text.strip():
        raise _file_error(
            source, _("the file is empty: expected a header row naming %(cols)s") % {"cols": ", ".join(spec.required)}
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
        table = Table(source, header)
        _check_header(header, spec, source)
        width = len(header)
        rows, numbers = table.rows, table.numbers
        for number, raw in enumerate(reader, start=1):
            if not raw or (len(raw) == 1 and not raw[0].strip()):
                continue  # blank line: counted, so row numbers still match the file
            if len(raw) != width:
                table.errors.append(
                    RowError(
                        number,
                        None,
                        _("the row has %(got)d fields, the header has %(want)d") % {"got": len(raw), "want": width},
                    )
                )
                continue
            rows.append([v.strip() for v in raw])
            numbers.append(number)
    except csv.Error as exc:
        raise _file_error(
            source,
            _("the file is not valid CSV near line %(line)d: %(reason)s") % {"line": reader.line_num, "reason": exc},
        ) from exc
    if not rows and not table.errors:
        raise _file_error(source, _("the file has a header but no data rows"))
    return table


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(_cell(v) for v in value)
    return str(value).strip()


def read_records(records, spec: FileSpec, source: str | None = None) -> Table:
    """A JSON batch: a list of objects with the same fields as the CSV columns."""
    source = source or spec.filename.replace(".csv", " (JSON)")
    if not isinstance(records, list):
        raise _file_error(source, _("expected a JSON list of objects"))
    if not records:
        raise _file_error(source, _("the list is empty: nothing to import"))
    extras = sorted({k for r in records if isinstance(r, dict) for k in r} - set(spec.columns))
    columns = [*spec.columns, *extras]
    table = Table(source, columns)
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            table.errors.append(RowError(number, None, _("expected an object with the import fields")))
            continue
        missing = [c for c in spec.required if c not in record]
        for column in missing:
            table.errors.append(RowError(number, column, _("the field is missing")))
        if missing:
            continue
        table.rows.append([_cell(record.get(c)) for c in columns])
        table.numbers.append(number)
    return table
