"""Simulated respondents: answer sets that lean towards chosen poles (demo data, tests), and
graded-response respondents who may fake (the desirability benchmark, ``bench/bench_faking.py``).

Pure: no web, no database. ``leaning_answers``: a respondent leans high or low on each scale;
every keyed item is answered on that side of its scale with probability ``consistency`` (the
end, or one step in), otherwise anywhere on the other half. ``graded_matrix``: see its
docstring. Attention checks are answered as expected. Nothing here is scored or stored: the
engine scores these answers like anyone else's.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from questionnaires.engine import ScoreTable, item_gain, score_many
from questionnaires.schema import SELF_HIGH, SELF_LOW, SELF_UNSURE, Questionnaire


def leaning_answers(
    q: Questionnaire,
    lean_high: Mapping[str, bool],
    *,
    rng: random.Random,
    consistency: float = 0.8,
) -> dict[str, int]:
    """Answer codes (1..points) for every item of ``q``; ``lean_high[scale]`` picks the pole."""
    if not 0.5 <= consistency <= 1:
        raise ValueError("consistency must be between 0.5 and 1")
    answers: dict[str, int] = {}
    for item in q.items:
        if item.attention_check is not None:
            answers[item.id] = item.attention_check.expected
            continue
        for scale, high in lean_high.items():
            gains = item_gain(q, item, scale)
            if not gains:
                continue
            # Answer codes from the most to the least wanted for this respondent's pole.
            wanted = sorted(range(len(gains)), key=lambda i: gains[i], reverse=high)
            if len(wanted) == 2:
                pick = wanted[0] if rng.random() < consistency else wanted[1]
            elif rng.random() < consistency:
                pick = wanted[0] if rng.random() < 0.6 else wanted[1]
            else:
                pick = wanted[rng.randrange(len(wanted) // 2, len(wanted))]
            answers[item.id] = pick + 1
            break
        else:  # a forced choice whose options feed none of these scales: either will do
            answers[item.id] = 1
    return answers


def self_description_answers(
    q: Questionnaire,
    lean_high: Mapping[str, bool],
    *,
    rng: random.Random,
    agree: float = 0.8,
    unsure: float = 0.0,
    towards_high: Mapping[str, float] | None = None,
) -> dict[str, int]:
    """Answers to ``q``'s self-description questions by someone who leans high or low on each
    dichotomy (``lean_high``, dichotomy id -> bool): "hard to say" with probability ``unsure``,
    else the letter they lean to with probability ``agree``; ``towards_high[d]`` is added to
    the chance of saying the high letter (a population's lean, as OEJTS's towards N)."""
    out = {}
    for sd in q.self_descriptions:
        d = sd.self_description
        if rng.random() < unsure:
            out[sd.id] = SELF_UNSURE
            continue
        p = agree if lean_high[d] else 1 - agree
        p = min(max(p + (towards_high or {}).get(d, 0.0), 0.0), 1.0)
        out[sd.id] = SELF_HIGH if rng.random() < p else SELF_LOW
    return out


# --- Populations for the answer-quality benchmark (bench/bench_quality.py, tests) -------------
#
# Two generating processes answer the real questionnaires, each with three kinds of respondent:
# attentive, acquiescent (yea-saying: +1 on every agreement answer to a scale item, capped at the
# top; attention checks still read and answered as asked) and random (every item, attention
# checks included, uniform over its answer codes).

KINDS = ("attentive", "acquiescent", "random")
ACQUIESCENT_SHARE = 0.10
RANDOM_SHARE = 0.05
# Graded response model (Samejima 1969) in slope-intercept form, P(answer level >= j) =
# logistic(a * z - b_j): discriminations a ~ U(0.5, 2); thresholds evenly spaced over
# [-GRM_SPREAD, GRM_SPREAD] and shifted per item by N(0, GRM_SHIFT_SD). With a spread of 2 the
# simulated answers match the public IPIP BIG5 data (19,718 complete rows): extreme answers
# 37% overall (BIG5 35%) and 25% among people in the middle fifth of a scale (BIG5 23%).
GRM_A = (0.5, 2.0)
GRM_SPREAD = 2.0
GRM_SHIFT_SD = 0.5
# The project's own process (``leaning_answers``): attentive consistency drawn from this range.
# At 0.75 a respondent contradicts about 2.8 of 10 consistency pairs under the rule before
# issue 14 (any two opposite leanings), the "honest people near a cut" of the issue; the demo's
# attentive candidates answer at 0.8-0.85.
LEANING_CONSISTENCY = (0.75, 0.95)


def population_kinds(n: int, *, rng: random.Random) -> list[str]:
    """``n`` respondent kinds: 10% acquiescent, 5% random, the rest attentive (exact counts)."""
    acquiescent = round(n * ACQUIESCENT_SHARE)
    careless = round(n * RANDOM_SHARE)
    kinds = ["acquiescent"] * acquiescent + ["random"] * careless
    kinds += ["attentive"] * (n - len(kinds))
    rng.shuffle(kinds)
    return kinds


def random_answers(q: Questionnaire, *, rng: random.Random) -> dict[str, int]:
    """Every item, attention checks included, answered uniformly at random."""
    return {item.id: rng.randint(1, q.points_of(item)) for item in q.items}


def acquiesce(q: Questionnaire, answers: Mapping[str, int]) -> dict[str, int]:
    """Yea-saying: one step more agreement on every agreement item that feeds a scale."""
    out = dict(answers)
    for item in q.items:
        if item.kind == "agreement" and item.attention_check is None and item.id in out:
            out[item.id] = min(out[item.id] + 1, q.points_of(item))
    return out


class GradedResponseModel:
    """Item parameters for ``q`` drawn once; ``answers`` draws one respondent."""

    def __init__(self, q: Questionnaire, *, rng: random.Random) -> None:
        self.q = q
        self.items: list[tuple[str, str, list[int], float, list[float]] | None] = []
        for item in q.items:
            if item.attention_check is not None:
                self.items.append(None)
                continue
            scale, gains = _keyed_gains(q, item)
            # answer codes from the scale's low end to its high end
            codes = [c + 1 for c in sorted(range(len(gains)), key=lambda c: gains[c])]
            steps = len(codes) - 1
            shift = rng.gauss(0, GRM_SHIFT_SD)
            b = (
                [shift]
                if steps == 1
                else [shift - GRM_SPREAD + 2 * GRM_SPREAD * j / (steps - 1) for j in range(steps)]
            )
            self.items.append((item.id, scale, codes, rng.uniform(*GRM_A), b))

    def answers(self, z: Mapping[str, float], *, rng: random.Random) -> dict[str, int]:
        """One attentive respondent with latent trait ``z[scale]`` (attention checks right)."""
        out: dict[str, int] = {}
        for item, model in zip(self.q.items, self.items, strict=True):
            if model is None:
                assert item.attention_check is not None
                out[item.id] = item.attention_check.expected
                continue
            item_id, scale, codes, a, b = model
            u = rng.random()
            level = sum(1 for bj in b if u < 1 / (1 + math.exp(-(a * z[scale] - bj))))
            out[item_id] = codes[level]
        return out


def _keyed_gains(q: Questionnaire, item: object) -> tuple[str, list[float]]:
    for s in q.scales:
        gains = item_gain(q, item, s.id)  # type: ignore[arg-type]
        if gains and max(gains) > min(gains):
            return s.id, gains
    raise ValueError(f"item {getattr(item, 'id', '?')} moves no scale")


def simulated_population(
    q: Questionnaire, process: str, n: int, *, seed: int
) -> list[tuple[str, dict[str, int]]]:
    """``n`` (kind, answers) pairs from ``process``: "leaning" (``leaning_answers``, the
    project's own) or "grm" (the graded response model above, one draw of item parameters)."""
    if process not in ("leaning", "grm"):
        raise ValueError(f"unknown process {process!r}")
    # Kinds from their own stream: the same seed gives respondent k the same kind in every
    # questionnaire, so a candidate's questionnaires can be judged together.
    kinds = population_kinds(n, rng=random.Random(seed))  # noqa: S311  (simulation)
    rng = random.Random(seed + 1)  # noqa: S311
    grm = GradedResponseModel(q, rng=rng) if process == "grm" else None
    out: list[tuple[str, dict[str, int]]] = []
    for kind in kinds:
        if kind == "random":
            out.append((kind, random_answers(q, rng=rng)))
            continue
        if grm is not None:
            answers = grm.answers({s.id: rng.gauss(0, 1) for s in q.scales}, rng=rng)
        else:
            lean = {s.id: rng.random() < 0.5 for s in q.scales}
            answers = leaning_answers(
                q, lean, rng=rng, consistency=rng.uniform(*LEANING_CONSISTENCY)
            )
        out.append((kind, acquiesce(q, answers) if kind == "acquiescent" else answers))
    return out


def graded_matrix(
    q: Questionnaire,
    z: np.ndarray,
    *,
    rng: np.random.Generator,
    shift: float = 0.0,
) -> np.ndarray:
    """Answer codes (rows x ``q.items``) of respondents with latent traits ``z`` (rows x
    ``q.dichotomies``, in that order), answering by a graded response model, for ``score_many``.

    Each item has a discrimination a ~ U(0.6, 1.2) and thresholds evenly spaced over
    [-1.5, 1.5] (0 for a two-option forced choice) moved together by N(0, 0.25), drawn once from
    ``rng``; the answer level l (0 = the item's low-pole end) follows
    P(l >= j) = 1 / (1 + exp(-(a * (z + shift * d) - b_j))), where d is +1 when the item's
    ``desirable_pole`` is its scale's high pole, -1 when low, 0 when none. ``shift`` = 0 is an
    honest respondent; a positive ``shift`` (in SDs of the trait) is one who moves every answer
    towards what an employer would like to hear. Attention checks get the expected answer.
    """
    scale_col = {d.scale: k for k, d in enumerate(q.dichotomies)}
    n = z.shape[0]
    out = np.zeros((n, len(q.items)), dtype=float)
    for col, item in enumerate(q.items):
        if item.attention_check is not None:
            out[:, col] = item.attention_check.expected
            continue
        keyed = [(s, item_gain(q, item, s)) for s in scale_col]
        keyed = [(s, g) for s, g in keyed if g and max(g) > min(g)]
        if len(keyed) != 1:
            raise ValueError(f"item {item.id}: feeds {len(keyed)} dichotomy scales, not one")
        scale, gains = keyed[0]
        # Answer codes from the low-pole end to the high-pole end of the item's scale.
        codes = np.array(sorted(range(1, len(gains) + 1), key=lambda c: gains[c - 1]))
        a = rng.uniform(0.6, 1.2)
        steps = len(codes) - 1
        b = (np.array([0.0]) if steps == 1 else np.linspace(-1.5, 1.5, steps)) + rng.normal(0, 0.25)
        theta = z[:, scale_col[scale]] + shift * q.desirable_sign(item)
        p_at_least = 1 / (1 + np.exp(-(a * theta[:, None] - b[None, :])))
        level = (rng.random((n, 1)) < p_at_least).sum(axis=1)
        out[:, col] = codes[level]
    return out


@dataclass(frozen=True)
class FakingRow:
    """How one dichotomy reads a population answering with one desirability ``shift``."""

    shift: float
    dichotomy: str
    ideal: str  # the pole counted as the "ideal salesperson's"
    p_ideal: float  # mean probability the engine gives that pole
    on_ideal: float  # share of respondents the engine puts on that pole
    certainty: float  # mean |p_high - 0.5|: 0 = every reading at the cut, 0.5 = all certain


def faking_tables(
    q: Questionnaire, *, shifts: Sequence[float], n: int, seed: int
) -> dict[float, ScoreTable]:
    """The engine's scores of the same ``n`` simulated people (traits N(0, 1), independent
    across dichotomies) answering honestly and with each desirability ``shift``: the same
    item parameters and random draws for every shift, so only the faking differs."""
    z = np.random.default_rng(seed).standard_normal((n, len(q.dichotomies)))
    return {
        s: score_many(q, graded_matrix(q, z, rng=np.random.default_rng(seed + 1), shift=s))
        for s in shifts
    }


def faking_rows(tables: Mapping[float, ScoreTable], *, ideal: Mapping[str, str]) -> list[FakingRow]:
    rows = []
    for shift, t in tables.items():
        for k, d in enumerate(t.dichotomies):
            high = t.poles[k][1]
            p_high = t.p_high[:, k]
            p_ideal = p_high if ideal[d] == high else 1 - p_high
            on_ideal = t.high[:, k] if ideal[d] == high else ~t.high[:, k]
            rows.append(
                FakingRow(
                    shift=shift,
                    dichotomy=d,
                    ideal=ideal[d],
                    p_ideal=float(np.mean(p_ideal)),
                    on_ideal=float(np.mean(on_ideal)),
                    certainty=float(np.mean(np.abs(p_high - 0.5))),
                )
            )
    return rows


def on_ideal_type(table: ScoreTable, ideal: Mapping[str, str]) -> float:
    """The share of respondents the engine puts on every ``ideal`` pole at once."""
    want = np.array([ideal[d] == table.poles[k][1] for k, d in enumerate(table.dichotomies)])
    return float((table.high == want[None, :]).all(axis=1).mean())


def desirability_ideal(q: Questionnaire) -> dict[str, str]:
    """Per dichotomy, the pole more of ``q``'s items would have a candidate lean to when
    answering as an employer would like (by the items' ``desirable_pole`` and score range);
    the high pole on a tie."""
    ideal = {}
    for d in q.dichotomies:
        pull = sum(
            q.desirable_sign(item) * (max(g) - min(g))
            for item in q.items
            if (g := item_gain(q, item, d.scale))
        )
        ideal[d.id] = d.low.code if pull < 0 else d.high.code
    return ideal
