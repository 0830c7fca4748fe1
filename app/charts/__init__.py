"""Server-drawn SVG charts for the fit report (HTML page and PDF)."""

from app.charts.svg import (
    DichotomyBar,
    DichotomyLabels,
    GaugeBand,
    GaugeLabels,
    RoleBar,
    RoleLabels,
    TypeBar,
    TypeLabels,
    dichotomy_bars,
    gauge,
    role_ranking,
    type_bars,
)

__all__ = [
    "DichotomyBar",
    "DichotomyLabels",
    "GaugeBand",
    "GaugeLabels",
    "RoleBar",
    "RoleLabels",
    "TypeBar",
    "TypeLabels",
    "dichotomy_bars",
    "gauge",
    "role_ranking",
    "type_bars",
]
