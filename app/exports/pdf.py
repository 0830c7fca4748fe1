"""One fit report as a PDF (WeasyPrint), from the same ``ReportData`` as the staff page.

``render_report_pdf(report) -> bytes`` is pure: no database, no request; the API and the ZIP
export call it too. The print template is templates/pdf/report.html with templates/pdf/
report.css (A4; a running header with the organisation, the candidate and the vacancy; a footer
with the date and "page X of Y"; the versions, in words, in the small print at the end). Text
is set in DejaVu Sans, which covers Cyrillic.

Speed (bench/bench_pdf.py, bench/README.md): the charts are drawn for print as rows of text
with border bars (``app.charts.blocks``), not as the page's SVG, whose every label WeasyPrint
lays out on its own; the template is paragraphs, without tables (WeasyPrint sizes a table's
columns by laying out every cell twice more), <br> or inline tags where a class does; parsed
stylesheets and font configurations are kept and reused (a fresh ``FontConfiguration`` also
starts Pango's font caches empty); the template has its own user-agent stylesheet
(``print_html_class``), and the header and footer are strings in the page rule.
"""

from __future__ import annotations

import atexit
import dataclasses
import queue
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from app.charts.blocks import dichotomy_rows, gauge_block, role_rows, stylesheet, type_rows
from app.i18n import template_callables, translations
from app.reports.charts import (
    ReportCharts,
    dichotomy_bars_of,
    gauge_reading,
    role_bars_of,
    target_roles,
    type_bars_of,
)
from app.reports.data import ReportData
from app.text import strip_bidi
from app.web import TEMPLATES, templates

if TYPE_CHECKING:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

PRINT_CSS = TEMPLATES / "pdf" / "report.css"
UA_CSS = TEMPLATES / "pdf" / "ua.css"
# The only elements templates/pdf/report.html may use: the ones UA_CSS gives their defaults.
PRINT_ELEMENTS = frozenset(
    {"html", "head", "meta", "title", "style", "body", "div", "p", "h1", "h2", "h3", "strong", "b"}
)


def plain_typed_text(report: ReportData) -> ReportData:
    """The report with the bidi controls removed from what people typed (name, title): they
    are stripped when saved (app/text.py), and again here, since a PDF travels on its own."""
    candidate = dataclasses.replace(report.candidate, name=strip_bidi(report.candidate.name))
    vacancy = dataclasses.replace(report.vacancy, title=strip_bidi(report.vacancy.title))
    decision = report.decision and dataclasses.replace(
        report.decision, note=strip_bidi(report.decision.note)
    )
    return dataclasses.replace(report, candidate=candidate, vacancy=vacancy, decision=decision)


def css_string(text: str) -> str:
    """A CSS string literal: quotes, backslashes and line breaks escaped."""
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def print_charts(report: ReportData) -> ReportCharts:
    """The report's four charts for print, from the same data and with the same labels as the
    page's SVG charts (app.reports.charts)."""
    _ = translations(report.language).gettext
    dich = None
    if report.dichotomies:
        dich = dichotomy_rows(
            dichotomy_bars_of(report),
            borderline=_("borderline"),
            not_scored=_("not scored"),
        )
    types = None
    if report.types:
        types = type_rows(type_bars_of(report))
    roles = None
    if report.roles:
        roles = role_rows(
            role_bars_of(report),
            target=target_roles(report),
            target_label=_("target role"),
            margin_legend=_("+N: points ahead of the next role"),
        )
    meter = None
    reading = gauge_reading(report, _)
    if reading is not None:
        meter = gauge_block(
            reading,
            probability=_("{pole}: {percent} probability"),
            not_scored=_("not scored"),
        )
    return ReportCharts(dichotomies=dich, types=types, roles=roles, gauge=meter)


def report_html(report: ReportData, *, tight: bool = False) -> str:
    """The print template filled in (also what the tests parse); ``tight``: the smaller
    layout tried when the first one leaves a nearly empty last page."""
    report = plain_typed_text(report)
    _ = translations(report.language).gettext
    versions = versions_line(report)
    # The running header and footer are written into the page rule as strings, not taken from
    # hidden elements with string-set: two elements fewer to style and lay out, and no search
    # of every page's boxes for the strings (bench/README.md).
    header = " · ".join(
        part for part in (report.organisation, report.candidate.name, report.vacancy.title) if part
    )
    footer = report.generated_at.strftime("%Y-%m-%d") + " · " + _("Fit report")
    page_css = (
        "@page { @top-left { content: "
        + css_string(header)
        + "; } @bottom-left { content: "
        + css_string(footer)
        + "; } @bottom-right { content: "
        + css_string(_("page") + " ")
        + " counter(page) "
        + css_string(" " + _("of") + " ")
        + " counter(pages); } }"
    )
    ctx: dict[str, Any] = {
        **template_callables(report.language),
        "lang": report.language,
        "report": report,
        "charts": print_charts(report),
        "versions": versions,
        # Safe: every translated piece went through css_string(); nothing else is inside.
        "page_css": Markup(page_css),  # noqa: S704
        "tight": tight,
    }
    return templates.env.get_template("pdf/report.html").render(ctx)


def versions_line(report: ReportData) -> str:
    """What the report was scored with, in words: each questionnaire by its title and version,
    and the matrix by its version number and date (ids and labels are for the API and files)."""
    _ = translations(report.language).gettext
    parts = [
        _("%(title)s, version %(version)s, answered on %(date)s")
        % {"title": q.title, "version": q.version, "date": q.completed_at.strftime("%Y-%m-%d")}
        for q in report.questionnaires
    ]
    if report.matrix is not None:
        m = report.matrix
        matrix = _("role-fit matrix, version %(num)s of %(date)s") % {
            "num": m.id,
            "date": m.created_at.strftime("%Y-%m-%d"),
        }
        if not m.is_current:
            matrix += " · " + _("a newer matrix is in force")
        parts.append(matrix)
    return "; ".join(parts)


# Parsed stylesheets and font configurations not in use. A render takes one (or makes one if
# all are busy) and puts it back: reused, never shared by two renders at once (Pango's font
# map is not thread-safe), and no more of them than renders ever ran at the same time.
_idle: queue.SimpleQueue[tuple[CSS, FontConfiguration]] = queue.SimpleQueue()


def _new_resources() -> tuple[CSS, FontConfiguration]:
    # Imported here, not at the top: WeasyPrint (with Pango, fontTools, Pillow) adds about
    # 40 MB to every server process, and only the PDF export needs it (bench/load/README.md).
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    css = PRINT_CSS.read_text(encoding="utf-8") + stylesheet()
    return CSS(string=css, base_url=str(PRINT_CSS.parent), font_config=fonts), fonts


@cache
def print_html_class() -> type[HTML]:
    """WeasyPrint's ``HTML`` with the print template's own user-agent stylesheet (ua.css) in
    place of the HTML5 default: the same defaults for the elements the template uses, without
    the default's cost for every other element (bench/README.md). WeasyPrint has no public
    option for it; ``_ua_stylesheets`` is the method its own HTML class reads them from, and
    tests/exports/test_pdf_speed.py fails if the pages stop coming out the same."""
    from weasyprint import CSS, HTML

    ua = CSS(filename=str(UA_CSS))

    class PrintHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
            return [ua]

    return PrintHTML


@contextmanager
def print_resources() -> Iterator[tuple[CSS, FontConfiguration]]:
    """The parsed print stylesheet and a font configuration, for one render."""
    try:
        res = _idle.get_nowait()
    except queue.Empty:
        res = _new_resources()
    try:
        yield res
    finally:
        _idle.put(res)


@atexit.register
def _release_resources() -> None:
    # Freed now, not during the interpreter's teardown: by then cffi may have unloaded the
    # GLib and Pango libraries their destructors call into (a segfault at exit).
    while True:
        try:
            _idle.get_nowait()
        except queue.Empty:
            return


# A last page whose text fills less than this share of it is "nearly empty": the report is laid
# out once more, a size smaller, and that layout is kept if it needs fewer pages. Most reports
# fit at once and are laid out once (bench/bench_pdf.py).
NEARLY_EMPTY_BELOW = 0.3


def last_page_fill(document: Any) -> float:
    """How much of the last page's content area its text uses, 0..1 (a WeasyPrint Document)."""
    box = document.pages[-1]._page_box  # WeasyPrint keeps the laid-out boxes here
    root = box.children[0]  # the html element's block; the rest are the margin boxes
    top, height = box.margin_top, box.height
    bottom = top
    stack = [root]
    while stack:
        b = stack.pop()
        if type(b).__name__ == "LineBox":
            bottom = max(bottom, b.position_y + b.margin_height())
        else:
            stack.extend(getattr(b, "children", []))
    return float((bottom - top) / height) if height else 1.0


def render_report_pdf(report: ReportData) -> bytes:
    HTML = print_html_class()
    base = str(TEMPLATES / "pdf")
    with print_resources() as (stylesheet, fonts):
        document = HTML(string=report_html(report), base_url=base).render(
            stylesheets=[stylesheet], font_config=fonts
        )
        if len(document.pages) > 1 and last_page_fill(document) < NEARLY_EMPTY_BELOW:
            tight = HTML(string=report_html(report, tight=True), base_url=base).render(
                stylesheets=[stylesheet], font_config=fonts
            )
            if len(tight.pages) < len(document.pages):
                document = tight
        pdf: bytes = document.write_pdf()
    return pdf
