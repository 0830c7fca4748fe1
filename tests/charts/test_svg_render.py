"""The charts as browsers and WeasyPrint lay them out: sized right, nothing clipped or overlapping.

The browser test drives the system Chromium (skipped without it, failed with REQUIRE_BROWSER=1);
the print test needs WeasyPrint.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup

from app.charts import (
    DichotomyBar,
    DichotomyLabels,
    GaugeLabels,
    GaugeReading,
    RoleBar,
    RoleLabels,
    TypeBar,
    TypeLabels,
    dichotomy_bars,
    draw,
    gauge,
    role_ranking,
    type_bars,
)
from app.charts.evidence import EffectRow, effect_intervals

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

RU_BANDS = [
    (0.0, 0.3, "Явный интроверт"),
    (0.3, 0.45, "Умеренный интроверт"),
    (0.45, 0.55, "Пограничная зона"),
    (0.55, 0.7, "Умеренный экстраверт"),
    (0.7, 1.0, "Явный экстраверт"),
]


def report_charts(*, fluid: bool) -> list[Markup]:
    """Realistic charts with the longest Russian labels the report uses."""
    return [
        dichotomy_bars(
            [
                DichotomyBar("Интроверсия", "Экстраверсия", 0.86, False),
                DichotomyBar("Сенсорика", "Интуиция", 0.38, True),
                DichotomyBar("Иррациональность", "Рациональность", 0.004, False),
                DichotomyBar("Логика", "Этика", 0.999, False),
                DichotomyBar("Демократия", "Аристократия", None, False),
                DichotomyBar(
                    "Статика: описывает состояния", "Динамика: описывает процессы", 0.5, True
                ),
            ],
            labels=DichotomyLabels(
                "Дихотомии", "на границе", "Серая зона: пограничная область (25–75%)", "не оценено"
            ),
            fluid=fluid,
        ),
        type_bars(
            [
                TypeBar("ЭСЭ — Энтузиаст", 0.999),
                TypeBar("ЛСЭ — Администратор", 0.0005),
                TypeBar("ЭИЭ — Наставник", 0.0005),
            ],
            labels=TypeLabels("Наиболее вероятные типы"),
            fluid=fluid,
        ),
        role_ranking(
            [
                RoleBar("farmer", "Клиентский менеджер (фермер)", 100),
                RoleBar("sales_operations", "СОП и операционная работа", 99),
                RoleBar("hunter", "Охотник", 0),
            ],
            target=["farmer", "sales_operations"],
            labels=RoleLabels(
                "Соответствие ролям",
                "целевая роль",
                "+N: на сколько баллов роль опережает следующую",
            ),
            fluid=fluid,
        ),
        *(
            gauge(
                GaugeReading(
                    value,
                    low_label="Интроверсия",
                    high_label="Экстраверсия",
                    band_label="Умеренный экстраверт",
                    p_high=p_high,
                    bands=RU_BANDS,
                ),
                interval=interval,
                labels=GaugeLabels(
                    "Интроверсия – экстраверсия",
                    "Балл",
                    "{pole}: вероятность {percent}",
                    "вероятный диапазон",
                    "не оценено",
                ),
                fluid=fluid,
            )
            for value, p_high, interval in [
                (0.0, 0.001, (0.0, 0.08)),
                (1.0, 0.999, (0.9, 1.0)),
                (0.5, 0.5, None),
                (None, None, None),
            ]
        ),
        # The evidence page's chart with its Russian caption, wider than the half of the chart
        # right of zero, and an interval reaching the axis's end (the last tick's number).
        effect_intervals(
            [
                EffectRow("ЛИИ (LII)", 1.03, 0.47, 1.59, moved=True),
                EffectRow("ЭИЭ (EIE)", -0.72, -2.3, 0.1),
                EffectRow("СЭИ (SEI)", 0.0, -0.4, 0.4),
            ],
            title="Результаты каждого типа в этой роли",
            desc="Типы по соответствию роли",
            axis="хуже ← результаты, стандартные отклонения → лучше",
            fluid=fluid,
        ),
    ]


# --- browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    path = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()),
                None) or shutil.which("chromium")  # fmt: skip
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no Chromium found")
        pytest.skip("no Chromium found (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"></head>
<body>{charts}</body></html>"""
# Stricter than the app's policy: nothing inline at all (the test's init script is exempt).
CSP = "default-src 'none'"

MEASURE = """() => [...document.querySelectorAll('svg')].map(svg => {
  const box = svg.getBoundingClientRect();
  const vb = svg.viewBox.baseVal;
  const texts = [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox();
    return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height,
            length: t.getComputedTextLength(), size: +t.getAttribute('font-size'),
            bold: t.getAttribute('font-weight') === 'bold'};
  });
  return {width: box.width, height: box.height, vbw: vb.width, vbh: vb.height, texts};
})"""


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [360, 1200])
def test_charts_fit_the_page_with_no_text_clipped_or_overlapping(
    chromium: Any, viewport: int
) -> None:
    page = chromium.new_page(viewport={"width": viewport, "height": 800})
    page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.violations.push(e.violatedDirective));"
    )
    html = PAGE.format(charts="".join(report_charts(fluid=True)))
    page.route(
        "http://charts.test/",
        lambda route: route.fulfill(
            body=html,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CSP},
        ),
    )
    page.goto("http://charts.test/")
    assert page.evaluate("window.violations") == []
    body_width = page.evaluate("document.body.clientWidth")
    for svg in page.evaluate(MEASURE):
        # fluid: as wide as the page, as tall as the viewBox's proportions say
        assert svg["width"] == pytest.approx(body_width, abs=1)
        assert svg["height"] == pytest.approx(svg["width"] * svg["vbh"] / svg["vbw"], abs=1)
        texts = svg["texts"]
        for t in texts:
            assert t["x"] >= -0.5 and t["x"] + t["w"] <= svg["vbw"] + 0.5, t
            assert t["y"] >= -0.5 and t["y"] + t["h"] <= svg["vbh"] + 0.5, t
            # the layout's width estimate never falls short of the real text
            estimate = draw.text_width(t["text"], t["size"], t["bold"])
            assert t["length"] <= estimate + 0.5, t
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                overlap_x = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
                # glyph boxes include line gaps; 3 units of vertical slack is not an overlap
                overlap_y = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
                assert overlap_x <= 0.5 or overlap_y <= 3, (a["text"], b["text"])
    page.close()


# --- WeasyPrint ------------------------------------------------------------------------


def _svg_boxes(document: Any) -> list[Any]:
    # WeasyPrint has no public layout API; its box tree is stable enough for a test.
    found = []

    def walk(box: Any) -> None:
        if str(getattr(box, "element_tag", "")).endswith("svg"):
            found.append(box)
        for child in getattr(box, "children", None) or []:
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return found


def test_weasyprint_lays_out_fluid_and_fixed_charts_at_their_size() -> None:
    weasyprint = pytest.importorskip("weasyprint")
    fluid = report_charts(fluid=True)
    fixed = report_charts(fluid=False)
    html = "<html><body>"
    html += "".join(f'<div style="width: 300px">{c}</div>' for c in fluid)
    html += "".join(f"<div>{c}</div>" for c in fixed)
    html += "</body></html>"
    document = weasyprint.HTML(string=html).render()
    boxes = _svg_boxes(document)
    assert len(boxes) == len(fluid) + len(fixed)
    for box, chart in zip(boxes, fluid + fixed, strict=True):
        _, _, vb_w, vb_h = (float(v) for v in chart.split('viewBox="', 1)[1].split('"')[0].split())
        expected_w = 300 if chart in fluid else vb_w
        assert box.width == pytest.approx(expected_w, abs=0.5)
        assert box.height == pytest.approx(expected_w * vb_h / vb_w, abs=0.5)
    assert document.write_pdf().startswith(b"%PDF")
