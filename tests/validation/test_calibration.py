"""``rolefit validate --predictions``: the product's out-of-fold probabilities on OEJTS, checked
against an independent reading of the data file and an independent ECE/Brier computation, and
held to the targets of issue 14."""

from __future__ import annotations

import contextlib
import csv
import io
import math

import numpy as np
import pytest
import yaml

from questionnaires.loader import load_questionnaire
from questionnaires.selfknowledge import DATA_FILE
from questionnaires.validation import (
    DEFAULT_DATA,
    DEFINITIONS,
    fit_spreads,
    main,
    oejts_self_reports,
)

pytestmark = [
    pytest.mark.validation,
    pytest.mark.skipif(
        not (DEFAULT_DATA / "oejts" / "data.csv").is_file(),
        reason=f"public validation data not found in {DEFAULT_DATA.resolve()}",
    ),
]
LETTERS = [("p_E", "E", 0), ("p_N", "N", 1), ("p_T", "T", 2), ("p_J", "J", 3)]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("validate") / "predictions.csv"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(DEFAULT_DATA, predictions=path)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return code, out.getvalue(), rows


def _respondents() -> dict[int, str]:
    """Independently of the engine: data row index -> knowntype, for rows with knowtype 1, a
    four-letter type and every OEJTS 1.2 item (per the published item map) answered."""
    oejts = DEFAULT_DATA / "oejts"
    with (oejts / "oejts12_item_map.csv").open(newline="", encoding="utf-8") as fh:
        columns = [r["oejts11_column"] for r in csv.DictReader(fh)]
    assert len(columns) == 32
    out = {}
    with (oejts / "data.csv").open(newline="", encoding="utf-8") as fh:
        for i, r in enumerate(csv.DictReader(fh, delimiter="\t")):
            t = r["knowntype"].strip().upper()
            ok = len(t) == 4 and t[0] in "EI" and t[1] in "NS" and t[2] in "TF" and t[3] in "JP"
            if r["knowtype"] == "1" and ok and all(int(r[c]) > 0 for c in columns):
                out[i] = r["knowntype"].strip()
    return out


def _ece(p: list[float], y: list[float]) -> float:
    # Ten equal-width bins by floor(10 p), 1.0 in the last; written apart from the product's.
    bins: dict[int, list[tuple[float, float]]] = {}
    for pi, yi in zip(p, y, strict=True):
        bins.setdefault(min(math.floor(pi * 10), 9), []).append((pi, yi))
    return sum(
        len(v) / len(p) * abs(sum(a for a, _ in v) / len(v) - sum(b for _, b in v) / len(v))
        for v in bins.values()
    )


def _figure(output: str, label: str, column: int) -> tuple[float, float]:
    """(ECE, Brier) printed on the line ``label`` in the given model column (0 old, 1 new)."""
    line = next(x for x in output.splitlines() if x.strip().startswith(label))
    cell = line.split("|")[1 + column].split()
    return float(cell[0]), float(cell[1])


def test_the_predictions_have_one_row_per_complete_self_reporting_respondent(run):
    code, _, rows = run
    assert code == 0
    want = _respondents()
    assert len(rows) == len(want) == 1079
    assert list(rows[0]) == [
        "row",
        "reported_type",
        "p_E",
        "p_N",
        "p_T",
        "p_J",
        "top_type",
        "p_top_type",
    ]
    assert {int(r["row"]): r["reported_type"] for r in rows} == want
    for r in rows:
        p = [float(r[c]) for c, _, _ in LETTERS]
        assert all(0 < x < 1 for x in p)  # unrounded; the lean of this population included
        # The most probable type takes the more probable pole of every letter unless a letter
        # is near even (the self-descriptions are nearly uncorrelated given the answers).
        top = "".join(
            (letter if x > 0.5 else other)
            for x, (_, letter, _), other in zip(p, LETTERS, "ISFP", strict=True)
        )
        near_even = [abs(x - 0.5) < 0.05 for x in p]
        assert all(a == b or near for a, b, near in zip(r["top_type"], top, near_even, strict=True))
        assert 1 / 16 < float(r["p_top_type"]) < 0.97


def test_printed_ece_and_brier_equal_an_independent_computation_from_the_predictions(run):
    _, output, rows = run
    for (column, letter, _), label in zip(LETTERS, ["IE", "SN", "FT", "JP"], strict=True):
        p = [float(r[column]) for r in rows]
        y = [
            1.0 if r["reported_type"].upper()[LETTERS.index((column, letter, _))] == letter else 0.0
            for r in rows
        ]
        if letter == "J":  # the product states P(P), the high pole; ECE is taken on that
            p, y = [1 - x for x in p], [1 - x for x in y]
        brier = sum((a - b) ** 2 for a, b in zip(p, y, strict=True)) / len(p)
        ece, printed_brier = _figure(output, f"letter {label}", 1)
        assert ece == pytest.approx(_ece(p, y), abs=2e-4), label
        assert printed_brier == pytest.approx(brier, abs=2e-4), label
    hit = [float(r["top_type"].upper() == r["reported_type"].upper()) for r in rows]
    stated = [float(r["p_top_type"]) for r in rows]
    line = next(x for x in output.splitlines() if x.strip().startswith("most probable type"))
    figures = output.splitlines()[output.splitlines().index(line) + 1].split("|")[2].split()
    assert float(figures[0]) == pytest.approx(_ece(stated, hit), abs=2e-4)
    assert float(figures[1]) == pytest.approx(np.mean(stated), abs=1e-3)
    assert float(figures[2]) == pytest.approx(np.mean(hit), abs=1e-3)


def test_the_old_model_figures_are_the_ones_issue_14_reported(run):
    _, output, _ = run
    old = {k: _figure(output, f"letter {k}", 0)[0] for k in ("IE", "SN", "FT", "JP")}
    assert old == pytest.approx({"IE": 0.033, "SN": 0.238, "FT": 0.081, "JP": 0.117}, abs=0.001)
    assert _figure(output, "pooled", 0)[0] == pytest.approx(0.091, abs=0.001)


def test_the_product_meets_the_targets_of_issue_14_out_of_fold(run):
    _, output, rows = run
    for label in ("IE", "SN", "FT", "JP"):
        new_ece, new_brier = _figure(output, f"letter {label}", 1)
        _, old_brier = _figure(output, f"letter {label}", 0)
        assert new_ece <= 0.03 and new_brier <= old_brier, label
    hit = np.mean([r["top_type"].upper() == r["reported_type"].upper() for r in rows])
    stated = np.mean([float(r["p_top_type"]) for r in rows])
    assert abs(stated - hit) <= 0.03
    assert (
        _ece(
            [float(r["p_top_type"]) for r in rows],
            [float(r["top_type"].upper() == r["reported_type"].upper()) for r in rows],
        )
        <= 0.05
    )
    assert "NOT MET" not in output and output.count("target: ") == 4


def test_the_reviewed_spreads_are_what_the_fit_command_gives_on_the_data():
    q = load_questionnaire(DEFINITIONS / "oejts12.yaml")
    matrix, y = oejts_self_reports(DEFAULT_DATA, q)
    spreads, unaware = fit_spreads(q, matrix, y)
    stored = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    assert stored["spreads"] == pytest.approx(spreads, abs=0.001)
    assert stored["unaware_share"] == pytest.approx(unaware, abs=0.001)
