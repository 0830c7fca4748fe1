"""How a probability is shown: the one rule every surface follows (report, PDF, candidate table,
comparison, CSV, XLSX, API; the webhook carries no probability, it links to the API).

A probability is shown in steps of 5% (a reader acts on "about 70%", not on 71.3%), and never
below 5% or above 95%: nothing our data supports is that certain (questionnaires/README.md,
"Uncertainty"; the model itself stays within 3-97%). So no surface ever says 0% or 100%. Pure.
"""

from __future__ import annotations

import math

import numpy as np

STEP = 0.05
LOWEST = 0.05
HIGHEST = 0.95


def shown_probability(p: float | None) -> float | None:
    """``p`` rounded to the nearest 5% step within 5%..95%; None (or NaN) stays None."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return None
    # Half-steps round up (0.725 -> 0.75); the small epsilon keeps 0.725 from reading as 0.7249.
    steps = math.floor(float(p) / STEP + 0.5 + 1e-9)
    return round(min(max(steps * STEP, LOWEST), HIGHEST), 2)


def shown_percent(p: float | None) -> str:
    """The shown probability as text: "70%", or "—" when there is none."""
    s = shown_probability(p)
    return "—" if s is None else f"{round(s * 100)}%"


def shown_array(p: np.ndarray) -> np.ndarray:
    """``shown_probability`` for an array (NaN stays NaN)."""
    steps = np.floor(np.asarray(p, dtype=float) / STEP + 0.5 + 1e-9)
    return np.round(np.clip(steps * STEP, LOWEST, HIGHEST), 2)


def reads_below(p: float, level: float) -> bool:
    """Whether ``p`` as shown is below ``level``: rules such as "borderline below 75%" judge the
    figure the reader sees, so a shown 75% is never called borderline."""
    shown = shown_probability(p)
    return shown is not None and shown < level
