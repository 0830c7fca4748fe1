"""Small questionnaires built in code, with every item kind, for engine tests."""

from __future__ import annotations

from typing import Any

from questionnaires.schema import Questionnaire


def build(items: list[dict[str, Any]], **extra: Any) -> Questionnaire:
    data: dict[str, Any] = {
        "id": "t",
        "version": "1.0",
        "texts_required": False,
        "response_formats": {"a4": {"points": 4}, "a5": {"points": 5}, "a7": {"points": 7}},
        "scales": [{"id": "s"}, {"id": "u"}],
        # agreement is the default kind, to keep the tables below short
        "items": [{"kind": "agreement", **i} for i in items],
    }
    data.update(extra)
    return Questionnaire.model_validate(data)


def mixed() -> Questionnaire:
    """Two scales fed by all three item kinds, weights, reversals and an attention check."""
    items: list[dict[str, Any]] = [
        {"id": "a1", "response": "a5", "scale": "s"},
        {"id": "a2", "response": "a5", "scale": "s", "reverse": True},
        {"id": "a3", "response": "a7", "scale": "s", "weight": 2.0},
        {"id": "a4", "response": "a4", "scale": "u", "reverse": True, "weight": 0.5},
        {"id": "b1", "kind": "bipolar", "scale": "s"},
        {"id": "b2", "kind": "bipolar", "scale": "u", "reverse": True, "weight": 1.5},
        {"id": "ac", "response": "a5", "attention_check": {"expected": 2}},
        {
            "id": "f1",
            "kind": "forced_choice",
            "options": [{"scale": "s", "points": 1}, {"scale": "u", "points": 2}],
        },
        {"id": "f2", "kind": "forced_choice", "options": [{}, {"scale": "u"}]},
        {"id": "a5", "response": "a5", "scale": "u"},
        {"id": "a6", "response": "a5", "scale": "u", "reverse": True},
    ]
    return build(
        items,
        dichotomies=[
            {"id": "D", "scale": "s", "low": {"code": "L"}, "high": {"code": "H"}},
            {"id": "U", "scale": "u", "low": {"code": "l"}, "high": {"code": "h"}, "cut": 9.25},
        ],
        consistency_pairs=[{"items": ["a5", "a6"]}],
    )
