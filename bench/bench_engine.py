"""Benchmark: the engine's vectorized path against plain numpy on all BIG5 response sets.

Scores every one of the 19,719 IPIP BIG5 response sets (../shared/validation/big5) through
``score_many`` and, in the same run, through a plain numpy computation of the same scores
(keyed sums with the 20% prorating rule), checks that both agree, and prints the median time
of each over several repeats and their ratio (engine / numpy). Target: ratio <= 3.
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from questionnaires.engine import score_many  # noqa: E402
from questionnaires.loader import load_questionnaire  # noqa: E402
from questionnaires.validation import BIG5_REVERSED, DEFAULT_DATA, DEFINITIONS  # noqa: E402

REPEATS = 7
TARGET_RATIO = 3.0


def load() -> tuple[object, np.ndarray, list[str]]:
    q = load_questionnaire(DEFINITIONS / "big5_ipip50.yaml")
    with (DEFAULT_DATA / "big5" / "data.csv").open(newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader)
        cols = [header.index(i.id) for i in q.items]
        matrix = np.array([[float(r[c]) for c in cols] for r in reader if r])
    return q, matrix, [i.id for i in q.items]


def plain_numpy(matrix: np.ndarray, ids: list[str]) -> np.ndarray:
    """Raw scores of the five scales written directly in numpy, for this instrument only."""
    reversed_ = np.array([i in BIG5_REVERSED for i in ids])
    answered = matrix > 0
    keyed = np.where(reversed_, 6 - matrix, matrix) * answered
    out = np.empty((matrix.shape[0], 5))
    for j, letter in enumerate("ENACO"):
        cols = np.array([i[0] == letter for i in ids])
        n = answered[:, cols].sum(axis=1)
        total = keyed[:, cols].sum(axis=1)
        # full sum when complete; mean keyed score x 10 when at most 2 of 10 are missing
        with np.errstate(invalid="ignore", divide="ignore"):
            prorated = np.where(n >= 8, 10 + 40 * (total - n) / (4 * n), np.nan)
        out[:, j] = np.where(n == 10, total, prorated)
    return out


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    if not (DEFAULT_DATA / "big5" / "data.csv").is_file():
        print(f"bench_engine: skipped, no data in {DEFAULT_DATA.resolve()}")
        return 0
    q, matrix, ids = load()
    table = score_many(q, matrix)  # type: ignore[arg-type]
    order = [table.column(s) for s in ("extraversion", "neuroticism", "agreeableness",
                                       "conscientiousness", "intellect")]  # fmt: skip
    expected = plain_numpy(matrix, ids)
    if not np.allclose(table.raw[:, order], expected, equal_nan=True, rtol=0, atol=1e-9):
        print("bench_engine: the engine and plain numpy disagree")
        return 1
    engine = timed(lambda: score_many(q, matrix), REPEATS)  # type: ignore[arg-type]
    plain = timed(lambda: plain_numpy(matrix, ids), REPEATS)
    ratio = engine / plain
    verdict = "ok" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(f"bench_engine: {matrix.shape[0]} BIG5 response sets x {matrix.shape[1]} items, "
          f"median of {REPEATS}")  # fmt: skip
    print(f"  engine score_many  {engine * 1000:8.2f} ms")
    print(f"  plain numpy        {plain * 1000:8.2f} ms")
    print(f"  ratio              {ratio:8.2f}x  (target <= {TARGET_RATIO:g}x: {verdict})")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
