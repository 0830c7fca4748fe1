"""Answer-quality flags: fair to attentive people, hard on random and yea-saying ones.

Simulates respondents of the two product questionnaires under two generating processes
(``questionnaires.simulate``: the project's own ``leaning_answers`` and a graded response
model), 85% attentive, 10% acquiescent, 5% random, and prints per process and questionnaire,
and per candidate (both questionnaires, judged by the worse level as the product does):

- attentive respondents flagged "doubtful" or worse, per flag and by any flag;
- random responders flagged "unusable";
- acquiescent respondents flagged (any flag, and the acquiescence flag itself);

for today's rules and, as the baseline in the same run, the rules before issue 14 (the
inconsistent-pairs rule that counted any two opposite leanings, no acquiescence index, no
random-likeness). Then the share of real respondents of OEJTS, IPIP BIG5 and NPI-40 flagged
(validation definitions in tests/validation/, data in ../shared/validation when present).

Exits 1 when a target is missed: attentive <= 5% per flag and <= 8% any flag, random
unusable >= 95% and acquiescent flagged >= 80% per candidate, public data <= 5% flagged.

    .venv/bin/python bench/bench_quality.py [--n 4000] [--public-rows 3000]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from questionnaires.loader import load_questionnaire, product_questionnaires  # noqa: E402
from questionnaires.quality import (  # noqa: E402
    ATTENTION_UNUSABLE_FAILURES,
    assess_quality,
    longest_runs,
)
from questionnaires.schema import ForcedChoiceItem, Questionnaire  # noqa: E402
from questionnaires.simulate import simulated_population  # noqa: E402

DATA = ROOT / ".." / "shared" / "validation"
DEFINITIONS = ROOT / "tests" / "validation"
SEED = 20261205
PROCESSES = ("leaning", "grm")
ATTENTIVE_EACH, ATTENTIVE_ANY, RANDOM_UNUSABLE, ACQUIESCENT_FLAGGED, PUBLIC_FLAGGED = (
    0.05,
    0.08,
    0.95,
    0.80,
    0.05,
)

Judge = Callable[[Questionnaire, Mapping[str, int]], tuple[str, set[str]]]


def today(q: Questionnaire, answers: Mapping[str, int]) -> tuple[str, set[str]]:
    quality = assess_quality(q, answers)
    return quality.level, {f.code for f in quality.flags}


def before(q: Questionnaire, answers: Mapping[str, int]) -> tuple[str, set[str]]:
    """The rules before issue 14 (no timings in these answers; missing answers as today)."""
    flags = {
        f.code: f.severity for f in assess_quality(q, answers).flags if f.code == "missing_answers"
    }
    for kind, run in longest_runs(q, answers).items():
        doubtful, unusable = (12, 20) if kind == "forced_choice" else (8, 15)
        if run >= doubtful:
            flags["straight_lining"] = "unusable" if run >= unusable else "doubtful"
    failed = sum(
        1
        for i in q.items
        if i.attention_check is not None
        and i.id in answers
        and answers[i.id] != i.attention_check.expected
    )
    if failed:
        unusable = failed >= ATTENTION_UNUSABLE_FAILURES
        flags["attention_failed"] = "unusable" if unusable else "doubtful"
    contradicted = answered = 0
    for pair in q.consistency_pairs:
        if any(i not in answers for i in pair.items):
            continue
        leans = []
        for item_id in pair.items:
            item = q.item(item_id)
            assert not isinstance(item, ForcedChoiceItem)
            lean = answers[item_id] - (q.points_of(item) + 1) / 2
            leans.append(-lean if item.reverse else lean)
        answered += 1
        contradicted += leans[0] * leans[1] < 0
    if contradicted >= 3 and contradicted > 0.5 * answered:
        flags["inconsistent"] = "unusable"
    elif contradicted >= 2 and contradicted > 0.25 * answered:
        flags["inconsistent"] = "doubtful"
    level = "good"
    if "unusable" in flags.values():
        level = "unusable"
    elif flags:
        level = "doubtful"
    return level, set(flags)


def worse(a: str, b: str) -> str:
    order = ("good", "doubtful", "unusable")
    return max(a, b, key=order.index)


def shares(judged: list[tuple[str, str, set[str]]]) -> dict[str, object]:
    """From (kind, level, codes) rows: the figures the targets are about."""
    attentive = [(lv, c) for k, lv, c in judged if k == "attentive"]
    random_ = [lv for k, lv, _ in judged if k == "random"]
    acq = [(lv, c) for k, lv, c in judged if k == "acquiescent"]
    per_flag: Counter[str] = Counter(code for _, codes in attentive for code in codes)
    return {
        "n": (len(attentive), len(acq), len(random_)),
        "attentive_each": {c: n / len(attentive) for c, n in sorted(per_flag.items())},
        "attentive_any": sum(lv != "good" for lv, _ in attentive) / len(attentive),
        "random_unusable": sum(lv == "unusable" for lv in random_) / len(random_),
        "acquiescent_flagged": sum(lv != "good" for lv, _ in acq) / len(acq),
        "acquiescent_acq_flag": sum("acquiescence" in c for _, c in acq) / len(acq),
    }


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def simulate(n: int, judges: Mapping[str, Judge]) -> dict[tuple[str, str, str], dict[str, object]]:
    catalog = dict(product_questionnaires())
    out: dict[tuple[str, str, str], dict[str, object]] = {}
    for process in PROCESSES:
        for rule, judge in judges.items():
            per_candidate: list[list[object]] = [["", "good", set()] for _ in range(n)]
            for qid, q in catalog.items():
                judged = []
                for k, (kind, answers) in enumerate(simulated_population(q, process, n, seed=SEED)):
                    level, codes = judge(q, answers)
                    judged.append((kind, level, codes))
                    row = per_candidate[k]
                    row[0] = kind
                    row[1] = worse(str(row[1]), level)
                    row[2] = set(row[2]) | codes  # type: ignore[arg-type]
                out[(process, rule, qid)] = shares(judged)
            out[(process, rule, "candidate")] = shares(
                [(str(k), str(lv), set(c)) for k, lv, c in per_candidate]  # type: ignore[call-overload]
            )
    return out


def print_simulation(results: Mapping[tuple[str, str, str], dict[str, object]]) -> list[str]:
    misses = []
    for (process, rule, unit), r in results.items():
        each = r["attentive_each"]
        assert isinstance(each, dict)
        worst = max(each.values(), default=0.0)
        print(
            f"{process:8s} {rule:7s} {unit:25s} attentive any {pct(r['attentive_any'])}"  # type: ignore[arg-type]
            f"  worst flag {pct(worst)}  random unusable {pct(r['random_unusable'])}"  # type: ignore[arg-type]
            f"  acquiescent flagged {pct(r['acquiescent_flagged'])}"  # type: ignore[arg-type]
            f" (by the index {pct(r['acquiescent_acq_flag'])})"  # type: ignore[arg-type]
        )
        print(
            "         attentive per flag: "
            + (", ".join(f"{c} {pct(v).strip()}" for c, v in each.items()) or "none")
        )
        if rule != "today":
            continue
        if worst > ATTENTIVE_EACH or r["attentive_any"] > ATTENTIVE_ANY:  # type: ignore[operator]
            misses.append(f"{process} {unit}: attentive flagged too often")
        if unit == "candidate":
            if r["random_unusable"] < RANDOM_UNUSABLE:  # type: ignore[operator]
                misses.append(f"{process} {unit}: random responders not unusable often enough")
            if r["acquiescent_flagged"] < ACQUIESCENT_FLAGGED:  # type: ignore[operator]
                misses.append(f"{process} {unit}: acquiescent respondents missed")
    return misses


def _rows(path: Path, delimiter: str, q: Questionnaire, limit: int | None) -> list[dict[str, int]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader)
        cols = [(i.id, header.index(i.id)) for i in q.items]
        rows = [r for r in reader if r]
    if limit is not None and limit < len(rows):
        rows = random.Random(SEED).sample(rows, limit)
    out = []
    for r in rows:
        # 0 (and anything outside the item's range) is no answer in these files
        answers = {}
        for (item_id, c), item in zip(cols, q.items, strict=True):
            value = int(float(r[c]))
            if 1 <= value <= q.points_of(item):
                answers[item_id] = value
        out.append(answers)
    return out


PUBLIC = (
    ("OEJTS 1.2", "oejts12.yaml", ("oejts", "data.csv"), "\t"),
    ("IPIP BIG5", "big5_ipip50.yaml", ("big5", "data.csv"), "\t"),
    ("NPI-40", "npi40.yaml", ("npi", "data.csv"), ","),
)


def public_data(limit: int | None) -> list[str]:
    if not (DATA / "oejts" / "data.csv").is_file():
        print(f"public data: not found in {DATA.resolve()}, skipped")
        return []
    misses = []
    for name, definition, (folder, file), delimiter in PUBLIC:
        q = load_questionnaire(DEFINITIONS / definition)
        rows = _rows(DATA / folder / file, delimiter, q, limit)
        for rule, judge in (("today", today), ("before", before)):
            levels: Counter[str] = Counter()
            codes: Counter[str] = Counter()
            for answers in rows:
                level, found = judge(q, answers)
                levels[level] += 1
                codes.update(found)
            flagged = 1 - levels["good"] / len(rows)
            print(
                f"public   {rule:7s} {name:10s} rows {len(rows):6d}  flagged {pct(flagged)}"
                f"  unusable {pct(levels['unusable'] / len(rows))}  by flag: "
                + ", ".join(f"{c} {pct(n / len(rows)).strip()}" for c, n in sorted(codes.items()))
            )
            if rule == "today" and flagged > PUBLIC_FLAGGED:
                misses.append(f"{name}: {pct(flagged).strip()} of real respondents flagged")
    return misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=4000, help="simulated respondents per process")
    parser.add_argument(
        "--public-rows", type=int, default=3000, help="rows per public data set (0: all)"
    )
    args = parser.parse_args()
    results = simulate(args.n, {"today": today, "before": before})
    misses = print_simulation(results)
    misses += public_data(args.public_rows or None)
    for m in misses:
        print("MISSED:", m)
    print("all targets met" if not misses else f"{len(misses)} target(s) missed")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
