"""Rules the report shares: the extraversion bands and what extraversion alone suggests."""

from __future__ import annotations

# Bands of p_high, the probability that the true score lies on the extravert side of the cut.
# Upper bounds are exclusive for the introvert bands and inclusive for "borderline", so the
# rule is symmetric: p < .10 clear introvert, .10-.30 moderate introvert, .30-.70 borderline,
# .70-.90 moderate extravert, > .90 clear extravert. The report's help text states the same.
CLEAR = 0.10
MODERATE = 0.30


def band_of(p_high: float) -> str:
    if p_high < CLEAR:
        return "clear_introvert"
    if p_high < MODERATE:
        return "moderate_introvert"
    if p_high <= 1 - MODERATE:
        return "borderline"
    if p_high <= 1 - CLEAR:
        return "moderate_extravert"
    return "clear_extravert"


def suggestion_of(band: str) -> str:
    """What extraversion alone suggests; a placement also needs the socionics type."""
    if band.endswith("extravert"):
        return "active_roles"
    if band.endswith("introvert"):
        return "client_or_operations"
    return "no_lean"


class NotFound(Exception):
    """No such invitation: the report route answers 404."""
