"""The quarterly solvency report as an Excel workbook (openpyxl): one sheet, the sections one
under another, figures as numbers (not text) with number formats, so they can be summed and
checked; the row's stable key in a hidden last column."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from risk.reports.document import COUNT, FACTOR, MONEY, PERCENT, Report

NUMBER_FORMATS = {MONEY: "#,##0.00", PERCENT: "0.00%", FACTOR: "+0.0000;-0.0000;0.0000", COUNT: "#,##0"}
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = report.quarter.replace(" ", "")[:31] or "report"
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([report.subtitle])
    width = max(len(s.headers) for s in report.sections)
    key_column = width + 1
    for section in report.sections:
        sheet.append([])
        sheet.append([section.title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
        sheet.append(list(section.headers))
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
        for row in section.rows:
            sheet.append([row.label, *row.values])
            line = sheet.max_row
            for column, fmt in enumerate(row.formats, start=2):
                cell = sheet.cell(row=line, column=column)
                if fmt in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[fmt]
                    cell.alignment = Alignment(horizontal="right")
            sheet.cell(row=line, column=key_column, value=f"{section.key}.{row.key}")
        if section.note:
            sheet.append([section.note])
            sheet.cell(row=sheet.max_row, column=1).font = Font(italic=True, size=9)
    sheet.column_dimensions["A"].width = 58
    for column in range(2, key_column):
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = 22
    sheet.column_dimensions[sheet.cell(row=1, column=key_column).column_letter].hidden = True
    sheet.freeze_panes = "A3"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
