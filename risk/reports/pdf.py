"""The quarterly solvency report as a PDF (reportlab, pure Python).

Chinese: for a Chinese-language report the text is set in reportlab's built-in CID font
STSong-Light (Adobe-GB1 character collection, UniGB-UCS2-H encoding). Nothing has to be
installed or shipped: the font is *named*, not embedded, and the PDF viewer supplies the
glyphs from its own CJK fonts (Adobe Reader, browsers' PDF viewers, macOS Preview do; a
viewer on a machine with no Chinese font at all shows blanks). The text itself is real
Unicode in the file, so it can be searched, copied and extracted. Decision 0014 explains the
choice and what embedding a font would cost.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from risk.reports.document import TEXT, Report, format_value

CJK_FONT = "STSong-Light"
LATIN_FONT, LATIN_BOLD = "Helvetica", "Helvetica-Bold"


def fonts_for(language: str) -> tuple[str, str]:
    """(regular, bold) font names for a language code."""
    if (language or "").lower().startswith("zh"):
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        return CJK_FONT, CJK_FONT
    return LATIN_FONT, LATIN_BOLD


# Characters the standard Latin fonts (and the Adobe-GB1 collection) lack: plain equivalents.
SUBSTITUTES = str.maketrans({"\u2212": "-", "\u1d40": "T"})
CJK_SUBSTITUTES = str.maketrans({"\u2212": "-", "\u1d40": "T", "\u00b7": "\u30fb"})


def to_pdf(report: Report, language: str = "en") -> bytes:
    regular, bold = fonts_for(language)
    cjk = regular == CJK_FONT

    def text(value: str) -> str:
        return escape(value.translate(CJK_SUBSTITUTES if cjk else SUBSTITUTES))

    styles = getSampleStyleSheet()
    title = ParagraphStyle("title", parent=styles["Title"], fontName=bold, fontSize=15, leading=19)
    heading = ParagraphStyle("heading", parent=styles["Heading2"], fontName=bold, fontSize=11, leading=14,
                             keepWithNext=1)  # fmt: skip
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=regular, fontSize=8, leading=10, spaceBefore=0,
                          spaceAfter=0)  # fmt: skip
    note = ParagraphStyle("note", parent=body, fontSize=7, leading=9, textColor=colors.grey, spaceBefore=2)
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=report.title,
        author="insurer",
        subject=report.subtitle,
    )
    story = [Paragraph(text(report.title), title), Paragraph(text(report.subtitle), body), Spacer(1, 4 * mm)]
    for section in report.sections:
        data = [[Paragraph(text(h), body) for h in section.headers]]
        for row in section.rows:
            cells = [Paragraph(text(row.label), body)]
            for value, fmt in zip(row.values, row.formats, strict=True):
                cells.append(
                    Paragraph(text(format_value(value, fmt)), body) if fmt == TEXT else format_value(value, fmt)
                )
            data.append(cells)
        wide = len(section.headers) > 8  # the stress table: base and stressed minimum capital side by side
        if len(section.headers) <= 2:
            widths = [130 * mm, 70 * mm]
        else:
            label = 40 * mm if wide else 70 * mm
            widths = [label] + [(267 * mm - label) / (len(section.headers) - 1)] * (len(section.headers) - 1)
        table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), regular),
                    ("FONTSIZE", (0, 0), (-1, -1), 7 if wide else 8),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0B7C3")),
                ]
            )
        )
        story += [Paragraph(text(section.title), heading), table]
        if section.note:
            story.append(Paragraph(text(section.note), note))
        story.append(Spacer(1, 3 * mm))
    document.build(story)
    return out.getvalue()
