"""What every server-drawn chart shares: the palette, caller text made safe and measured, and
the SVG primitives (``add_text``, ``add_rect``, ``add_line``, ``chart_svg``).

Pure: no web framework, no database; only the standard library and markupsafe. Every caller
string is cleaned (``clean``: control and bidi characters removed, length capped) and escaped by
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

MAX_TEXT = 160  # characters kept of any caller string; layout may shorten further

# --- text ------------------------------------------------------------------------------

# C0/C1 controls, DEL, zero-width and bidi controls (they can disguise text), the BOM, and
# what XML cannot carry at all (lone surrogates, U+FFFE/FFFF).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069"
    "\ufeff\ud800-\udfff\ufffe\uffff]"
)
_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
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


def text_width(text: str, size: float, bold: bool) -> float:
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


def fit_text(text: str, room: float, size: float, bold: bool) -> str:
    """``text`` shortened with an ellipsis so that it fits ``room`` user units."""
    if text_width(text, size, bold) <= room:
        return text
    cut = len(text)
    while cut > 0 and text_width(text[:cut].rstrip() + "…", size, bold) > room:
        cut -= 1
    return text[:cut].rstrip() + "…" if cut else ""


def percent(p: float) -> str:
    """A probability as every surface shows it (questionnaires/shown.py)."""
    return shown_percent(p)


def unit_value(value: float | None, name: str) -> float | None:
    """A 0..1 number, or None for "not scored" (None or NaN); anything else is a caller bug."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    v = float(value)
    if not math.isfinite(v) or not -1e-9 <= v <= 1 + 1e-9:
        raise ValueError(f"{name} must be within 0..1, got {value!r}")
    return min(max(v, 0.0), 1.0)


# --- drawing ---------------------------------------------------------------------------

_ids = itertools.count(1)


def new_id() -> str:
    # A process-wide counter keeps ids unique on a page; the random-looking suffix keeps
    # charts rendered by different processes (say a cached fragment) from colliding too.
    n = next(_ids)
    return f"rfc{n}-" + hashlib.blake2s(f"{id(_ids)}:{n}".encode(), digest_size=3).hexdigest()


def num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def side(direction: int) -> str:
    return "start" if direction > 0 else "end"


def x_at(t: float) -> float:
    """The x of ``t`` (0..1) on a scale that spans the chart's width."""
    return X0 + t * (X1 - X0)


def add_text(
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
    el = ET.SubElement(parent, "text", x=num(x), y=num(y), fill=fill)
    el.set("font-size", num(size))
    if bold:
        el.set("font-weight", "bold")
    if italic:
        el.set("font-style", "italic")
    if anchor != "start":
        el.set("text-anchor", anchor)
    el.text = text
    return el


def add_rect(
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
    el = ET.SubElement(parent, "rect", x=num(x), y=num(y), width=num(w), height=num(h), fill=fill)
    if stroke:
        el.set("stroke", stroke)
        el.set("stroke-width", num(stroke_width))
    if radius:
        el.set("rx", num(radius))
    return el


def add_line(
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
    el = ET.SubElement(
        parent, "line", x1=num(x1), y1=num(y1), x2=num(x2), y2=num(y2), stroke=stroke
    )
    el.set("stroke-width", num(width))
    if dash:
        el.set("stroke-dasharray", dash)
    return el


def chart_svg(
    *,
    title: str,
    desc: str,
    height: float,
    body: list[ET.Element],
    fluid: bool,
    uid: str | None = None,
) -> Markup:
    uid = uid or new_id()
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
    # string reaches the tree only as element text, after clean.
    return Markup(ET.tostring(root, encoding="unicode"))  # noqa: S704
