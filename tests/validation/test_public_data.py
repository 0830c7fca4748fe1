"""The engine on real public data (../shared/validation), on a fixed sample of rows.

Skips with a reason when the data is not beside the project (CI clones shared/ next to it).
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from questionnaires.engine import score, score_many
from questionnaires.loader import load_questionnaire
from questionnaires.validation import (
    DEFAULT_DATA,
    DEFINITIONS,
    calibration_table,
    format_report,
    main,
    run_validation,
)

needs_data = pytest.mark.skipif(
    not (DEFAULT_DATA / "oejts" / "data.csv").is_file(),
    reason=f"public validation data not found in {DEFAULT_DATA.resolve()}",
)


@pytest.fixture(scope="module")
def report():
    return run_validation(DEFAULT_DATA, DEFINITIONS, sample=600)


@pytest.mark.validation
@needs_data
def test_oejts_types_equal_the_published_formulas_row_by_row(report):
    assert report.oejts.complete > 500
    assert report.oejts.formula_mismatches == 0
    assert report.oejts.formula_agreement == 1


@pytest.mark.validation
@needs_data
def test_oejts_types_agree_with_self_reports_well_above_chance(report):
    o = report.oejts
    assert o.self_n > 300
    # chance for one letter is about 50%; I/E is the clearest dichotomy in published comparisons
    assert all(share > 0.55 for share in o.self_letters.values())
    assert o.self_letters["IE"] > 0.8
    assert o.self_all_four > 1 / 16


@pytest.mark.validation
@needs_data
def test_oejts_pole_probabilities_are_ordered_like_reality(report):
    for cal in report.oejts.calibration:
        observed = [b.observed for b in cal.bins if b.n >= 30]
        assert observed[0] < 0.25 and observed[-1] > 0.75
        assert 0 <= cal.ece < 0.2


@pytest.mark.validation
@needs_data
def test_big5_engine_alpha_equals_an_independent_computation(report):
    for s in report.big5.scales:
        assert abs(s.engine_alpha - s.independent_alpha) < 1e-6
        assert abs(s.engine_alpha - s.published) < 0.1  # a different sample: close, not equal
        assert s.ci[0] < s.engine_alpha < s.ci[1]


@pytest.mark.validation
@needs_data
def test_npi_totals_equal_the_stored_scores(report):
    assert report.npi.answered_sum_agreement == 1
    assert report.npi.raw_agreement_complete == 1
    assert report.ok and "All exact checks passed." in format_report(report)


@pytest.mark.validation
@needs_data
def test_one_by_one_scoring_agrees_with_the_vectorized_path_on_real_rows():
    q = load_questionnaire(DEFINITIONS / "big5_ipip50.yaml")
    with (DEFAULT_DATA / "big5" / "data.csv").open() as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader)
        rows = [next(reader) for _ in range(200)]
    cols = [header.index(i.id) for i in q.items]
    m = np.array([[float(r[c]) for c in cols] for r in rows])
    table = score_many(q, m)
    for k in range(len(rows)):
        answers = {q.items[j].id: int(m[k, j]) for j in range(len(cols)) if m[k, j] > 0}
        r = score(q, answers)
        assert [r.scales[s].raw for s in table.scales] == table.raw[k].tolist()


def test_the_validation_definitions_load_without_texts():
    sizes = {}
    for name in ("oejts12", "big5_ipip50", "npi40"):
        q = load_questionnaire(DEFINITIONS / f"{name}.yaml")
        assert not q.texts_required
        sizes[name] = (len(q.items), len(q.scales), len(q.dichotomies))
    assert sizes == {"oejts12": (32, 4, 4), "big5_ipip50": (50, 5, 0), "npi40": (40, 1, 0)}


def test_the_cli_entry_reports_missing_data_with_exit_code_2(tmp_path, capsys):
    assert main(tmp_path) == 2
    assert "no validation data" in capsys.readouterr().out


def test_the_calibration_table_of_a_perfect_forecaster_has_no_error():
    rng = np.random.default_rng(1)
    p = rng.random(200_000)
    y = (rng.random(p.size) < p).astype(float)
    cal = calibration_table("x", p, y)
    assert cal.ece < 0.01 and sum(b.n for b in cal.bins) == p.size
    assert calibration_table("x", p, 1 - y).ece > 0.4
