"""The type model: 16 types, their poles and codes, and Reinin's derived dichotomies."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml

from socionics.model import (
    BASE_DICHOTOMIES,
    POLES,
    TYPES_FILE,
    SocionicsError,
    dichotomy_profile,
    get_type,
    load_type_model,
    reinin_dichotomies,
    type_for_poles,
    types,
)

DOMAIN_MD = Path(__file__).resolve().parents[3] / "shared" / "docs" / "domain.md"

# domain.md writes the last two columns as words; our pole codes for them.
DOMAIN_POLE = {"Logic": "L", "Ethics": "F", "Rat": "J", "Irr": "P"}


def domain_type_rows() -> list[list[str]]:
    """The rows of the socionics reference table in domain.md."""
    rows = []
    for line in DOMAIN_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 10 and re.fullmatch(r"[A-Z]{3}", cells[0]):
            rows.append(cells)
    return rows


def test_the_sixteen_pole_combinations_give_sixteen_distinct_types() -> None:
    found = set()
    for combo in itertools.product(*(POLES[d] for d in BASE_DICHOTOMIES)):
        t = type_for_poles(dict(zip(BASE_DICHOTOMIES, combo, strict=True)))
        assert [t.poles[d] for d in BASE_DICHOTOMIES] == list(combo)
        found.add(t.code)
    assert len(found) == 16
    assert found == {t.code for t in types()}


@pytest.mark.skipif(not DOMAIN_MD.exists(), reason=f"{DOMAIN_MD} is not present")
def test_every_type_matches_the_reference_table_in_domain_md() -> None:
    rows = domain_type_rows()
    assert len(rows) == 16
    for code, cyr, names, pseudonym, four, quadra, ei, sn, lf, ri in rows:
        t = get_type(code)
        name_en, name_ru = (s.strip() for s in names.split(" / "))
        assert (t.cyrillic, t.name.en, t.name.ru) == (cyr, name_en, name_ru), code
        assert t.pseudonym.ru == pseudonym, code
        assert t.four_letter == four, code
        assert t.quadra == quadra.lower(), code
        assert t.poles == {"EI": ei, "SN": sn, "LF": DOMAIN_POLE[lf], "RI": DOMAIN_POLE[ri]}, code
        assert type_for_poles(t.poles).code == code


def test_a_few_types_have_the_codes_the_book_uses() -> None:
    ese = type_for_poles({"EI": "E", "SN": "S", "LF": "F", "RI": "J"})
    assert (ese.code, ese.cyrillic, ese.name.en, ese.name.ru) == (
        "ESE",
        "ЭСЭ",
        "Enthusiast",
        "Энтузиаст",
    )
    assert ese.four_letter == "ESFj" and ese.quadra == "alpha"
    assert type_for_poles({"EI": "I", "SN": "S", "LF": "L", "RI": "P"}).code == "SLI"
    assert type_for_poles({"EI": "E", "SN": "N", "LF": "L", "RI": "P"}).four_letter == "ENTp"
    assert type_for_poles({"EI": "I", "SN": "N", "LF": "F", "RI": "J"}).code == "EII"


def test_four_letter_codes_keep_the_socionics_lower_case_j_and_p() -> None:
    for t in types():
        assert t.four_letter[3] == ("j" if t.poles["RI"] == "J" else "p")
    # Socionics ENTp (ILE) is irrational; it is not converted to an MBTI "ENTP"-like rational.
    assert get_type("ILE").poles["RI"] == "P"


def test_any_two_types_differ_on_exactly_eight_of_the_fifteen_dichotomies() -> None:
    profiles = {t.code: dichotomy_profile(t) for t in types()}
    assert all(len(p) == 15 for p in profiles.values())
    for a, b in itertools.combinations(profiles, 2):
        differ = sum(profiles[a][k] != profiles[b][k] for k in profiles[a])
        assert differ == 8, (a, b, differ)


def test_each_reinin_dichotomy_splits_the_types_eight_to_eight() -> None:
    for r in reinin_dichotomies():
        plus = [t.code for t in types() if r.sign(t) > 0]
        assert len(plus) == 8, r.id


# From the published type-by-trait table of Reinin's dichotomies (alpha and beta quadras).
PUBLISHED = {
    "ILE": "judicious merry democratic process carefree yielding "
    "static tactical constructivist positivist asking",
    "SEI": "judicious merry democratic process carefree yielding "
    "dynamic strategic emotivist negativist declaring",
    "LII": "judicious merry democratic result farsighted obstinate "
    "static strategic emotivist negativist asking",
    "ESE": "judicious merry democratic result farsighted obstinate "
    "dynamic tactical constructivist positivist declaring",
    "EIE": "decisive merry aristocratic process carefree obstinate "
    "dynamic strategic constructivist negativist asking",
    "LSI": "decisive merry aristocratic process carefree obstinate "
    "static tactical emotivist positivist declaring",
    "IEI": "decisive merry aristocratic result farsighted yielding "
    "dynamic tactical emotivist positivist asking",
    "SLE": "decisive merry aristocratic result farsighted yielding "
    "static strategic constructivist negativist declaring",
}


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_reinin_poles_match_the_published_table(code: str) -> None:
    profile = dichotomy_profile(get_type(code))
    ours = {profile[r.id].en.lower() for r in reinin_dichotomies()}
    assert ours == set(PUBLISHED[code].split())


def test_serious_types_are_the_gamma_and_delta_quadras() -> None:
    serious = {t.code for t in types() if dichotomy_profile(t)["merry_serious"].en == "Serious"}
    assert serious == {t.code for t in types() if t.quadra in ("gamma", "delta")}


def test_type_for_poles_rejects_unknown_or_missing_poles() -> None:
    with pytest.raises(ValueError, match="not one of"):
        type_for_poles({"EI": "E", "SN": "S", "LF": "T", "RI": "J"})
    with pytest.raises(ValueError, match="exactly"):
        type_for_poles({"EI": "E", "SN": "S", "LF": "F"})


def test_a_types_file_where_two_types_share_their_poles_is_rejected(tmp_path: Path) -> None:
    raw = yaml.safe_load(TYPES_FILE.read_text(encoding="utf-8"))
    raw["types"][1]["poles"] = dict(raw["types"][0]["poles"])
    raw["types"][1]["four_letter"] = raw["types"][0]["four_letter"]
    path = tmp_path / "types.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SocionicsError, match="share the same four poles"):
        load_type_model(path)


def test_a_four_letter_code_that_contradicts_the_poles_is_rejected(tmp_path: Path) -> None:
    raw = yaml.safe_load(TYPES_FILE.read_text(encoding="utf-8"))
    raw["types"][0]["four_letter"] = "ENTj"  # ILE is irrational: ENTp
    path = tmp_path / "types.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SocionicsError, match="poles spell ENTp"):
        load_type_model(path)
