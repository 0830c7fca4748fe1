"""The role-fit matrix: the default file, validation, versions and the CLI's JSON shape."""

from __future__ import annotations

import copy
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from socionics.matrix import (
    EXPECTED_GROUP_COUNTS,
    MATRIX_FILE,
    ROLES,
    MatrixError,
    default_matrix,
    load_matrix,
    matrix_as_json,
    matrix_from_dict,
)
from socionics.model import type_codes

DOMAIN_MD = Path(__file__).resolve().parents[3] / "shared" / "docs" / "domain.md"
DOMAIN_GROUP = {
    "universal": "universal",
    "active": "active",
    "client and operations": "client_operations",
    "not for sales": "not_for_sales",
}


def raw_default() -> dict[str, Any]:
    return yaml.safe_load(MATRIX_FILE.read_text(encoding="utf-8"))


def top_two(code: str) -> set[str]:
    fit = default_matrix().types[code].fit
    return set(sorted(ROLES, key=lambda r: -fit[r])[:2])


def test_the_default_matrix_loads_with_the_books_group_sizes_and_no_warnings() -> None:
    m = default_matrix()
    assert m.group_counts() == EXPECTED_GROUP_COUNTS
    assert m.warnings() == []
    assert [c for c, t in m.types.items() if t.group == "universal"] == ["ESE"]


@pytest.mark.skipif(not DOMAIN_MD.exists(), reason=f"{DOMAIN_MD} is not present")
def test_the_default_groups_are_those_of_domain_md() -> None:
    text = DOMAIN_MD.read_text(encoding="utf-8")
    section = text.split("## The default role-fit matrix", 1)[1]
    seen = 0
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = re.fullmatch(r"(.+?) \((\d+)\)", cells[0]) if len(cells) == 3 else None
        if not m:
            continue
        group = DOMAIN_GROUP[m.group(1)]
        codes = re.findall(r"\b([A-Z]{3})\b", cells[1])
        assert len(codes) == int(m.group(2))
        for code in codes:
            assert default_matrix().group_of(code) == group, code
        seen += len(codes)
    assert seen == 16


def test_scores_follow_the_strongest_roles_of_domain_md() -> None:
    m = default_matrix()
    assert min(m.types["ESE"].fit.values()) >= 70  # universal: high on every role
    for code in ("SLE", "SEE", "LIE", "EIE"):
        assert top_two(code) == {"closer", "hunter"}, code
    for code in ("LIE", "EIE"):
        assert max(ROLES, key=lambda r: m.fit(code, r)) == "hunter", code
    for code in ("SLE", "SEE"):
        assert max(ROLES, key=lambda r: m.fit(code, r)) == "closer", code
    for code in ("IEE", "ILE"):
        assert top_two(code) == {"scout", "hunter"}, code
    for code in ("SLE", "SEE", "LIE", "EIE", "IEE", "ILE"):
        assert m.fit(code, "farmer") < 40 and m.fit(code, "sales_operations") < 40, code
    for code in ("ESI", "SEI", "EII"):
        assert max(ROLES, key=lambda r: m.fit(code, r)) == "farmer", code
    assert top_two("LSE") == {"farmer", "sales_operations"}
    for code in ("LSI", "SLI"):
        assert max(ROLES, key=lambda r: m.fit(code, r)) == "sales_operations", code
    for code in ("LII", "ILI", "IEI"):
        assert max(m.types[code].fit.values()) < 40, code


def test_every_type_has_a_one_line_reason_in_both_languages() -> None:
    for code, tf in default_matrix().types.items():
        for text in (tf.reason.en, tf.reason.ru):
            assert text.strip() and "\n" not in text, code
        assert re.search("[а-яё]", tf.reason.ru), code


def test_a_dict_round_trip_keeps_the_matrix_and_its_hash() -> None:
    m = default_matrix()
    again = matrix_from_dict(json.loads(json.dumps(m.to_dict())))
    assert again == m
    assert again.content_hash() == m.content_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", m.content_hash())


def test_changing_one_score_changes_the_hash() -> None:
    raw = raw_default()
    raw["types"]["ESE"]["fit"]["farmer"] = 89
    assert matrix_from_dict(raw).content_hash() != default_matrix().content_hash()


def test_a_matrix_loads_from_a_yaml_file(tmp_path: Path) -> None:
    raw = raw_default()
    raw["version"] = "acme-2"
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    m = load_matrix(path)
    assert m.version == "acme-2"
    assert m.types == default_matrix().types


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["types"]["SLE"]["fit"].pop("farmer"), "type SLE, role farmer: no score"),
        (
            lambda r: r["types"]["LSI"]["fit"].__setitem__("closer", 101),
            "type LSI, role closer: score 101 outside 0..100",
        ),
        (
            lambda r: r["types"]["IEI"]["fit"].__setitem__("closer", -5),
            "type IEI, role closer: score -5 outside 0..100",
        ),
        (
            lambda r: r["types"]["EII"]["fit"].__setitem__("closer", "high"),
            "type EII, role closer: Input should be a valid integer",
        ),
        (
            lambda r: r["types"]["ESI"]["fit"].__setitem__("negotiator", 50),
            "type ESI, role negotiator: not a role of the matrix",
        ),
        (lambda r: r["types"].pop("ILI"), "types missing from the matrix: ['ILI']"),
        (lambda r: r["types"].__setitem__("XYZ", r["types"]["ILI"]), "unknown types"),
        (lambda r: r["types"]["SEE"].__setitem__("group", "hunters"), "type SEE, group"),
        (lambda r: r["roles"].append("negotiator"), "roles must be exactly"),
        (lambda r: r["types"]["SEI"].__setitem__("reason", {"en": "x"}), "type SEI, reason.ru"),
    ],
)
def test_an_invalid_matrix_is_refused_with_a_message_naming_type_and_role(
    change: Any, message: str
) -> None:
    raw = copy.deepcopy(raw_default())
    change(raw)
    with pytest.raises(MatrixError) as exc:
        matrix_from_dict(raw)
    assert message in str(exc.value)


def test_group_sizes_unlike_the_books_are_returned_and_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    raw = raw_default()
    raw["types"]["LSE"]["group"] = "universal"
    with caplog.at_level(logging.WARNING, logger="socionics.matrix"):
        m = matrix_from_dict(raw, source="acme")
    assert m.group_counts()["universal"] == 2
    assert m.warnings() == [
        "group sizes differ from the book: active 6, client_operations 5, universal 2, "
        "not_for_sales 3 (the book: active 6, client_operations 6, universal 1, not_for_sales 3)"
    ]
    assert any("acme: group sizes differ" in r.getMessage() for r in caplog.records)


def test_matrix_as_json_has_the_cli_shape() -> None:
    out = matrix_as_json(default_matrix())
    assert set(out) == set(type_codes())
    assert out["ESE"] == {
        "group": "universal",
        "fit": {"scout": 80, "hunter": 85, "closer": 85, "farmer": 90, "sales_operations": 70},
    }
    for entry in out.values():
        assert set(entry) == {"group", "fit"}
        assert list(entry["fit"]) == list(ROLES)
    json.dumps(out)
