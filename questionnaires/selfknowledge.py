"""What a pole probability means, and the one learned parameter behind it.

Meaning: ``p_high`` is how likely the person would describe themselves with the high pole's
letter. The scale's answers locate the person's latent standardised score (classical test
theory: reliability r, prior centred on the cut, see ``engine``); a person's self-description is
that latent score plus a spread of self-knowledge (standard deviation ``tau`` in latent SD units,
one per dichotomy), and optionally a population's lean ``beta`` (where that population puts the
line between the letters, relative to the cut; 0 in the product, which knows nothing of how its
candidates describe themselves beyond their answers). So, with ``m`` and ``v`` the posterior mean
and variance of the latent score,

    p_high = Phi((m + beta) / sqrt(v + tau^2))

``tau`` is learned once from the one real criterion, the self-reported types in the OEJTS data
(``rolefit validate --fit``), per dichotomy and never per item, and stored as reviewed data in
``questionnaires/data/self_knowledge.yaml`` with its provenance. Pure: no web, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.special import ndtr

DATA_FILE = Path(__file__).resolve().parent / "data" / "self_knowledge.yaml"


@dataclass(frozen=True)
class SelfKnowledge:
    spreads: dict[str, float]  # criterion dichotomy (IE, SN, FT, JP) -> tau
    unaware_share: float  # omega: share of people whose self-description ignores their answers
    applies_to: dict[str, dict[str, str]]  # questionnaire id -> its dichotomy id -> criterion
    default_spread: float  # for a dichotomy the file does not map: the mean of the spreads


@cache
def self_knowledge(path: Path = DATA_FILE) -> SelfKnowledge:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    spreads = {str(k): float(v) for k, v in raw["spreads"].items()}
    if not spreads or any(not 0 <= v < 5 for v in spreads.values()):
        raise ValueError(f"{path}: spreads must be numbers in 0..5")
    unaware = float(raw["unaware_share"])
    if not 0 <= unaware < 0.5:
        raise ValueError(f"{path}: unaware_share must lie in 0..0.5")
    applies = {str(q): {str(d): str(c) for d, c in m.items()} for q, m in raw["applies_to"].items()}
    for q, m in applies.items():
        unknown = set(m.values()) - set(spreads)
        if unknown:
            raise ValueError(f"{path}: {q} maps to unknown dichotomies {sorted(unknown)}")
    return SelfKnowledge(
        spreads=spreads,
        unaware_share=unaware,
        applies_to=applies,
        default_spread=float(np.mean(list(spreads.values()))),
    )


def spread_for(questionnaire_id: str, dichotomy_id: str) -> float:
    """The self-knowledge spread tau for one dichotomy of one questionnaire."""
    sk = self_knowledge()
    criterion = sk.applies_to.get(questionnaire_id, {}).get(dichotomy_id)
    return sk.spreads[criterion] if criterion is not None else sk.default_spread


def p_informed(m: Any, v: Any, *, tau: float, beta: float = 0.0) -> Any:
    """P(high pole said) by someone whose self-description follows their latent score."""
    return ndtr((np.asarray(m) + beta) / np.sqrt(np.asarray(v) + tau * tau))


def p_self(
    m: Any, v: Any, *, tau: float, unaware: float, beta: float = 0.0, base: float = 0.5
) -> Any:
    """P(the person describes themselves with the high pole) from the latent posterior.

    A share ``unaware`` of people describe themselves regardless of their answers, with the
    population's share ``base`` of the high pole (0.5 in the product: no knowledge of it).
    """
    return (1 - unaware) * p_informed(m, v, tau=tau, beta=beta) + unaware * base


def fit(
    m: np.ndarray,
    v: np.ndarray,
    y: np.ndarray,
    base: np.ndarray,
    *,
    unaware: float | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Maximum-likelihood spreads tau, leans beta (per dichotomy) and the unaware share.

    ``m``, ``v``, ``y`` are rows x dichotomies; ``base`` the high pole's share per dichotomy.
    The likelihood is of each person's whole self-description (all letters at once), since
    being unaware is a trait of the person, not of one letter. A letter the person did not give
    (NaN in ``y``: "hard to say", or not asked) adds nothing. ``unaware`` given: the share is
    held at it and only tau and beta are fitted (what an installation learns, ``learn``).
    """
    m, v, y = (np.asarray(a, dtype=float) for a in (m, v, y))
    k = y.shape[1]
    given = ~np.isnan(y)
    high = y == 1
    uninformed = np.prod(np.where(given, np.where(high, base, 1 - base), 1.0), axis=1)

    def share(theta: np.ndarray) -> float:
        return unaware if unaware is not None else 0.5 / (1 + np.exp(-theta[2 * k]))  # 0..0.5

    def nll(theta: np.ndarray) -> float:
        tau, beta = np.abs(theta[:k]), theta[k : 2 * k]
        omega = share(theta)
        p = np.clip(ndtr((m + beta) / np.sqrt(v + tau * tau)), 1e-12, 1 - 1e-12)
        informed = np.prod(np.where(given, np.where(high, p, 1 - p), 1.0), axis=1)
        return float(-np.sum(np.log((1 - omega) * informed + omega * uninformed)))

    start = np.concatenate([np.full(k, 0.6), np.zeros(k), [-2.0] if unaware is None else []])
    # Fitting is offline or in a cached refresh: a report never waits for scipy.optimize.
    from scipy.optimize import minimize

    best = minimize(nll, start, method="L-BFGS-B")
    theta = best.x
    return np.abs(theta[:k]), theta[k : 2 * k], float(share(theta))


# --- learned by an installation from its own candidates' self-descriptions ----------------

# A dichotomy's tau and beta are learned from an installation's own stored results once this
# many of them carry a self-described letter on it (README, "Uncertainty": "Learned from your
# own candidates"). Chosen on the OEJTS folds (``rolefit validate`` prints the check): from 200
# people on, the learned lean brings every letter's out-of-fold ECE near the all-rows figure.
MIN_SELF_DESCRIPTIONS = 200


@dataclass(frozen=True)
class Learned:
    """One dichotomy's self-knowledge as learned from self-descriptions."""

    tau: float
    beta: float  # the lean: where these people put the line between the letters, vs the cut
    base: float  # the high letter's share among those who gave a letter (the unaware part)
    n: int  # people who gave a letter on this dichotomy


def learn(
    m: np.ndarray, v: np.ndarray, y: np.ndarray, *, unaware: float, minimum: int = 0
) -> list[Learned | None]:
    """Per dichotomy (columns), tau, beta and the high letter's share learned from posterior
    means ``m``, variances ``v`` and self-described letters ``y`` (1 high, 0 low, NaN none),
    with the unaware share held at ``unaware``. None for a dichotomy with fewer than ``minimum``
    letters given (or none at all): it keeps the shipped tau and no lean."""
    m, v, y = (np.atleast_2d(np.asarray(a, dtype=float)) for a in (m, v, y))
    given = ~np.isnan(y)
    counts = given.sum(axis=0)
    use = (counts >= max(minimum, 1)) & given.any(axis=0)
    out: list[Learned | None] = [None] * y.shape[1]
    if not use.any():
        return out
    rows = given[:, use].any(axis=1)
    yy = y[rows][:, use]
    base = np.clip(np.nanmean(yy, axis=0), 0.01, 0.99)
    taus, betas, _ = fit(m[rows][:, use], v[rows][:, use], yy, base, unaware=unaware)
    for j, col in enumerate(np.flatnonzero(use).tolist()):
        out[col] = Learned(
            tau=float(taus[j]), beta=float(betas[j]), base=float(base[j]), n=int(counts[col])
        )
    return out


# --- several dichotomies at once: the type -------------------------------------------------

# Fixed normal draws for the orthant probabilities: a fixed seed keeps every report reproducible.
# Antithetic pairs, 2 x 32,768 draws: a type probability is off by at most about 0.002 before the
# margins are matched exactly (``_match_margins``); far below the 5% steps a reader sees.
ORTHANT_SEED = 20261205
ORTHANT_DRAWS = 32_768


@cache
def _draws(dims: int) -> np.ndarray:
    half = np.random.default_rng(ORTHANT_SEED).standard_normal((ORTHANT_DRAWS, dims))
    return np.concatenate([half, -half])


def latent_correlation(raw: np.ndarray, reliabilities: np.ndarray) -> np.ndarray:
    """Correlation of the latent (true) scores: observed correlations of complete rows'
    scale scores, corrected for attenuation (r_ij / sqrt(r_i r_j)), kept positive definite."""
    x = np.asarray(raw, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    obs = np.corrcoef(x, rowvar=False)
    rel = np.sqrt(np.outer(reliabilities, reliabilities))
    c = np.clip(obs / rel, -0.95, 0.95)
    np.fill_diagonal(c, 1.0)
    w, vecs = np.linalg.eigh(c)
    c = vecs @ np.diag(np.clip(w, 0.05, None)) @ vecs.T
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)


def self_view_correlation(
    latent: np.ndarray, reliabilities: np.ndarray, spreads: np.ndarray
) -> np.ndarray:
    """Correlation of the self-descriptions given the answers.

    Latent scores in SD units have the prior N(0, latent) and each scale adds independent error
    of variance (1 - r) / r (scales share no items). The posterior covariance is
    ``(latent^-1 + D^-1)^-1``; self-descriptions add independent spreads tau^2.
    """
    r = np.asarray(reliabilities, dtype=float)
    d_inv = np.diag(r / (1 - r))
    post = np.linalg.inv(np.linalg.inv(latent) + d_inv)
    cov = post + np.diag(np.asarray(spreads, dtype=float) ** 2)
    s = np.sqrt(np.diag(cov))
    return cov / np.outer(s, s)


def orthant_probabilities(p_high: np.ndarray, correlation: np.ndarray | None) -> np.ndarray:
    """P of every high/low pattern of k dichotomies (index bit j set = dichotomy j high).

    The self-descriptions are multivariate normal with the letters' own probabilities as
    margins and ``correlation`` between them; ``None`` (or the identity) means independent,
    computed exactly as a product.
    """
    p = np.clip(np.asarray(p_high, dtype=float), 0.0, 1.0)
    k = p.size
    bits = (np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1
    if correlation is None or np.allclose(correlation, np.eye(k)):
        return np.prod(np.where(bits == 1, p, 1 - p), axis=1)
    from scipy.special import ndtri

    mu = ndtri(np.clip(p, 1e-12, 1 - 1e-12))
    chol = np.linalg.cholesky(np.asarray(correlation, dtype=float))
    s = _draws(k) @ chol.T + mu
    idx = ((s > 0).astype(int) << np.arange(k)).sum(axis=1)
    table = np.bincount(idx, minlength=2**k) / s.shape[0]
    return _match_margins(table, p, bits)


def type_distribution(
    p_high: np.ndarray,
    correlation: np.ndarray | None,
    *,
    unaware: float,
    base: np.ndarray | float = 0.5,
) -> np.ndarray:
    """P of every high/low pattern under the self-report model: the informed people's
    self-descriptions (multivariate normal, ``correlation``), mixed with the unaware share's
    answers-blind ones. ``p_high`` are the letters' probabilities as reported (the mixture)."""
    p = np.clip(np.asarray(p_high, dtype=float), 0.0, 1.0)
    b = np.broadcast_to(np.asarray(base, dtype=float), p.shape)
    bits = (np.arange(2**p.size)[:, None] >> np.arange(p.size)[None, :]) & 1
    informed = np.clip((p - unaware * b) / (1 - unaware), 0.0, 1.0)
    blind = np.prod(np.where(bits == 1, b, 1 - b), axis=1)
    return (1 - unaware) * orthant_probabilities(informed, correlation) + unaware * blind


def _match_margins(table: np.ndarray, p: np.ndarray, bits: np.ndarray) -> np.ndarray:
    # Iterative proportional fitting: the type distribution's letter margins become exactly the
    # letters' probabilities (so a report's letter and type figures agree), the dependence kept.
    t = table.astype(float).copy()
    for _ in range(200):
        worst = 0.0
        for j in range(p.size):
            high = bits[:, j] == 1
            now = t[high].sum()
            worst = max(worst, abs(now - p[j]))
            if 0 < now < 1:
                t[high] *= p[j] / now
                t[~high] *= (1 - p[j]) / (1 - now)
        if worst < 1e-12:
            break
    return t / t.sum()
