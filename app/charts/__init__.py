"""Server-drawn charts for the fit report: one module per SVG chart (``dichotomy_chart``,
``type_chart``, ``role_chart``, ``gauge_chart``) over the shared drawing helpers in ``draw``;
``blocks`` draws the same four for print, ``evidence`` the evidence page's chart."""

from app.charts.dichotomy_chart import DichotomyBar, DichotomyLabels, dichotomy_bars
from app.charts.gauge_chart import GaugeBand, GaugeLabels, GaugeReading, gauge
from app.charts.role_chart import RoleBar, RoleLabels, role_ranking
from app.charts.type_chart import TypeBar, TypeLabels, type_bars

__all__ = [
    "DichotomyBar",
    "DichotomyLabels",
    "GaugeBand",
    "GaugeLabels",
    "GaugeReading",
    "RoleBar",
    "RoleLabels",
    "TypeBar",
    "TypeLabels",
    "dichotomy_bars",
    "gauge",
    "role_ranking",
    "type_bars",
]
