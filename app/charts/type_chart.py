"""The type chart: the most probable types as bars on a 0–100% scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from app.charts.draw import (
    ACCENT,
    SIZE,
    SMALL,
    TRACK,
    X0,
    X1,
    add_rect,
    add_text,
    chart_svg,
    clean,
    fit_text,
    percent,
    unit_value,
)


@dataclass(frozen=True)
class TypeBar:
    label: str  # e.g. "ESE — Enthusiast"
    probability: float  # 0..1


@dataclass(frozen=True)
class TypeLabels:
    title: str  # e.g. "Most probable types"


def type_bars(
    rows: Sequence[TypeBar], *, labels: TypeLabels, top: int = 5, fluid: bool = True
) -> Markup:
    """The ``top`` most probable types, most probable first, as bars on a 0–100% scale."""
    data = ranked_types(rows, top=top)
    track = X1 - X0 - 50  # room for ">99%" after a full bar
    row_h = 52
    body: list[ET.Element] = []
    summary = []
    for i, (p, label) in enumerate(data):
        y = 2 + i * row_h
        g = ET.Element("g", {"class": "rf-row"})
        body.append(g)
        add_text(g, X0, y + 15, fit_text(label, X1 - X0, SIZE, i == 0), bold=i == 0)
        add_rect(g, X0, y + 23, track, 18, TRACK)
        add_rect(g, X0, y + 23, max(p * track, 1.5), 18, ACCENT).set("class", "rf-bar")
        pct = percent(p)
        add_text(g, X0 + p * track + 6, y + 37, pct, size=SMALL, bold=True)
        summary.append(f"{label} {pct}")
    return chart_svg(
        title=clean(labels.title),
        desc="; ".join(summary) + ".",
        height=2 + len(data) * row_h - 6,
        body=body,
        fluid=fluid,
    )


def ranked_types(rows: Sequence[TypeBar], *, top: int) -> list[tuple[float, str]]:
    """(probability, cleaned label) of the ``top`` most probable types, most probable first
    (stable: equal probabilities keep the caller's order). Shared with the print charts."""
    if not rows:
        raise ValueError("a type chart needs at least one row")
    if top < 1:
        raise ValueError("top must be at least 1")
    data = []
    for row in rows:
        p = unit_value(row.probability, "probability")
        if p is None:
            raise ValueError("a type's probability must be a number")
        data.append((p, clean(row.label)))
    data.sort(key=lambda r: -r[0])
    return data[:top]
