"""The evidence page's chart: each type's effect on a role's results, with its interval.

Drawn like the report's charts (``app/charts/draw.py``: presentation attributes only, escaped
text, a ``<desc>`` that says the data in words). A row per type: its label, a zero line, the
interval as a whisker and the estimate as a dot; a type the proposal moves is drawn bold.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from app.charts.draw import (
    ACCENT,
    EDGE,
    MUTED,
    SMALL,
    WIDTH,
    X0,
    X1,
    add_line,
    add_text,
    chart_svg,
    clean,
    fit_text,
    num,
    text_width,
)

ROW = 22
LABEL = 96
TOP = 24


@dataclass(frozen=True)
class EffectRow:
    label: str
    mean: float
    low: float
    high: float
    moved: bool = False


def effect_intervals(
    rows: Sequence[EffectRow],
    *,
    title: str,
    desc: str,
    axis: str,
    fluid: bool = True,
    label_width: int = LABEL,
) -> Markup:
    """Effects in outcome SDs; the axis is symmetric around zero and at least ±1. Labels are
    right-aligned in ``label_width`` (type codes need little; words need more)."""
    reach = max([1.0, *(max(abs(r.low), abs(r.high)) for r in rows)])
    # Room on the right for half of the last tick's number, which is centred on its value.
    left, right = label_width + 6, WIDTH - 18

    def x(v: float) -> float:
        return left + (v + reach) / (2 * reach) * (right - left)

    body: list[ET.Element] = []
    group = ET.Element("g")
    body.append(group)
    # Centred on zero when it fits there; a longer caption (Russian) slides left to stay whole.
    caption = fit_text(clean(axis), X1 - X0, SMALL, False)
    half = text_width(caption, SMALL, False) / 2
    centre = min(max(x(0), X0 + half), X1 - half)
    add_text(group, centre, 14, caption, size=SMALL, anchor="middle", fill=MUTED)
    height = TOP + ROW * len(rows) + 20
    add_line(group, x(0), TOP - 4, x(0), height - 18, EDGE, 1, dash="3 3")
    for i, r in enumerate(rows):
        y = TOP + ROW * i + ROW / 2
        row = ET.SubElement(group, "g")
        row.set("class", "rf-row")
        label = fit_text(clean(r.label), label_width - X0, SMALL, r.moved)
        add_text(row, label_width, y + 5, label, size=SMALL, bold=r.moved, anchor="end")
        whisker = add_line(row, x(r.low), y, x(r.high), y, ACCENT, 2)
        whisker.set("class", "rf-whisker")
        ET.SubElement(
            row, "circle", cx=num(x(r.mean)), cy=num(y), r="4.5" if r.moved else "3.5", fill=ACCENT
        )
    for v in (-reach, 0.0, reach):
        add_text(
            group,
            x(v),
            height - 4,  # the line box's descent stays inside the chart
            f"{v:+.1f}".replace("+0.0", "0"),
            size=SMALL,
            anchor="middle",
            fill=MUTED,
        )
    return chart_svg(title=clean(title), desc=clean(desc), height=height, body=body, fluid=fluid)
