"""Fakers of "the ideal salesperson" on both questionnaires, the current version against 1.0.0.

Simulated people (traits N(0, 1), graded-response answers, ``questionnaires.simulate``) answer
honestly and then with every item's latent moved ``shift`` SDs towards its reviewed
``desirable_pole``; the engine scores every answer set (``score_many``; type probabilities from
``socionics.recommend.type_probabilities``). Baseline in the same run: the archived 1.0.0
items, whose desirable poles lean to E, N, L and J.

Prints, per questionnaire, version, shift and dichotomy: the mean probability of the ideal pole,
the share put on it, and the mean distance of P(high) from 50%; for socionics also the share
typed as the ideal type and its mean probability. Exits non-zero when the current version
(socionics 2.0.0, introversion/extraversion 2.1.0: 2.0.0 plus an attention check, the same
scored items) misses its target: at every shift every dichotomy's mean probability of the
ideal pole within 0.08 of 50% and within 0.06 of the honest figure; at the strongest shift the
distance from 50% below the honest one and the share typed as the ideal type no more than 2
points above the honest share.

    .venv/bin/python bench/bench_faking.py [--n 3000] [--seed 14]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from questionnaires.loader import product_questionnaires, questionnaire_version
from questionnaires.simulate import desirability_ideal, faking_rows, faking_tables, on_ideal_type
from socionics.model import type_for_poles
from socionics.recommend import type_probabilities

SHIFTS = [0.0, 0.5, 1.0, 2.0, 4.0]


def mean_type_probability(table, code: str) -> float:
    cols = {d: k for k, d in enumerate(table.dichotomies)}
    probs = [
        type_probabilities({d: float(row[cols[d]]) for d in cols})[code] for row in table.p_high
    ]
    return float(np.mean(probs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    failures = []
    for qid in sorted(product_questionnaires()):
        old = questionnaire_version(qid, "1.0.0")
        new = product_questionnaires()[qid]
        ideal = desirability_ideal(old)
        ideal_type = type_for_poles(ideal).code if len(ideal) == 4 else None
        named = f", ideal type {ideal_type}" if ideal_type else ""
        print(f"\n{qid}: ideal poles {ideal}{named}")
        print(
            f"{'version':<8} {'shift':>5} {'dich':<4} {'P(ideal)':>8} {'on ideal':>8} {'|p-.5|':>7}"
        )
        for q in (old, new):
            tables = faking_tables(q, shifts=SHIFTS, n=args.n, seed=args.seed)
            rows = faking_rows(tables, ideal=ideal)
            for r in rows:
                print(
                    f"{q.version:<8} {r.shift:>5.1f} {r.dichotomy:<4} {r.p_ideal:>8.3f} "
                    f"{r.on_ideal:>8.3f} {r.certainty:>7.3f}"
                )
            if ideal_type:
                for s, t in tables.items():
                    print(
                        f"{q.version:<8} {s:>5.1f} type {ideal_type}: share "
                        f"{on_ideal_type(t, ideal):.3f}, mean probability "
                        f"{mean_type_probability(t, ideal_type):.3f}"
                    )
            if q is new:
                strong = max(SHIFTS)
                by = {(r.shift, r.dichotomy): r for r in rows}
                for d in q.dichotomies:
                    honest = by[(0.0, d.id)]
                    for s in SHIFTS[1:]:
                        p = by[(s, d.id)].p_ideal
                        if abs(p - 0.5) > 0.08 or abs(p - honest.p_ideal) > 0.06:
                            failures.append(f"{qid} {d.id} shift {s}: P(ideal) {p:.3f}")
                    if by[(strong, d.id)].certainty >= honest.certainty:
                        failures.append(f"{qid} {d.id}: no nearer 50% when faking")
                if ideal_type:
                    honest_share = on_ideal_type(tables[0.0], ideal)
                    if on_ideal_type(tables[strong], ideal) > honest_share + 0.02:
                        failures.append(f"{qid}: fakers typed {ideal_type} more often")
    if failures:
        print("\nMISSED: " + "; ".join(failures))
        return 1
    print("\ncurrent versions: fakers stay near the cut on every dichotomy (target met)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
