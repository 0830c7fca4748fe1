"""Answer-quality flags: fair to attentive people, hard on random and yea-saying ones.

Simulates respondents of the two product questionnaires under two generating processes
(``questionnaires.simulate``: the project's own ``leaning_answers`` and a graded response
model), 85% attentive, 10% acquiescent, 5% random, and prints per process and questionnaire,
and per candidate (both questionnaires, judged by the worse level as the product does):

- attentive respondents flagged "doubtful" or worse, per flag and by any flag;
- random responders flagged "unusable";
- acquiescent respondents flagged (any flag, and the acquiescence flag itself);

for today's rules on today's questionnaires ("now"), and as baselines in the same run: today's
rules with the introversion/extraversion questionnaire as it was at 2.0.0 (two attention
checks instead of three; "ie-2.0.0"), and the rules before issue 14 on today's questionnaires
(the inconsistent-pairs rule that counted any two opposite leanings, no acquiescence index, no
random-likeness; "pre-14"). Then random clickers of the extraversion questionnaire alone,
2.0.0 against today's version, and what a slip on an attention check would cost attentive people
(the simulations' attentive respondents never slip), and the share of real respondents of
OEJTS, IPIP BIG5 and NPI-40 flagged (validation definitions in tests/validation/, data in
../shared/validation when present, or --data).

Exits 1 when a target is missed: attentive <= 5% per flag and <= 8% any flag, random
unusable >= 95% per candidate and on each questionnaire alone, acquiescent flagged >= 80% per
candidate, public data <= 5% flagged.

    .venv/bin/python bench/bench_quality.py [--n 4000] [--public-rows 3000] [--data DIR]
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from questionnaires.loader import (  # noqa: E402
    load_questionnaire,
    product_questionnaires,
    questionnaire_version,
)
from questionnaires.quality import (  # noqa: E402
    ATTENTION_UNUSABLE_FAILURES,
    RANDOM_WITH_FAILED_CHECK,
    assess_quality,
    longest_runs,
    random_likeness,
)
from questionnaires.schema import ForcedChoiceItem, Questionnaire  # noqa: E402
from questionnaires.simulate import random_answers, simulated_population  # noqa: E402

DATA = ROOT / ".." / "shared" / "validation"
DEFINITIONS = ROOT / "tests" / "validation"
SEED = 20261205
PROCESSES = ("leaning", "grm")
# The questionnaire whose third attention check (2.1.0) is measured against its 2.0.0.
IE, IE_BEFORE = "introversion_extraversion", "2.0.0"
# Assumed chances that an attentive person misses one attention check (no data of our own yet).
SLIPS = (0.01, 0.02)
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


Setup = tuple[Mapping[str, Questionnaire], Judge]


def setups() -> dict[str, Setup]:
    """Label -> (questionnaires, rules): today's, today's rules on the 2.0.0 extraversion
    questionnaire, and the rules before issue 14 on today's questionnaires."""
    now = dict(product_questionnaires())
    old = now | {IE: questionnaire_version(IE, IE_BEFORE)}
    return {"now": (now, today), f"ie-{IE_BEFORE}": (old, today), "pre-14": (now, before)}


def simulate(n: int, runs: Mapping[str, Setup]) -> dict[tuple[str, str, str], dict[str, object]]:
    out: dict[tuple[str, str, str], dict[str, object]] = {}
    for process in PROCESSES:
        for rule, (catalog, judge) in runs.items():
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
            f"{process:8s} {rule:9s} {unit:25s} attentive any {pct(r['attentive_any'])}"  # type: ignore[arg-type]
            f"  worst flag {pct(worst)}  random unusable {pct(r['random_unusable'])}"  # type: ignore[arg-type]
            f"  acquiescent flagged {pct(r['acquiescent_flagged'])}"  # type: ignore[arg-type]
            f" (by the index {pct(r['acquiescent_acq_flag'])})"  # type: ignore[arg-type]
        )
        print(
            "         attentive per flag: "
            + (", ".join(f"{c} {pct(v).strip()}" for c, v in each.items()) or "none")
        )
        if rule != "now":
            continue
        if worst > ATTENTIVE_EACH or r["attentive_any"] > ATTENTIVE_ANY:  # type: ignore[operator]
            misses.append(f"{process} {unit}: attentive flagged too often")
        if r["random_unusable"] < RANDOM_UNUSABLE:  # type: ignore[operator]
            misses.append(f"{process} {unit}: random responders not unusable often enough")
        if unit == "candidate" and r["acquiescent_flagged"] < ACQUIESCENT_FLAGGED:  # type: ignore[operator]
            misses.append(f"{process} {unit}: acquiescent respondents missed")
    return misses


def print_clickers(n: int) -> list[str]:
    """Random clickers of the extraversion questionnaire alone, 2.0.0 (two attention checks)
    against the current version (three): unusable, how many checks they missed, and how many
    give answers below RANDOM_WITH_FAILED_CHECK (which makes one missed check unusable)."""
    misses = []
    for q in (questionnaire_version(IE, IE_BEFORE), product_questionnaires()[IE]):
        rng = random.Random(SEED)
        checks = [i for i in q.items if i.attention_check is not None]
        missed: Counter[int] = Counter()
        unusable = low = 0
        for _ in range(n):
            answers = random_answers(q, rng=rng)
            unusable += assess_quality(q, answers).level == "unusable"
            missed[sum(answers[i.id] != i.attention_check.expected for i in checks)] += 1  # type: ignore[union-attr]
            fit = random_likeness(q, answers)
            low += fit is not None and fit[0] < RANDOM_WITH_FAILED_CHECK
        print(
            f"clickers {IE} {q.version} ({len(checks)} checks), {n} random clickers alone: "
            f"unusable {pct(unusable / n).strip()}; checks missed "
            + ", ".join(f"{m}: {pct(missed[m] / n).strip()}" for m in range(len(checks) + 1))
            + f"; factor below {RANDOM_WITH_FAILED_CHECK:g}: {pct(low / n).strip()}"
        )
        if q.version != IE_BEFORE and unusable / n < RANDOM_UNUSABLE:
            misses.append(f"{IE} alone: random clickers not unusable often enough")
    return misses


def print_slips(n: int) -> None:
    """What a slip on an attention check would cost an attentive person, by version.

    The simulated attentive respondents answer every check right, so their figures above cannot
    show it. With each of k checks missed independently with chance s, the misses are binomial:
    ATTENTION_UNUSABLE_FAILURES or more is unusable; fewer but at least one is doubtful, or
    unusable when the answers also fall below RANDOM_WITH_FAILED_CHECK (the share of attentive
    respondents that do is measured on the simulated ones)."""
    versions = (questionnaire_version(IE, IE_BEFORE), product_questionnaires()[IE])
    for process in PROCESSES:
        population = simulated_population(versions[-1], process, n, seed=SEED)
        fits = [random_likeness(versions[-1], a) for kind, a in population if kind == "attentive"]
        low = sum(f is not None and f[0] < RANDOM_WITH_FAILED_CHECK for f in fits) / len(fits)
        for s in SLIPS:
            parts = []
            for q in versions:
                k = sum(i.attention_check is not None for i in q.items)
                misses = [math.comb(k, m) * s**m * (1 - s) ** (k - m) for m in range(k + 1)]
                many = sum(misses[ATTENTION_UNUSABLE_FAILURES:])
                few = sum(misses[1:ATTENTION_UNUSABLE_FAILURES])
                parts.append(
                    f"{q.version} ({k} checks): a check flag {pct(few + many).strip()}, "
                    f"unusable {pct(many + few * low).strip()}"
                )
            print(
                f"slips    {process:8s} {IE} attentive, each check missed {pct(s).strip()} "
                f"(factor below {RANDOM_WITH_FAILED_CHECK:g}: {pct(low).strip()}): "
                + "; ".join(parts)
            )


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


def public_data(limit: int | None, data: Path = DATA) -> list[str]:
    if not (data / "oejts" / "data.csv").is_file():
        print(f"public data: not found in {data.resolve()}, skipped")
        return []
    misses = []
    for name, definition, (folder, file), delimiter in PUBLIC:
        q = load_questionnaire(DEFINITIONS / definition)
        rows = _rows(data / folder / file, delimiter, q, limit)
        for rule, judge in (("now", today), ("pre-14", before)):
            levels: Counter[str] = Counter()
            codes: Counter[str] = Counter()
            for answers in rows:
                level, found = judge(q, answers)
                levels[level] += 1
                codes.update(found)
            flagged = 1 - levels["good"] / len(rows)
            print(
                f"public   {rule:9s} {name:10s} rows {len(rows):6d}  flagged {pct(flagged)}"
                f"  unusable {pct(levels['unusable'] / len(rows))}  by flag: "
                + ", ".join(f"{c} {pct(n / len(rows)).strip()}" for c, n in sorted(codes.items()))
            )
            if rule == "now" and flagged > PUBLIC_FLAGGED:
                misses.append(f"{name}: {pct(flagged).strip()} of real respondents flagged")
    return misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=4000, help="simulated respondents per process")
    parser.add_argument(
        "--public-rows", type=int, default=3000, help="rows per public data set (0: all)"
    )
    parser.add_argument(
        "--clickers", type=int, default=20000, help="random clickers of the extraversion one alone"
    )
    parser.add_argument(
        "--data", type=Path, default=DATA, help="public data folder (default ../shared/validation)"
    )
    args = parser.parse_args()
    results = simulate(args.n, setups())
    misses = print_simulation(results)
    misses += print_clickers(args.clickers)
    print_slips(args.n)
    misses += public_data(args.public_rows or None, args.data)
    for m in misses:
        print("MISSED:", m)
    print("all targets met" if not misses else f"{len(misses)} target(s) missed")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
