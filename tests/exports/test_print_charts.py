"""The print charts (app.charts.blocks): text rows whose bars are borders, with the same rules
as the page's SVG charts, and a geometry that fits the print stylesheet's line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.charts import DichotomyBar, GaugeReading, RoleBar, TypeBar
from app.charts.blocks import (
    BAR_MM,
    LINE_MM,
    MIN_BAR_MM,
    POLE_MM,
    TEXT_AT_MM,
    dichotomy_rows,
    gauge_block,
    role_rows,
    stylesheet,
    type_rows,
)
from tests.htmlq import Element, parse

PRINT_CSS = Path(__file__).resolve().parents[2] / "templates" / "pdf" / "report.css"
CENTRE = LINE_MM / 2


def style_mm(el: Element, prop: str) -> float:
    m = re.search(rf"(?:^|;){prop}:([-\d.]+)mm", el.get("style") or "")
    assert m, f"{prop} not in {el.get('style')!r}"
    return float(m.group(1))


def rows_of(html: str, cls: str) -> list[Element]:
    return parse(html).find_all("p", class_=cls)


def dich(rows: list[DichotomyBar]) -> str:
    return dichotomy_rows(rows, borderline="на границе", not_scored="не оценено")


def test_the_charts_line_is_the_print_stylesheets_line() -> None:
    # A4 is 210 mm wide; the side margins of @page leave the line the bars are measured on.
    page = re.search(r"@page\s*{[^@]*?margin:\s*([\d.]+)mm\s+([\d.]+)mm", PRINT_CSS.read_text())
    assert page, "no @page margin in report.css"
    assert 210 - 2 * float(page.group(2)) == LINE_MM
    assert TEXT_AT_MM > BAR_MM and 2 * POLE_MM < LINE_MM
    # The dichotomy's low pole ends at the line's centre, where its bars start.
    assert f"width: {CENTRE:.2f}mm" in stylesheet()


def test_types_come_most_probable_first_with_bars_in_proportion() -> None:
    html = type_rows(
        [TypeBar(f"T{n}", p) for n, p in enumerate([0.05, 0.6, 0.0, 0.3, 0.05, 1e-9])], top=5
    )
    rows = rows_of(html, "rf-bar")
    assert [r.text.split()[0] for r in rows] == ["T1", "T3", "T0", "T4", "T5"]
    assert "rf-win" in (rows[0].get("class") or "")  # the most probable in bold
    bars = [style_mm(r, "border-left-width") for r in rows]
    assert bars[0] == pytest.approx(0.6 * BAR_MM)
    assert bars[1] == pytest.approx(0.3 * BAR_MM)
    assert bars[4] == MIN_BAR_MM  # next to nothing still shows a sliver
    # Every row's text starts at the same place, whatever its bar.
    for row, bar in zip(rows, bars, strict=True):
        assert bar + style_mm(row, "padding-left") == pytest.approx(TEXT_AT_MM)


def test_probabilities_never_read_0_or_100_percent() -> None:
    html = type_rows([TypeBar("ESI", 1.0), TypeBar("SEI", 0.0)])
    text = parse(html).text
    assert "ESI 95%" in text and "SEI 5%" in text  # 5% steps within 5-95%
    assert "100%" not in text and " 0%" not in text and ">99%" not in text


def test_roles_are_ranked_with_leads_that_add_up_and_the_target_starred() -> None:
    html = role_rows(
        [
            RoleBar("hunter", "охотник", 20.4),
            RoleBar("farmer", "фермер", 89.6),
            RoleBar("ops", "операции", 64.5),
        ],
        target="hunter",
        target_label="целевая роль",
        margin_legend="+N: отрыв в баллах от следующей роли",
    )
    rows = rows_of(html, "rf-bar")
    assert [r.text for r in rows] == [
        "90 (+26) · 1. фермер",
        "64 (+44) · 2. операции",
        "20 · 3. охотник ★",
    ]
    assert "rf-target" in (rows[2].get("class") or "") and "rf-win" in (rows[2].get("class") or "")
    assert style_mm(rows[0], "border-left-width") == pytest.approx(0.9 * BAR_MM)
    legend = parse(html).one("p", class_="rf-legend").text
    assert legend.startswith("★ целевая роль") and "+N" in legend


def test_without_a_target_role_no_star_is_explained() -> None:
    html = role_rows(
        [RoleBar("a", "A", 50)], target=None, target_label="целевая роль", margin_legend="+N"
    )
    assert "★" not in parse(html).text


@pytest.mark.parametrize(("p_high", "winner"), [(0.9, "high"), (0.2, "low"), (0.5, "high")])
def test_a_dichotomy_bar_grows_from_the_centre_towards_the_likelier_pole(
    p_high: float, winner: str
) -> None:
    html = dich([DichotomyBar("Интроверсия (I)", "Экстраверсия (E)", p_high, False)])
    low = parse(html).one("p", class_="rf-low")
    high = parse(html).one("p", class_="rf-high")
    start, length = style_mm(high, "margin-left"), style_mm(high, "border-left-width")
    half = LINE_MM / 2 - POLE_MM - 2
    assert length == pytest.approx(max(abs(p_high - 0.5) * 2 * half, MIN_BAR_MM))
    if winner == "high":
        assert start == pytest.approx(CENTRE)
        assert "rf-win" in (high.get("class") or "") and high.text.endswith("%")
    else:
        assert start + length == pytest.approx(CENTRE)
        assert "rf-win" in (low.get("class") or "") and low.text == "Интроверсия (I) 80%"
    # The high pole's name starts in its own column whatever the bar.
    assert start + length + style_mm(high, "padding-left") == pytest.approx(LINE_MM - POLE_MM)


def test_a_borderline_or_unscored_dichotomy_says_so_in_words() -> None:
    html = dich(
        [
            DichotomyBar("Сенсорика (S)", "Интуиция (N)", 0.6, True),
            DichotomyBar("Логика (L)", "Этика (F)", None, False),
        ]
    )
    notes = [n.text for n in parse(html).find_all("p", class_="rf-note")]
    assert notes == ["◆ на границе", "не оценено"]
    unscored = parse(html).find_all("p", class_="rf-high")[1]
    assert style_mm(unscored, "border-left-width") == 0
    assert "%" not in unscored.text


def test_a_long_pole_name_is_shortened_to_its_column() -> None:
    html = dich([DichotomyBar("Очень " * 30 + "(X)", "Y", 0.1, False)])
    low = parse(html).one("p", class_="rf-low").text
    assert "…" in low and low.endswith("90%")
    assert len(low) < 60


def test_caller_text_is_escaped_and_cleaned() -> None:
    html = str(
        type_rows([TypeBar('<script>alert(1)</script> "x"', 0.5), TypeBar("gnp\u202e.exe", 0.4)])
        + role_rows(
            [RoleBar("r", "<b>bold</b>", 10)], target="r", target_label="<i>", margin_legend="&"
        )
    )
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "&lt;i&gt;" in html
    assert "\u202e" not in html and "gnp.exe" in html


def test_the_gauge_marks_the_score_and_the_candidates_band() -> None:
    bands = [
        (0.0, 0.3, "Явный интроверт"),
        (0.3, 0.7, "На границе"),
        (0.7, 1.0, "Явный экстраверт"),
    ]
    html = gauge_block(
        GaugeReading(
            0.8,
            low_label="Интроверсия",
            high_label="Экстраверсия",
            band_label="Явный экстраверт",
            p_high=0.93,
            bands=bands,
        ),
        probability="{pole}: вероятность {percent}",
        not_scored="не оценено",
    )
    doc = parse(html)
    assert doc.one("p", class_="rf-gauge-head").text == (
        "Явный экстраверт · Экстраверсия: вероятность 95%"
    )
    gauge = doc.one("p", class_="rf-gauge")
    assert gauge.text == "▼ 80"
    style = gauge.get("style") or ""
    # The needle first (on top), then one layer per band, in order.
    assert style.count("linear-gradient(") == 1 + len(bands)
    assert "text-indent:calc(80.0% - 1.3mm)" in style
    legend = doc.one("p", class_="rf-legend")
    # A word joiner after the dash keeps the range on one line.
    assert [b.text for b in legend.find_all("b")] == ["Явный экстраверт 70–\u2060100"]
    assert legend.text.count("–") == len(bands)


def test_an_unscored_gauge_has_no_needle() -> None:
    html = gauge_block(
        GaugeReading(None, "I", "E", "—", p_high=None, bands=[(0.0, 1.0, "all")]),
        probability="{pole} {percent}",
        not_scored="not scored",
    )
    doc = parse(html)
    assert doc.one("p", class_="rf-gauge-head").text == "not scored"
    assert "▼" not in doc.text
    assert (doc.one("p", class_="rf-gauge").get("style") or "").count("linear-gradient(") == 1


def test_empty_or_impossible_data_is_a_caller_error() -> None:
    with pytest.raises(ValueError):
        type_rows([])
    with pytest.raises(ValueError):
        dich([])
    with pytest.raises(ValueError):
        role_rows([RoleBar("a", "A", 101)], target=None, target_label="", margin_legend="")
    with pytest.raises(ValueError):
        type_rows([TypeBar("A", 1.5)])
