"""Proof on public data: score real respondents of published instruments through the engine.

Reads ../shared/validation (never copied into the project) and the validation definitions in
tests/validation/. For each instrument, the engine's numbers are set against figures computed
here independently from the published keys (not from the YAML definitions), so that a keying or
scoring error in either shows up as disagreement. Pure: csv and numpy, no web.

- OEJTS 1.2: engine types vs the published formulas (must be 100%), vs self-reported types,
  and the calibration of the pole probabilities against the self-reported letters.
- IPIP BIG5: engine alpha per scale vs an independent computation (to 1e-6) and the published one.
- NPI-40: the engine's total vs the site's stored score (must be 100%). A 0 (no answer) adds
  nothing: the site counted only keyed choices actually made, so the stored score equals the
  engine's ``answered_sum``; the engine's prorated raw score is reported beside it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from questionnaires.engine import Model, latent_posteriors, score_many
from questionnaires.loader import load_questionnaire
from questionnaires.psychometrics import (
    alpha_ci,
    calibration_from_responses,
    cronbach_alpha,
    keyed_items,
)
from questionnaires.result import ScaleCalibration
from questionnaires.schema import Questionnaire
from questionnaires.selfknowledge import (
    fit,
    latent_correlation,
    learn,
    p_self,
    self_view_correlation,
    type_distribution,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "validation"
DEFINITIONS = ROOT / "tests" / "validation"
SAMPLE_SEED = 20240501

# The published OEJTS 1.2 key, as printed (1.2 item numbers): constant, then signed items.
OEJTS12_FORMULAS = {
    "IE": (30, [-3, -7, -11, +15, -19, +23, +27, -31]),
    "SN": (12, [+4, +8, +12, +16, +20, -24, -28, +32]),
    "FT": (30, [-2, +6, +10, -14, -18, +22, -26, -30]),
    "JP": (18, [+1, +5, -9, +13, -17, +21, -25, +29]),
}
OEJTS_LETTERS = {"IE": ("I", "E"), "SN": ("S", "N"), "FT": ("F", "T"), "JP": ("J", "P")}
OEJTS_CUT = 24

BIG5_REVERSED = {
    *("E2", "E4", "E6", "E8", "E10"),
    *("A1", "A3", "A5", "A7"),
    *("C2", "C4", "C6", "C8"),
    *("O2", "O4", "O6"),
    *("N2", "N4"),
}
BIG5_PUBLISHED = {
    "extraversion": ("E", 0.87),
    "agreeableness": ("A", 0.82),
    "conscientiousness": ("C", 0.79),
    "neuroticism": ("N", 0.86),  # published as Emotional Stability: reversing keeps alpha
    "intellect": ("O", 0.84),
}

ALPHA_TOLERANCE = 1e-6
BINS = np.linspace(0, 1, 11)
# Cross-validation of the self-report model: 10 folds, the rows shuffled with this seed.
FOLDS = 10
FOLD_SEED = 20261205
# The model the product used before issue 14, printed beside the product's for comparison.
OLD_MODEL: Model = "neutral"
# The three models ``rolefit validate`` compares, in its columns' order: a short column name
# and what it is.
MODEL_LABELS = {
    "old": ("A: before issue 14", f"the model before issue 14 ({OLD_MODEL}), as a baseline"),
    "new": (
        "B: learned (own cand.)",
        "the product after learning from its own candidates' self-descriptions (out-of-fold: "
        f"tau, lean beta and letter shares from the other {FOLDS - 1} folds); the main figure "
        "and what --predictions writes",
    ),
    "no_lean": (
        "C: new installation",
        "a new installation with no self-descriptions yet (shipped tau, no lean, 50/50)",
    ),
}


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    n: int
    mean_p: float
    observed: float


@dataclass(frozen=True)
class Calibration:
    model: str
    bins: list[CalibrationBin]
    ece: float
    brier: float
    n: int


@dataclass(frozen=True)
class TopType:
    """The most probable type against the self-reported type."""

    model: str
    mean_stated: float
    hit_rate: float
    calibration: Calibration


@dataclass(frozen=True)
class LetterFigures:
    """Out-of-fold (or, for the old model, as-is) figures per letter and for the type."""

    model: str
    letters: dict[str, Calibration]  # dichotomy id -> its calibration
    pooled: Calibration
    top: TopType


@dataclass(frozen=True)
class Prediction:
    row: int  # 0-based index of the data row in oejts/data.csv
    reported_type: str
    p_high: dict[str, float]  # dichotomy id -> out-of-fold P(high pole)
    top_type: str
    p_top_type: float


@dataclass(frozen=True)
class CrossValidation:
    folds: int
    seed: int
    old: LetterFigures  # the model before issue 14, sample calibration on all rows (baseline)
    # The product once it has learned from its own candidates' self-descriptions: tau, lean and
    # letter shares from the other nine folds' self-reports (``selfknowledge.learn``). The main
    # figure, and what ``--predictions`` writes.
    new: LetterFigures
    no_lean: LetterFigures  # a new installation, no self-descriptions yet: shipped tau, no lean
    spreads: dict[str, list[float]]  # per dichotomy: tau learned in each fold
    leans: dict[str, list[float]]  # per dichotomy: beta learned in each fold
    unaware: list[float]  # the unaware share learned in each fold
    correlation: list[list[float]]  # self-view correlation given the answers, fold mean
    predictions: list[Prediction]
    # Learning from only n self-descriptions (n -> per dichotomy ECE, out-of-fold): how many an
    # installation needs before its learned values beat the shipped ones (the minimum).
    curve: dict[int, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class OejtsReport:
    rows: int
    complete: int
    formula_agreement: float  # share of complete rows, all four letters equal
    formula_mismatches: int
    self_n: int
    self_letters: dict[str, float]
    self_all_four: float
    calibration: list[Calibration]
    reliability: dict[str, float]
    cv: CrossValidation | None = None


@dataclass(frozen=True)
class Big5Scale:
    scale: str
    n: int
    engine_alpha: float
    independent_alpha: float
    ci: tuple[float, float]
    published: float


@dataclass(frozen=True)
class Big5Report:
    rows: int
    scales: list[Big5Scale]


@dataclass(frozen=True)
class NpiReport:
    rows: int
    with_missing: int
    answered_sum_agreement: float
    complete: int
    raw_agreement_complete: float


@dataclass(frozen=True)
class ValidationReport:
    data_dir: Path
    sample: int | None
    oejts: OejtsReport
    big5: Big5Report
    npi: NpiReport
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _read(path: Path, delimiter: str) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader)
        return header, [r for r in reader if r]


def _sample_rows(rows: list[list[str]], sample: int | None) -> list[list[str]]:
    if sample is None or sample >= len(rows):
        return rows
    pick = np.sort(np.random.default_rng(SAMPLE_SEED).choice(len(rows), sample, replace=False))
    return [rows[i] for i in pick.tolist()]


def _matrix(q: Questionnaire, header: list[str], rows: list[list[str]]) -> np.ndarray:
    cols = [header.index(i.id) for i in q.items]
    return np.array([[float(r[c]) for c in cols] for r in rows], dtype=float)


# --- OEJTS -------------------------------------------------------------------------------


def _oejts(data: Path, q: Questionnaire, sample: int | None) -> OejtsReport:
    header, all_rows = _read(data / "oejts" / "data.csv", "\t")
    # Keep each row's 0-based data index (the predictions name respondents by it).
    indexed = _sample_rows([[str(i), *r] for i, r in enumerate(all_rows)], sample)
    index = np.array([int(r[0]) for r in indexed])
    rows = [r[1:] for r in indexed]
    with (data / "oejts" / "oejts12_item_map.csv").open(newline="", encoding="utf-8") as fh:
        column_of = {r["oejts12_item"]: r["oejts11_column"] for r in csv.DictReader(fh)}
    m = _matrix(q, header, rows)
    complete = np.asarray((m > 0).all(axis=1), dtype=bool)
    mc = m[complete]
    crow = [r for r, c in zip(rows, complete.tolist(), strict=True) if c]

    # Independent: the published formulas on the raw 1.1 columns.
    def value(row: list[str], item12: int) -> int:
        return int(row[header.index(column_of[f"Q{item12}"])])

    formula_types = []
    for r in crow:
        code = ""
        for scale, (const, terms) in OEJTS12_FORMULAS.items():
            total = const + sum((1 if t > 0 else -1) * value(r, abs(t)) for t in terms)
            code += OEJTS_LETTERS[scale][1 if total > OEJTS_CUT else 0]
        formula_types.append(code)

    cal = calibration_from_responses(q, m)
    models: tuple[Model, ...] = ("neutral", "sem", "kelley")
    tables = {model: score_many(q, mc, calibration=cal, model=model) for model in models}
    table = tables[OLD_MODEL]
    engine_types = [
        "".join(t) for t in zip(*(table.pole_codes(d) for d in OEJTS_LETTERS), strict=True)
    ]
    mismatches = sum(a != b for a, b in zip(engine_types, formula_types, strict=True))

    kt, kn = header.index("knowtype"), header.index("knowntype")
    known = np.array([r[kt] == "1" and _valid_type(r[kn]) for r in crow], dtype=bool)
    stated = [r[kn].strip().upper() for r, k in zip(crow, known.tolist(), strict=True) if k]
    ours = [t for t, k in zip(engine_types, known.tolist(), strict=True) if k]
    letters = {
        d: float(np.mean([a[i] == b[i] for a, b in zip(ours, stated, strict=True)]))
        for i, d in enumerate(OEJTS_LETTERS)
    }
    all_four = float(np.mean([a == b for a, b in zip(ours, stated, strict=True)]))

    calibrations = []
    for model, t in tables.items():
        p = []
        y = []
        for j, d in enumerate(t.dichotomies):
            high_letter = OEJTS_LETTERS[d][1]
            p.append(t.p_high[known, j])
            y.append(np.array([s[j] == high_letter for s in stated], dtype=float))
        calibrations.append(calibration_table(model, np.concatenate(p), np.concatenate(y)))
    y_known = np.array(
        [[s[j] == OEJTS_LETTERS[d][1] for j, d in enumerate(OEJTS_LETTERS)] for s in stated],
        dtype=float,
    )
    cv = cross_validate(
        q,
        mc[known],
        y_known,
        rows=index[complete][known].tolist(),
        reported=[r[kn].strip() for r, k in zip(crow, known.tolist(), strict=True) if k],
        old_p=tables[OLD_MODEL].p_high[known],
    )
    return OejtsReport(
        rows=len(rows),
        complete=int(complete.sum()),
        formula_agreement=1 - mismatches / max(len(crow), 1),
        formula_mismatches=mismatches,
        self_n=len(stated),
        self_letters=letters,
        self_all_four=all_four,
        calibration=calibrations,
        reliability={s: cal[s].reliability for s in OEJTS_LETTERS},
        cv=cv,
    )


def _valid_type(t: str) -> bool:
    t = t.strip().upper()
    return len(t) == 4 and all(t[i] in pair for i, pair in enumerate(OEJTS_LETTERS.values()))


def fold_of(n: int, folds: int = FOLDS, seed: int = FOLD_SEED) -> np.ndarray:
    """Fold number of each of n rows: a fixed shuffle, then round robin (sizes differ by 1)."""
    return np.random.default_rng(seed).permutation(n) % folds


def _posteriors(
    q: Questionnaire, matrix: np.ndarray, cal: dict[str, ScaleCalibration]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw scores, latent posterior means and variances (rows x dichotomies)."""
    return latent_posteriors(q, matrix, cal)


def fit_spreads(
    q: Questionnaire, matrix: np.ndarray, y: np.ndarray
) -> tuple[dict[str, float], float]:
    """Self-knowledge spreads tau per dichotomy and the unaware share, fitted on every given
    row (``--fit``)."""
    cal = calibration_from_responses(q, matrix, minimum=2)
    _, m, v = _posteriors(q, matrix, cal)
    taus, _, omega = fit(m, v, y, y.mean(axis=0))
    return {d.id: float(taus[j]) for j, d in enumerate(q.dichotomies)}, omega


def type_table(
    p_high: np.ndarray,
    correlation: np.ndarray | list[np.ndarray] | None,
    *,
    unaware: float | list[float] = 0.0,
    base: np.ndarray | list[np.ndarray] | float = 0.5,
) -> tuple[list[int], np.ndarray]:
    """Per row: the most probable high/low pattern (bit j = dichotomy j high) and its P.

    ``correlation``, ``unaware`` and ``base`` may be given per row (lists)."""
    best, pb = [], []
    for i, p in enumerate(p_high):
        c = correlation[i] if isinstance(correlation, list) else correlation
        w = unaware[i] if isinstance(unaware, list) else unaware
        b = base[i] if isinstance(base, list) else base
        probs = type_distribution(p, c, unaware=w, base=b)
        k = int(np.argmax(probs))
        best.append(k)
        pb.append(float(probs[k]))
    return best, np.array(pb)


def _figures(
    model: str, p: np.ndarray, y: np.ndarray, names: list[str], best: list[int], pb: np.ndarray
) -> LetterFigures:
    bits = np.array([[(b >> j) & 1 for j in range(len(names))] for b in best], dtype=float)
    hit = (bits == y).all(axis=1).astype(float)
    return LetterFigures(
        model=model,
        letters={d: calibration_table(d, p[:, j], y[:, j]) for j, d in enumerate(names)},
        pooled=calibration_table(model, p.ravel(), y.ravel()),
        top=TopType(
            model=model,
            mean_stated=float(pb.mean()),
            hit_rate=float(hit.mean()),
            calibration=calibration_table(model, pb, hit),
        ),
    )


def cross_validate(
    q: Questionnaire,
    matrix: np.ndarray,
    y: np.ndarray,
    *,
    rows: list[int],
    reported: list[str],
    old_p: np.ndarray,
) -> CrossValidation:
    """Out-of-fold probabilities of the product's model against self-reported letters.

    In each fold, everything is learned from the other nine: the scales' reliability, mean and
    SD and the latent correlation from their answers (what the product learns from stored
    responses), and per dichotomy the spread tau and the population's lean beta from their
    self-reports. The held-out rows are then scored with those.
    """
    names = [d.id for d in q.dichotomies]
    n, k = y.shape
    fold = fold_of(n)
    p_new = np.zeros((n, k))
    p_flat = np.zeros((n, k))
    corr: list[np.ndarray] = [np.eye(k)] * n
    corr_flat: list[np.ndarray] = [np.eye(k)] * n
    m_all: dict[int, np.ndarray] = {}
    v_all: dict[int, np.ndarray] = {}
    omega_by_fold: dict[int, float] = {}
    omega: list[float] = [0.0] * n
    base: list[np.ndarray] = [np.full(k, 0.5)] * n
    spreads: dict[str, list[float]] = {d: [] for d in names}
    leans: dict[str, list[float]] = {d: [] for d in names}
    unaware: list[float] = []
    corrs = []
    for f in range(FOLDS):
        train, test = fold != f, fold == f
        cal = calibration_from_responses(q, matrix[train], minimum=2)
        raw, m, v = _posteriors(q, matrix, cal)
        rel = np.array([cal[d.scale].reliability for d in q.dichotomies])
        # What ships (self_knowledge.yaml): tau and omega learned on OEJTS, here on 9 folds.
        shipped, _, w = fit(m[train], v[train], y[train], y[train].mean(axis=0))
        # What an installation learns from its own candidates' self-descriptions, with the
        # product's own function (the scoring service calls the same): tau, lean and letter
        # share per dichotomy, the unaware share held at the shipped one.
        own = learn(m[train], v[train], y[train], unaware=w)
        share = np.array([o.base if o else 0.5 for o in own])
        taus = np.array([o.tau if o else t for o, t in zip(own, shipped, strict=True)])
        unaware.append(w)
        m_all[f], v_all[f], omega_by_fold[f] = m, v, w
        for j, d in enumerate(names):
            o = own[j]
            assert o is not None
            spreads[d].append(o.tau)
            leans[d].append(o.beta)
            p_new[test, j] = p_self(
                m[test, j], v[test, j], tau=o.tau, unaware=w, beta=o.beta, base=o.base
            )
            # A new installation (no self-descriptions yet): shipped tau, no lean, 50/50.
            p_flat[test, j] = p_self(m[test, j], v[test, j], tau=shipped[j], unaware=w)
        c = self_view_correlation(latent_correlation(raw[train], rel), rel, taus)
        c_flat = self_view_correlation(latent_correlation(raw[train], rel), rel, shipped)
        corrs.append(c)
        for i in np.flatnonzero(test).tolist():
            corr[i], corr_flat[i], omega[i], base[i] = c, c_flat, w, share
    curve = learning_curve(m_all, v_all, y, fold, names, omega_by_fold)
    best_new, pb_new = type_table(p_new, corr, unaware=omega, base=base)
    best_flat, pb_flat = type_table(p_flat, corr_flat, unaware=omega)
    best_old, pb_old = type_table(old_p, None)
    letters = list(OEJTS_LETTERS.values())
    predictions = [
        Prediction(
            row=rows[i],
            reported_type=reported[i],
            p_high={d: float(p_new[i, j]) for j, d in enumerate(names)},
            top_type="".join(letters[j][(best_new[i] >> j) & 1] for j in range(k)),
            p_top_type=pb_new[i],
        )
        for i in range(n)
    ]
    return CrossValidation(
        folds=FOLDS,
        seed=FOLD_SEED,
        old=_figures(MODEL_LABELS["old"][0], old_p, y, names, best_old, pb_old),
        new=_figures(MODEL_LABELS["new"][0], p_new, y, names, best_new, pb_new),
        no_lean=_figures(MODEL_LABELS["no_lean"][0], p_flat, y, names, best_flat, pb_flat),
        spreads=spreads,
        leans=leans,
        unaware=unaware,
        correlation=np.mean(corrs, axis=0).round(4).tolist(),
        predictions=predictions,
        curve=curve,
    )


CURVE_SIZES = (50, 100, 200, 400)


def learning_curve(
    m: dict[int, np.ndarray],
    v: dict[int, np.ndarray],
    y: np.ndarray,
    fold: np.ndarray,
    names: list[str],
    omega: dict[int, float],
    sizes: tuple[int, ...] = CURVE_SIZES,
) -> dict[int, dict[str, float]]:
    """Out-of-fold ECE per dichotomy when each fold learns from only ``n`` of the other folds'
    self-descriptions (a fixed random draw): an installation with n candidates who described
    themselves. ``m``, ``v`` per fold: the posteriors under that fold's calibration."""
    rng = np.random.default_rng(FOLD_SEED)
    out = {}
    for size in sizes:
        p = np.zeros_like(y)
        for f in range(FOLDS):
            train = np.flatnonzero(fold != f)
            pick = rng.choice(train, min(size, train.size), replace=False)
            test = fold == f
            own = learn(m[f][pick], v[f][pick], y[pick], unaware=omega[f])
            for j, o in enumerate(own):
                assert o is not None
                p[test, j] = p_self(
                    m[f][test, j],
                    v[f][test, j],
                    tau=o.tau,
                    unaware=omega[f],
                    beta=o.beta,
                    base=o.base,
                )
        out[size] = {d: calibration_table(d, p[:, j], y[:, j]).ece for j, d in enumerate(names)}
    return out


def write_predictions(cv: CrossValidation, path: Path) -> None:
    """One row per respondent: row, reported_type, p_E, p_N, p_T, p_J, top_type, p_top_type.

    p_J is the probability of J, the low pole of JP (1 - P(P)), as issue 14 names the columns."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["row", "reported_type", *PREDICTION_POLES, "top_type", "p_top_type"])
        for p in cv.predictions:
            poles = [
                p.p_high[d] if high else 1 - p.p_high[d] for d, high in PREDICTION_POLES.values()
            ]
            w.writerow(
                [
                    p.row,
                    p.reported_type,
                    *(f"{x:.6f}" for x in poles),
                    p.top_type,
                    f"{p.p_top_type:.6f}",
                ]
            )


# Prediction columns: the pole named, its dichotomy, and whether it is the high pole.
PREDICTION_POLES = {
    "p_E": ("IE", True),
    "p_N": ("SN", True),
    "p_T": ("FT", True),
    "p_J": ("JP", False),
}


def calibration_table(model: str, p: np.ndarray, y: np.ndarray) -> Calibration:
    """Reliability table of predicted probabilities ``p`` against outcomes ``y`` (0/1).

    Ten equal bins of p over 0..1 (the last bin includes 1). ECE = sum over bins of
    (bin share) * |mean p - observed share|.
    """
    idx = np.clip(np.digitize(p, BINS[1:-1], right=False), 0, len(BINS) - 2)
    bins = []
    ece = 0.0
    for b in range(len(BINS) - 1):
        sel = idx == b
        n = int(sel.sum())
        if n == 0:
            bins.append(CalibrationBin(BINS[b], BINS[b + 1], 0, math.nan, math.nan))
            continue
        mean_p, obs = float(p[sel].mean()), float(y[sel].mean())
        ece += n / p.size * abs(mean_p - obs)
        bins.append(CalibrationBin(float(BINS[b]), float(BINS[b + 1]), n, mean_p, obs))
    return Calibration(
        model=model, bins=bins, ece=ece, brier=float(np.mean((p - y) ** 2)), n=int(p.size)
    )


# --- BIG5 --------------------------------------------------------------------------------


def _big5(data: Path, q: Questionnaire, sample: int | None) -> Big5Report:
    header, rows = _read(data / "big5" / "data.csv", "\t")
    rows = _sample_rows(rows, sample)
    m = _matrix(q, header, rows)
    scales = []
    for s in q.scales:
        letter, published = BIG5_PUBLISHED[s.id]
        engine_alpha = cronbach_alpha(keyed_items(q, m, s.id))
        # Independent: from the raw columns, with the README's key, by the covariance formula.
        cols = [f"{letter}{k}" for k in range(1, 11)]
        raw = np.array([[float(r[header.index(c)]) for c in cols] for r in rows])
        raw = raw[(raw > 0).all(axis=1)]
        keyed = np.where([c in BIG5_REVERSED for c in cols], 6 - raw, raw)
        cov = np.cov(keyed, rowvar=False)
        independent = 10 / 9 * (1 - np.trace(cov) / cov.sum())
        scales.append(
            Big5Scale(
                scale=s.id,
                n=int(raw.shape[0]),
                engine_alpha=engine_alpha,
                independent_alpha=float(independent),
                ci=alpha_ci(engine_alpha, int(raw.shape[0]), 10),
                published=published,
            )
        )
    return Big5Report(rows=len(rows), scales=scales)


# --- NPI ---------------------------------------------------------------------------------


def _npi(data: Path, q: Questionnaire, sample: int | None) -> NpiReport:
    header, rows = _read(data / "npi" / "data.csv", ",")
    rows = _sample_rows(rows, sample)
    m = _matrix(q, header, rows)
    stored = np.array([float(r[header.index("score")]) for r in rows])
    t = score_many(q, m)
    j = t.column("narcissism")
    complete = (m > 0).all(axis=1)
    return NpiReport(
        rows=len(rows),
        with_missing=int((~complete).sum()),
        answered_sum_agreement=float(np.mean(t.answered_sum[:, j] == stored)),
        complete=int(complete.sum()),
        raw_agreement_complete=float(np.mean(t.raw[complete, j] == stored[complete])),
    )


# --- the whole run -----------------------------------------------------------------------


def run_validation(
    data_dir: Path, definitions_dir: Path = DEFINITIONS, *, sample: int | None = None
) -> ValidationReport:
    """Run every check; ``sample`` takes a fixed random sample of rows from each data set."""
    oejts = _oejts(data_dir, load_questionnaire(definitions_dir / "oejts12.yaml"), sample)
    big5 = _big5(data_dir, load_questionnaire(definitions_dir / "big5_ipip50.yaml"), sample)
    npi = _npi(data_dir, load_questionnaire(definitions_dir / "npi40.yaml"), sample)
    problems = []
    if oejts.formula_agreement < 1:
        problems.append(f"OEJTS: {oejts.formula_mismatches} types differ from the formulas")
    for s in big5.scales:
        if not abs(s.engine_alpha - s.independent_alpha) <= ALPHA_TOLERANCE:
            problems.append(f"BIG5 {s.scale}: engine alpha differs from the independent one")
    if npi.answered_sum_agreement < 1:
        problems.append("NPI: totals differ from the stored scores")
    return ValidationReport(
        data_dir=data_dir, sample=sample, oejts=oejts, big5=big5, npi=npi, problems=problems
    )


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def format_report(report: ValidationReport) -> str:
    """The validation table as plain text."""
    o, b, n = report.oejts, report.big5, report.npi
    sample = f", fixed sample of {report.sample} rows per set" if report.sample else ""
    lines = [f"Validation on public data in {report.data_dir.resolve()}{sample}", ""]
    w = 58
    lines += [
        "OEJTS 1.2 (oejts/data.csv)",
        f"  {'rows':<{w}} {o.rows}",
        f"  {'complete respondents (all 32 items)':<{w}} {o.complete}",
        f"  {'engine type = published formulas (exact, must be 100%)':<{w}} "
        f"{_pct(o.formula_agreement)}",
        f"  {'self-reported type known (knowtype = 1, knowntype given)':<{w}} {o.self_n}",
    ]
    for d, share in o.self_letters.items():
        lines.append(f"  {'  agreement with self-report, ' + d:<{w}} {_pct(share)}")
    lines.append(
        f"  {'  agreement with self-report, all four letters':<{w}} {_pct(o.self_all_four)}"
    )
    rel = ", ".join(f"{k} {v:.3f}" for k, v in o.reliability.items())
    lines += [
        "",
        f"  Older models (before issue 14): p(high) vs the self-reported letter ({o.self_n} x 4)",
        f"  sample reliabilities (alpha): {rel}",
    ]
    head = f"  {'p bin':<11}"
    for c in o.calibration:
        head += f" | {c.model + ': n':>9} {'mean p':>7} {'observed':>8}"
    lines += [head, "  " + "-" * (len(head) - 2)]
    for k in range(len(BINS) - 1):
        bin0 = o.calibration[0].bins[k]
        row = f"  {bin0.low:.1f} - {bin0.high:.1f}  "
        for c in o.calibration:
            cb = c.bins[k]
            if cb.n:
                row += f" | {cb.n:>9} {cb.mean_p:>7.3f} {cb.observed:>8.3f}"
            else:
                row += f" | {0:>9} {'-':>7} {'-':>8}"
        lines.append(row)
    for c in o.calibration:
        lines.append(
            f"  {c.model}: expected calibration error {c.ece:.4f}, Brier score {c.brier:.4f}"
        )
    if o.cv is not None:
        lines += ["", *format_cross_validation(o.cv)]
    lines += [
        "",
        f"BIG5 IPIP 50 (big5/data.csv, {b.rows} rows)",
        f"  {'scale':<18} {'n':>6} {'alpha':>8} {'95% CI (Feldt)':>15} "
        f"{'independent':>11} {'|diff|':>8} {'published':>9}",
    ]
    for s in b.scales:
        lines.append(
            f"  {s.scale:<18} {s.n:>6} {s.engine_alpha:>8.4f} "
            f"{f'{s.ci[0]:.3f}..{s.ci[1]:.3f}':>15} {s.independent_alpha:>11.4f} "
            f"{abs(s.engine_alpha - s.independent_alpha):>8.1e} {s.published:>9.2f}"
        )
    lines += [
        "",
        "NPI-40 (npi/data.csv)",
        f"  {'rows':<{w}} {n.rows}",
        f"  {'rows with an unanswered item (0: adds no point)':<{w}} {n.with_missing}",
        f"  {'engine total = stored score (exact, must be 100%)':<{w}} "
        f"{_pct(n.answered_sum_agreement)}",
        f"  {'complete rows: engine raw score = stored score':<{w}} "
        f"{_pct(n.raw_agreement_complete)} of {n.complete}",
        "",
        "All exact checks passed." if report.ok else "FAILED: " + "; ".join(report.problems),
    ]
    return "\n".join(lines)


# Targets of issue 14 for the product's model on OEJTS, out-of-fold.
TARGET_LETTER_ECE = 0.03
TARGET_TYPE_ECE = 0.05
TARGET_TYPE_GAP = 0.03


def format_cross_validation(cv: CrossValidation) -> list[str]:
    """Per-letter ECE and Brier and the most probable type, the old model beside the new."""
    figs = (cv.old, cv.new, cv.no_lean)
    lines = [
        "  Meaning of p: how likely the person would describe themselves with the letter.",
        f"  Out-of-fold ({cv.folds} folds, seed {cv.seed}; everything learned on the other folds)",
        *(f"  {short}: {long}" for short, long in MODEL_LABELS.values()),
        f"  {'':<22}" + "".join(f" | {f.model:>24}" for f in figs),
        f"  {'':<22}" + " | ECE    Brier            " * len(figs),
    ]
    for d in cv.old.letters:
        row = f"  {'letter ' + d:<22}"
        for f in figs:
            c = f.letters[d]
            row += f" | {c.ece:.4f} {c.brier:.4f}          "
        lines.append(row)
    row = f"  {'pooled (4 letters)':<22}"
    for f in figs:
        row += f" | {f.pooled.ece:.4f} {f.pooled.brier:.4f}          "
    lines.append(row)
    lines.append(f"  {'most probable type':<22}" + " | ECE    stated  right    " * len(figs))
    row = f"  {'':<22}"
    for f in figs:
        t = f.top
        row += f" | {t.calibration.ece:.4f} {t.mean_stated:.3f}   {t.hit_rate:.3f}    "
    lines.append(row)
    spreads = ", ".join(f"{d} {np.mean(v):.3f}" for d, v in cv.spreads.items())
    leans = ", ".join(f"{d} {np.mean(v):+.3f}" for d, v in cv.leans.items())
    lines += [
        f"  spread tau by fold, mean: {spreads}",
        f"  lean beta learned from the self-descriptions, mean: {leans}",
        f"  unaware share omega by fold: {min(cv.unaware):.3f}..{max(cv.unaware):.3f}",
        "  self-view correlation given the answers (fold mean): "
        + "; ".join(" ".join(f"{x:+.3f}" for x in r) for r in cv.correlation),
    ]
    for size, eces in cv.curve.items():
        figures = ", ".join(f"{d} {e:.3f}" for d, e in eces.items())
        lines.append(f"  B learned from only {size} self-descriptions: ECE {figures}")
    new = cv.new
    checks = [
        (
            f"each letter ECE <= {TARGET_LETTER_ECE}",
            all(c.ece <= TARGET_LETTER_ECE for c in new.letters.values()),
        ),
        (
            "each letter Brier no worse than the old model's",
            all(new.letters[d].brier <= cv.old.letters[d].brier for d in new.letters),
        ),
        (
            f"most probable type ECE <= {TARGET_TYPE_ECE}",
            new.top.calibration.ece <= TARGET_TYPE_ECE,
        ),
        (
            f"most probable type: stated within {TARGET_TYPE_GAP} of right "
            f"({new.top.mean_stated:.3f} vs {new.top.hit_rate:.3f})",
            abs(new.top.mean_stated - new.top.hit_rate) <= TARGET_TYPE_GAP,
        ),
    ]
    lines += [f"  target: {name}: {'met' if ok else 'NOT MET'}" for name, ok in checks]
    return lines


def format_spreads(spreads: dict[str, float], unaware: float, n: int) -> str:
    """The learned lines of questionnaires/data/self_knowledge.yaml."""
    body = ", ".join(f"{d}: {v:.3f}" for d, v in spreads.items())
    return (
        f"# fitted on {n} OEJTS respondents (all rows, no folds)\n"
        f"spreads: {{{body}}}\nunaware_share: {unaware:.3f}"
    )


def main(
    data_dir: Path | None = None, *, predictions: Path | None = None, fit: bool = False
) -> int:
    """Print the report; 0 when every exact check holds, 1 when one fails, 2 without data.

    ``predictions``: also write the out-of-fold OEJTS predictions there (CSV). ``fit``: print
    only the self-knowledge spreads fitted on every OEJTS respondent, for the data file.
    """
    data = Path(data_dir) if data_dir is not None else DEFAULT_DATA
    if not (data / "oejts" / "data.csv").is_file():
        print(f"no validation data in {data} (expected oejts/, big5/, npi/)")
        return 2
    if fit:
        q = load_questionnaire(DEFINITIONS / "oejts12.yaml")
        matrix, y = oejts_self_reports(data, q)
        spreads, unaware = fit_spreads(q, matrix, y)
        print(format_spreads(spreads, unaware, len(y)))
        return 0
    report = run_validation(data)
    print(format_report(report))
    if predictions is not None and report.oejts.cv is not None:
        write_predictions(report.oejts.cv, predictions)
        print(f"wrote {len(report.oejts.cv.predictions)} rows to {predictions}")
    return 0 if report.ok else 1


def oejts_self_reports(data: Path, q: Questionnaire) -> tuple[np.ndarray, np.ndarray]:
    """Answers and self-reported high letters (1/0) of every complete respondent who says they
    know their type."""
    header, rows = _read(data / "oejts" / "data.csv", "\t")
    m = _matrix(q, header, rows)
    kt, kn = header.index("knowtype"), header.index("knowntype")
    keep = [
        i for i, r in enumerate(rows) if (m[i] > 0).all() and r[kt] == "1" and _valid_type(r[kn])
    ]
    letters = list(OEJTS_LETTERS.values())
    y = np.array(
        [
            [rows[i][kn].strip().upper()[j] == pair[1] for j, pair in enumerate(letters)]
            for i in keep
        ],
        dtype=float,
    )
    return m[keep], y
