"""The fit report's charts for print: rows of text whose bars are CSS borders.

The page keeps its SVG charts (``app/charts/*_chart.py``); this is the PDF's variant. WeasyPrint
parses an inline SVG twice and lays out every ``<text>`` through Pango on its own, so the four
SVG charts cost as much as the rest of the report together (bench/README.md). Here a row is
one paragraph (two for a dichotomy): its text is laid out like any other line, and its bar is
the paragraph's left border, which WeasyPrint fills as a plain rectangle: no extra elements, no
SVG. Only the gauge's bands are background layers (one paragraph instead of five blocks).
Border widths cannot be percentages, so the geometry is in millimetres of the print line
(``LINE_MM``; a test checks it against the page margins in templates/pdf/report.css).

The charts take the same data as the SVG charts and keep their rules: probabilities are never
written as 0% or 100%, dichotomy bars grow from the centre towards the more probable pole, the
target role is starred (the legend says so) and drawn darker, not told by hue alone.

Pure: markupsafe only. Caller strings are cleaned like the SVG charts' (control and bidi
characters removed, length capped), shortened with an ellipsis where a column is narrow, and
escaped. The ``style`` attributes hold only numbers and colours formatted here; this markup
goes into the PDF and is never served to a browser, so the pages' Content-Security-Policy does
not apply to it. The classes are styled by ``stylesheet()``, which app/exports/pdf.py adds to
the print stylesheet.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from markupsafe import Markup, escape

from app.charts.dichotomy_chart import DichotomyBar
from app.charts.draw import ACCENT, INK, MUTED, clean, fit_text, percent, text_width, unit_value
from app.charts.gauge_chart import (
    GaugeReading,
    band_colour,
    check_reading,
    current_bands,
    probability_line,
)
from app.charts.role_chart import RoleBar, ranked_roles
from app.charts.type_chart import TypeBar, ranked_types

# Millimetres of the print line: A4 less 16 mm side margins (templates/pdf/report.css).
LINE_MM = 178.0
EM_MM = 10 * 25.4 / 72  # 1 em of the 10 pt body text
# The body's line height in em (report.css): a paragraph pulled up by it shares the line
# above.
LINE_EM = 1.4
MIN_BAR_MM = 0.5  # a near-zero bar still shows as a sliver
# Types and roles: the bar (BAR_MM for 100% or 100 points) at the left, the text after it.
BAR_MM = 70.0
TEXT_AT_MM = BAR_MM + 3.0
# Dichotomies: the low pole's name right-aligned at the left, the bar's scale in the middle
# (its centre on the line's centre), the high pole's name at the right.
POLE_MM = 55.0
SCALE_MM = LINE_MM - 2 * (POLE_MM + 2.0)


def stylesheet() -> str:
    """The charts' CSS, to be added to the print stylesheet: the geometry is this module's."""
    centre = LINE_MM / 2
    return f"""
.rf-low, .rf-high, .rf-bar, .rf-pole {{ margin: 0; }}
.rf-low {{ width: {_mm(centre)}; box-sizing: border-box; padding-right: {_mm(centre - POLE_MM)};
  text-align: right; color: {MUTED}; border-right: 0.6pt solid {INK}; }}
.rf-high {{ margin-top: -{LINE_EM}em; margin-bottom: 1.6mm; color: {MUTED};
  border-left: 0 solid {ACCENT}; }}
.rf-bar {{ margin-bottom: 1.2mm; border-left: 0 solid {ACCENT}; }}
.rf-target {{ border-left-color: {INK}; }}
.rf-win {{ color: {INK}; font-weight: bold; }}
.rf-legend, .rf-note {{ font-size: 8.5pt; color: {MUTED}; margin: 0 0 1.6mm; }}
.rf-note {{ text-align: center; }}
.rf-gauge-head {{ margin: 0 0 0.5mm; font-weight: bold; }}
.rf-gauge {{ padding-bottom: 5.4mm; margin: 0 0 0.6mm; background-repeat: no-repeat;
  font-weight: bold; }}
.rf-pole {{ color: {MUTED}; }}
.rf-same-line {{ margin-top: -{LINE_EM}em; text-align: right; }}
"""


def _mm(value: float) -> str:
    return f"{value:.2f}mm"


def _bar_row(cls: str, bar_mm: float, text: Markup | str) -> Markup:
    """A paragraph whose left border is a bar ``bar_mm`` long; the text starts at
    ``TEXT_AT_MM`` whatever the bar's length, so the rows' texts line up."""
    bar = max(min(bar_mm, BAR_MM), MIN_BAR_MM)
    style = f"border-left-width:{_mm(bar)};padding-left:{_mm(TEXT_AT_MM - bar)}"
    return Markup('<p class="{}" style="{}">{}</p>').format(cls, style, text)


def dichotomy_rows(
    rows: Sequence[DichotomyBar],
    *,
    borderline: str,
    not_scored: str,
) -> Markup:
    """One line per dichotomy: the low pole's name, a bar from the centre of a scale towards
    the more probable pole (its length: how far P(high) is from 0.5), the high pole's name.
    The more probable pole is in bold with its probability. A borderline row is marked in
    words under it, an unscored one says ``not_scored``.
    """
    if not rows:
        raise ValueError("dichotomy_rows needs at least one row")
    half = SCALE_MM / 2
    centre = POLE_MM + 2.0 + half
    room = POLE_MM / EM_MM  # a pole's name, in em
    out = []
    for row in rows:
        p = unit_value(row.p_high, "p_high")
        low, high = clean(row.low_label), clean(row.high_label)
        high_wins = p is not None and p >= 0.5
        low_wins = p is not None and p < 0.5
        low_suffix = f" {percent(1 - p)}" if low_wins and p is not None else ""
        high_suffix = f" {percent(p)}" if high_wins and p is not None else ""
        low = fit_text(low, room - _em(low_suffix, low_wins), 1, low_wins) + low_suffix
        high = fit_text(high, room - _em(high_suffix, high_wins), 1, high_wins) + high_suffix
        # The low pole's paragraph ends at the centre with a dark hairline (its right border);
        # the high pole's is pulled up onto the same line, and its left border is the bar.
        out.append(Markup('<p class="rf-low{}">{}</p>').format(" rf-win" if low_wins else "", low))
        if p is None:
            start, bar = centre, 0.0
        else:
            bar = max(abs(p - 0.5) * 2 * half, MIN_BAR_MM)
            start = centre if high_wins else centre - bar
        style = (
            f"margin-left:{_mm(start)};border-left-width:{_mm(bar)};"
            f"padding-left:{_mm(LINE_MM - POLE_MM - start - bar)}"
        )
        out.append(
            Markup('<p class="rf-high{}" style="{}">{}</p>').format(
                " rf-win" if high_wins else "", style, high
            )
        )
        if p is None:
            out.append(Markup('<p class="rf-note">{}</p>').format(clean(not_scored)))
        elif row.borderline:
            out.append(Markup('<p class="rf-note">◆ {}</p>').format(clean(borderline)))
    return Markup("\n").join(out)


def _em(text: str, bold: bool) -> float:
    return text_width(text, 1, bold)


def type_rows(rows: Sequence[TypeBar], *, top: int = 5) -> Markup:
    """The ``top`` most probable types, most probable first: a bar on a 0–100% scale, the
    type's name and its probability."""
    return Markup("\n").join(
        _bar_row("rf-bar rf-win" if i == 0 else "rf-bar", p * BAR_MM, f"{label} {percent(p)}")
        for i, (p, label) in enumerate(ranked_types(rows, top=top))
    )


def role_rows(
    rows: Sequence[RoleBar],
    *,
    target: str | Collection[str] | None,
    target_label: str,
    margin_legend: str,
) -> Markup:
    """Roles ranked by expected fit (0..100), best first: a bar, the rank and name, the fit
    and the lead over the next role (differences of the displayed, rounded fits, so the
    figures add up). The target role is starred, in bold, its bar dark; the legend says what
    the star and the "+N" mean."""
    data = ranked_roles(rows, target=target)
    tag = clean(target_label)
    out = []
    for i, (fit, label, is_target) in enumerate(data):
        # Plain text, no inline elements: WeasyPrint lays out each one as a box of its own.
        text = f"{fit}"
        if i + 1 < len(data):
            text += f" (+{fit - data[i + 1][0]})"
        text += f" · {i + 1}. {label}" + (" ★" if is_target else "")
        cls = "rf-bar rf-win rf-target" if is_target else "rf-bar"
        out.append(_bar_row(cls, fit / 100 * BAR_MM, text))
    legend = clean(margin_legend)
    if any(is_target for *_, is_target in data):
        legend = f"★ {tag} · {legend}"
    out.append(Markup('<p class="rf-legend">{}</p>').format(legend))
    return Markup("\n").join(out)


class Layer(NamedTuple):
    colour: str
    left: float  # percent of the paragraph's width
    width: float  # percent
    height: str


def layers_style(layers: Sequence[Layer]) -> str:
    """CSS background layers (the first on top), each a one-colour rectangle along the
    paragraph's bottom edge."""
    images, sizes, positions = [], [], []
    for layer in layers:
        width = min(max(layer.width, 0.0), 100.0)
        left = min(max(layer.left, 0.0), 100.0 - width)
        # A background's percentage position aligns that point of the image with the same
        # point of the box, so an image w wide starts at p * (1 - w) of the box.
        x = 0.0 if width >= 100.0 else left / (100.0 - width) * 100.0
        images.append(f"linear-gradient({layer.colour})")
        sizes.append(f"{width:.2f}% {layer.height}")
        positions.append(f"{x:.2f}% 100%")
    return (
        f"background-image:{','.join(images)};background-size:{','.join(sizes)};"
        f"background-position:{','.join(positions)}"
    )


def gauge_block(reading: GaugeReading, *, probability: str, not_scored: str) -> Markup:
    """The extraversion gauge: the candidate's band in words and how sure, then a 0..100
    scale in the reading's bands (the SVG gauge's colours) with a needle at its value, the
    poles at its ends, and a legend with every band's range.

    ``probability`` is a template with ``{pole}`` and ``{percent}``, e.g.
    "{pole}: {percent} probability".
    """
    checked, v, p, low, high, band = check_reading(reading)
    head = band if v is not None else clean(not_scored)
    if p is not None:
        head += f" · {probability_line(probability, p, low=low, high=high)}"
    out = [Markup('<p class="rf-gauge-head">{}</p>').format(head)]
    # One paragraph: the bands (and the needle) are background layers under its text, the
    # score; five bands would take five bordered blocks.
    layers = []
    content = "\u00a0"
    indent = ""
    if v is not None:
        # The needle: a dark line at the score, taller than the bands; above it a marker and
        # the number, moved left by half the marker's width (and kept on the line near 100).
        layers.append(Layer(INK, v * 100 - 0.25, 0.5, "6.4mm"))
        content = f"▼ {round(v * 100)}"
        indent = f";text-indent:calc({min(v * 100, 95.0):.1f}% - 1.3mm)"
    for i, (start, end, _name) in enumerate(checked):
        gap = 0.3 if i else 0.0  # a white hairline parts neighbouring bands
        layers.append(
            Layer(band_colour(start, end), start * 100 + gap, (end - start) * 100 - gap, "4.6mm")
        )
    out.append(
        Markup('<p class="rf-gauge" style="{}">{}</p>').format(
            layers_style(layers) + indent, content
        )
    )
    out.append(Markup('<p class="rf-pole">0 · {}</p>').format(low))
    out.append(Markup('<p class="rf-pole rf-same-line">{} · 100</p>').format(high))
    # The legend lists the bands left to right, as on the scale, each with its range; the
    # candidate's band in bold.
    legend = []
    for (start, end, name), current in zip(checked, current_bands(checked, band, v), strict=True):
        # No-break spaces and a word joiner after the dash keep each band's name and range
        # together when the legend wraps.
        item = f"{clean(name)} {round(start * 100)}–\u2060{round(end * 100)}".replace(" ", "\u00a0")
        legend.append(Markup("<b>{}</b>").format(item) if current else escape(item))
    out.append(Markup('<p class="rf-legend">{}</p>').format(Markup(" · ").join(legend)))
    return Markup("\n").join(out)


__all__ = [
    "BAR_MM",
    "LINE_MM",
    "Layer",
    "dichotomy_rows",
    "gauge_block",
    "layers_style",
    "role_rows",
    "stylesheet",
    "type_rows",
]
