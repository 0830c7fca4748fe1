"""The PDF of every demo candidate: no nearly empty last page where the content would fit (the
fill measured independently, from the words poppler finds on the page), and the recorded
decision with its note."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.decisions.service import record_decision
from app.demo import add_demo_candidates
from app.exports.pdf import NEARLY_EMPTY_BELOW, render_report_pdf
from app.main import load_questionnaires
from app.models import FitRecord, Invitation
from app.reports.build import build_report
from app.staff.service import create_vacancy
from tests.factories import make_user

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)
# A4 in points, and the print stylesheet's 18 mm top and bottom margins.
PAGE_PT, MARGIN_PT = 841.89, 18 / 25.4 * 72


def _pages_and_last_fill(pdf: bytes, tmp_path: Path) -> tuple[int, float]:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    words = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), "-bbox", str(path), "-"],
        capture_output=True,
        text=True,
    ).stdout
    body = [
        float(y)
        for y in re.findall(r'yMax="([\d.]+)"', words)
        if MARGIN_PT < float(y) < PAGE_PT - MARGIN_PT  # not the running header and footer
    ]
    area = PAGE_PT - 2 * MARGIN_PT
    return pages, (max(body) - MARGIN_PT) / area if body else 0.0


@pytest.fixture
def demo(db: Session, settings) -> list[int]:
    admin = make_user(db, email="ada@example.com", role="admin")
    vacancy = create_vacancy(
        db,
        title="Демо: клиентский менеджер",
        placement="farmer",
        language="ru",
        questionnaire_ids=["introversion_extraversion", "socionics_16"],
        created_by=admin,
    )
    add_demo_candidates(
        db, settings=settings, vacancy=vacancy, admin=admin, catalog=load_questionnaires()
    )
    db.commit()
    return sorted(f.invitation_id for f in db.exec(select(FitRecord)).all())


@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_demo_report_ends_on_a_nearly_empty_page(
    db: Session, demo: list[int], tmp_path: Path, language: str
) -> None:
    for invitation_id in demo:
        pdf = render_report_pdf(build_report(db, invitation_id=invitation_id, language=language))
        pages, fill = _pages_and_last_fill(pdf, tmp_path)
        assert pages == 1 or fill >= NEARLY_EMPTY_BELOW, (invitation_id, pages, f"{fill:.0%}")


def test_the_pdf_prints_the_recorded_decision_and_its_note(
    db: Session, demo: list[int], tmp_path: Path
) -> None:
    invitation = db.get(Invitation, demo[0])
    author = make_user(db, email="boss@example.com", role="hiring_manager")
    assert invitation is not None
    record_decision(
        db, invitation=invitation, author=author, decision="hold", note="Ждём рекомендации"
    )
    db.commit()
    pdf = render_report_pdf(build_report(db, invitation_id=demo[0], language="ru"))
    path = tmp_path / "d.pdf"
    path.write_bytes(pdf)
    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "Решение:" in text and "boss@example.com" in text
    assert "Ждём рекомендации" in text
    ru_hold = re.search(r"Решение: (\S+)", text)
    assert ru_hold and ru_hold.group(1) != "hold"  # the label, in Russian
