"""The dichotomy chart: one row per dichotomy, a bar from the centre towards the more probable
pole (``app/charts/draw.py`` says what every chart shares)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from app.charts.draw import (
    ACCENT,
    EDGE,
    INK,
    MUTED,
    SIZE,
    SMALL,
    STRIPE,
    TRACK,
    X0,
    X1,
    ZONE,
    add_line,
    add_rect,
    add_text,
    chart_svg,
    clean,
    fit_text,
    num,
    percent,
    side,
    text_width,
    unit_value,
    x_at,
)

BORDERLINE_ZONE = (0.25, 0.75)  # the engine calls a pole below 0.75 "borderline"


@dataclass(frozen=True)
class DichotomyBar:
    """One dichotomy: its two pole names and P(high pole); ``p_high=None`` if unscored."""

    low_label: str
    high_label: str
    p_high: float | None
    borderline: bool


@dataclass(frozen=True)
class DichotomyLabels:
    title: str  # the chart's name, e.g. "Dichotomies"
    borderline: str  # the marker under a borderline row, e.g. "borderline"
    zone: str  # legend of the shaded centre, e.g. "Shaded: borderline zone (25–75%)"
    not_scored: str  # e.g. "not scored"


def dichotomy_bars(
    rows: Sequence[DichotomyBar],
    *,
    labels: DichotomyLabels,
    zone: tuple[float, float] = BORDERLINE_ZONE,
    fluid: bool = True,
) -> Markup:
    """One row per dichotomy: the low pole at the left, the high pole at the right.

    The bar starts at the centre (p = 0.5) and grows towards the more probable pole, its
    length proportional to how far P(high) is from 0.5; its end says that pole's probability.
    ``zone`` (P(high) limits) is shaded as the borderline zone; a borderline row is marked in
    words. An unscored row (``p_high=None``) shows ``labels.not_scored`` instead of a bar.
    """
    if not rows:
        raise ValueError("dichotomy_bars needs at least one row")
    z_lo, z_hi = (unit_value(v, "zone") for v in zone)
    if z_lo is None or z_hi is None or not z_lo < 0.5 < z_hi:
        raise ValueError(f"zone must contain 0.5, got {zone}")

    centre = x_at(0.5)
    summary = []
    body: list[ET.Element] = []
    y = 2.0
    for row in rows:
        p = unit_value(row.p_high, "p_high")
        low_name, high_name = clean(row.low_label), clean(row.high_label)
        pair = f"{low_name} – {high_name}"
        low, high = low_name, high_name
        g = ET.Element("g", {"class": "rf-row"})
        body.append(g)
        high_wins = p is not None and p >= 0.5
        low_wins = p is not None and p < 0.5
        # Each pole name keeps its full length unless the two would meet in the middle.
        room = X1 - X0 - 16
        low_w, high_w = text_width(low, SIZE, low_wins), text_width(high, SIZE, high_wins)
        if low_w + high_w > room:
            low = fit_text(low, max(room / 2, room - high_w), SIZE, low_wins)
            high = fit_text(high, room - text_width(low, SIZE, low_wins), SIZE, high_wins)
        low_fill = INK if low_wins else MUTED
        high_fill = INK if high_wins else MUTED
        add_text(g, X0, y + 15, low, bold=low_wins, fill=low_fill)
        add_text(g, X1, y + 15, high, anchor="end", bold=high_wins, fill=high_fill)
        ty, th = y + 24, 20.0
        add_rect(g, X0, ty, X1 - X0, th, TRACK)
        add_rect(g, x_at(z_lo), ty, x_at(z_hi) - x_at(z_lo), th, ZONE)
        for edge in (z_lo, z_hi):
            add_line(g, x_at(edge), ty - 3, x_at(edge), ty + th + 3, EDGE, 1, dash="3 2")
        marker = False
        if p is None:
            not_scored = clean(labels.not_scored)
            add_text(g, centre, ty + 15, not_scored, size=SMALL, anchor="middle", italic=True)
            summary.append(f"{pair}: {not_scored}")
        else:
            tip = x_at(p)
            left, right = sorted((centre, tip))
            bar = add_rect(g, left, ty + 2, max(right - left, 1.5), th - 4, ACCENT)
            bar.set("class", "rf-bar")
            pct = percent(max(p, 1 - p))
            pct_w = text_width(pct, SMALL, True)
            outward = 1 if high_wins else -1
            beyond = tip + outward * 6
            fits = beyond + pct_w <= X1 if outward > 0 else beyond - pct_w >= X0
            if fits:
                add_text(g, beyond, ty + 14.5, pct, size=SMALL, bold=True, anchor=side(outward))
            else:  # no room beyond the tip: write it inside the bar's end, in white
                inside, anchor = tip - outward * 6, side(-outward)
                add_text(
                    g, inside, ty + 14.5, pct, size=SMALL, bold=True, anchor=anchor, fill=STRIPE
                )
            said = f"{pair}: {high_name if high_wins else low_name} {pct}"
            if row.borderline:
                said += f", {clean(labels.borderline)}"
                _borderline_marker(g, centre, ty + th + 14, clean(labels.borderline))
                marker = True
            summary.append(said)
        if p is not None:
            add_line(g, centre, ty - 4, centre, ty + th + 4, INK, 1.5)
        y = ty + th + (30 if marker else 16)
    legend = ET.Element("g")
    body.append(legend)
    add_rect(legend, X0, y + 1, 22, 12, ZONE)
    for edge in (X0, X0 + 22):
        add_line(legend, edge, y - 1, edge, y + 15, EDGE, 1, dash="3 2")
    zone_text = fit_text(clean(labels.zone), X1 - X0 - 30, SMALL, False)
    add_text(legend, X0 + 30, y + 11.5, zone_text, size=SMALL, fill=MUTED)
    return chart_svg(
        title=clean(labels.title),
        desc="; ".join(summary) + ".",
        height=y + 18,
        body=body,
        fluid=fluid,
    )


def _borderline_marker(parent: ET.Element, x: float, y: float, text: str) -> None:
    """A small diamond and the word, centred under the scale's centre."""
    w = text_width(text, SMALL, False) + 16
    left = x - w / 2
    d = f"{num(left + 4)},{num(y - 4)} {num(left + 8)},{num(y)} {num(left + 4)},{num(y + 4)} "
    d += f"{num(left)},{num(y)}"
    ET.SubElement(parent, "polygon", points=d, fill=INK)
    add_text(parent, left + 14, y + 4.5, text, size=SMALL)
