"""Does the role-fit matrix predict a company's own results? The statistics, pure.

For one role, each person brings an outcome (the role's headline figure, already compared within
their team and period), their covariates (tenure, ...), and their 16 type probabilities from the
assessment. The model:

    y_i = a + c·C_i + Σ_t P_it·β_t + ε_i,      ε_i ~ N(0, σ²)
    β_t = s·g_t + u_t,                          u_t ~ N(0, λ·σ²)

``g_t`` is the matrix's fit for type t in this role, standardised over the 16 types; ``s`` says
how strongly results follow the matrix; ``u_t`` is how far type t sits from where the matrix
puts it. Using each person's type *probabilities* rather than their top type keeps the
uncertainty of a type in the analysis: when the probabilities are calibrated, E[y | P] is exactly
Σ_t P_t·β_t (regression calibration), so an uncertain person counts a little towards each type
they may be.

Which probabilities: the product (app/outcomes/service.py) passes the four letters' P(high) of
the questionnaire's self-description model (questionnaires/engine.py, "self_report") combined as
independent letters, with extraversion read from both the socionics and the
introversion/extraversion questionnaire where the person answered both
(questionnaires/joint.py), as bench_evidence_pipeline.py does. They are flatter than the
posterior of the side of the cut the latent traits are on (the "neutral" model, Φ(m/√v) per
letter) by a self-knowledge spread per letter. Strictly, regression calibration wants P(type |
answers) under the team's own type distribution, and neither is that: the latent posterior
assumes 50/50 per letter, while a team hired for fit leans towards the matrix's group, along
the very direction the group contrast measures. Measured through the real questionnaires
(bench/README.md, bench_evidence_pipeline.py and bench_evidence_power.py): the latent-side
probabilities detect a half-SD group advantage about as often as the socionics questionnaire's
own, reweighting them by the team's estimated type shares adds at most a few points, and their
90% intervals cover the true effects less often; so the product's are kept. What does add power
is information: reading extraversion from both questionnaires (the hunter's group is nearly
the extraverted types). With types as uncertain as the questionnaires leave them, a team of
200 whose types are as common as any other's misses a half-SD advantage in about 15% of
companies, and one hired for fit (about 72% in the group) in about a quarter (types known: 4%
and 9%); bench/README.md gives the figures.

Unknowns: a, c and s with flat priors, σ² with the Jeffreys prior, and λ (the spread of the
deviations relative to the noise) on a grid with a half-normal prior on √λ. Given λ, the
posterior of (a, c, s, u) is normal and integrates σ² out in closed form; over the grid it is a
mixture, summarised by its mean and variance (normal intervals). Thin evidence therefore leaves a
type where the matrix put it (u shrinks to 0), and strong evidence moves it.

What the page reports, per role:
- each type's effect relative to the average type (outcome standard deviations), with a 90%
  interval;
- the contrast between the matrix's group for the role (fit ≥ ``GROUP_FIT``) and the rest,
  and, when its interval includes zero, the difference this many people would have seen four
  times in five (``Interval.detectable``);
- the cells the evidence moves: a deviation whose interval, widened for the 16 types looked at
  together (Bonferroni at 5% family-wise), excludes zero, among types with at least
  ``MIN_TYPE_WEIGHT`` people's worth of probability. The proposed fit moves by the deviation
  times the spread of the role's fits (one outcome SD ↔ one SD of the matrix's fits).
Below ``MIN_PEOPLE`` people with results in a role nothing is estimated: the page says what is
missing instead. ``bench/bench_evidence.py`` checks coverage, false changes and power by
simulation.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

MIN_PEOPLE = 30
MIN_TYPE_WEIGHT = 3.0
GROUP_FIT = 60
LEVEL = 0.90
FAMILY_ALPHA = 0.05
# "Would be seen four times in five": the power a detectable difference is quoted at.
DETECT_POWER = 0.80
# √λ on an evenly spaced grid (so each point stands for the same width of the prior) and its
# half-normal prior scale: deviations from the matrix up to about the noise level are plausible
# a priori, larger ones need data.
ROOT_LAMBDA = np.linspace(0.0, 2.5, 51)
ROOT_LAMBDA_PRIOR_SCALE = 0.5


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    @property
    def detectable(self) -> float:
        """The smallest true difference this data would see (its ``LEVEL`` interval clear of
        zero on the right side) with probability ``DETECT_POWER``: (z_level + z_power)·SE, the
        interval being normal with SE = half its width / z_level. Every interval here is at
        ``LEVEL``. bench/bench_evidence_power.py checks the promise against simulation."""
        z_level = NormalDist().inv_cdf(0.5 + LEVEL / 2)
        z_power = NormalDist().inv_cdf(DETECT_POWER)
        return (self.high - self.low) / 2 * (z_level + z_power) / z_level


@dataclass(frozen=True)
class TypeEvidence:
    code: str
    prior_fit: int
    people: float  # Σ of this type's probability over the people: its effective count
    effect: Interval  # outcome SDs relative to the average type
    deviation: Interval  # from where the matrix puts the type, outcome SDs
    moved: bool
    proposed_fit: int  # == prior_fit unless moved
    # The fit the evidence points to, with its LEVEL interval, on the matrix's 0-100 scale.
    fit_interval: Interval | None = None


@dataclass(frozen=True)
class RoleEvidence:
    role: str
    people: int
    enough: bool
    types: tuple[TypeEvidence, ...]
    follows_matrix: Interval | None  # s: outcome SDs per SD of the matrix's fits
    group_contrast: Interval | None  # the role's matrix group minus the rest

    @property
    def moved(self) -> tuple[TypeEvidence, ...]:
        return tuple(t for t in self.types if t.moved)


def _standardise(values: np.ndarray) -> np.ndarray:
    sd = values.std()
    return (values - values.mean()) / sd if sd > 0 else values - values.mean()


def _posterior(
    y: np.ndarray, fixed: np.ndarray, probs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of (fixed effects, u), mixed over the λ grid."""
    n, p = fixed.shape
    k = probs.shape[1]
    z = np.hstack([fixed, probs])
    ztz, zty = z.T @ z, z.T @ y
    ptp = probs.T @ probs
    log_w, means, covs = [], [], []
    for root in ROOT_LAMBDA:
        lam = root * root
        if lam == 0:
            # No deviations: u is exactly 0 and the model is ordinary least squares.
            xtx_inv = np.linalg.pinv(fixed.T @ fixed)
            theta = xtx_inv @ fixed.T @ y
            rss = float(((y - fixed @ theta) ** 2).sum())
            _, logdet_xtx = np.linalg.slogdet(fixed.T @ fixed)
            log_ml = -0.5 * logdet_xtx - 0.5 * (n - p) * np.log(rss)
            mean = np.concatenate([theta, np.zeros(k)])
            cov = np.zeros((p + k, p + k))
            cov[:p, :p] = xtx_inv * rss / (n - p)
        else:
            # V = I + λ P Pᵀ (in units of σ²); the marginal likelihood of λ with a, c, s and σ²
            # integrated out. Woodbury keeps it to k×k: V⁻¹ = I − P (I/λ + PᵀP)⁻¹ Pᵀ and
            # det V = det(I + λ PᵀP).
            inner = np.linalg.inv(np.eye(k) / lam + ptp)
            pt_x, pt_y = probs.T @ fixed, probs.T @ y
            xvx = fixed.T @ fixed - pt_x.T @ inner @ pt_x
            xvy = fixed.T @ y - pt_x.T @ inner @ pt_y
            theta = np.linalg.solve(xvx, xvy)
            resid = y - fixed @ theta
            pt_r = probs.T @ resid
            rss = float(resid @ resid - pt_r @ inner @ pt_r)
            _, logdet_v = np.linalg.slogdet(np.eye(k) + lam * ptp)
            _, logdet_xvx = np.linalg.slogdet(xvx)
            log_ml = -0.5 * logdet_v - 0.5 * logdet_xvx - 0.5 * (n - p) * np.log(rss)
            prec = ztz.copy()
            prec[p:, p:] += np.eye(k) / lam
            cov_unit = np.linalg.inv(prec)
            mean = cov_unit @ zty
            cov = cov_unit * rss / (n - p)
        log_prior = -0.5 * (root / ROOT_LAMBDA_PRIOR_SCALE) ** 2
        log_w.append(log_ml + log_prior)
        means.append(mean)
        covs.append(cov)
    w = np.exp(np.array(log_w) - max(log_w))
    w /= w.sum()
    m = np.stack(means)
    mean = w @ m
    spread = m - mean
    cov = np.einsum("g,gij->ij", w, np.stack(covs)) + np.einsum("g,gi,gj->ij", w, spread, spread)
    return mean, cov


def _interval(weights: np.ndarray, mean: np.ndarray, cov: np.ndarray, z: float) -> Interval:
    m = float(weights @ mean)
    sd = float(np.sqrt(max(weights @ cov @ weights, 0.0)))
    return Interval(mean=m, low=m - z * sd, high=m + z * sd)


def role_evidence(
    *,
    role: str,
    codes: list[str],
    prior_fit: list[int],
    outcomes: np.ndarray,
    type_probabilities: np.ndarray,
    covariates: np.ndarray | None = None,
) -> RoleEvidence:
    """The evidence for one role; ``type_probabilities`` has a row per person, a column per
    code (rows sum to 1); ``covariates`` (tenure, team indicators, ...) a row per person."""
    y = np.asarray(outcomes, dtype=float)
    probs = np.asarray(type_probabilities, dtype=float)
    n, k = probs.shape
    if len(codes) != k or len(prior_fit) != k or y.shape != (n,):
        raise ValueError("codes, prior fits, outcomes and probabilities do not line up")
    fits = np.asarray(prior_fit, dtype=float)
    people = probs.sum(axis=0)
    if n < MIN_PEOPLE:
        same = Interval(0.0, 0.0, 0.0)
        types = tuple(
            TypeEvidence(c, int(f), float(w), same, same, False, int(f))
            for c, f, w in zip(codes, fits, people, strict=True)
        )
        return RoleEvidence(role, n, False, types, None, None)

    y = _standardise(y)
    g = _standardise(fits)
    columns = [np.ones(n)]
    if covariates is not None and covariates.size:
        cov_x = np.asarray(covariates, dtype=float).reshape(n, -1)
        columns += list((cov_x - cov_x.mean(axis=0)).T)
    columns.append(probs @ g)
    fixed = np.column_stack(columns)
    p = fixed.shape[1]
    mean, cov = _posterior(y, fixed, probs)

    from scipy import stats  # lazily: the server need not load scipy to start (bench/load)

    z = float(stats.norm.ppf(0.5 + LEVEL / 2))
    z_family = float(stats.norm.ppf(1 - FAMILY_ALPHA / (2 * k)))
    centre = np.eye(k) - 1.0 / k  # relative to the average type
    s_row = np.zeros(p + k)
    s_row[p - 1] = 1.0
    spread_f = float(fits.std())
    found: list[TypeEvidence] = []
    for t in range(k):
        effect_w = np.zeros(p + k)
        effect_w[p - 1] = g[t]  # s·g_t; g is centred, so its mean over types is 0
        effect_w[p:] = centre[t]
        dev_w = np.zeros(p + k)
        dev_w[p:] = centre[t]
        effect = _interval(effect_w, mean, cov, z)
        dev_family = _interval(dev_w, mean, cov, z_family)
        moved = dev_family.excludes_zero and people[t] >= MIN_TYPE_WEIGHT
        proposed = int(np.clip(round(fits[t] + dev_family.mean * spread_f), 0, 100))
        deviation = _interval(dev_w, mean, cov, z)
        ends = (deviation.mean, deviation.low, deviation.high)
        on_scale = [float(np.clip(fits[t] + d * spread_f, 0, 100)) for d in ends]
        found.append(
            TypeEvidence(
                code=codes[t],
                prior_fit=int(fits[t]),
                people=float(people[t]),
                effect=effect,
                deviation=deviation,
                moved=moved and proposed != int(fits[t]),
                proposed_fit=proposed if moved else int(fits[t]),
                fit_interval=Interval(*on_scale),
            )
        )
    in_group = fits >= GROUP_FIT
    contrast = None
    if 0 < in_group.sum() < k:
        c_w = np.zeros(p + k)
        diff = in_group / in_group.sum() - (~in_group) / (~in_group).sum()
        c_w[p - 1] = float(diff @ g)
        c_w[p:] = diff
        contrast = _interval(c_w, mean, cov, z)
    return RoleEvidence(
        role=role,
        people=n,
        enough=True,
        types=tuple(found),
        follows_matrix=_interval(s_row, mean, cov, z),
        group_contrast=contrast,
    )


def _slope(y: np.ndarray, x: np.ndarray, covariates: np.ndarray | None) -> Interval | None:
    """Least squares of the standardised outcome on x and the (centred) covariates: x's
    coefficient with a t interval at ``LEVEL``; None when x does not vary."""
    n = len(y)
    if np.ptp(x) == 0:
        return None
    columns = [np.ones(n), x]
    if covariates is not None and covariates.size:
        cov_x = np.asarray(covariates, dtype=float).reshape(n, -1)
        columns += list((cov_x - cov_x.mean(axis=0)).T)
    design = np.column_stack(columns)
    xtx_inv = np.linalg.pinv(design.T @ design)
    beta = xtx_inv @ design.T @ y
    dof = n - design.shape[1]
    s2 = float(((y - design @ beta) ** 2).sum()) / dof
    se = float(np.sqrt(s2 * xtx_inv[1, 1]))
    from scipy import stats

    t = float(stats.t.ppf(0.5 + LEVEL / 2, dof))
    b = float(beta[1])
    return Interval(mean=b, low=b - t * se, high=b + t * se)


def fit_slope(
    *, outcomes: np.ndarray, expected_fit: np.ndarray, covariates: np.ndarray | None = None
) -> Interval | None:
    """Across roles: outcome SDs per 10 points of the matrix's expected fit for each person's own
    role (least squares with a t interval); None below ``MIN_PEOPLE``."""
    y = np.asarray(outcomes, dtype=float)
    if len(y) < MIN_PEOPLE:
        return None
    return _slope(_standardise(y), np.asarray(expected_fit, dtype=float) / 10, covariates)


def associations(
    *,
    outcomes: np.ndarray,
    predictors: dict[str, np.ndarray],
    covariates: np.ndarray | None = None,
) -> dict[str, Interval | None] | None:
    """How one figure goes with each part of the assessment, one at a time: outcome SDs per unit
    of each predictor, allowing for the covariates (least squares, t interval at ``LEVEL``);
    None below ``MIN_PEOPLE``. With a pole's *probability* as the predictor, the slope is the
    difference between people surely at that pole and people surely at the other, when the
    probabilities are calibrated (regression calibration, as in ``role_evidence``)."""
    y = np.asarray(outcomes, dtype=float)
    if len(y) < MIN_PEOPLE:
        return None
    y = _standardise(y)
    return {
        name: _slope(y, np.asarray(x, dtype=float), covariates) for name, x in predictors.items()
    }


@dataclass(frozen=True)
class TopThirdShare:
    code: str
    top: float  # expected share of the type among the top third (by probability)
    rest: float
    difference: Interval  # top − rest


def top_third(
    *, codes: list[str], outcomes: np.ndarray, type_probabilities: np.ndarray
) -> list[TopThirdShare] | None:
    """Each type's share among the top third of the people by outcome against the rest.

    A person adds their probability of each type, so a share is the expected share of the type;
    the interval of the difference is Welch's, from each group's spread of that probability.
    None below ``MIN_PEOPLE``.
    """
    y = np.asarray(outcomes, dtype=float)
    probs = np.asarray(type_probabilities, dtype=float)
    n = len(y)
    if n < MIN_PEOPLE:
        return None
    from scipy import stats

    order = np.argsort(-y, kind="stable")
    cut = n // 3
    top, rest = probs[order[:cut]], probs[order[cut:]]
    z = float(stats.norm.ppf(0.5 + LEVEL / 2))
    out = []
    for t, code in enumerate(codes):
        a, b = top[:, t], rest[:, t]
        diff = float(a.mean() - b.mean())
        se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
        out.append(
            TopThirdShare(
                code=code,
                top=float(a.mean()),
                rest=float(b.mean()),
                difference=Interval(diff, diff - z * se, diff + z * se),
            )
        )
    return out
