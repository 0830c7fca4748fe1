"""Psychometrics of stored responses: reliability, item-total correlations, norms, calibration.

Definitions (questionnaires/README.md, "Psychometrics"):
- Cronbach's alpha over the rows with every item answered (listwise):
  ``alpha = k / (k - 1) * (1 - sum(item variances) / variance(total))``, variances with n - 1.
- Feldt's confidence interval (Feldt, Woodruff & Salih 1987, formulas 6-7):
  ``(1 - alpha_true) / (1 - alpha_hat)`` follows F(n - 1, (n - 1)(k - 1)), so the interval is
  ``[1 - (1 - alpha) F(1 - c/2), 1 - (1 - alpha) F(c/2)]`` with c = 1 - level.
- Corrected item-total correlation: Pearson's r between an item and the sum of the other items.
- Percentile of a score in a sample: the percent of sample scores below it plus half the percent
  equal to it (the "mid-rank" percentile, so a score in the middle of ties is not pushed to an
  end and the median of a symmetric sample is 50).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from questionnaires.engine import (
    answer_codes,
    keying,
    latent_posteriors,
    out_of_100,
    prior_calibration,
    score_many,
)
from questionnaires.result import ScaleCalibration
from questionnaires.schema import SELF_HIGH, SELF_LOW, Questionnaire
from questionnaires.selfknowledge import (
    MIN_SELF_DESCRIPTIONS,
    Learned,
    latent_correlation,
    learn,
    self_knowledge,
)

# A scale's sample calibration replaces the prior once it has this many complete responses.
MIN_SAMPLE = 200


def cronbach_alpha(matrix: np.ndarray) -> float:
    """Alpha of the items (columns) over the rows with no missing (NaN) value."""
    m = np.asarray(matrix, dtype=float)
    m = m[~np.isnan(m).any(axis=1)]
    n, k = m.shape
    if k < 2 or n < 2:
        return math.nan
    total_var = m.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return math.nan
    return float(k / (k - 1) * (1 - m.var(axis=0, ddof=1).sum() / total_var))


def alpha_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's confidence interval for alpha from n respondents and k items."""
    if n < 2 or k < 2 or math.isnan(alpha):
        return math.nan, math.nan
    # scipy.stats is imported here: it costs about 45 MB on top of numpy and scipy.special, and
    # the web server loads this module (calibration) long before any statistics page is asked.
    from scipy.stats import f as f_dist

    c = 1 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - alpha) * f_dist.ppf(1 - c / 2, df1, df2)
    upper = 1 - (1 - alpha) * f_dist.ppf(c / 2, df1, df2)
    return float(lower), float(upper)


def item_total(matrix: np.ndarray) -> np.ndarray:
    """Corrected item-total correlations over the complete rows (NaN for a constant item)."""
    m = np.asarray(matrix, dtype=float)
    m = m[~np.isnan(m).any(axis=1)]
    rest = m.sum(axis=1)[:, None] - m
    out = np.full(m.shape[1], np.nan)
    if m.shape[0] < 3:
        return out
    for j in range(m.shape[1]):
        a, b = m[:, j], rest[:, j]
        if a.std() > 0 and b.std() > 0:
            out[j] = np.corrcoef(a, b)[0, 1]
    return out


def percentile(score: float, sample: Sequence[float] | np.ndarray) -> float | None:
    """Percent of ``sample`` below ``score`` plus half the percent equal to it; None if empty."""
    s = np.asarray(sample, dtype=float)
    s = s[~np.isnan(s)]
    if s.size == 0:
        return None
    below = np.count_nonzero(s < score)
    equal = np.count_nonzero(s == score)
    return float(100 * (below + 0.5 * equal) / s.size)


def answers_matrix(q: Questionnaire, answer_sets: Iterable[Mapping[str, int]]) -> np.ndarray:
    """Stored answer dicts as the engine's matrix (rows x q.items; 0 = missing)."""
    index = {i.id: c for c, i in enumerate(q.items)}
    rows = []
    for answers in answer_sets:
        row = np.zeros(len(index))
        for item_id, value in answers.items():
            if item_id in index:
                row[index[item_id]] = value
        rows.append(row)
    return np.array(rows, dtype=float).reshape(len(rows), len(index))


def keyed_items(q: Questionnaire, matrix: np.ndarray, scale: str) -> np.ndarray:
    """The weighted keyed item scores of ``scale`` (rows x its items), NaN where unanswered."""
    codes = answer_codes(q, matrix)
    key = keying(q).scales[scale]
    sub = codes[:, key.columns]
    gains = key.gains[np.arange(len(key.columns))[None, :], sub]
    return np.where(sub > 0, gains, np.nan)


def calibration_from_responses(
    q: Questionnaire, matrix: np.ndarray, *, minimum: int = MIN_SAMPLE
) -> dict[str, ScaleCalibration]:
    """Per scale: the sample calibration from complete responses when there are ``minimum``.

    Otherwise, or when the sample alpha is not strictly between 0 and 1 (a scale that does not
    hang together cannot carry an error model), the documented prior.
    """
    out = prior_calibration(q)
    for s in q.scales:
        items = keyed_items(q, matrix, s.id)
        complete = items[~np.isnan(items).any(axis=1)]
        if complete.shape[0] < minimum:
            continue
        alpha = cronbach_alpha(complete)
        totals = complete.sum(axis=1)
        sd = float(totals.std(ddof=1))
        if not 0 < alpha < 1 or sd <= 0:
            continue
        out[s.id] = ScaleCalibration(
            reliability=alpha,
            mean=float(totals.mean()),
            sd=sd,
            n=int(complete.shape[0]),
            source="sample",
        )
    return out


def latent_correlation_from_responses(
    q: Questionnaire,
    matrix: np.ndarray,
    calibration: Mapping[str, ScaleCalibration],
    *,
    minimum: int = MIN_SAMPLE,
) -> dict[str, dict[str, float]] | None:
    """Correlation of the scales' true scores (scale id -> scale id), from the raw scores of the
    responses with every scale complete, corrected for attenuation with ``calibration``'s
    reliabilities (``selfknowledge.latent_correlation``); None below ``minimum`` responses or
    while any scale still uses its prior reliability."""
    names = [s.id for s in q.scales]
    if len(names) < 2 or any(calibration[s].source != "sample" for s in names):
        return None
    table = score_many(q, matrix)
    full = (table.answered == np.array([len(keying(q).scales[s].columns) for s in names])).all(
        axis=1
    )
    if int(full.sum()) < minimum:
        return None
    rel = np.array([calibration[s].reliability for s in names])
    c = latent_correlation(table.raw[full], rel)
    return {a: {b: float(c[i, j]) for j, b in enumerate(names)} for i, a in enumerate(names)}


def self_described_letters(
    q: Questionnaire, answer_sets: Sequence[Mapping[str, int]]
) -> np.ndarray:
    """Rows x dichotomies: 1 where the person said the high pole describes them better, 0 the
    low pole, NaN for "hard to say" or no answer (``SelfDescription``)."""
    y = np.full((len(answer_sets), len(q.dichotomies)), np.nan)
    column = {d.id: j for j, d in enumerate(q.dichotomies)}
    for sd in q.self_descriptions:
        j = column[sd.self_description]
        for i, answers in enumerate(answer_sets):
            given = answers.get(sd.id)
            if given in (SELF_LOW, SELF_HIGH):
                y[i, j] = 1.0 if given == SELF_HIGH else 0.0
    return y


def self_knowledge_from_responses(
    q: Questionnaire,
    answer_sets: Sequence[Mapping[str, int]],
    calibration: Mapping[str, ScaleCalibration] | None,
    *,
    minimum: int = MIN_SELF_DESCRIPTIONS,
) -> dict[str, Learned]:
    """Dichotomy id -> tau, lean and letter share learned from stored responses that carry a
    self-description (``selfknowledge.learn``), for each dichotomy with at least ``minimum``
    self-described letters on a scored scale; the others are absent (shipped tau, no lean)."""
    if not q.self_descriptions or not answer_sets:
        return {}
    y = self_described_letters(q, answer_sets)
    if int((~np.isnan(y)).sum(axis=0).max()) < minimum:
        return {}  # no dichotomy can learn: skip scoring every stored response
    _, m, v = latent_posteriors(q, answers_matrix(q, answer_sets), calibration)
    unscored = np.isnan(m)
    y = np.where(unscored, np.nan, y)
    learned = learn(
        np.where(unscored, 0.0, m),
        np.where(unscored, 1.0, v),
        y,
        unaware=self_knowledge().unaware_share,
        minimum=minimum,
    )
    return {d.id: o for d, o in zip(q.dichotomies, learned, strict=True) if o is not None}


@dataclass(frozen=True)
class ScaleStatistics:
    """What the admin page and ``rolefit stats`` show for one scale in one language."""

    questionnaire: str
    version: str
    scale: str
    language: str | None  # None: all languages together
    n_scored: int  # results with the scale scored (prorated included): the norm sample
    n_complete: int  # results with every item of the scale answered: alpha's sample
    mean: float
    sd: float
    alpha: float
    alpha_low: float
    alpha_high: float
    item_total: dict[str, float] = field(default_factory=dict)
    quantiles: dict[int, float] = field(default_factory=dict)  # percent -> raw score
    calibration_source: str = "prior"  # what the engine uses for this scale now
    # The same statistics of the scores out of 100 the report shows (``engine.out_of_100``):
    # what a reader compares a candidate's "23 of 100" with. The raw ones above are for a
    # psychometrician (published norms are raw sums).
    mean_100: float = math.nan
    sd_100: float = math.nan
    quantiles_100: dict[int, float] = field(default_factory=dict)


NORM_PERCENTS = (10, 25, 50, 75, 90)


def scale_statistics(
    q: Questionnaire,
    matrix: np.ndarray,
    *,
    languages: Sequence[str] | None = None,
    norm_rows: Sequence[bool] | None = None,
) -> list[ScaleStatistics]:
    """Statistics per scale, for all rows and then for each language in ``languages``.

    ``languages`` gives each row's language (same length as the matrix); without it, one group.
    ``norm_rows`` marks the rows the norms (``n_scored``, mean, SD, percentiles) are taken
    over; reliability (alpha, item-total, the calibration) always uses every row, since it is
    a property of the questionnaire and more answers measure it better. Without it, every row.
    """
    m = np.asarray(matrix, dtype=float).reshape(-1, len(q.items))
    groups: list[tuple[str | None, np.ndarray]] = [(None, np.ones(m.shape[0], dtype=bool))]
    if languages is not None:
        langs = np.asarray(languages, dtype=object)
        if langs.shape[0] != m.shape[0]:
            raise ValueError("one language per row is needed")
        groups += [(lang, langs == lang) for lang in sorted(set(langs.tolist()))]
    norm = np.ones(m.shape[0], dtype=bool)
    if norm_rows is not None:
        norm = np.asarray(norm_rows, dtype=bool).reshape(-1)
        if norm.shape[0] != m.shape[0]:
            raise ValueError("one norm flag per row is needed")
    cal = calibration_from_responses(q, m)
    out = []
    for lang, rows in groups:
        sub = m[rows]
        table = score_many(q, m[rows & norm])
        for j, s in enumerate(q.scales):
            items = keyed_items(q, sub, s.id)
            complete = items[~np.isnan(items).any(axis=1)]
            alpha = cronbach_alpha(complete)
            low, high = alpha_ci(alpha, complete.shape[0], complete.shape[1])
            scored = table.raw[table.scored[:, j], j]
            shown = out_of_100(table.normalized[table.scored[:, j], j])
            ids = [q.items[c].id for c in keying(q).scales[s.id].columns.tolist()]
            out.append(
                ScaleStatistics(
                    questionnaire=q.id,
                    version=q.version,
                    scale=s.id,
                    language=lang,
                    n_scored=int(scored.size),
                    n_complete=int(complete.shape[0]),
                    mean=float(scored.mean()) if scored.size else math.nan,
                    sd=float(scored.std(ddof=1)) if scored.size > 1 else math.nan,
                    alpha=alpha,
                    alpha_low=low,
                    alpha_high=high,
                    item_total=dict(zip(ids, item_total(complete).tolist(), strict=True)),
                    quantiles={
                        p: float(np.percentile(scored, p)) for p in NORM_PERCENTS if scored.size
                    },
                    calibration_source=cal[s.id].source,
                    mean_100=float(shown.mean()) if shown.size else math.nan,
                    sd_100=float(shown.std(ddof=1)) if shown.size > 1 else math.nan,
                    quantiles_100={
                        p: float(np.percentile(shown, p)) for p in NORM_PERCENTS if shown.size
                    },
                )
            )
    return out


def format_statistics(stats: Sequence[ScaleStatistics]) -> str:
    """A plain-text table of ``stats`` for the terminal (``rolefit stats``), for a
    psychometrician: mean, SD and percentiles are raw sums, as published norms are."""

    def f(x: float, digits: int = 2) -> str:
        return "-" if x is None or math.isnan(x) else f"{x:.{digits}f}"

    head = (
        f"{'questionnaire':<26} {'scale':<18} {'lang':<4} {'n':>6} {'n full':>6} {'raw mean':>8} "
        f"{'raw sd':>6} {'alpha':>6} {'95% CI (Feldt)':>15} {'P10':>6} {'P50':>6} {'P90':>6}  "
        f"{'min item-total':<20} {'uses':<6}"
    )
    lines = [head, "-" * len(head)]
    for s in stats:
        worst = min(((v, k) for k, v in s.item_total.items() if not math.isnan(v)), default=None)
        lines.append(
            f"{s.questionnaire + ' ' + s.version:<26} {s.scale:<18} {s.language or 'all':<4} "
            f"{s.n_scored:>6} {s.n_complete:>6} {f(s.mean, 1):>8} {f(s.sd, 1):>6} "
            f"{f(s.alpha):>6} {f(s.alpha_low) + '..' + f(s.alpha_high):>15} "
            f"{f(s.quantiles.get(10, math.nan), 1):>6} {f(s.quantiles.get(50, math.nan), 1):>6} "
            f"{f(s.quantiles.get(90, math.nan), 1):>6}  "
            f"{(f'{worst[1]} {worst[0]:.2f}' if worst else '-'):<20} {s.calibration_source:<6}"
        )
    return "\n".join(lines)
