"""The scoring engine: answers in, a typed ``Result`` out. Pure: no web, no database.

Two paths give the same numbers: ``score`` (one response set, plain Python, what the web app
calls) and ``score_many`` (a matrix of response sets, numpy, for re-scoring and statistics).
``questionnaires/README.md`` documents every rule used here; the summary:

- Item score in native points, times the item's weight: agreement ``v`` (reversed
  ``points + 1 - v``), bipolar likewise on 5 points, forced choice the chosen option's
  ``points`` added to that option's scale. Attention checks belong to no scale.
- Raw score = the full-length sum. Missing answers: when at most 20% of a scale's items (by
  count, not weight) are unanswered, the scale is prorated: the answered items' share of their
  possible range is carried over to the whole scale (for equal items this is the answered
  items' mean keyed score times the item count). Beyond 20% the scale is unscored.
- Normalized = (raw - min) / (max - min) over the scale's possible range.
- Dichotomy: raw above the cut is the high pole; a tie goes to the low pole (with a lean learned
  from the installation's own candidates, the more probable letter: README "Uncertainty").
- Uncertainty. The product's model, "self_report": p_high is how likely the person would
  describe themselves with the high pole. Classical test theory gives the latent standardised
  score's posterior under a normal prior centred on the cut, mean ``sqrt(r) (raw - cut) / SD``
  and variance ``1 - r``; the self-description adds a spread of self-knowledge tau per dichotomy,
  and a share omega of people describe themselves regardless of their answers (50/50):
  ``p_high = (1 - omega) Phi(m / sqrt(v + tau^2)) + omega / 2`` (``selfknowledge``; tau and
  omega are reviewed data learned on OEJTS self-reports). A prorated scale uses the reliability
  and SD of the part answered (Spearman-Brown, ``effective``). For comparison: "neutral" (before
  issue 14: ``Phi(m / sqrt(v))``, the true score beyond the cut), "sem" (``Phi((raw - cut) /
  SEM)``) and "kelley" (prior centred on the sample mean).
- Borderline: the reported pole's probability, as shown (``shown``: 5% steps), is below 75%.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.special import ndtr

from questionnaires.quality import assess_quality
from questionnaires.result import (
    DichotomyResult,
    Result,
    ScaleCalibration,
    ScaleScore,
    SelfKnowledgeUsed,
    Timing,
)
from questionnaires.schema import (
    SELF_UNSURE,
    AgreementItem,
    BipolarItem,
    ForcedChoiceItem,
    Questionnaire,
)
from questionnaires.selfknowledge import (
    Learned,
    p_self,
    self_knowledge,
    self_view_correlation,
    spread_for,
)
from questionnaires.shown import reads_below, shown_array

Model = Literal["self_report", "neutral", "sem", "kelley"]
# The product's uncertainty model; README.md, "Uncertainty", gives the reasons and the figures.
DEFAULT_MODEL: Model = "self_report"
AnyItem = AgreementItem | BipolarItem | ForcedChoiceItem

# A scale may miss at most this share of its items (by count) and still be prorated.
MAX_MISSING_SHARE = 0.2
# The reported pole below this probability is "borderline". Under "neutral" and "sem" the
# reported pole is the more probable one; under "kelley" its probability can fall below 0.5,
# which is borderline too.
BORDERLINE_BELOW = 0.75
# Typical item standard deviation for the prior, as a share of the item's range. Measured on
# public data (../shared/validation): 5-point IPIP items average 1.19, 5-point OEJTS bipolar
# items 1.28, i.e. about 0.3 of the 4-point range; NPI binary choices average 0.45.
TYPICAL_SD_SHARE_GRADED = 0.3
TYPICAL_SD_SHARE_CHOICE = 0.45


def check_answer(q: Questionnaire, item_id: str, value: int) -> None:
    """Raise ValueError naming the problem when ``value`` is not a valid answer to ``item_id``."""
    if any(sd.id == item_id for sd in q.self_descriptions):
        # Unscored (schema.SelfDescription): the low pole, the high pole or "hard to say".
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SELF_UNSURE:
            raise ValueError(f"{item_id}: answer {value!r} outside 1..{SELF_UNSURE}")
        return
    try:
        item = q.item(item_id)
    except KeyError:
        raise ValueError(f"unknown item {item_id!r} in questionnaire {q.id}") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"item {item_id}: answer must be an integer, got {value!r}")
    top = q.points_of(item)
    if not 1 <= value <= top:
        raise ValueError(f"item {item_id}: answer {value} outside 1..{top}")


# --- keying ------------------------------------------------------------------------------


def item_gain(q: Questionnaire, item: AnyItem, scale: str) -> list[float]:
    """What each answer code 1..points adds to ``scale`` (weight included); [] if not keyed."""
    if item.attention_check is not None:
        return []
    w = item.weight
    if isinstance(item, ForcedChoiceItem):
        gains = [w * o.points if o.scale == scale else 0.0 for o in item.options]
        return gains if any(o.scale == scale for o in item.options) else []
    if item.scale != scale:
        return []
    top = q.points_of(item)
    return [w * float(top + 1 - v if item.reverse else v) for v in range(1, top + 1)]


@dataclass(frozen=True)
class ScaleKey:
    """A scale's items and, per item, the gain of each answer code; built once per scale."""

    scale: str
    columns: np.ndarray  # positions of the scale's items in q.items
    gains: np.ndarray  # (len(columns), max points + 1): column 0 (missing) is 0
    low: np.ndarray  # per item: smallest gain
    span: np.ndarray  # per item: largest minus smallest gain
    minimum: float
    maximum: float


@dataclass(frozen=True)
class Keying:
    questionnaire: Questionnaire
    scales: dict[str, ScaleKey]
    item_ids: list[str]
    points: np.ndarray  # per item: highest answer code


_KEYING_CACHE: dict[int, Keying] = {}


def keying(q: Questionnaire) -> Keying:
    """The keying vectors of ``q``, computed once per questionnaire object."""
    hit = _KEYING_CACHE.get(id(q))
    if hit is not None and hit.questionnaire is q:
        return hit
    top = max(q.points_of(i) for i in q.items)
    keys = {}
    for s in q.scales:
        cols, rows = [], []
        for col, item in enumerate(q.items):
            gain = item_gain(q, item, s.id)
            if gain:
                cols.append(col)
                rows.append([0.0, *gain, *[0.0] * (top - len(gain))])
        gains = np.array(rows, dtype=float)
        real = gains[:, 1:]
        counts = np.array([q.points_of(q.items[c]) for c in cols])
        mask = np.arange(1, top + 1)[None, :] <= counts[:, None]
        low = np.where(mask, real, np.inf).min(axis=1)
        high = np.where(mask, real, -np.inf).max(axis=1)
        keys[s.id] = ScaleKey(
            scale=s.id,
            columns=np.array(cols, dtype=int),
            gains=gains,
            low=low,
            span=high - low,
            minimum=_sum(low),
            maximum=_sum(high),
        )
    k = Keying(
        questionnaire=q,
        scales=keys,
        item_ids=[i.id for i in q.items],
        points=np.array([q.points_of(i) for i in q.items], dtype=int),
    )
    if len(_KEYING_CACHE) > 64:  # many throwaway questionnaires (tests): keep the cache small
        _KEYING_CACHE.clear()
    _KEYING_CACHE[id(q)] = k
    return k


def _sum(values: np.ndarray) -> float:
    # Python's left-to-right sum, so that both paths add in the same order.
    total = 0.0
    for v in values.tolist():
        total += v
    return total


def scale_range(q: Questionnaire, scale: str) -> tuple[float, float]:
    """The lowest and highest raw score ``scale`` can take."""
    key = keying(q).scales[scale]
    return key.minimum, key.maximum


def normalize(raw: Any, minimum: float, maximum: float) -> Any:
    """A raw score (or an array of them) placed on 0..1 across the scale's possible range: the
    one conversion from the weighted sum of answers to what a reader is shown."""
    return (raw - minimum) / (maximum - minimum)


def out_of_100(normalized: Any) -> Any:
    """A normalized score (or an array) as points out of 100, the figure every page shows (the
    report's "23 of 100", the statistics page's means and percentiles); raw sums only where a
    psychometrician asks for them."""
    return normalized * 100


def default_cut(q: Questionnaire, dichotomy_id: str) -> float:
    d = next(d for d in q.dichotomies if d.id == dichotomy_id)
    if d.cut is not None:
        return d.cut
    lo, hi = scale_range(q, d.scale)
    return (lo + hi) / 2


# --- prior -------------------------------------------------------------------------------


def prior_calibration(q: Questionnaire) -> dict[str, ScaleCalibration]:
    """The documented prior for every scale, used until 200 complete responses exist.

    Mean: the midpoint of the possible raw range (the instrument is written to be balanced).
    SD: the sum of k items with SDs ``s_i`` and a common inter-item correlation ``rho`` has
    variance ``(1 - rho) * sum(s_i^2) + rho * (sum s_i)^2``. ``rho`` is the average inter-item
    correlation the prior reliability implies through the standardized alpha (Spearman-Brown),
    ``alpha = k rho / (1 + (k - 1) rho)``, i.e. ``rho = alpha / (k - (k - 1) alpha)``. The
    item SD ``s_i`` is the weight times a typical SD: 0.3 of the range for graded items
    (agreement, bipolar), 0.45 of the gain for a binary forced choice (TYPICAL_SD_SHARE_*).
    """
    k = keying(q)
    out = {}
    for s in q.scales:
        key = k.scales[s.id]
        sds = []
        for col, span in zip(key.columns.tolist(), key.span.tolist(), strict=True):
            share = (
                TYPICAL_SD_SHARE_CHOICE
                if isinstance(q.items[col], ForcedChoiceItem)
                else TYPICAL_SD_SHARE_GRADED
            )
            sds.append(share * span)
        n = len(sds)
        r = s.prior_reliability
        rho = r / (n - (n - 1) * r)
        var = (1 - rho) * sum(x * x for x in sds) + rho * sum(sds) ** 2
        out[s.id] = ScaleCalibration(
            reliability=r,
            mean=(key.minimum + key.maximum) / 2,
            sd=math.sqrt(var),
            n=0,
            source="prior",
        )
    return out


# --- uncertainty -------------------------------------------------------------------------


def p_high_of(
    raw: float,
    cut: float,
    cal: ScaleCalibration,
    model: Model = DEFAULT_MODEL,
    *,
    length: float = 1.0,
    spread: float = 0.0,
    lean: float = 0.0,
    base: float = 0.5,
) -> float:
    """Probability of the high pole (see the module docstring).

    ``length`` is the answered share of the scale (1 when complete), ``spread``, ``lean`` and
    ``base`` the self-report model's tau, beta and high letter share (``selfknowledge``; ignored
    by the other models).
    """
    return float(_p_high(raw, cut, cal, model, length, spread, lean, base))


def effective(cal: ScaleCalibration, length: float | np.ndarray) -> tuple[Any, Any]:
    """Reliability and raw-score SD of a scale of which only ``length`` (0..1] was answered and
    the rest prorated: Spearman-Brown ``r' = L r / (1 + (L - 1) r)``; the true-score variance
    ``r sd^2`` stays, the error variance grows by 1/L, so ``sd' = sd sqrt(r + (1 - r) / L)``."""
    r = cal.reliability
    rel = length * r / (1 + (length - 1) * r)
    sd = cal.sd * np.sqrt(r + (1 - r) / length)
    return rel, sd


def latent_posterior(
    raw: float | np.ndarray, cut: float, cal: ScaleCalibration, length: float | np.ndarray = 1.0
) -> tuple[Any, Any]:
    """Mean and variance of the latent standardised score beyond the cut, given the raw score,
    under a normal prior centred on the cut: ``sqrt(r') (raw - cut) / sd'`` and ``1 - r'``."""
    rel, sd = effective(cal, length)
    return np.sqrt(rel) * (raw - cut) / sd, 1 - rel


def _p_high(
    raw: float | np.ndarray,
    cut: float,
    cal: ScaleCalibration,
    model: Model,
    length: float | np.ndarray = 1.0,
    spread: float = 0.0,
    lean: float = 0.0,
    base: float = 0.5,
) -> Any:
    """P(high pole); ``raw`` and ``length`` may be arrays."""
    rel, sd = effective(cal, length)
    if model == "self_report":
        m, v = latent_posterior(raw, cut, cal, length)
        return p_self(
            m, v, tau=spread, unaware=self_knowledge().unaware_share, beta=lean, base=base
        )
    if model == "sem":
        return ndtr((raw - cut) / (sd * np.sqrt(1 - rel)))
    centre = cal.mean if model == "kelley" else cut
    return ndtr((centre + rel * (raw - centre) - cut) / (sd * np.sqrt(rel * (1 - rel))))


# --- one response set --------------------------------------------------------------------


def score(
    q: Questionnaire,
    answers: Mapping[str, int],
    *,
    calibration: Mapping[str, ScaleCalibration] | None = None,
    timing: Timing | None = None,
    model: Model = DEFAULT_MODEL,
    latent_correlation: Mapping[str, Mapping[str, float]] | None = None,
    learned: Mapping[str, Learned] | None = None,
) -> Result:
    """Score one response set. Unanswered items are simply absent from ``answers``.

    ``calibration`` maps scale ids to sample calibrations; scales it lacks use the prior.
    ``latent_correlation`` (scale id -> scale id, from stored responses) gives the result's
    ``self_view_correlation`` under the "self_report" model. ``learned`` (dichotomy id ->
    ``selfknowledge.Learned``, from the installation's own candidates' self-descriptions)
    replaces the shipped tau and the absent lean of the dichotomies it has.
    """
    for item_id, value in answers.items():
        check_answer(q, item_id, value)
    k = keying(q)
    cals = _calibrations(q, calibration)
    scales: dict[str, ScaleScore] = {}
    lengths: dict[str, float] = {}
    for s in q.scales:
        key = k.scales[s.id]
        answered_sum = 0.0
        above_low = 0.0
        answered_span = 0.0
        answered = 0
        for j, col in enumerate(key.columns.tolist()):
            given = answers.get(k.item_ids[col])
            if given is None:
                continue
            answered += 1
            gain = float(key.gains[j, given])
            answered_sum += gain
            above_low += gain - float(key.low[j])
            answered_span += float(key.span[j])
        scales[s.id] = _scale_score(key, answered, answered_sum, above_low, answered_span)
        lengths[s.id] = _length(key, answered_span)
    dichotomies = {}
    for d in q.dichotomies:
        cut = default_cut(q, d.id)
        sc = scales[d.scale]
        cal = cals[d.scale]
        if sc.raw is None:
            dichotomies[d.id] = DichotomyResult(
                dichotomy=d.id,
                scored=False,
                pole=None,
                probability=None,
                p_high=None,
                borderline=False,
                calibration=cal,
                cut=cut,
                model=model,
            )
            continue
        length = lengths[d.scale]
        own = (learned or {}).get(d.id) if model == "self_report" else None
        spread = (
            (own.tau if own is not None else spread_for(q.id, d.id))
            if model == "self_report"
            else None
        )
        p_high = p_high_of(
            sc.raw,
            cut,
            cal,
            model,
            length=length,
            spread=spread or 0.0,
            lean=own.beta if own is not None else 0.0,
            base=own.base if own is not None else 0.5,
        )
        # With a learned lean the letter reported is the one the person more probably gives
        # themselves (the line sits beside the cut), so the pole, its percentage and the most
        # probable type agree; otherwise the key's pole (the same letter without a lean).
        high = bool(p_high > 0.5) if own is not None and p_high != 0.5 else sc.raw > cut
        probability = p_high if high else 1 - p_high
        dichotomies[d.id] = DichotomyResult(
            dichotomy=d.id,
            scored=True,
            pole=d.high.code if high else d.low.code,
            probability=probability,
            p_high=p_high,
            borderline=reads_below(probability, BORDERLINE_BELOW),
            calibration=cal,
            cut=cut,
            model=model,
            reliability=float(effective(cal, length)[0]),
            self_knowledge_sd=spread,
            self_knowledge=_self_knowledge_record(own) if model == "self_report" else None,
        )
    return Result(
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        scales=scales,
        dichotomies=dichotomies,
        quality=assess_quality(q, answers, timing=timing, scales=scales),
        self_view_correlation=_self_view(q, dichotomies, latent_correlation)
        if model == "self_report"
        else None,
    )


def _self_knowledge_record(own: Learned | None) -> SelfKnowledgeUsed:
    if own is None:
        return SelfKnowledgeUsed(source="shipped", lean=0.0, base=0.5, n=0)
    return SelfKnowledgeUsed(
        source="learned", lean=round(own.beta, 6), base=round(own.base, 6), n=own.n
    )


def _self_view(
    q: Questionnaire,
    dichotomies: Mapping[str, DichotomyResult],
    latent: Mapping[str, Mapping[str, float]] | None,
) -> dict[str, dict[str, float]] | None:
    """The informed self-descriptions' correlation given the answers, from the latent
    correlation of the scales (``selfknowledge.self_view_correlation``)."""
    scored = [d for d in q.dichotomies if dichotomies[d.id].scored]
    if latent is None or len(scored) < 2:
        return None
    if any(
        d.scale not in latent or any(e.scale not in latent[d.scale] for e in scored) for d in scored
    ):
        return None
    rel = np.array([dichotomies[d.id].reliability or 0.5 for d in scored])
    tau = np.array([dichotomies[d.id].self_knowledge_sd or 0.0 for d in scored])
    lat = np.array([[latent[d.scale][e.scale] for e in scored] for d in scored], dtype=float)
    c = self_view_correlation(lat, rel, tau)
    return {
        d.id: {e.id: round(float(c[i, j]), 6) for j, e in enumerate(scored)}
        for i, d in enumerate(scored)
    }


def _length(key: ScaleKey, answered_span: float) -> float:
    # The answered share of the scale, measured as proration does: by the items' score ranges.
    full = float(key.span.sum())
    return answered_span / full if full > 0 else 1.0


def _scale_score(
    key: ScaleKey, answered: int, answered_sum: float, above_low: float, answered_span: float
) -> ScaleScore:
    total = len(key.columns)
    missing = total - answered
    common = {"scale": key.scale, "answered": answered, "total": total}
    if missing == 0:
        raw = answered_sum
    elif missing <= MAX_MISSING_SHARE * total and answered_span > 0:
        raw = key.minimum + (key.maximum - key.minimum) * (above_low / answered_span)
    else:
        return ScaleScore(
            **common,
            scored=False,
            raw=None,
            normalized=None,
            prorated=False,
            reason=f"{missing} of {total} items unanswered (more than 20%)",
            answered_sum=answered_sum,
        )
    return ScaleScore(
        **common,
        scored=True,
        raw=raw,
        normalized=normalize(raw, key.minimum, key.maximum),
        prorated=missing > 0,
        answered_sum=answered_sum,
    )


def _calibrations(
    q: Questionnaire, given: Mapping[str, ScaleCalibration] | None
) -> dict[str, ScaleCalibration]:
    out = prior_calibration(q)
    if given:
        unknown = set(given) - set(out)
        if unknown:
            raise ValueError(f"calibration for unknown scales: {sorted(unknown)}")
        out.update(given)
    return out


# --- many response sets ------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreTable:
    """Scores of n response sets; column j of a scale array is ``scales[j]``."""

    scales: list[str]
    dichotomies: list[str]
    raw: np.ndarray  # (n, scales), NaN where unscored
    normalized: np.ndarray  # (n, scales), NaN where unscored
    scored: np.ndarray  # (n, scales) bool
    prorated: np.ndarray  # (n, scales) bool
    answered: np.ndarray  # (n, scales) int
    answered_sum: np.ndarray  # (n, scales)
    p_high: np.ndarray  # (n, dichotomies), NaN where unscored
    high: np.ndarray  # (n, dichotomies) bool: the observed pole is the high one
    probability: np.ndarray  # (n, dichotomies): probability of the observed pole
    borderline: np.ndarray  # (n, dichotomies) bool
    cuts: np.ndarray  # (dichotomies,)
    poles: list[tuple[str, str]]  # (low code, high code) per dichotomy
    # (n, scales): the answered share of each scale's range (1 complete, 0 nothing answered)
    length: np.ndarray | None = None

    def column(self, scale: str) -> int:
        return self.scales.index(scale)

    def pole_codes(self, dichotomy: str) -> np.ndarray:
        """Pole codes per row ("" where unscored)."""
        j = self.dichotomies.index(dichotomy)
        low, high = self.poles[j]
        codes = np.where(self.high[:, j], high, low)
        return np.where(np.isnan(self.p_high[:, j]), "", codes)


def answer_codes(q: Questionnaire, matrix: np.ndarray) -> np.ndarray:
    """Integer answer codes (0 = missing) from a matrix with 0 or NaN for missing answers."""
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[1] != len(q.items):
        raise ValueError(f"expected a matrix with {len(q.items)} columns, got shape {m.shape}")
    m = np.nan_to_num(m, nan=0.0)
    codes = m.astype(np.int64)
    if not np.array_equal(codes, m):
        raise ValueError("answers must be whole numbers")
    points = keying(q).points
    bad = (codes < 0) | (codes > points[None, :])
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"row {row}, item {q.items[col].id}: answer {codes[row, col]} outside 1..{points[col]}"
        )
    return codes


def score_many(
    q: Questionnaire,
    matrix: np.ndarray,
    *,
    calibration: Mapping[str, ScaleCalibration] | None = None,
    model: Model = DEFAULT_MODEL,
) -> ScoreTable:
    """Score every row of ``matrix`` (n x items in ``q.items`` order; 0 or NaN = missing).

    Gives the same numbers as ``score`` row by row (tests/questionnaires prove it).
    """
    codes = answer_codes(q, matrix)
    k = keying(q)
    n = codes.shape[0]
    names = [s.id for s in q.scales]
    cols = len(names)
    raw = np.full((n, cols), np.nan)
    normalized = np.full((n, cols), np.nan)
    scored = np.zeros((n, cols), dtype=bool)
    prorated = np.zeros((n, cols), dtype=bool)
    answered = np.zeros((n, cols), dtype=int)
    answered_sum = np.zeros((n, cols))
    length = np.ones((n, cols))
    for j, name in enumerate(names):
        key = k.scales[name]
        sub = codes[:, key.columns]
        given = sub > 0
        gain = key.gains[np.arange(len(key.columns))[None, :], sub]
        total = len(key.columns)
        count = given.sum(axis=1)
        sums = gain.sum(axis=1)
        complete = count == total
        missing = total - count
        span = np.where(given, key.span[None, :], 0.0).sum(axis=1)
        can_prorate = ~complete & (missing <= MAX_MISSING_SHARE * total) & (span > 0)
        r = np.full(n, np.nan)
        r[complete] = sums[complete]
        if can_prorate.any():
            above = np.where(given, gain - key.low[None, :], 0.0).sum(axis=1)
            part = can_prorate
            r[part] = key.minimum + (key.maximum - key.minimum) * (above[part] / span[part])
        ok = complete | can_prorate
        raw[:, j] = r
        normalized[:, j] = normalize(r, key.minimum, key.maximum)
        scored[:, j] = ok
        prorated[:, j] = can_prorate
        answered[:, j] = count
        answered_sum[:, j] = sums
        full = float(key.span.sum())
        if full > 0:
            length[:, j] = span / full
    cals = _calibrations(q, calibration)
    dnames = [d.id for d in q.dichotomies]
    p_high = np.full((n, len(dnames)), np.nan)
    high = np.zeros((n, len(dnames)), dtype=bool)
    cuts = np.array([default_cut(q, d) for d in dnames], dtype=float)
    for j, d in enumerate(q.dichotomies):
        col = names.index(d.scale)
        x = raw[:, col]
        cal = cals[d.scale]
        spread = spread_for(q.id, d.id) if model == "self_report" else 0.0
        # An unscored row has length 0 (nothing answered): keep the arithmetic finite there.
        ln = np.where(length[:, col] > 0, length[:, col], 1.0)
        p_high[:, j] = _p_high(x, cuts[j], cal, model, ln, spread)
        high[:, j] = x > cuts[j]
    probability = np.where(high, p_high, 1 - p_high)
    borderline = shown_array(probability) < BORDERLINE_BELOW
    return ScoreTable(
        scales=names,
        dichotomies=dnames,
        raw=raw,
        normalized=normalized,
        scored=scored,
        prorated=prorated,
        answered=answered,
        answered_sum=answered_sum,
        p_high=p_high,
        high=high,
        probability=probability,
        borderline=borderline & ~np.isnan(p_high),
        cuts=cuts,
        poles=[(d.low.code, d.high.code) for d in q.dichotomies],
        length=length,
    )


def latent_posteriors(
    q: Questionnaire, matrix: np.ndarray, calibration: Mapping[str, ScaleCalibration] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw scores, latent posterior means and variances (rows x dichotomies) of many response
    sets, prorated scales with the reliability of the part answered; NaN where unscored."""
    t = score_many(q, matrix, calibration=calibration)
    cals = _calibrations(q, calibration)
    assert t.length is not None
    raw, ms, vs = [], [], []
    for j, d in enumerate(q.dichotomies):
        col = t.column(d.scale)
        ln = np.where(t.length[:, col] > 0, t.length[:, col], 1.0)
        m, v = latent_posterior(t.raw[:, col], float(t.cuts[j]), cals[d.scale], ln)
        raw.append(t.raw[:, col])
        ms.append(m)
        vs.append(np.broadcast_to(v, m.shape))
    n = matrix.shape[0]
    if not q.dichotomies:
        return (np.zeros((n, 0)),) * 3
    return np.column_stack(raw), np.column_stack(ms), np.column_stack(vs)
