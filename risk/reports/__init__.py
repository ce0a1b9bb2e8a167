"""The quarterly C-ROSS solvency report of a solvency run, as one neutral document
(``build``) that two writers render: Excel (``excel.to_xlsx``) and PDF (``pdf.to_pdf``).
Both take the figures from the run's stored summary, never recompute them, so the files
say exactly what the screens and the API say."""

from risk.reports.document import Report, Row, Section, build, latest_stress_for

__all__ = ["Report", "Row", "Section", "build", "latest_stress_for"]
