"""Server-drawn SVG charts for the fit report: plain data in, safe markup out.

Pure: no web framework, no database; only the standard library and markupsafe. Every caller
string is cleaned (control and bidi characters removed, length capped) and escaped by
ElementTree, so a hostile candidate or role name cannot inject markup. The charts use
presentation attributes only (no ``style``, no CSS variables, no script, no foreignObject) so
they pass a strict Content-Security-Policy and render alike in browsers and in WeasyPrint.

Every chart is an ``<svg role="img" class="rf-chart">`` named by its ``<title>`` and described
by a ``<desc>`` that states the data in words. All visible text comes from the caller, already
translated. Rows, bars, the needle and the whisker carry ``rf-`` classes (``rf-row``,
``rf-bar``, ``rf-target``, ``rf-needle``, ``rf-whisker``) so tests can find them.

Sizing: with ``fluid=True`` (for pages) the svg has ``width="100%"`` and its height follows
the viewBox's aspect ratio, so the page decides the width; cap it with CSS on the container
(``max-width: 28rem`` draws the labels at about body-text size). The layout is drawn 400 units
wide so its text stays readable (about 11 px) on a 360 px phone. With ``fluid=False`` (for
WeasyPrint) width and height are the viewBox size in CSS pixels, i.e. 400 px (106 mm) wide.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import Markup

from questionnaires.shown import shown_percent

WIDTH = 400
X0 = 2.0  # a little inset so outlines at the edges are not clipped
X1 = WIDTH - 2.0
FONT = "DejaVu Sans, Arial, sans-serif"
SIZE = 15  # labels
SMALL = 13  # numbers, tags, legends

# Contrast against white (WCAG 2.x): text >= 4.5:1, graphical objects >= 3:1.
INK = "#1b1f24"  # 16.6:1
MUTED = "#4f5864"  # 7.2:1
ACCENT = "#0b5cad"  # 6.7:1, the bars
EDGE = "#6b7580"  # 4.7:1, borderline-zone edges and ticks
# Decorative fills: the meaning they carry is also drawn with edges, outlines or text.
TRACK = "#eef1f4"
ZONE = "#dbe1e8"
STRIPE = "#ffffff"
# Gauge bands: blues towards the low pole, browns towards the high pole, grey in the middle;
# each end of each ramp is >= 3:1 against white, and every channel of the dark end is below
# the light end's, so every mix between them is too.
LOW_RAMP = ("#1d4e7e", "#4f83b5")
HIGH_RAMP = ("#8a4510", "#b35c12")
MIDDLE = "#707a86"

MAX_TEXT = 160  # characters kept of any caller string; layout may shorten further

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


@dataclass(frozen=True)
class TypeBar:
    label: str  # e.g. "ESE — Enthusiast"
    probability: float  # 0..1


@dataclass(frozen=True)
class TypeLabels:
    title: str  # e.g. "Most probable types"


@dataclass(frozen=True)
class RoleBar:
    key: str  # the role's id, compared with ``target``
    label: str  # its display name, e.g. "Client manager (farmer)"
    fit: float  # expected fit, 0..100


@dataclass(frozen=True)
class RoleLabels:
    title: str  # e.g. "Fit by role"
    target: str  # tag on the vacancy's role, e.g. "target role"
    margin: str  # legend of the "+N" figures, e.g. "+N: points ahead of the next role"


class GaugeBand(NamedTuple):
    start: float  # 0..1 on the gauge's scale
    end: float
    label: str  # e.g. "Clear introvert"


@dataclass(frozen=True)
class GaugeLabels:
    title: str  # e.g. "Introversion – extraversion"
    score: str  # the value's name in the summary, e.g. "Score"
    # "{pole}" and "{percent}" are replaced, e.g. "{pole}: {percent} probability"
    probability: str
    interval: str  # the whisker's name, e.g. "likely range"
    not_scored: str


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
    z_lo, z_hi = (_probability(v, "zone") for v in zone)
    if z_lo is None or z_hi is None or not z_lo < 0.5 < z_hi:
        raise ValueError(f"zone must contain 0.5, got {zone}")

    def x_of(p: float) -> float:
        return X0 + p * (X1 - X0)

    centre = x_of(0.5)
    summary = []
    body: list[ET.Element] = []
    y = 2.0
    for row in rows:
        p = _probability(row.p_high, "p_high")
        low_name, high_name = _clean(row.low_label), _clean(row.high_label)
        pair = f"{low_name} – {high_name}"
        low, high = low_name, high_name
        g = ET.Element("g", {"class": "rf-row"})
        body.append(g)
        high_wins = p is not None and p >= 0.5
        low_wins = p is not None and p < 0.5
        # Each pole name keeps its full length unless the two would meet in the middle.
        room = X1 - X0 - 16
        low_w, high_w = _width(low, SIZE, low_wins), _width(high, SIZE, high_wins)
        if low_w + high_w > room:
            low = _fit(low, max(room / 2, room - high_w), SIZE, low_wins)
            high = _fit(high, room - _width(low, SIZE, low_wins), SIZE, high_wins)
        low_fill = INK if low_wins else MUTED
        high_fill = INK if high_wins else MUTED
        _text(g, X0, y + 15, low, bold=low_wins, fill=low_fill)
        _text(g, X1, y + 15, high, anchor="end", bold=high_wins, fill=high_fill)
        ty, th = y + 24, 20.0
        _rect(g, X0, ty, X1 - X0, th, TRACK)
        _rect(g, x_of(z_lo), ty, x_of(z_hi) - x_of(z_lo), th, ZONE)
        for edge in (z_lo, z_hi):
            _line(g, x_of(edge), ty - 3, x_of(edge), ty + th + 3, EDGE, 1, dash="3 2")
        marker = False
        if p is None:
            not_scored = _clean(labels.not_scored)
            _text(g, centre, ty + 15, not_scored, size=SMALL, anchor="middle", italic=True)
            summary.append(f"{pair}: {not_scored}")
        else:
            tip = x_of(p)
            left, right = sorted((centre, tip))
            bar = _rect(g, left, ty + 2, max(right - left, 1.5), th - 4, ACCENT)
            bar.set("class", "rf-bar")
            pct = _pct(max(p, 1 - p))
            pct_w = _width(pct, SMALL, True)
            outward = 1 if high_wins else -1
            beyond = tip + outward * 6
            fits = beyond + pct_w <= X1 if outward > 0 else beyond - pct_w >= X0
            if fits:
                _text(g, beyond, ty + 14.5, pct, size=SMALL, bold=True, anchor=_side(outward))
            else:  # no room beyond the tip: write it inside the bar's end, in white
                inside, anchor = tip - outward * 6, _side(-outward)
                _text(g, inside, ty + 14.5, pct, size=SMALL, bold=True, anchor=anchor, fill=STRIPE)
            said = f"{pair}: {high_name if high_wins else low_name} {pct}"
            if row.borderline:
                said += f", {_clean(labels.borderline)}"
                _borderline_marker(g, centre, ty + th + 14, _clean(labels.borderline))
                marker = True
            summary.append(said)
        if p is not None:
            _line(g, centre, ty - 4, centre, ty + th + 4, INK, 1.5)
        y = ty + th + (30 if marker else 16)
    legend = ET.Element("g")
    body.append(legend)
    _rect(legend, X0, y + 1, 22, 12, ZONE)
    for edge in (X0, X0 + 22):
        _line(legend, edge, y - 1, edge, y + 15, EDGE, 1, dash="3 2")
    zone_text = _fit(_clean(labels.zone), X1 - X0 - 30, SMALL, False)
    _text(legend, X0 + 30, y + 11.5, zone_text, size=SMALL, fill=MUTED)
    return _svg(
        title=_clean(labels.title),
        desc="; ".join(summary) + ".",
        height=y + 18,
        body=body,
        fluid=fluid,
    )


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
        _text(g, X0, y + 15, _fit(label, X1 - X0, SIZE, i == 0), bold=i == 0)
        _rect(g, X0, y + 23, track, 18, TRACK)
        _rect(g, X0, y + 23, max(p * track, 1.5), 18, ACCENT).set("class", "rf-bar")
        pct = _pct(p)
        _text(g, X0 + p * track + 6, y + 37, pct, size=SMALL, bold=True)
        summary.append(f"{label} {pct}")
    return _svg(
        title=_clean(labels.title),
        desc="; ".join(summary) + ".",
        height=2 + len(data) * row_h - 6,
        body=body,
        fluid=fluid,
    )


def role_ranking(
    rows: Sequence[RoleBar],
    *,
    target: str | Collection[str] | None,
    labels: RoleLabels,
    fluid: bool = True,
) -> Markup:
    """Roles ranked by expected fit (0..100), best first, each with its lead over the next.

    ``target`` is the role key (or keys) the vacancy hires for: its bar is hatched and
    outlined and tagged ``labels.target``, so it stands out without relying on colour. The
    leads are differences of the displayed (rounded) fits, so the figures on the chart add up.
    """
    data = ranked_roles(rows, target=target)
    uid = _new_id()
    hatch = f"url(#{uid}-hatch)"
    track = X1 - X0 - 84  # room for "100 +28" after a full bar
    tag = _clean(labels.target)
    tag_w = _width(tag, SMALL - 1, True) + 16
    body: list[ET.Element] = [_hatch_pattern(f"{uid}-hatch")]
    summary = []
    y = 2.0
    for i, (fit, label, is_target) in enumerate(data):
        g = ET.Element("g", {"class": "rf-row"})
        body.append(g)
        rank = f"{i + 1}."
        _text(g, X0, y + 15, rank, fill=MUTED)
        lx = X0 + 26
        shown = _fit(label, X1 - lx, SIZE, is_target)
        _text(g, lx, y + 15, shown, bold=is_target)
        by = y + 23
        if is_target:
            # The tag follows the name when both fit on the line, else it gets a line of its own.
            tx = lx + _width(shown, SIZE, True) + 10
            ty = y
            if tx + tag_w > X1:
                tx, ty, by = lx, y + 22, by + 22
            _rect(g, tx, ty + 1.5, tag_w, 18, STRIPE, stroke=INK, radius=9)
            _text(g, tx + tag_w / 2, ty + 14.5, tag, size=SMALL - 1, bold=True, anchor="middle")
        _rect(g, X0, by, track, 20, TRACK)
        bar_w = max(fit / 100 * track, 1.5)
        if is_target:
            bar = _rect(g, X0, by, bar_w, 20, hatch, stroke=INK, stroke_width=1.5)
            bar.set("class", "rf-bar rf-target")
        else:
            _rect(g, X0, by, bar_w, 20, ACCENT).set("class", "rf-bar")
        value = str(fit)
        vx = X0 + bar_w + 7
        _text(g, vx, by + 15.5, value, bold=True)
        said = f"{rank} {label} {value}"
        if i + 1 < len(data):
            margin = f"+{fit - data[i + 1][0]}"
            mx = vx + _width(value, SIZE, True) + 7
            _text(g, mx, by + 15.5, margin, size=SMALL, fill=MUTED)
            said += f" ({margin})"
        if is_target:
            said += f", {tag}"
        summary.append(said)
        y = by + 20 + 16
    legend = ET.Element("g")
    body.append(legend)
    text_x = X0
    if any(is_target for *_, is_target in data):
        _rect(legend, X0, y + 1, 22, 12, hatch, stroke=INK, stroke_width=1.5)
        _text(legend, X0 + 30, y + 11.5, tag, size=SMALL, fill=MUTED)
        text_x = X0 + 30 + _width(tag, SMALL, False) + 18
    margin_text = _clean(labels.margin)
    if text_x > X0 and text_x + _width(margin_text, SMALL, False) > X1:
        text_x, y = X0, y + 20  # too long to share the line: a line of its own
    margin_text = _fit(margin_text, X1 - text_x, SMALL, False)
    _text(legend, text_x, y + 11.5, margin_text, size=SMALL, fill=MUTED)
    return _svg(
        title=_clean(labels.title),
        desc="; ".join(summary) + ".",
        height=y + 18,
        body=body,
        fluid=fluid,
        uid=uid,
    )


def gauge(
    value: float | None,
    *,
    low_label: str,
    high_label: str,
    band_label: str,
    p_high: float | None,
    bands: Sequence[tuple[float, float, str]],
    interval: tuple[float, float] | None = None,
    labels: GaugeLabels,
    fluid: bool = True,
) -> Markup:
    """The extraversion gauge: a 0..1 scale split into the caller's bands, and a needle.

    ``value`` is the normalized score (0..1, shown as 0..100), ``None`` if unscored.
    ``bands`` are (start, end, name) in ascending order covering 0..1, e.g. the five from
    clear introvert to clear extravert; ``band_label`` names the candidate's band, written
    above the scale. ``p_high`` is P(high pole), written as the more probable pole's
    probability through ``labels.probability``. ``interval`` (0..1 limits) draws a whisker.
    """
    checked = _check_bands(bands)
    v = _probability(value, "value")
    p = _probability(p_high, "p_high")
    low, high, band = _clean(low_label), _clean(high_label), _clean(band_label)
    title = _clean(labels.title)
    limits = None
    if interval is not None:
        lo, hi = (_probability(t, "interval") for t in interval)
        if lo is None or hi is None or lo > hi:
            raise ValueError(f"interval must be two ordered values in 0..1, got {interval}")
        limits = (lo, hi)

    def x_of(t: float) -> float:
        return X0 + t * (X1 - X0)

    g = ET.Element("g")
    summary = []
    headline = band if v is not None else _clean(labels.not_scored)
    prob = ""
    if p is not None:
        pole = high if p >= 0.5 else low
        percent = _pct(max(p, 1 - p))
        prob = _clean(labels.probability).replace("{pole}", pole).replace("{percent}", percent)
    y = 17.0
    if _width(headline, SIZE + 1, True) + 16 + _width(prob, SMALL, False) <= X1 - X0:
        _text(g, X0, y, headline, size=SIZE + 1, bold=True)
        _text(g, X1, y, prob, size=SMALL, anchor="end", fill=MUTED)
    else:  # a line each
        _text(g, X0, y, _fit(headline, X1 - X0, SIZE + 1, True), size=SIZE + 1, bold=True)
        if prob:
            y += 20
            _text(g, X0, y, _fit(prob, X1 - X0, SMALL, False), size=SMALL, fill=MUTED)
    bar_y, bar_h = y + (42 if v is not None else 16), 18.0
    bar_end = bar_y + bar_h
    for i, (start, end, _name) in enumerate(checked):
        band_rect = _rect(
            g, x_of(start), bar_y, x_of(end) - x_of(start), bar_h, _band_colour(start, end)
        )
        band_rect.set("class", "rf-band")
        if i:  # a white gap between bands, so neighbours never touch
            _line(g, x_of(start), bar_y, x_of(start), bar_end, STRIPE, 2)
    # The edges' numbers sit below the whisker's row. 0 and 100 always show; an inner edge
    # whose number would touch a neighbour's is left unnumbered (the legend gives every range).
    numbers_y = bar_end + (34 if v is not None and limits is not None else 18)
    inner = sorted({b.start for b in checked[1:]})
    end_w = _width("100", SMALL - 1, False)
    last_right = X0 + _width("0", SMALL - 1, False)
    _text(g, X0, numbers_y, "0", size=SMALL - 1, fill=MUTED)
    for edge in inner:
        text = str(round(edge * 100))
        w = _width(text, SMALL - 1, False)
        left = x_of(edge) - w / 2
        if left < last_right + 6 or left + w > X1 - end_w - 6:
            continue
        _text(g, x_of(edge), numbers_y, text, size=SMALL - 1, fill=MUTED, anchor="middle")
        last_right = left + w
    _text(g, X1, numbers_y, "100", size=SMALL - 1, fill=MUTED, anchor="end")
    poles_y = numbers_y + 21
    half = (X1 - X0 - 16) / 2
    _text(g, X0, poles_y, _fit(low, half, SIZE - 1, False), size=SIZE - 1)
    _text(g, X1, poles_y, _fit(high, half, SIZE - 1, False), size=SIZE - 1, anchor="end")
    if v is None:
        summary.append(f"{title}: {_clean(labels.not_scored)}")
    else:
        nx = x_of(v)
        score = str(round(v * 100))
        summary.append(f"{title}: {_clean(labels.score)} {score} / 100, {band}")
        if prob:
            summary.append(prob)
        wy = bar_end + 12
        if limits is not None:
            lo, hi = limits
            _line(g, x_of(lo), wy, x_of(hi), wy, INK, 2).set("class", "rf-whisker")
            for end in limits:
                _line(g, x_of(end), wy - 5, x_of(end), wy + 5, INK, 2)
            summary.append(f"{_clean(labels.interval)} {round(lo * 100)}–{round(hi * 100)}")
        needle_end = wy + 6 if limits is not None else bar_end + 6
        _line(g, nx, bar_y - 5, nx, needle_end, STRIPE, 5)
        _line(g, nx, bar_y - 5, nx, needle_end, INK, 2.5).set("class", "rf-needle")
        tri = [(nx - 6, bar_y - 13), (nx + 6, bar_y - 13), (nx, bar_y - 4)]
        ET.SubElement(g, "polygon", points=" ".join(f"{_n(a)},{_n(b)}" for a, b in tri), fill=INK)
        sw = _width(score, SIZE, True)
        sx = min(max(nx, X0 + sw / 2), X1 - sw / 2)
        _text(g, sx, bar_y - 17, score, bold=True, anchor="middle")
    legend = ET.Element("g")
    ly = poles_y + 12
    # The candidate's band is the caller's (band_label); by position only if no name matches.
    named = any(_clean(b.label) == band for b in checked)
    for start, end, name in checked:
        if v is None:
            current = False
        elif named:
            current = _clean(name) == band
        else:
            current = start <= v < end or (end == 1.0 and v == 1.0)
        span = f"{round(start * 100)}–{round(end * 100)}"
        span_w = _width(span, SMALL, False)
        text = _fit(_clean(name), X1 - X0 - 30 - span_w, SMALL, current)
        _rect(legend, X0, ly + 2, 12, 12, _band_colour(start, end))
        fill = INK if current else MUTED
        _text(legend, X0 + 20, ly + 12.5, text, size=SMALL, bold=current, fill=fill)
        span_x = X0 + 20 + _width(text, SMALL, current) + 8
        _text(legend, span_x, ly + 12.5, span, size=SMALL, fill=MUTED)
        ly += 19
    return _svg(
        title=title,
        desc="; ".join(summary) + ".",
        height=ly + 2,
        body=[g, legend],
        fluid=fluid,
    )


# --- text ------------------------------------------------------------------------------

# C0/C1 controls, DEL, zero-width and bidi controls (they can disguise text), the BOM, and
# what XML cannot carry at all (lone surrogates, U+FFFE/FFFF).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069"
    "\ufeff\ud800-\udfff\ufffe\uffff]"
)
_SPACE = re.compile(r"\s+")


def ranked_types(rows: Sequence[TypeBar], *, top: int) -> list[tuple[float, str]]:
    """(probability, cleaned label) of the ``top`` most probable types, most probable first
    (stable: equal probabilities keep the caller's order). Shared with the print charts."""
    if not rows:
        raise ValueError("a type chart needs at least one row")
    if top < 1:
        raise ValueError("top must be at least 1")
    data = []
    for row in rows:
        p = _probability(row.probability, "probability")
        if p is None:
            raise ValueError("a type's probability must be a number")
        data.append((p, _clean(row.label)))
    data.sort(key=lambda r: -r[0])
    return data[:top]


def ranked_roles(
    rows: Sequence[RoleBar], *, target: str | Collection[str] | None
) -> list[tuple[int, str, bool]]:
    """(displayed fit 0..100, cleaned label, is a target) by fit, best first. Shared with the
    print charts, so both draw the same rounded figures."""
    if not rows:
        raise ValueError("a role chart needs at least one row")
    targets = {target} if isinstance(target, str) else set(target or ())
    data = []
    for row in rows:
        fit = float(row.fit)
        if not math.isfinite(fit) or not -1e-9 <= fit <= 100 + 1e-9:
            raise ValueError(f"fit must be within 0..100, got {row.fit!r}")
        data.append((round(min(max(fit, 0.0), 100.0)), _clean(row.label), row.key in targets))
    data.sort(key=lambda r: -r[0])
    return data


def _clean(text: str) -> str:
    """Caller text made safe to lay out: visible characters only, one line, capped.

    Markup (a gettext result with escaped variables, say) is HTML: it is turned back into the
    text it shows, so "A &amp; B" is drawn as "A & B", not escaped a second time.
    """
    if isinstance(text, Markup):
        text = text.striptags()
    text = _SPACE.sub(" ", _INVISIBLE.sub("", str(text))).strip()
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1].rstrip() + "…"
    return text


# DejaVu Sans advance widths in 1/100 em (from DejaVuSans.ttf and DejaVuSans-Bold.ttf hmtx)
# for U+0020..U+007E and U+0400..U+045F. Arial, the fallback, is narrower, so a label laid
# out with these never overflows.
_LATIN = (
    (32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34, 64, 64, 64, 64, 64, 64, 64, 64,
     64, 64, 34, 34, 84, 84, 84, 53, 100, 68, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75,
     79, 60, 79, 69, 63, 61, 73, 68, 99, 69, 61, 69, 39, 34, 39, 84, 50, 50, 61, 63, 55, 63, 62,
     35, 63, 63, 28, 28, 58, 28, 97, 63, 61, 63, 63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34,
     64, 84),
    (35, 46, 52, 84, 70, 100, 87, 31, 46, 46, 52, 84, 38, 42, 38, 37, 70, 70, 70, 70, 70, 70, 70,
     70, 70, 70, 40, 40, 84, 84, 84, 58, 100, 77, 76, 73, 83, 68, 68, 82, 84, 37, 37, 77, 64, 100,
     84, 85, 73, 85, 77, 72, 68, 81, 77, 110, 77, 72, 73, 46, 37, 46, 84, 50, 50, 67, 72, 59, 72,
     68, 44, 72, 71, 34, 34, 67, 34, 104, 71, 69, 72, 72, 49, 60, 48, 71, 65, 92, 65, 65, 58, 71,
     37, 71, 84),
)  # fmt: skip
_CYRILLIC = (
    (63, 63, 79, 61, 70, 63, 29, 29, 29, 109, 104, 79, 71, 75, 61, 75, 68, 69, 69, 61, 78, 63, 108,
     64, 75, 75, 71, 75, 86, 75, 79, 75, 60, 70, 61, 61, 86, 69, 78, 69, 107, 109, 83, 88, 69, 70,
     108, 69, 61, 62, 59, 53, 69, 62, 90, 53, 65, 65, 60, 64, 75, 65, 61, 65, 63, 55, 58, 59, 85,
     59, 68, 59, 92, 94, 71, 79, 59, 55, 84, 60, 62, 62, 62, 53, 55, 52, 28, 28, 28, 90, 90, 65,
     60, 65, 59, 65),
    (68, 68, 88, 64, 73, 72, 37, 37, 37, 115, 113, 88, 82, 84, 77, 84, 77, 76, 76, 64, 89, 68, 122,
     71, 84, 84, 82, 83, 100, 84, 85, 84, 73, 73, 68, 77, 99, 77, 93, 81, 124, 133, 94, 104, 76,
     73, 117, 77, 67, 70, 63, 52, 81, 68, 100, 58, 70, 70, 68, 73, 82, 69, 69, 69, 72, 59, 58, 65,
     99, 65, 74, 69, 106, 111, 75, 90, 63, 59, 97, 64, 68, 68, 71, 52, 59, 60, 34, 34, 34, 99, 96,
     73, 68, 70, 65, 69),
)  # fmt: skip


# The same for the punctuation labels are likely to contain.
_PUNCTUATION = {
    0x00A0: (32, 35), 0x00AB: (61, 65), 0x00B0: (50, 50), 0x00B7: (32, 38), 0x00BB: (61, 65),
    0x2013: (50, 50), 0x2014: (100, 100), 0x2018: (32, 38), 0x2019: (32, 38), 0x201C: (52, 66),
    0x201D: (52, 66), 0x201E: (52, 66), 0x2026: (100, 100), 0x2116: (104, 120),
    0x2212: (84, 84), 0x2248: (84, 84), 0x2264: (84, 84), 0x2265: (84, 84),
}  # fmt: skip


def _width(text: str, size: float, bold: bool) -> float:
    """Estimated advance width of ``text`` in user units (DejaVu Sans metrics)."""
    style = 1 if bold else 0
    total = 0
    for ch in text:
        code = ord(ch)
        if 0x20 <= code <= 0x7E:
            total += _LATIN[style][code - 0x20]
        elif 0x400 <= code <= 0x45F:
            total += _CYRILLIC[style][code - 0x400]
        elif code in _PUNCTUATION:
            total += _PUNCTUATION[code][style]
        else:  # the widest accented Latin letter (Œ); CJK glyphs are 1 em
            total += 118 if bold else 108
    return total * size / 100


def _fit(text: str, room: float, size: float, bold: bool) -> str:
    """``text`` shortened with an ellipsis so that it fits ``room`` user units."""
    if _width(text, size, bold) <= room:
        return text
    cut = len(text)
    while cut > 0 and _width(text[:cut].rstrip() + "…", size, bold) > room:
        cut -= 1
    return text[:cut].rstrip() + "…" if cut else ""


def _pct(p: float) -> str:
    """A probability as every surface shows it (questionnaires/shown.py)."""
    return shown_percent(p)


def _probability(value: float | None, name: str) -> float | None:
    """A 0..1 number, or None for "not scored" (None or NaN); anything else is a caller bug."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    v = float(value)
    if not math.isfinite(v) or not -1e-9 <= v <= 1 + 1e-9:
        raise ValueError(f"{name} must be within 0..1, got {value!r}")
    return min(max(v, 0.0), 1.0)


def _check_bands(bands: Sequence[tuple[float, float, str]]) -> list[GaugeBand]:
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


def _band_colour(start: float, end: float) -> str:
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


# --- drawing ---------------------------------------------------------------------------

_ids = itertools.count(1)


def _new_id() -> str:
    # A process-wide counter keeps ids unique on a page; the random-looking suffix keeps
    # charts rendered by different processes (say a cached fragment) from colliding too.
    n = next(_ids)
    return f"rfc{n}-" + hashlib.blake2s(f"{id(_ids)}:{n}".encode(), digest_size=3).hexdigest()


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _side(direction: int) -> str:
    return "start" if direction > 0 else "end"


def _text(
    parent: ET.Element,
    x: float,
    y: float,
    text: str,
    *,
    size: float = SIZE,
    bold: bool = False,
    italic: bool = False,
    anchor: str = "start",
    fill: str = INK,
) -> ET.Element:
    el = ET.SubElement(parent, "text", x=_n(x), y=_n(y), fill=fill)
    el.set("font-size", _n(size))
    if bold:
        el.set("font-weight", "bold")
    if italic:
        el.set("font-style", "italic")
    if anchor != "start":
        el.set("text-anchor", anchor)
    el.text = text
    return el


def _rect(
    parent: ET.Element,
    x: float,
    y: float,
    w: float,
    h: float,
    fill: str,
    *,
    stroke: str | None = None,
    stroke_width: float = 1,
    radius: float = 0,
) -> ET.Element:
    el = ET.SubElement(parent, "rect", x=_n(x), y=_n(y), width=_n(w), height=_n(h), fill=fill)
    if stroke:
        el.set("stroke", stroke)
        el.set("stroke-width", _n(stroke_width))
    if radius:
        el.set("rx", _n(radius))
    return el


def _line(
    parent: ET.Element,
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    stroke: str,
    width: float,
    *,
    dash: str | None = None,
) -> ET.Element:
    el = ET.SubElement(parent, "line", x1=_n(x1), y1=_n(y1), x2=_n(x2), y2=_n(y2), stroke=stroke)
    el.set("stroke-width", _n(width))
    if dash:
        el.set("stroke-dasharray", dash)
    return el


def _borderline_marker(parent: ET.Element, x: float, y: float, text: str) -> None:
    """A small diamond and the word, centred under the scale's centre."""
    w = _width(text, SMALL, False) + 16
    left = x - w / 2
    d = f"{_n(left + 4)},{_n(y - 4)} {_n(left + 8)},{_n(y)} {_n(left + 4)},{_n(y + 4)} "
    d += f"{_n(left)},{_n(y)}"
    ET.SubElement(parent, "polygon", points=d, fill=INK)
    _text(parent, left + 14, y + 4.5, text, size=SMALL)


def _hatch_pattern(pattern_id: str) -> ET.Element:
    """Diagonal white stripes on the bar colour, drawn into the tile itself: WeasyPrint
    renders a rotated pattern (patternTransform) as a cross-hatch."""
    defs = ET.Element("defs")
    pattern = ET.SubElement(
        defs, "pattern", id=pattern_id, patternUnits="userSpaceOnUse", width="6", height="6"
    )
    ET.SubElement(pattern, "rect", x="0", y="0", width="6", height="6", fill=ACCENT)
    stripes = ET.SubElement(
        pattern, "path", d="M-1.5,1.5 L1.5,-1.5 M0,6 L6,0 M4.5,7.5 L7.5,4.5", stroke=STRIPE
    )
    stripes.set("stroke-width", "1.6")
    return defs


def _svg(
    *,
    title: str,
    desc: str,
    height: float,
    body: list[ET.Element],
    fluid: bool,
    uid: str | None = None,
) -> Markup:
    uid = uid or _new_id()
    height = math.ceil(height)
    root = ET.Element(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {WIDTH} {height}",
        role="img",
    )
    if fluid:
        root.set("width", "100%")
    else:
        root.set("width", str(WIDTH))
        root.set("height", str(height))
    root.set("class", "rf-chart")
    root.set("aria-labelledby", f"{uid}-title")
    root.set("aria-describedby", f"{uid}-desc")
    root.set("font-family", FONT)
    root.set("fill", INK)
    title_el = ET.SubElement(root, "title", id=f"{uid}-title")
    title_el.text = title
    desc_el = ET.SubElement(root, "desc", id=f"{uid}-desc")
    desc_el.text = desc
    root.extend(body)
    # ElementTree escapes &, < and > in text and also quotes in attributes; every caller
    # string reaches the tree only as element text, after _clean.
    return Markup(ET.tostring(root, encoding="unicode"))  # noqa: S704
