"""Every chart drawn the same, byte for byte: the page's SVG charts, the PDF's blocks and the
evidence chart, from fixed inputs, against the files in tests/charts/golden/.

The inputs are the chart calls of six demo reports (``golden/demo_cases.json``, recorded from
``rolefit demo`` data in both languages, fluid and fixed) and the cases below, which reach the
layouts' less common branches (unscored rows, hostile text, labels too long for their line).
Only the generated ids differ between runs; they are replaced by ``ID`` before comparing.

After a deliberate change to a chart, write the new files with ``UPDATE_GOLDEN=1`` and read
the diff before committing it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app import charts
from app.charts import blocks
from app.charts.evidence import EffectRow, effect_intervals

GOLDEN = Path(__file__).resolve().parent / "golden"
GENERATED_ID = re.compile(r"rfc\d+-[0-9a-f]{6}")
TYPES = {
    name: getattr(charts, name)
    for name in (
        "DichotomyBar",
        "DichotomyLabels",
        "TypeBar",
        "TypeLabels",
        "RoleBar",
        "RoleLabels",
        "GaugeLabels",
        "GaugeReading",
    )
}
SVG_KINDS = {"dichotomy_bars", "type_bars", "role_ranking", "gauge"}
BLOCK_KINDS = {"dichotomy_rows", "type_rows", "role_rows", "gauge_block"}


def _build(value: Any) -> Any:
    if isinstance(value, dict) and "_type" in value:
        fields = {k: _build(v) for k, v in value.items() if k != "_type"}
        return TYPES[value["_type"]](**fields)
    if isinstance(value, dict):
        return {k: _build(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_build(v) for v in value]
    return value


def _function(kind: str) -> Callable[..., Any]:
    if kind in SVG_KINDS:
        return getattr(charts, kind)  # type: ignore[no-any-return]
    assert kind in BLOCK_KINDS, kind
    return getattr(blocks, kind)  # type: ignore[no-any-return]


def _recorded() -> dict[str, Callable[[], Any]]:
    cases = json.loads((GOLDEN / "demo_cases.json").read_text(encoding="utf-8"))
    return {
        c["name"]: (lambda c=c: _function(c["kind"])(*_build(c["args"]), **_build(c["kwargs"])))
        for c in cases
    }


HOSTILE = 'A & <b>"B"</b>\u202e\u0000 ' + "Ж" * 200
LONG = "Клиентский менеджер по работе с ключевыми клиентами и сопровождению сделок"
BANDS = [
    (0.0, 0.3, "Clear introvert"),
    (0.3, 0.45, "Moderate introvert"),
    (0.45, 0.55, "Borderline"),
    (0.55, 0.7, "Moderate extravert"),
    (0.7, 1.0, "Clear extravert"),
]
GAUGE_LABELS = charts.GaugeLabels(
    title="Introversion – extraversion",
    score="Score",
    probability="{pole}: {percent} probability",
    interval="likely range",
    not_scored="not scored",
)
DICHOTOMY_LABELS = charts.DichotomyLabels(
    title="Dichotomies",
    borderline="borderline",
    zone="Shaded: borderline zone (25–75%)",
    not_scored="not scored",
)
ROLE_LABELS = charts.RoleLabels(
    title="Fit by role", target="target role", margin="+N: points ahead of the next role"
)


def _dichotomies(s: str) -> list[charts.DichotomyBar]:
    return [
        charts.DichotomyBar(s, s, 0.7, True),
        charts.DichotomyBar(s, s, None, False),
        charts.DichotomyBar("Introversion", "Extraversion", 0.999, False),
        charts.DichotomyBar("Introversion", "Extraversion", 0.001, True),
        charts.DichotomyBar("I", "E", 0.5, False),
    ]


def _roles(s: str) -> list[charts.RoleBar]:
    return [
        charts.RoleBar("hunter", s, 70.4),
        charts.RoleBar("farmer", LONG, 69.6),
        charts.RoleBar("ops", "Operations", 0),
        charts.RoleBar("x", "X", 100),
    ]


def _gauge(value: float | None, **kw: Any) -> charts.GaugeReading:
    args: dict[str, Any] = {
        "low_label": "Introversion",
        "high_label": "Extraversion",
        "band_label": "Moderate extravert",
        "p_high": 0.86,
        "bands": BANDS,
    }
    args.update(kw)
    return charts.GaugeReading(value=value, **args)


def _svg_gauge(interval: tuple[float, float] | None = None, **kw: Any) -> Any:
    return charts.gauge(_gauge(**kw), interval=interval, labels=GAUGE_LABELS)


def _block_gauge(interval: tuple[float, float] | None = None, **kw: Any) -> Any:
    return blocks.gauge_block(
        _gauge(**kw),
        probability=GAUGE_LABELS.probability,
        not_scored=GAUGE_LABELS.not_scored,
    )


GAUGES: dict[str, dict[str, Any]] = {
    "plain": {"value": 0.62},
    "unscored": {"value": None, "p_high": None},
    "interval": {"value": 0.05, "interval": (0.0, 0.2), "p_high": 0.02},
    "top": {"value": 1.0, "interval": (0.8, 1.0), "p_high": 0.999},
    "unnamed-band": {"value": 0.5, "band_label": "Elsewhere", "p_high": 0.5},
    "long-head": {"value": 0.4, "band_label": LONG, "high_label": LONG},
    "hostile": {
        "value": 0.6,
        "low_label": HOSTILE,
        "high_label": HOSTILE,
        "band_label": HOSTILE,
        "bands": [(0.0, 0.5, HOSTILE), (0.5, 1.0, HOSTILE)],
    },
    "close-edges": {
        "value": 0.51,
        "bands": [(0.0, 0.49, "a"), (0.49, 0.5, "b"), (0.5, 0.52, "c"), (0.52, 1.0, "d")],
    },
}


def _written() -> dict[str, Callable[[], Any]]:
    cases: dict[str, Callable[[], Any]] = {}
    for tag, s in (("hostile", HOSTILE), ("long", LONG)):
        cases[f"{tag}-dichotomy_bars"] = lambda s=s: charts.dichotomy_bars(
            _dichotomies(s), labels=DICHOTOMY_LABELS
        )
        cases[f"{tag}-dichotomy_rows"] = lambda s=s: blocks.dichotomy_rows(
            _dichotomies(s), borderline=s, not_scored=s
        )
        cases[f"{tag}-type_bars"] = lambda s=s: charts.type_bars(
            [charts.TypeBar(s, 0.6), charts.TypeBar("B", 0.3), charts.TypeBar("C", 0.6)],
            labels=charts.TypeLabels(title=s),
            top=2,
        )
        cases[f"{tag}-type_rows"] = lambda s=s: blocks.type_rows(
            [charts.TypeBar(s, 0.6), charts.TypeBar("B", 0.0001), charts.TypeBar("C", 1.0)]
        )
        for target_tag, target in (("one", "farmer"), ("two", ["farmer", "x"]), ("none", None)):
            cases[f"{tag}-role_ranking-{target_tag}"] = lambda s=s, t=target: charts.role_ranking(
                _roles(s), target=t, labels=ROLE_LABELS, fluid=False
            )
            cases[f"{tag}-role_rows-{target_tag}"] = lambda s=s, t=target: blocks.role_rows(
                _roles(s), target=t, target_label=s, margin_legend=s
            )
    cases["long-role_ranking-legend"] = lambda: charts.role_ranking(
        _roles("A"),
        target="farmer",
        labels=charts.RoleLabels(title="T", target=LONG, margin=LONG),
    )
    for name, kw in GAUGES.items():
        cases[f"gauge-{name}"] = lambda kw=kw: _svg_gauge(**kw)
        cases[f"gauge_block-{name}"] = lambda kw=kw: _block_gauge(**kw)
    cases["effect_intervals"] = lambda: effect_intervals(
        [
            EffectRow("ESE", 0.4, -0.1, 0.9, moved=True),
            EffectRow(HOSTILE, -1.6, -2.5, -0.7),
            EffectRow("LII", 0.0, -0.2, 0.2),
        ],
        title="Effect by type",
        desc="Effects in SDs",
        axis="SD",
    )
    return cases


CASES = {**_recorded(), **_written()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_chart_is_drawn_exactly_as_before(name: str) -> None:
    drawn = GENERATED_ID.sub("ID", str(CASES[name]()))
    suffix = ".html" if any(k in name for k in BLOCK_KINDS) else ".svg"
    path = GOLDEN / f"{name}{suffix}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(drawn + "\n", encoding="utf-8")
    assert drawn + "\n" == path.read_text(encoding="utf-8")


def test_every_golden_file_belongs_to_a_case() -> None:
    names = {p.stem for p in GOLDEN.iterdir() if p.suffix in (".svg", ".html")}
    assert names == set(CASES)
