"""The socionics type model: 16 types, the four base dichotomies and Reinin's 11 derived ones.

Data lives in ``types.yaml`` beside this file; this module validates it once and answers
questions about it. Pole convention, shared with ``questionnaires/socionics_16.yaml``:

======  =============================  =========  ==========
id      dichotomy                      low pole   high pole
======  =============================  =========  ==========
``EI``  extraversion / introversion    ``I``      ``E``
``SN``  sensing / intuition            ``S``      ``N``
``LF``  logic / ethics                 ``F``      ``L``
``RI``  rationality / irrationality    ``P``      ``J``
======  =============================  =========  ==========

A type's *sign* on a dichotomy is +1 at the high pole and -1 at the low pole.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

# One bilingual text type and strict base for both pure libraries.
from questionnaires.schema import Strict, Text

HERE = Path(__file__).resolve().parent
TYPES_FILE = HERE / "types.yaml"

BASE_DICHOTOMIES: tuple[str, ...] = ("EI", "SN", "LF", "RI")
# (low, high) pole codes per base dichotomy.
POLES: dict[str, tuple[str, str]] = {
    "EI": ("I", "E"),
    "SN": ("S", "N"),
    "LF": ("F", "L"),
    "RI": ("P", "J"),
}
# Where each pole shows in the socionics four-letter code (ENTp, ISFj, ...): logic is
# written T, and rational/irrational are the lower-case j/p at the end.
FOUR_LETTER_OF_POLE: dict[str, str] = {
    "E": "E", "I": "I", "S": "S", "N": "N", "L": "T", "F": "F", "J": "j", "P": "p",
}  # fmt: skip
QUADRAS = ("alpha", "beta", "gamma", "delta")


class SocionicsError(Exception):
    """A socionics data file that cannot be used; the message names the file and the problem."""


class Pole(Strict):
    code: str
    name: Text


class BaseDichotomy(Strict):
    id: str
    name: Text
    low: Pole
    high: Pole


class SocionicsType(Strict):
    code: str = Field(pattern=r"^[A-Z]{3}$")
    cyrillic: str = Field(pattern=r"^[А-ЯЁ]{3}$")
    name: Text
    pseudonym: Text
    four_letter: str = Field(pattern=r"^[EI][SN][TF][jp]$")
    quadra: Literal["alpha", "beta", "gamma", "delta"]
    poles: dict[str, str]

    @model_validator(mode="after")
    def _poles_are_known_and_match_four_letter(self) -> SocionicsType:
        if set(self.poles) != set(BASE_DICHOTOMIES):
            raise ValueError(f"{self.code}: poles must name exactly {list(BASE_DICHOTOMIES)}")
        for d, pole in self.poles.items():
            if pole not in POLES[d]:
                raise ValueError(f"{self.code}: pole {pole!r} is not one of {POLES[d]} for {d}")
        spelled = "".join(FOUR_LETTER_OF_POLE[self.poles[d]] for d in BASE_DICHOTOMIES)
        if spelled != self.four_letter:
            raise ValueError(
                f"{self.code}: poles spell {spelled}, four_letter is {self.four_letter}"
            )
        return self

    def sign(self, dichotomy: str) -> int:
        """+1 at the high pole of a base dichotomy, -1 at the low pole."""
        return 1 if self.poles[dichotomy] == POLES[dichotomy][1] else -1


class ReininDichotomy(Strict):
    """A derived dichotomy: the product of a type's signs on the base dichotomies ``of``."""

    id: str = Field(pattern=r"^[a-z_]+$")
    of: tuple[str, ...] = Field(min_length=2, max_length=4)
    plus: Text
    minus: Text

    def sign(self, t: SocionicsType) -> int:
        return math.prod(t.sign(d) for d in self.of)

    def pole(self, t: SocionicsType) -> Text:
        return self.plus if self.sign(t) > 0 else self.minus


class TypeModel(Strict):
    dichotomies: list[BaseDichotomy]
    types: list[SocionicsType]
    reinin: list[ReininDichotomy]

    @model_validator(mode="after")
    def _complete_and_consistent(self) -> TypeModel:
        ids = [d.id for d in self.dichotomies]
        if tuple(ids) != BASE_DICHOTOMIES:
            raise ValueError(f"dichotomies must be {list(BASE_DICHOTOMIES)} in order, got {ids}")
        for d in self.dichotomies:
            if (d.low.code, d.high.code) != POLES[d.id]:
                raise ValueError(f"dichotomy {d.id}: poles must be {POLES[d.id]} (low, high)")
        codes = [t.code for t in self.types]
        if len(codes) != 16 or len(set(codes)) != 16:
            raise ValueError(f"expected 16 distinct types, got {len(set(codes))} of {len(codes)}")
        combos = {tuple(t.poles[d] for d in BASE_DICHOTOMIES) for t in self.types}
        if len(combos) != 16:
            raise ValueError("two types share the same four poles")
        seen: set[frozenset[str]] = set()
        for r in self.reinin:
            factors = frozenset(r.of)
            if len(factors) != len(r.of) or not factors <= set(BASE_DICHOTOMIES):
                raise ValueError(f"reinin {r.id}: factors must be distinct base dichotomies")
            if factors in seen:
                raise ValueError(f"reinin {r.id}: the same product as another dichotomy")
            seen.add(factors)
        if len(self.reinin) != 11:
            raise ValueError(f"expected Reinin's 11 derived dichotomies, got {len(self.reinin)}")
        return self


@cache
def load_type_model(path: str | Path = TYPES_FILE) -> TypeModel:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return TypeModel.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise SocionicsError(f"{path}: {exc}") from exc


def types() -> list[SocionicsType]:
    """The 16 types in the order of the data file (by quadra)."""
    return list(load_type_model().types)


def type_codes() -> list[str]:
    return [t.code for t in load_type_model().types]


def get_type(code: str) -> SocionicsType:
    for t in load_type_model().types:
        if t.code == code:
            return t
    raise KeyError(f"unknown socionics type {code!r}")


def base_dichotomy(dichotomy_id: str) -> BaseDichotomy:
    for d in load_type_model().dichotomies:
        if d.id == dichotomy_id:
            return d
    raise KeyError(f"unknown base dichotomy {dichotomy_id!r}")


def reinin_dichotomies() -> list[ReininDichotomy]:
    return list(load_type_model().reinin)


def type_for_poles(poles: Mapping[str, str]) -> SocionicsType:
    """The type with these four poles, e.g. ``{"EI": "E", "SN": "S", "LF": "F", "RI": "J"}``."""
    if set(poles) != set(BASE_DICHOTOMIES):
        raise ValueError(f"poles must name exactly {list(BASE_DICHOTOMIES)}, got {sorted(poles)}")
    for d, pole in poles.items():
        if pole not in POLES[d]:
            raise ValueError(f"pole {pole!r} is not one of {POLES[d]} for {d}")
    for t in load_type_model().types:
        if all(t.poles[d] == poles[d] for d in BASE_DICHOTOMIES):
            return t
    raise AssertionError("the validated model covers all 16 pole combinations")


def dichotomy_profile(t: SocionicsType) -> dict[str, Text]:
    """All 15 dichotomies of a type: the four base poles, then Reinin's, each as a pole name."""
    model = load_type_model()
    profile: dict[str, Text] = {}
    for d in model.dichotomies:
        profile[d.id] = d.high.name if t.sign(d.id) > 0 else d.low.name
    for r in model.reinin:
        profile[r.id] = r.pole(t)
    return profile
