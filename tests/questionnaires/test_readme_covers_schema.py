"""questionnaires/README.md describes every field of the format and of the result."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from questionnaires import result, schema

README = Path(schema.__file__).with_name("README.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)", README))


def _models():
    for module in (schema, result):
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(obj, BaseModel)
                and obj.__module__ == module.__name__
                and obj.model_fields
            ):
                yield name, obj


@pytest.mark.parametrize(("name", "model"), list(_models()))
def test_every_field_is_described_in_the_readme(name, model):
    missing = [f for f in model.model_fields if f not in DOCUMENTED]
    assert not missing, f"{name}: fields not in questionnaires/README.md: {missing}"


def test_the_readme_names_every_model_and_every_flag_code():
    for name, _ in _models():
        assert name in README, name
    for code in ("too_fast", "straight_lining", "attention_failed", "inconsistent"):
        assert f"`{code}`" in README
    assert "`missing_answers`" in README


def test_the_check_notices_an_undocumented_field():
    class Probe(BaseModel):
        surely_not_documented_anywhere: int

    assert "surely_not_documented_anywhere" not in DOCUMENTED
    assert [f for f in Probe.model_fields if f not in DOCUMENTED]
