"""The extraversion gauge: a 0..1 scale in the caller's bands, a needle at the score. The band
rules (``check_bands``, ``band_colour``) are shared with the print gauge (app/charts/blocks.py)."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import Markup

from app.charts.draw import (
    INK,
    MUTED,
    SIZE,
    SMALL,
    STRIPE,
    X0,
    X1,
    add_line,
    add_rect,
    add_text,
    chart_svg,
    clean,
    fit_text,
    num,
    percent,
    text_width,
    unit_value,
    x_at,
)

# Gauge bands: blues towards the low pole, browns towards the high pole, grey in the middle;
# each end of each ramp is >= 3:1 against white, and every channel of the dark end is below
# the light end's, so every mix between them is too.
LOW_RAMP = ("#1d4e7e", "#4f83b5")
HIGH_RAMP = ("#8a4510", "#b35c12")
MIDDLE = "#707a86"


class GaugeBand(NamedTuple):
    start: float  # 0..1 on the gauge's scale
    end: float
    label: str  # e.g. "Clear introvert"


@dataclass(frozen=True)
class GaugeReading:
    """What a gauge shows, on the page (``gauge``) and in print (``blocks.gauge_block``).

    ``value`` is the normalized score (0..1, shown as 0..100), ``None`` if unscored.
    ``bands`` are (start, end, name) in ascending order covering 0..1, e.g. the five from
    clear introvert to clear extravert; ``band_label`` names the candidate's band.
    ``p_high`` is P(high pole), written as the more probable pole's probability.
    """

    value: float | None
    low_label: str
    high_label: str
    band_label: str
    p_high: float | None
    bands: Sequence[tuple[float, float, str]]


class CheckedReading(NamedTuple):
    bands: list[GaugeBand]
    value: float | None
    p_high: float | None
    low: str  # the labels, cleaned
    high: str
    band: str


def check_reading(reading: GaugeReading) -> CheckedReading:
    """The reading's numbers checked (``ValueError`` if out of range) and its labels cleaned."""
    return CheckedReading(
        bands=check_bands(reading.bands),
        value=unit_value(reading.value, "value"),
        p_high=unit_value(reading.p_high, "p_high"),
        low=clean(reading.low_label),
        high=clean(reading.high_label),
        band=clean(reading.band_label),
    )


@dataclass(frozen=True)
class GaugeLabels:
    title: str  # e.g. "Introversion – extraversion"
    score: str  # the value's name in the summary, e.g. "Score"
    # "{pole}" and "{percent}" are replaced, e.g. "{pole}: {percent} probability"
    probability: str
    interval: str  # the whisker's name, e.g. "likely range"
    not_scored: str


def gauge(
    reading: GaugeReading,
    *,
    interval: tuple[float, float] | None = None,
    labels: GaugeLabels,
    fluid: bool = True,
) -> Markup:
    """The extraversion gauge: a 0..1 scale split into the reading's bands, and a needle.

    The candidate's band is written above the scale, and the more probable pole's
    probability through ``labels.probability``. ``interval`` (0..1 limits) draws a whisker.
    """
    checked, v, p, low, high, band = check_reading(reading)
    title = clean(labels.title)
    limits = None
    if interval is not None:
        lo, hi = (unit_value(t, "interval") for t in interval)
        if lo is None or hi is None or lo > hi:
            raise ValueError(f"interval must be two ordered values in 0..1, got {interval}")
        limits = (lo, hi)

    g = ET.Element("g")
    summary = []
    headline = band if v is not None else clean(labels.not_scored)
    prob = "" if p is None else probability_line(labels.probability, p, low=low, high=high)
    y = 17.0
    if text_width(headline, SIZE + 1, True) + 16 + text_width(prob, SMALL, False) <= X1 - X0:
        add_text(g, X0, y, headline, size=SIZE + 1, bold=True)
        add_text(g, X1, y, prob, size=SMALL, anchor="end", fill=MUTED)
    else:  # a line each
        add_text(g, X0, y, fit_text(headline, X1 - X0, SIZE + 1, True), size=SIZE + 1, bold=True)
        if prob:
            y += 20
            add_text(g, X0, y, fit_text(prob, X1 - X0, SMALL, False), size=SMALL, fill=MUTED)
    bar_y, bar_h = y + (42 if v is not None else 16), 18.0
    bar_end = bar_y + bar_h
    for i, (start, end, _name) in enumerate(checked):
        band_rect = add_rect(
            g, x_at(start), bar_y, x_at(end) - x_at(start), bar_h, band_colour(start, end)
        )
        band_rect.set("class", "rf-band")
        if i:  # a white gap between bands, so neighbours never touch
            add_line(g, x_at(start), bar_y, x_at(start), bar_end, STRIPE, 2)
    # The edges' numbers sit below the whisker's row. 0 and 100 always show; an inner edge
    # whose number would touch a neighbour's is left unnumbered (the legend gives every range).
    numbers_y = bar_end + (34 if v is not None and limits is not None else 18)
    inner = sorted({b.start for b in checked[1:]})
    end_w = text_width("100", SMALL - 1, False)
    last_right = X0 + text_width("0", SMALL - 1, False)
    add_text(g, X0, numbers_y, "0", size=SMALL - 1, fill=MUTED)
    for edge in inner:
        text = str(round(edge * 100))
        w = text_width(text, SMALL - 1, False)
        left = x_at(edge) - w / 2
        if left < last_right + 6 or left + w > X1 - end_w - 6:
            continue
        add_text(g, x_at(edge), numbers_y, text, size=SMALL - 1, fill=MUTED, anchor="middle")
        last_right = left + w
    add_text(g, X1, numbers_y, "100", size=SMALL - 1, fill=MUTED, anchor="end")
    poles_y = numbers_y + 21
    half = (X1 - X0 - 16) / 2
    add_text(g, X0, poles_y, fit_text(low, half, SIZE - 1, False), size=SIZE - 1)
    add_text(g, X1, poles_y, fit_text(high, half, SIZE - 1, False), size=SIZE - 1, anchor="end")
    if v is None:
        summary.append(f"{title}: {clean(labels.not_scored)}")
    else:
        nx = x_at(v)
        score = str(round(v * 100))
        summary.append(f"{title}: {clean(labels.score)} {score} / 100, {band}")
        if prob:
            summary.append(prob)
        wy = bar_end + 12
        if limits is not None:
            lo, hi = limits
            add_line(g, x_at(lo), wy, x_at(hi), wy, INK, 2).set("class", "rf-whisker")
            for end in limits:
                add_line(g, x_at(end), wy - 5, x_at(end), wy + 5, INK, 2)
            summary.append(f"{clean(labels.interval)} {round(lo * 100)}–{round(hi * 100)}")
        needle_end = wy + 6 if limits is not None else bar_end + 6
        add_line(g, nx, bar_y - 5, nx, needle_end, STRIPE, 5)
        add_line(g, nx, bar_y - 5, nx, needle_end, INK, 2.5).set("class", "rf-needle")
        tri = [(nx - 6, bar_y - 13), (nx + 6, bar_y - 13), (nx, bar_y - 4)]
        ET.SubElement(g, "polygon", points=" ".join(f"{num(a)},{num(b)}" for a, b in tri), fill=INK)
        sw = text_width(score, SIZE, True)
        sx = min(max(nx, X0 + sw / 2), X1 - sw / 2)
        add_text(g, sx, bar_y - 17, score, bold=True, anchor="middle")
    legend = ET.Element("g")
    ly = poles_y + 12
    for (start, end, name), current in zip(checked, current_bands(checked, band, v), strict=True):
        span = f"{round(start * 100)}–{round(end * 100)}"
        span_w = text_width(span, SMALL, False)
        text = fit_text(clean(name), X1 - X0 - 30 - span_w, SMALL, current)
        add_rect(legend, X0, ly + 2, 12, 12, band_colour(start, end))
        fill = INK if current else MUTED
        add_text(legend, X0 + 20, ly + 12.5, text, size=SMALL, bold=current, fill=fill)
        span_x = X0 + 20 + text_width(text, SMALL, current) + 8
        add_text(legend, span_x, ly + 12.5, span, size=SMALL, fill=MUTED)
        ly += 19
    return chart_svg(
        title=title,
        desc="; ".join(summary) + ".",
        height=ly + 2,
        body=[g, legend],
        fluid=fluid,
    )


def probability_line(template: str, p: float, *, low: str, high: str) -> str:
    """``template`` with ``{pole}`` and ``{percent}`` replaced by the more probable pole (``p``
    is P(high)) and its probability, e.g. "Extraversion: 86% probability"."""
    pole = high if p >= 0.5 else low
    return clean(template).replace("{pole}", pole).replace("{percent}", percent(max(p, 1 - p)))


def current_bands(bands: Sequence[GaugeBand], band: str, value: float | None) -> list[bool]:
    """For each band, whether it is the candidate's: the one named ``band`` (the caller's
    cleaned band label), by the position of ``value`` only if no band has that name."""
    named = any(clean(b.label) == band for b in bands)

    def is_current(start: float, end: float, name: str) -> bool:
        if value is None:
            return False
        if named:
            return clean(name) == band
        return start <= value < end or (end == 1.0 and value == 1.0)

    return [is_current(*b) for b in bands]


def check_bands(bands: Sequence[tuple[float, float, str]]) -> list[GaugeBand]:
    checked = [GaugeBand(float(s), float(e), str(n)) for s, e, n in bands]
    if not checked:
        raise ValueError("gauge needs at least one band")
    if abs(checked[0].start) > 1e-9 or abs(checked[-1].end - 1) > 1e-9:
        raise ValueError("bands must cover 0..1")
    for a, b in itertools.pairwise(checked):
        if abs(a.end - b.start) > 1e-9:
            raise ValueError(f"bands must be contiguous: {a.end} then {b.start}")
    if any(not b.start < b.end for b in checked):
        raise ValueError("every band must have start < end")
    return checked


def band_colour(start: float, end: float) -> str:
    centre = (start + end) / 2
    if start < 0.5 < end or centre == 0.5:
        return MIDDLE
    ramp = LOW_RAMP if centre < 0.5 else HIGH_RAMP
    # 0 at the centre of the scale, 1 at its end: darker towards the pole
    t = min(abs(centre - 0.5) * 2, 1.0)
    dark, light = (_rgb(c) for c in ramp)
    mix = tuple(round(lc + (dc - lc) * t) for dc, lc in zip(dark, light, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*mix)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
