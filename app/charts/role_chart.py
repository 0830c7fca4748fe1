"""The role chart: roles ranked by expected fit, the vacancy's target role hatched and tagged."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from app.charts.draw import (
    ACCENT,
    INK,
    MUTED,
    SIZE,
    SMALL,
    STRIPE,
    TRACK,
    X0,
    X1,
    add_rect,
    add_text,
    chart_svg,
    clean,
    fit_text,
    new_id,
    text_width,
)


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
    uid = new_id()
    hatch = f"url(#{uid}-hatch)"
    track = X1 - X0 - 84  # room for "100 +28" after a full bar
    tag = clean(labels.target)
    tag_w = text_width(tag, SMALL - 1, True) + 16
    body: list[ET.Element] = [_hatch_pattern(f"{uid}-hatch")]
    summary = []
    y = 2.0
    for i, (fit, label, is_target) in enumerate(data):
        g = ET.Element("g", {"class": "rf-row"})
        body.append(g)
        rank = f"{i + 1}."
        add_text(g, X0, y + 15, rank, fill=MUTED)
        lx = X0 + 26
        shown = fit_text(label, X1 - lx, SIZE, is_target)
        add_text(g, lx, y + 15, shown, bold=is_target)
        by = y + 23
        if is_target:
            # The tag follows the name when both fit on the line, else it gets a line of its own.
            tx = lx + text_width(shown, SIZE, True) + 10
            ty = y
            if tx + tag_w > X1:
                tx, ty, by = lx, y + 22, by + 22
            add_rect(g, tx, ty + 1.5, tag_w, 18, STRIPE, stroke=INK, radius=9)
            add_text(g, tx + tag_w / 2, ty + 14.5, tag, size=SMALL - 1, bold=True, anchor="middle")
        add_rect(g, X0, by, track, 20, TRACK)
        bar_w = max(fit / 100 * track, 1.5)
        if is_target:
            bar = add_rect(g, X0, by, bar_w, 20, hatch, stroke=INK, stroke_width=1.5)
            bar.set("class", "rf-bar rf-target")
        else:
            add_rect(g, X0, by, bar_w, 20, ACCENT).set("class", "rf-bar")
        value = str(fit)
        vx = X0 + bar_w + 7
        add_text(g, vx, by + 15.5, value, bold=True)
        said = f"{rank} {label} {value}"
        if i + 1 < len(data):
            margin = f"+{fit - data[i + 1][0]}"
            mx = vx + text_width(value, SIZE, True) + 7
            add_text(g, mx, by + 15.5, margin, size=SMALL, fill=MUTED)
            said += f" ({margin})"
        if is_target:
            said += f", {tag}"
        summary.append(said)
        y = by + 20 + 16
    legend = ET.Element("g")
    body.append(legend)
    text_x = X0
    if any(is_target for *_, is_target in data):
        add_rect(legend, X0, y + 1, 22, 12, hatch, stroke=INK, stroke_width=1.5)
        add_text(legend, X0 + 30, y + 11.5, tag, size=SMALL, fill=MUTED)
        text_x = X0 + 30 + text_width(tag, SMALL, False) + 18
    margin_text = clean(labels.margin)
    if text_x > X0 and text_x + text_width(margin_text, SMALL, False) > X1:
        text_x, y = X0, y + 20  # too long to share the line: a line of its own
    margin_text = fit_text(margin_text, X1 - text_x, SMALL, False)
    add_text(legend, text_x, y + 11.5, margin_text, size=SMALL, fill=MUTED)
    return chart_svg(
        title=clean(labels.title),
        desc="; ".join(summary) + ".",
        height=y + 18,
        body=body,
        fluid=fluid,
        uid=uid,
    )


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
        data.append((round(min(max(fit, 0.0), 100.0)), clean(row.label), row.key in targets))
    data.sort(key=lambda r: -r[0])
    return data


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
