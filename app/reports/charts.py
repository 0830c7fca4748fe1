"""The fit report's charts, drawn from ``ReportData`` with labels in the report's language.

The page draws them as SVG here; the PDF draws the same rows as text blocks
(``app.exports.pdf.print_charts``) from the helpers below, so both show the same bars and names.
``fluid=False`` gives fixed-size SVGs; the page uses the fluid default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    gauge,
    role_ranking,
    type_bars,
)
from app.i18n import N_, translations
from app.reports.data import ExtraversionInfo, ReportData
from app.web.labels import type_code

BAND_NAMES = (
    N_("Clear introvert"),
    N_("Moderate introvert"),
    N_("Borderline"),
    N_("Moderate extravert"),
    N_("Clear extravert"),
)
BAND_CODES = (
    "clear_introvert",
    "moderate_introvert",
    "borderline",
    "moderate_extravert",
    "clear_extravert",
)


@dataclass(frozen=True)
class ReportCharts:
    dichotomies: Markup | None
    types: Markup | None
    roles: Markup | None
    gauge: Markup | None


def report_charts(data: ReportData, *, language: str, fluid: bool = True) -> ReportCharts:
    _ = translations(language).gettext
    dich = None
    if data.dichotomies:
        dich = dichotomy_bars(
            dichotomy_bars_of(data),
            labels=DichotomyLabels(
                title=_("Dichotomies"),
                borderline=_("borderline"),
                zone=_("Shaded: borderline zone (25–75%)"),
                not_scored=_("not scored"),
            ),
            fluid=fluid,
        )
    types = None
    if data.types:
        types = type_bars(
            type_bars_of(data),
            labels=TypeLabels(title=_("Most probable types")),
            fluid=fluid,
        )
    roles = None
    if data.roles:
        roles = role_ranking(
            role_bars_of(data),
            target=target_roles(data),
            labels=RoleLabels(
                title=_("Fit by role"),
                target=_("target role"),
                margin=_("+N: points ahead of the next role"),
            ),
            fluid=fluid,
        )
    meter = None
    reading = gauge_reading(data, _)
    if reading is not None:
        meter = gauge(
            reading,
            labels=GaugeLabels(
                title=_("Introversion – extraversion"),
                score=_("Score"),
                probability=_("{pole}: {percent} probability"),
                interval=_("likely range"),
                not_scored=_("not scored"),
            ),
            fluid=fluid,
        )
    return ReportCharts(dichotomies=dich, types=types, roles=roles, gauge=meter)


# --- what the page's and the print charts share -------------------------------------------------


def dichotomy_bars_of(data: ReportData) -> list[DichotomyBar]:
    return [
        DichotomyBar(
            low_label=f"{d.low_name} ({d.low_code})",
            high_label=f"{d.high_name} ({d.high_code})",
            p_high=d.p_high,
            borderline=d.borderline,
        )
        for d in data.dichotomies
    ]


def type_bars_of(data: ReportData) -> list[TypeBar]:
    return [
        TypeBar(label=f"{type_code(t.code, data.language)} — {t.name}", probability=t.probability)
        for t in data.types
    ]


def role_bars_of(data: ReportData) -> list[RoleBar]:
    return [RoleBar(key=r.role, label=r.name, fit=r.expected_fit) for r in data.roles]


def target_roles(data: ReportData) -> list[str]:
    return [r.role for r in data.roles if r.is_target]


def band_name(band: str) -> str:
    """The msgid of an extraversion band's name (app.reports.service.band_of gives the code)."""
    return BAND_NAMES[BAND_CODES.index(band)]


def gauge_bands(
    e: ExtraversionInfo, gettext: Callable[[str], str]
) -> list[tuple[float, float, str]]:
    """The gauge's named bands on the 0..1 score scale (``e.band_edges`` holds four edges)."""
    edges = (0.0, *e.band_edges, 1.0)
    return [
        (edges[i], edges[i + 1], gettext(BAND_NAMES[i]))
        for i in range(5)
        if edges[i + 1] > edges[i]  # a band the scale cannot reach is left out
    ]


def gauge_reading(data: ReportData, gettext: Callable[[str], str]) -> GaugeReading | None:
    """The extraversion gauge's reading; ``None`` (no gauge) without the four band edges."""
    e = data.extraversion
    if e is None or len(e.band_edges) != 4:
        return None
    return GaugeReading(
        value=e.score / 100,
        low_label=gettext("Introversion"),
        high_label=gettext("Extraversion"),
        band_label=gettext(band_name(e.band)),
        p_high=e.p_high,
        bands=gauge_bands(e, gettext),
    )
