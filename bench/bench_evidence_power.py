"""How much room is there for detecting the book's group? Power of the evidence page's group
contrast with other inputs and tests (issue 18, point 7's power target).

bench_evidence_pipeline.py checks "half an SD, 200 people, detected in 80% of companies" over
200 companies; this measures the same detection over more companies and team sizes, asks
whether another analysis of the same data would do better, and what the data allow at all.
Each company is drawn as in bench_evidence_pipeline.py (the hunter role; types as common as
any other's or, with ``--hired-for-fit 0.5``, a team hired with some eye to fit; the real
socionics questionnaire answered by a graded response model and scored by the real engine, new
clients a quarter from each person's true result, averaged over a year and standardised within
the team), without the CRM files (which carry the counts unchanged) so it runs in minutes. The
matrix's group is half an SD ahead of the rest on the figure the page sees (``group_effect``).
Each company is analysed with six sets of type probabilities, as a new installation that
assessed the team stores them (scored on the questionnaires' prior calibration):

- product: what the evidence page passes, the self-description probabilities (the engine's
  "self_report" model) with extraversion read from both questionnaires (``questionnaires.joint``;
  the people also answer the I/E questionnaire, whose extraversion correlates
  ``--ie-correlation`` with the socionics EI trait, 1 by default);
- socionics alone: the same from the socionics questionnaire only (the page before 2026-12-06);
- latent: the side of the cut of the latent traits given the socionics answers (the engine's
  "neutral" model, Φ(m/√v) per letter), the four letters independent;
- latent, team prior: the same reweighted by the team's own type distribution, estimated from
  everyone's probabilities (EM on the 16 shares), since a team hired for fit is not 50/50 per
  letter;
- traits known: the exact posterior of the type given the latent traits themselves, as if the
  questionnaire measured without error (the ceiling of any questionnaire of these traits);
- types known: the true type, one-hot.

and two tests: the page's (``socionics.evidence.role_evidence``'s group contrast, 90% interval
above zero) and a focused one-degree-of-freedom test, least squares of the outcome on
P(in the group) and tenure (one-sided 5%). ``--type-model`` as in bench_evidence_pipeline.py.

    .venv/bin/python bench/bench_evidence_power.py [--companies 200] [--seed 2026]

Prints the share of companies in which the group is detected, per input, test and team size.
Not a timing and no target of its own: the targets are bench_evidence_pipeline.py's.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.outcomes.figures import standardised_within
from bench.bench_evidence_pipeline import answer_both, group_effect, product_p_high
from questionnaires.engine import score_many
from questionnaires.loader import product_questionnaires
from socionics.evidence import GROUP_FIT, LEVEL, Interval, role_evidence
from socionics.matrix import default_matrix
from socionics.model import get_type, type_codes
from socionics.recommend import BASE_DICHOTOMIES

ROLE = "hunter"
TEAMS = 4
CLUSTER_SEPARATION = 1.0
INPUTS = (
    "product",
    "socionics alone",
    "latent",
    "latent, team prior",
    "traits known",
    "types known",
)
SIZES = (200, 250, 300, 400)


def _letters(p_high: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """16 type probabilities (independent letters) from P(high) per letter, BASE order."""
    return np.prod(np.where(signs[None] > 0, p_high[:, None, :], 1 - p_high[:, None, :]), axis=2)


def _team_prior(probs: np.ndarray, rounds: int = 500) -> np.ndarray:
    """Reweight by the team's type shares, estimated by EM from the same probabilities (which
    assume 50/50 per letter, i.e. equal shares)."""
    share = np.full(probs.shape[1], 1 / probs.shape[1])
    for _ in range(rounds):
        post = probs * share
        post /= post.sum(axis=1, keepdims=True)
        new = post.mean(axis=0)
        done = np.abs(new - share).max() < 1e-7
        share = new
        if done:
            break
    post = probs * share
    return post / post.sum(axis=1, keepdims=True)


def _one_df(y: np.ndarray, p_group: np.ndarray, tenure: np.ndarray) -> bool:
    from scipy import stats

    x = np.column_stack([np.ones(len(y)), tenure - tenure.mean(), p_group])
    xtx_inv = np.linalg.inv(x.T @ x)
    b = xtx_inv @ x.T @ y
    dof = len(y) - x.shape[1]
    se = np.sqrt(((y - x @ b) ** 2).sum() / dof * xtx_inv[-1, -1])
    return bool(b[-1] - stats.t.ppf(0.95, dof) * se > 0)


def run(
    companies: int,
    seed: int,
    type_model: str,
    ie_correlation: float = 1.0,
    hired_for_fit: float = 0.0,
) -> tuple[dict[tuple[int, str, str], float], dict[int, dict[str, float]]]:
    q = dict(product_questionnaires())["socionics_16"]
    codes = type_codes()
    signs = np.array([[get_type(c).sign(d) for d in BASE_DICHOTOMIES] for c in codes], float)
    fits = np.array([default_matrix().fit(c, ROLE) for c in codes], dtype=float)
    group = fits >= GROUP_FIT
    # This share of the team drawn from the matrix's group, the rest from all 16 types alike
    # (0, the default: 7 of 16, about 44% in the group; 0.5, a team hired with some eye to fit:
    # about 72%).
    prior = hired_for_fit * group / group.sum() + (1 - hired_for_fit) / 16
    rng = np.random.default_rng(seed)
    beta = np.where(group, group_effect(fits, rng), 0.0)
    hits: dict[tuple[int, str, str], int] = {}
    # The product's contrast per company (estimate, its interval) for the promise check below.
    shown: dict[int, list[Interval]] = {n: [] for n in SIZES}
    for people in SIZES:
        for _ in range(companies):
            true_type = rng.choice(16, size=people, p=prior)
            noise = rng.standard_normal((people, 4))
            if type_model == "cluster":
                z = signs[true_type] * CLUSTER_SEPARATION + noise
                log_post = np.log(prior) - 0.5 * (
                    (z[:, None, :] - CLUSTER_SEPARATION * signs[None]) ** 2
                ).sum(axis=2)
            else:
                z = signs[true_type] * np.abs(noise)
                same_side = (np.sign(z)[:, None, :] == signs[None]).all(axis=2)
                log_post = np.where(same_side, np.log(prior), -np.inf)
            traits = np.exp(log_post - log_post.max(axis=1, keepdims=True))
            answers, ie_answers = answer_both(rng, z, ie_correlation=ie_correlation)
            neutral = score_many(q, answers, model="neutral")
            latent = _letters(
                neutral.p_high[:, [neutral.dichotomies.index(d) for d in BASE_DICHOTOMIES]], signs
            )
            inputs = {
                "product": _letters(product_p_high(answers, ie_answers), signs),
                "socionics alone": _letters(product_p_high(answers, None), signs),
                "latent": latent,
                "latent, team prior": _team_prior(latent),
                "traits known": traits / traits.sum(axis=1, keepdims=True),
                "types known": np.eye(16)[true_type],
            }
            team = rng.integers(0, TEAMS, size=people)
            tenure = np.log(rng.uniform(3, 96, size=people))
            y = (
                beta[true_type]
                + rng.normal(0, 0.3, size=TEAMS)[team]
                + 0.05 * tenure
                + rng.standard_normal(people)
            )
            clients = np.clip(
                np.rint(6.0 + 2.0 * (y[:, None] + rng.normal(0, 0.5, (people, 4)))), 0, None
            )
            outcomes = np.array(
                standardised_within(list(clients.mean(axis=1)), [str(t) for t in team])
            )
            for name, probs in inputs.items():
                contrast = role_evidence(
                    role=ROLE,
                    codes=codes,
                    prior_fit=[int(f) for f in fits],
                    outcomes=outcomes,
                    type_probabilities=probs,
                    covariates=tenure.reshape(-1, 1),
                ).group_contrast
                page = contrast is not None and contrast.low > 0
                if name == "product" and contrast is not None:
                    shown[people].append(contrast)
                focused = _one_df(outcomes, probs[:, group].sum(axis=1), tenure)
                for test, hit in (("page", page), ("1 df", focused)):
                    hits[(people, name, test)] = hits.get((people, name, test), 0) + hit
    power = {key: value / companies for key, value in hits.items()}
    return power, {n: promise(contrasts) for n, contrasts in shown.items()}


def promise(contrasts: list[Interval]) -> dict[str, float]:
    """What the page promises a team of this size (the difference it would see four times in
    five, from its own interval) against what happened. The true difference on the page's scale
    (outcome SDs, not quite the within-group SDs the scenario sets at 0.5) is the mean estimate
    over the companies; each company's chance of seeing it follows from its own interval as
    ``Interval.detectable`` assumes (normal, one-sided at the interval's level)."""
    from scipy import stats

    z = stats.norm.ppf(0.5 + LEVEL / 2)
    truth = float(np.mean([c.mean for c in contrasts]))
    se = np.array([(c.high - c.low) / (2 * z) for c in contrasts])
    return {
        "detectable": float(np.median([c.detectable for c in contrasts])),
        "truth": truth,
        "predicted": float(np.mean(stats.norm.cdf(truth / se - z))),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--type-model", choices=("side", "cluster"), default="side")
    parser.add_argument("--ie-correlation", type=float, default=1.0)
    parser.add_argument("--hired-for-fit", type=float, default=0.0)
    args = parser.parse_args()
    start = time.perf_counter()
    power, promised = run(
        args.companies, args.seed, args.type_model, args.ie_correlation, args.hired_for_fit
    )
    print(
        f"group half an SD ahead, detected: {args.companies} companies per size (seed "
        f"{args.seed}, role {ROLE}, types: {args.type_model}, I/E correlation "
        f"{args.ie_correlation}, hired for fit {args.hired_for_fit}, "
        f"{time.perf_counter() - start:.0f} s)"
    )
    print(f"  {'input':20s} {'test':6s} " + " ".join(f"{n:>5d}" for n in SIZES))
    for name in INPUTS:
        for test in ("page", "1 df"):
            cells = " ".join(f"{power[(n, name, test)]:5.0%}" for n in SIZES)
            print(f"  {name:20s} {test:6s} {cells}")
    print("  the product's page, its own promise:")
    rows = {
        "detectable (median), SD": "detectable",
        "true effect (mean est.), SD": "truth",
        "predicted share (mean)": "predicted",
    }
    for label, key in rows.items():
        fmt = "{:5.0%}" if key == "predicted" else "{:5.2f}"
        cells = " ".join(fmt.format(promised[n][key]) for n in SIZES)
        print(f"  {label:27s} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
