"""The fit report as a PDF, read back the way a person reads it: every part of the report in
the text (pdftotext), no two words on top of each other, the bars on the page, page numbers,
Cyrillic intact; and the print template stays free of what makes WeasyPrint slow."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.exports import pdf as pdf_module
from app.exports.pdf import render_report_pdf, report_html
from app.reports.data import (
    ChecklistItem,
    DichotomyInfo,
    ExtraversionInfo,
    Headline,
    InterviewQuestion,
    MatrixInfo,
    PersonInfo,
    QuestionnaireTaken,
    ReportData,
    RoleInfo,
    TypeInfo,
    VacancyInfo,
)
from tests.htmlq import parse

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="pdftotext and pdftoppm (poppler-utils) are not installed",
)

ROOT = Path(__file__).resolve().parents[2]
WHEN = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
NAME = "Анна Петрова-Щукина"


def dichotomy(id_: str, low: tuple[str, str], high: tuple[str, str], p_high: float | None):
    scored = p_high is not None
    pole = None if p_high is None else (high if p_high >= 0.5 else low)
    return DichotomyInfo(
        id=id_,
        questionnaire="socionics_16",
        low_code=low[0],
        low_name=low[1],
        high_code=high[0],
        high_name=high[1],
        scored=scored,
        pole=pole[0] if pole else None,
        pole_name=pole[1] if pole else None,
        probability=None if p_high is None else max(p_high, 1 - p_high),
        p_high=p_high,
        borderline=p_high is not None and 0.25 < p_high < 0.75,
        calibration_source="prior",
        calibration_n=0,
        reliability=0.7,
        raw=50.0,
        percentile=None,
        norm_n=0,
    )


def sample_report(**changes: object) -> ReportData:
    """A report with every part the PDF prints, in Russian."""
    questionnaires = [
        QuestionnaireTaken(
            "introversion_extraversion", "1.0.0", "Интроверсия и экстраверсия", WHEN, 300,
            "doubtful", ["too_fast"],
        ),
        QuestionnaireTaken(
            "socionics_16", "1.0.0", "Соционический опросник", WHEN, 900, "good", []
        ),
    ]  # fmt: skip
    report = ReportData(
        invitation_id=7,
        language="ru",
        generated_at=WHEN,
        candidate=PersonInfo(NAME, "anna@example.com"),
        vacancy=VacancyInfo(3, "Клиентский менеджер, Москва", "farmer", "Фермер"),
        status="completed",
        invited_at=WHEN,
        completed_at=WHEN,
        questionnaires=questionnaires,
        answered_ie=True,
        answered_socionics=True,
        matrix=MatrixInfo(1, "2026-11", "abc", "file", WHEN, False, WHEN, False),
        headline=Headline(
            available=True,
            placement="farmer",
            placement_name="Фермер (клиентский менеджер)",
            best_role="farmer",
            best_role_name="Фермер (клиентский менеджер)",
            best_fit=88.6,
            target_fit=88.6,
            target_rank=1,
            type_code="ESI",
            type_name="ESI (ЭСИ), Хранитель",
            type_probability=0.71,
            too_close_to_call=True,
            no_good_fit=False,
            runner_up_name="охотник (активные продажи)",
            outcome="too_close_to_call",
        ),
        dichotomies=[
            dichotomy("EI", ("I", "Интроверсия"), ("E", "Экстраверсия"), 0.12),
            dichotomy("SN", ("S", "Сенсорика"), ("N", "Интуиция"), 0.64),
            dichotomy("LF", ("F", "Этика"), ("L", "Логика"), None),
            dichotomy("RI", ("P", "Иррациональность"), ("J", "Рациональность"), 0.97),
        ],
        extraversion=ExtraversionInfo(
            score=23,
            raw=31.0,
            p_high=0.08,
            pole="I",
            probability=0.92,
            borderline=False,
            band="clear_introvert",
            suggestion="client_or_operations",
            calibration_source="prior",
            prorated=False,
            percentile=None,
            norm_n=0,
            band_edges=(0.3, 0.45, 0.55, 0.7),
        ),
        types=[
            TypeInfo("ESI", "ЭСИ", "Хранитель", "Драйзер", 0.71),
            TypeInfo("SEI", "СЭИ", "Посредник", "Дюма", 0.17),
            TypeInfo("LSI", "ЛСИ", "Инспектор", "Горький", 0.06),
        ],
        runners_up=[],
        borderline=["SN"],
        roles=[
            RoleInfo("farmer", "фермер (клиентский менеджер)", 88.6, 1, 21.1, 0.0, True),
            RoleInfo("sales_operations", "СОП и операционная работа", 67.5, 2, 30.0, 21.1, False),
            RoleInfo("hunter", "охотник", 37.5, 3, None, 51.1, False),
        ],
        placements=[],
        explanation=[
            "Лучше всего подходит роль «фермер (клиентский менеджер)».",
            "Интроверсия понизила соответствие роли «охотник» на 32 балла.",
        ],
        quality_level="doubtful",
        quality_flags=["too_fast"],
        extraversion_check=None,
        universal_warning=None,
        show_checklist=True,
        checklist=[
            ChecklistItem(
                "listens",
                "Умеет слушать",
                "Даёт ли договорить?",
                True,
                "Да, уточняла.",
                "rita@example.com",
                WHEN,
            ),
            ChecklistItem(
                "numbers", "Работает с цифрами", "Дайте бланк заказа.", False, "", None, None
            ),
        ],
        interview_questions=[
            InterviewQuestion("SN", "S", "borderline", "Как вы готовитесь к разговору с клиентом?"),
        ],
        norms=[],
        disclaimer="Эта рекомендация — совет; решение принимает читатель.",
    )
    return dataclasses.replace(report, **changes)  # type: ignore[arg-type]


def pdf_words(pdf: bytes, tmp_path: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words with their boxes (pdftotext -bbox)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        words = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page,
        )
        pages.append([(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in words])
    return pages


def flat_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return out


@needs_poppler
def test_the_pdf_holds_every_part_of_the_report(tmp_path: Path) -> None:
    text = flat_text(render_report_pdf(sample_report()), tmp_path)
    pages = text.count("\f")
    flat = " ".join(text.split())
    expected = [
        NAME,
        "Клиентский менеджер, Москва",
        "2026-11-26",  # the report date, in the header and on every page's footer
        # the answer first
        "Рекомендуемая позиция: Фермер (клиентский менеджер) · 89/100",
        "Соответствие целевой роли: 89/100 · место 1",
        "ESI (ЭСИ), Хранитель: 70%",
        # each dichotomy with its probability (shown in 5% steps within 5-95%), the borderline
        # and the unscored one in words
        "Интроверсия (I) 90%",
        "Интуиция (N) 65%",
        "на границе",
        "Этика (F)",
        "не оценено",
        "Рациональность (J) 95%",
        # the most probable types, the roles ranked with their margins, the target starred
        "ЭСИ — Хранитель 70%",
        "СЭИ — Посредник 15%",
        "89 (+21) · 1. фермер (клиентский менеджер) ★",
        "68 (+30) · 2. СОП и операционная работа",
        "38 · 3. охотник",
        # the extraversion gauge
        "Явный интроверт · Интроверсия: вероятность 90%",
        "▼ 23",
        "Балл экстраверсии: 23 из 100",
        # explanation, quality flags, checklist (checked, comment), questions, versions, advice
        "Интроверсия понизила соответствие роли «охотник» на 32 балла.",
        "Ответы даны очень быстро",
        "☑ Умеет слушать",
        "Да, уточняла.",
        "☐ Работает с цифрами",
        "Как вы готовитесь к разговору с клиентом?",
        "Интроверсия и экстраверсия, версия 1.0.0, ответы от 2026-11-26",
        "Соционический опросник, версия 1.0.0",
        "матрица соответствия ролям, версия 1 от 2026-11-26 · действует более новая матрица",
        "Эта рекомендация — совет; решение принимает читатель.",
        f"стр. 1 из {pages}",
        f"стр. {pages} из {pages}",
    ]
    missing = [piece for piece in expected if piece not in flat]
    assert not missing, (missing, flat[:2000])


@needs_poppler
@pytest.mark.parametrize("language", ["ru", "en"])
def test_no_two_words_overlap_on_any_page(tmp_path: Path, language: str) -> None:
    # The charts put two paragraphs on one line (the dichotomy's poles, the gauge's ends);
    # if that goes wrong, words land on top of each other.
    pages = pdf_words(render_report_pdf(sample_report(language=language)), tmp_path)
    assert pages and all(pages)
    for n, words in enumerate(pages, start=1):
        for i, (ax0, ay0, ax1, ay1, a) in enumerate(words):
            for bx0, by0, bx1, by1, b in words[i + 1 :]:
                dx = min(ax1, bx1) - max(ax0, bx0)
                dy = min(ay1, by1) - max(ay0, by0)
                assert dx <= 0.5 or dy <= 0.5, f"page {n}: {a!r} overlaps {b!r}"


def first_page_colours(pdf: bytes, tmp_path: Path) -> list[tuple[int, Any]]:
    from PIL import Image

    path = tmp_path / "colours.pdf"
    path.write_bytes(pdf)
    for old in tmp_path.glob("p*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "p")],
        check=True,
    )
    (png,) = tmp_path.glob("p*.png")
    return Image.open(png).convert("RGB").getcolors(1 << 16) or []


def pixels_near(counts: list[tuple[int, Any]], colour: str) -> int:
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(n for n, px in counts if sum(abs(a - b) for a, b in zip(px, rgb, strict=True)) < 30)


@needs_poppler
def test_the_bars_are_drawn(tmp_path: Path) -> None:
    report = sample_report()
    with_charts = first_page_colours(render_report_pdf(report), tmp_path)
    without = first_page_colours(
        render_report_pdf(dataclasses.replace(report, types=[], roles=[], dichotomies=[])),
        tmp_path,
    )
    # At 40 dpi a 70 mm bar one line high is about 110 x 8 pixels; the blue bars of the types,
    # roles and dichotomies add up to several of those (the text has none of that blue).
    assert pixels_near(with_charts, "#0b5cad") - pixels_near(without, "#0b5cad") > 1500
    # The target role's bar is dark (text is dark too, so compare with no target role).
    untargeted = [dataclasses.replace(r, is_target=False) for r in report.roles]
    plain = first_page_colours(
        render_report_pdf(dataclasses.replace(report, roles=untargeted)), tmp_path
    )
    assert pixels_near(with_charts, "#1b1f24") - pixels_near(plain, "#1b1f24") > 400


@needs_poppler
def test_an_english_report_numbers_its_pages_in_english(tmp_path: Path) -> None:
    text = flat_text(render_report_pdf(sample_report(language="en")), tmp_path)
    pages = text.count("\f")
    assert f"page 1 of {pages}" in " ".join(text.split())


def test_the_print_template_has_no_svg_tables_or_line_breaks() -> None:
    # WeasyPrint lays out an inline SVG's every text through Pango, sizes tables by laying out
    # every cell twice more, and a <br> costs more than a paragraph (bench/README.md).
    doc = parse(report_html(sample_report()))
    for tag in ("svg", "table", "br", "img"):
        assert doc.find_all(tag) == [], tag
    assert len(doc.find_all("p", class_="rf-bar")) == 3 + 3  # types and roles, one row each


def test_stylesheets_and_fonts_are_reused_but_never_shared_by_two_renders() -> None:
    with pdf_module.print_resources() as first:
        pass
    with pdf_module.print_resources() as again:
        assert again is first  # reused: parsed and set up once
        # A render running meanwhile (another server thread) gets its own: Pango's font map
        # is not thread-safe.
        with pdf_module.print_resources() as meanwhile:
            assert meanwhile is not first and meanwhile[1] is not first[1]
    got: list[object] = []

    def render_elsewhere() -> None:
        with pdf_module.print_resources() as res:
            got.append(res)

    thread = threading.Thread(target=render_elsewhere)
    thread.start()
    thread.join()
    assert got[0] in (first, meanwhile)  # no new one while idle ones are there


def test_a_process_that_rendered_a_pdf_exits_cleanly() -> None:
    # cffi may unload GLib and Pango before the last Python objects are freed at teardown, and
    # a font map freed then crashes the process: it did, at the end of bench/bench_pdf.py, when
    # the font configurations were kept in a threading.local. The app's whole start (database,
    # web flow: bench/_report_fixture.py) is what made the teardown order bite.
    script = (
        "from bench._report_fixture import completed_invitation\n"
        "from tests.exports.test_pdf_report import sample_report\n"
        "from app.exports.pdf import render_report_pdf\n"
        "with completed_invitation():\n"
        "    render_report_pdf(sample_report())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=ROOT)
    assert done.returncode == 0, (done.returncode, done.stderr.decode()[-2000:])


@needs_poppler
def test_unusable_answers_show_the_retake_first_and_no_placement(tmp_path: Path) -> None:
    """As on the page: unusable answers say so first, then why and what to do next, and name
    no placement."""
    report = sample_report(quality_level="unusable")
    unusable = dataclasses.replace(
        report,
        headline=dataclasses.replace(report.headline, outcome="not_interpretable", placement=None),
    )
    flat = " ".join(flat_text(render_report_pdf(unusable), tmp_path).split())
    assert "попросите пройти заново" in flat and "Что дальше" in flat
    assert "Ответы даны очень быстро" in flat
    assert "Рекомендуемая позиция" not in flat
    assert flat.index("попросите пройти заново") < flat.index("Ответы даны очень быстро")
