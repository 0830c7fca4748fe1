"""One fit report as a PDF (WeasyPrint), from the same ``ReportData`` as the staff page.

``render_report_pdf(report) -> bytes`` is pure: no database, no request; the API and the ZIP
export call it too. The print template is templates/pdf/report.html with templates/pdf/
report.css (A4; a running header with the candidate and the vacancy; a footer with the date,
the versions and "page X of Y"). Text is set in DejaVu Sans, which covers Cyrillic. The charts
are the page's SVG charts drawn at a fixed size (``fluid=False``).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from markupsafe import Markup

from app.i18n import template_callables, translations
from app.reports.charts import report_charts
from app.reports.data import ReportData
from app.web import TEMPLATES, templates

PRINT_CSS = TEMPLATES / "pdf" / "report.css"
# Bidirectional embeddings, overrides and isolates: in typed text they only disguise it
# ("gnp.exe" with U+202E prints as "exe.png"), and a PDF is read without a browser's tools.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def plain_typed_text(report: ReportData) -> ReportData:
    """The report with the bidi controls removed from what people typed (name, title)."""
    candidate = dataclasses.replace(
        report.candidate, name=BIDI_CONTROLS.sub("", report.candidate.name)
    )
    vacancy = dataclasses.replace(report.vacancy, title=BIDI_CONTROLS.sub("", report.vacancy.title))
    return dataclasses.replace(report, candidate=candidate, vacancy=vacancy)


def css_string(text: str) -> str:
    """A CSS string literal: quotes, backslashes and line breaks escaped."""
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def report_html(report: ReportData) -> str:
    """The print template filled in (also what the tests parse)."""
    report = plain_typed_text(report)
    _ = translations(report.language).gettext
    versions = versions_line(report)
    page_css = (
        "@page { @bottom-right { content: "
        + css_string(_("page") + " ")
        + " counter(page) "
        + css_string(" " + _("of") + " ")
        + " counter(pages); } }"
    )
    ctx: dict[str, Any] = {
        **template_callables(report.language),
        "lang": report.language,
        "report": report,
        # The page's own charts (app.reports.charts), drawn at a fixed size for print.
        "charts": report_charts(report, language=report.language, fluid=False),
        "versions": versions,
        # Safe: every translated piece went through css_string(); nothing else is inside.
        "page_css": Markup(page_css),  # noqa: S704
    }
    return templates.env.get_template("pdf/report.html").render(ctx)


def versions_line(report: ReportData) -> str:
    parts = [f"{q.id} v{q.version}" for q in report.questionnaires]
    if report.matrix is not None:
        parts.append(f"matrix {report.matrix.label} (#{report.matrix.id})")
    return ", ".join(parts)


def render_report_pdf(report: ReportData) -> bytes:
    # Imported here, not at the top: WeasyPrint (with Pango, fontTools, Pillow) adds about 40 MB
    # to every server process, and only the PDF export needs it (bench/load/README.md).
    from weasyprint import CSS, HTML

    html = HTML(string=report_html(report), base_url=str(TEMPLATES / "pdf"))
    pdf: bytes = html.write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))])
    return pdf
