"""Does the evidence model (socionics/evidence.py) keep its promises? Proof by simulation.

Synthetic companies: people whose true type is drawn from all 16 types alike (``--hired-for-fit
W`` draws a share W of each team from the matrix's group for the role instead), four latent
dichotomy scores around their type's poles (the assessment's uncertainty), type probabilities
that are the exact posterior given those scores (what a calibrated assessment gives), team
effects, tenure, noise, and a true effect of each type on the role's outcome. Scenarios,
``--companies`` each:

- coverage: true effects follow the matrix plus deviations (u ~ N(0, 0.3²)), 200 people: the 90%
  intervals of the 16 type effects cover the truth in 85-95% of cells;
- null: results follow the matrix exactly (and, separately, do not depend on type at all):
  the proposal changes no cell in at least 95% of companies;
- small: the matrix's group half a standard deviation ahead, 20 people: never estimated
  (below MIN_PEOPLE), the page says so;
- power: the same with 200 and 400 people, for three levels of type uncertainty: how often the
  group contrast's 90% interval lies above zero. Printed, not a target here: the issue's power
  target (80% at 200 people) is about the product's own questionnaires, so it is checked where
  people answer them, in bench_evidence_pipeline.py; the abstract uncertainty here (every
  letter right 84% of the time) is not theirs.

Prints the figures and exits non-zero when a target is missed. Statistical targets, not timings.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from socionics.evidence import MIN_PEOPLE, role_evidence
from socionics.matrix import default_matrix
from socionics.model import get_type, type_codes

ROLE = "farmer"
DICHOTOMIES = ("EI", "SN", "LF", "RI")
# Latent dichotomy scores sit ±SEPARATION SDs around the cut. 1.0: each letter right about 84% of
# the time, what a scale of reliability about .7 gives; the power table also shows 1.5 (93%)
# and 3.0 (nearly certain types).
SEPARATION = 1.0  # latent score mean ±1 SD around the cut: letters about 84% right
TEAMS = 4


@dataclass(frozen=True)
class Company:
    outcomes: np.ndarray
    probabilities: np.ndarray
    covariates: np.ndarray
    true_effect: np.ndarray  # relative to the average type, in the outcomes' SDs


def _signs() -> np.ndarray:
    out = np.zeros((16, 4))
    for t, code in enumerate(type_codes()):
        socio = get_type(code)
        for k, d in enumerate(DICHOTOMIES):
            out[t, k] = socio.sign(d)
    return out


def simulate(
    rng: np.random.Generator,
    *,
    people: int,
    beta: np.ndarray,
    fits: np.ndarray,
    separation: float = SEPARATION,
    hired_for_fit: float = 0.0,
) -> Company:
    signs = _signs()
    in_group = fits >= 60
    prior = hired_for_fit * in_group / in_group.sum() + (1 - hired_for_fit) / 16
    true_type = rng.choice(16, size=people, p=prior)
    latent = signs[true_type] * separation + rng.standard_normal((people, 4))
    log_post = np.log(prior) - 0.5 * (
        (latent[:, None, :] - separation * signs[None, :, :]) ** 2
    ).sum(axis=2)
    post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    post /= post.sum(axis=1, keepdims=True)
    team = rng.integers(0, TEAMS, size=people)
    tenure = rng.uniform(0.2, 8.0, size=people)
    y = (
        beta[true_type]
        + rng.normal(0, 0.3, size=TEAMS)[team]
        + 0.05 * tenure
        + rng.standard_normal(people)
    )
    covariates = np.column_stack([np.log(tenure)] + [team == j for j in range(1, TEAMS)])
    sd = y.std()
    return Company(y, post, covariates.astype(float), (beta - beta.mean()) / sd)


def run(companies: int, seed: int, hired_for_fit: float = 0.0) -> dict[str, float]:
    matrix = default_matrix()
    codes = type_codes()
    fits = np.array([matrix.fit(c, ROLE) for c in codes], dtype=float)
    g = (fits - fits.mean()) / fits.std()
    rng = np.random.default_rng(seed)

    def simulate_team(**kwargs) -> Company:
        return simulate(rng, fits=fits, hired_for_fit=hired_for_fit, **kwargs)

    def evidence(company: Company):
        return role_evidence(
            role=ROLE,
            codes=codes,
            prior_fit=[int(f) for f in fits],
            outcomes=company.outcomes,
            type_probabilities=company.probabilities,
            covariates=company.covariates,
        )

    covered = cells = 0
    for _ in range(companies):
        beta = 0.3 * g + rng.normal(0, 0.3, size=16)
        c = simulate_team(people=200, beta=beta)
        ev = evidence(c)
        for t, te in enumerate(ev.types):
            cells += 1
            covered += te.effect.low <= c.true_effect[t] <= te.effect.high
    null_follow = null_flat = 0
    for _ in range(companies):
        null_follow += bool(evidence(simulate_team(people=200, beta=0.3 * g)).moved)
        null_flat += bool(evidence(simulate_team(people=200, beta=0 * g)).moved)
    group_beta = np.where(fits >= 60, 0.5, 0.0)
    small_refused = 0
    for _ in range(companies):
        small = evidence(simulate_team(people=20, beta=group_beta))
        small_refused += not small.enough
    figures = {
        "coverage": covered / cells,
        "unchanged_when_results_follow_the_matrix": 1 - null_follow / companies,
        "unchanged_when_type_does_not_matter": 1 - null_flat / companies,
        "refused_20_people": small_refused / companies,
    }
    # Power: the matrix's group half an SD ahead of the rest; detected when the group
    # contrast's 90% interval lies above zero (one-sided 5%).
    for separation in (SEPARATION, 1.5, 3.0):
        for people in (200, 400):
            hits = 0
            for _ in range(companies):
                c = simulate_team(people=people, beta=group_beta, separation=separation)
                contrast = evidence(c).group_contrast
                hits += contrast is not None and contrast.low > 0
            figures[f"detected_half_sd_{people}_people_separation_{separation:g}"] = (
                hits / companies
            )
    return figures


TARGETS = {
    "coverage": (0.85, 0.95),
    "unchanged_when_results_follow_the_matrix": (0.95, 1.0),
    "unchanged_when_type_does_not_matter": (0.95, 1.0),
    "refused_20_people": (1.0, 1.0),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--hired-for-fit",
        type=float,
        default=0.0,
        help="share of each team drawn from the matrix's group for the role, the rest from all "
        "16 types alike (0, the default; 0.5: a team hired with some eye to fit)",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    figures = run(args.companies, args.seed, args.hired_for_fit)
    took = time.perf_counter() - start
    print(f"evidence model, {args.companies} simulated companies per scenario (seed {args.seed},")
    print(
        f"role {ROLE}, hired for fit {args.hired_for_fit}, {MIN_PEOPLE} people minimum, "
        f"{took:.0f} s):"
    )
    missed = []
    for name, value in figures.items():
        if name not in TARGETS:
            print(f"  {name:48s} {value:6.1%}")
            continue
        low, high = TARGETS[name]
        ok = low <= value <= high
        missed += [] if ok else [name]
        verdict = "ok" if ok else "MISSED"
        print(f"  {name:48s} {value:6.1%}   target {low:.0%}-{high:.0%}  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
