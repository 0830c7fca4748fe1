"""The print template's own user-agent stylesheet (templates/pdf/ua.css, for speed: see
app/exports/pdf.py and bench/README.md) changes nothing a reader sees: the template uses only the
elements it covers, and every demo report's pages, in both languages and in both layouts, come
out pixel for pixel as they do with WeasyPrint's HTML5 default."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlmodel import Session

from app.exports.pdf import (
    PRINT_ELEMENTS,
    print_html_class,
    print_resources,
    report_html,
)
from app.reports.build import build_report
from app.reports.data import ReportData
from app.web import TEMPLATES
from tests.exports.test_pdf_pages import demo  # noqa: F401 (a fixture)
from tests.exports.test_pdf_report import sample_report
from tests.htmlq import parse

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed"
)


def _reports(db: Session, invitation_ids: list[int]) -> list[ReportData]:
    return [sample_report(), sample_report(language="en")] + [
        build_report(db, invitation_id=i, language=lang)
        for i in invitation_ids
        for lang in ("ru", "en")
    ]


def test_the_template_uses_only_the_elements_its_stylesheet_covers(
    db: Session,
    demo: list[int],  # noqa: F811
) -> None:
    used: set[str] = set()
    for report in _reports(db, demo):
        for tight in (False, True):
            used |= {el.tag for el in parse(report_html(report, tight=tight)).iter()}
    used.discard("document")  # the parser's root, not an element of the page
    assert used <= PRINT_ELEMENTS, used - PRINT_ELEMENTS


def _pixels(pdf: bytes, tmp_path: Path, name: str) -> list[bytes]:
    from PIL import Image

    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / name)], check=True)
    return [Image.open(p).tobytes() for p in sorted(tmp_path.glob(f"{name}-*.png"))]


@needs_poppler
def test_the_pages_are_the_same_as_with_weasyprints_default_stylesheet(
    db: Session,
    demo: list[int],  # noqa: F811
    tmp_path: Path,
) -> None:
    from weasyprint import HTML

    base = str(TEMPLATES / "pdf")
    compared = 0
    for n, report in enumerate(_reports(db, demo)):
        for tight in (False, True):
            html = report_html(report, tight=tight)
            with print_resources() as (stylesheet, fonts):
                ours = print_html_class()(string=html, base_url=base).write_pdf(
                    stylesheets=[stylesheet], font_config=fonts
                )
                default = HTML(string=html, base_url=base).write_pdf(
                    stylesheets=[stylesheet], font_config=fonts
                )
            a = _pixels(ours, tmp_path, f"ours{n}{tight:d}")
            b = _pixels(default, tmp_path, f"default{n}{tight:d}")
            assert len(a) == len(b) >= 2, (n, tight)
            assert a == b, (n, tight, report.language)
            compared += 1
    assert compared >= 8


def test_weasyprint_still_reads_its_default_stylesheet_where_the_override_replaces_it() -> None:
    """The lighter stylesheet replaces a private WeasyPrint method. If an upgrade renamed it, the
    pages would look the same (the test above) but every export would silently be slower: this
    fails instead, and says where to look."""
    from weasyprint import HTML

    from app.exports.pdf import print_html_class

    assert callable(getattr(HTML, "_ua_stylesheets", None)), (
        "weasyprint.HTML._ua_stylesheets is gone: find where this WeasyPrint version reads its "
        "user-agent stylesheet and move print_html_class's override there"
    )
    default = HTML(string="<p>x</p>")._ua_stylesheets()
    ours = print_html_class()(string="<p>x</p>")._ua_stylesheets()
    assert len(ours) == 1 and ours[0] not in default
