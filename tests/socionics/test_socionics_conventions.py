"""The shared conventions hold: questionnaire poles match the model, README matches the code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from socionics.model import BASE_DICHOTOMIES, POLES

# The package exports a function named `recommend`, which shadows the submodule attribute.
rules = importlib.import_module("socionics.recommend")

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "socionics" / "README.md"


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("socionics_16.yaml", list(BASE_DICHOTOMIES)),
        ("introversion_extraversion.yaml", ["EI"]),
    ],
)
def test_the_questionnaires_use_the_models_dichotomy_ids_and_pole_codes(
    file: str, expected: list[str]
) -> None:
    path = ROOT / "questionnaires" / file
    if not path.exists():
        pytest.skip(f"{path} is not written yet")
    from questionnaires.loader import load_questionnaire

    q = load_questionnaire(path)
    assert [d.id for d in q.dichotomies] == expected
    for d in q.dichotomies:
        assert (d.low.code, d.high.code) == POLES[d.id], d.id


def test_every_threshold_in_the_readme_is_the_one_in_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)? \| ([\d., ]+) \|", text, flags=re.M)
    seen = {}
    for first, second, values in rows:
        names = [n for n in (first, second) if n]
        for name, value in zip(names, values.split(","), strict=True):
            seen[name] = float(value)
    assert len(seen) == 9
    for name, value in seen.items():
        assert getattr(rules, name) == value, name
