"""Answer-quality flags on real respondents of public instruments: few flagged (issue 14).

Fixed samples of rows of ../shared/validation; skips when the data is not there.
"""

from __future__ import annotations

import csv
import random

import pytest

from questionnaires.loader import load_questionnaire
from questionnaires.quality import assess_quality
from questionnaires.validation import DEFAULT_DATA, DEFINITIONS

SETS = (
    ("oejts12.yaml", ("oejts", "data.csv"), "\t"),
    ("big5_ipip50.yaml", ("big5", "data.csv"), "\t"),
    ("npi40.yaml", ("npi", "data.csv"), ","),
)


@pytest.mark.validation
@pytest.mark.skipif(
    not (DEFAULT_DATA / "oejts" / "data.csv").is_file(),
    reason=f"public validation data not found in {DEFAULT_DATA.resolve()}",
)
@pytest.mark.parametrize(("definition", "path", "delimiter"), SETS)
def test_at_most_five_percent_of_real_respondents_are_flagged(definition, path, delimiter):
    q = load_questionnaire(DEFINITIONS / definition)
    with (DEFAULT_DATA.joinpath(*path)).open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader)
        rows = [r for r in reader if r]
    rows = random.Random(14).sample(rows, min(len(rows), 1500))
    cols = [header.index(i.id) for i in q.items]
    flagged = 0
    for r in rows:
        answers = {}
        for item, c in zip(q.items, cols, strict=True):
            value = int(float(r[c]))
            if 1 <= value <= q.points_of(item):  # 0 is no answer in these files
                answers[item.id] = value
        flagged += assess_quality(q, answers).level != "good"
    assert flagged / len(rows) <= 0.05
