"""Two measures of one dichotomy read together. Pure: no web, no database.

A person who answered both the socionics questionnaire and the introversion/extraversion
questionnaire has been measured twice on extraversion: the socionics EI scale (18 items) and the
extraversion scale (24 items). Each stored result gives the latent standardised score's posterior
under a normal prior centred on its cut (``engine.latent_posterior``): mean ``m = r·x`` and
variance ``v = 1 − r``, where ``x`` is the score beyond the cut in SDs of the true score, read
with an error of variance ``(1 − r)/r``. Read together, the two readings add their precisions
(the textbook combination of independent normal measurements under one prior).

The two scales may not measure quite the same construct. With ``rho`` the correlation of their
true scores (corrected for attenuation, ``construct_correlation``), the second scale's reading
``x₂`` is taken as a measure of ``rho`` times the first scale's latent score plus an independent
part of variance ``1 − rho²``: its weight falls with ``rho`` and is zero at ``rho = 0``, so a
construct the installation's own data show to be different is not read into the type.

Both cuts are assumed to mark the same line between the poles (each questionnaire's cut is the
midpoint of its scale's range). docs/outcomes.md, "Extraversion, measured twice", says where this
is used (the evidence page, not the candidate's report) and bench/README.md what it changes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from questionnaires.engine import latent_posterior
from questionnaires.result import DichotomyResult, ScaleScore
from questionnaires.selfknowledge import p_self, self_knowledge


def latent_of(dichotomy: DichotomyResult, scale: ScaleScore) -> tuple[float, float] | None:
    """Posterior mean and variance of the latent score beyond the cut, as the stored result was
    scored (its calibration, cut and the reliability of the part answered); None when the
    dichotomy is unscored or the result predates the recorded reliability."""
    cal, cut, used = dichotomy.calibration, dichotomy.cut, dichotomy.reliability
    if not dichotomy.scored or scale.raw is None or cal is None or cut is None or used is None:
        return None
    r = cal.reliability
    # The answered share behind the reliability used, by Spearman-Brown backwards (1 when the
    # scale was complete): latent_posterior needs it for the SD of a prorated score.
    length = used * (1 - r) / (r * (1 - used)) if not math.isclose(used, r) else 1.0
    m, v = latent_posterior(scale.raw, cut, cal, length)
    return float(m), float(v)


def construct_correlation(
    raw_a: np.ndarray, raw_b: np.ndarray, reliability_a: float, reliability_b: float
) -> float:
    """Correlation of two scales' true scores: the raw scores' correlation over the people who
    completed both, corrected for attenuation (Spearman), kept within 0..1."""
    a, b = np.asarray(raw_a, dtype=float), np.asarray(raw_b, dtype=float)
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return 0.0
    observed = float(np.corrcoef(a, b)[0, 1])
    return float(np.clip(observed / math.sqrt(reliability_a * reliability_b), 0.0, 1.0))


def combine(m1: Any, v1: Any, m2: Any, v2: Any, rho: float) -> tuple[Any, Any]:
    """The posterior of the first measure's latent score given both readings.

    ``(m1, v1)`` and ``(m2, v2)`` are each scale's posterior alone (prior N(0, 1), so
    0 < v < 1), numbers or arrays; ``rho`` the correlation of the two constructs. Precision of
    a reading: ``r/(1 − r) = 1/v − 1``.
    """
    if rho <= 0:
        return m1, v1
    r2 = 1 - v2
    # The second reading as a measure of the first latent score: x₂/rho, with its own error and
    # the part of its construct the first does not share.
    error2 = (v2 / r2 + 1 - rho * rho) / (rho * rho)
    precision = (1 / v1 - 1) + 1 / error2
    v = 1 / (1 + precision)
    m = v * (m1 / v1 + (m2 / r2) / rho / error2)
    return m, v


def p_high(dichotomy: DichotomyResult, m: float, v: float) -> float | None:
    """P(high pole) from a latent posterior, by the model and self-knowledge the stored
    dichotomy was scored with ("self_report" only; None for results of other models)."""
    if dichotomy.model != "self_report" or dichotomy.self_knowledge_sd is None:
        return None
    used = dichotomy.self_knowledge
    return float(
        p_self(
            m,
            v,
            tau=dichotomy.self_knowledge_sd,
            unaware=self_knowledge().unaware_share,
            beta=used.lean if used is not None else 0.0,
            base=used.base if used is not None else 0.5,
        )
    )
