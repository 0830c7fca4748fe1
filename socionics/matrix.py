"""The role-fit matrix: each type's group, its fit (0..100) for each sales role and why.

The default is ``role_fit.yaml`` beside this file. The web app stores edited versions as
JSON, so the same model loads from a YAML file or from a dict and dumps back to a dict;
``content_hash()`` identifies a version's content so a result can name what it was scored
with.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from socionics.model import SocionicsError, Strict, Text, type_codes

HERE = Path(__file__).resolve().parent
MATRIX_FILE = HERE / "role_fit.yaml"

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("scout", "hunter", "closer", "farmer", "sales_operations")
GROUPS: tuple[str, ...] = ("active", "client_operations", "universal", "not_for_sales")
# The book's numbers: 6 active, 6 client and operations, 1 universal, 3 not for sales. A
# matrix that differs is allowed (a company may disagree with the book) but is reported.
EXPECTED_GROUP_COUNTS: dict[str, int] = {
    "active": 6,
    "client_operations": 6,
    "universal": 1,
    "not_for_sales": 3,
}

ROLE_NAMES: dict[str, Text] = {
    "scout": Text(en="scout", ru="разведчик"),
    "hunter": Text(en="hunter", ru="охотник"),
    "closer": Text(en="closer", ru="клозер"),
    "farmer": Text(en="farmer (client manager)", ru="фермер (клиентский менеджер)"),
    "sales_operations": Text(en="sales support and operations", ru="СОП и операционная работа"),
}
GROUP_NAMES: dict[str, Text] = {
    "active": Text(en="active sales", ru="активные продажи"),
    "client_operations": Text(
        en="client work and operations", ru="клиентская и операционная работа"
    ),
    "universal": Text(en="universal", ru="универсал"),
    "not_for_sales": Text(en="not for sales", ru="не для продаж"),
}

Group = Literal["active", "client_operations", "universal", "not_for_sales"]


class MatrixError(SocionicsError):
    """A matrix that cannot be used; the message names the type and role at fault."""


class TypeFit(Strict):
    group: Group
    fit: dict[str, int]
    reason: Text


class RoleFitMatrix(Strict):
    version: str = Field(min_length=1, max_length=40)
    roles: tuple[str, ...]
    types: dict[str, TypeFit]

    @model_validator(mode="after")
    def _every_type_and_role(self) -> RoleFitMatrix:
        if sorted(self.roles) != sorted(ROLES) or len(self.roles) != len(ROLES):
            raise ValueError(f"roles must be exactly {list(ROLES)}, got {list(self.roles)}")
        known = type_codes()
        missing = [c for c in known if c not in self.types]
        if missing:
            raise ValueError(f"types missing from the matrix: {missing}")
        unknown = [c for c in self.types if c not in known]
        if unknown:
            raise ValueError(f"unknown types in the matrix: {unknown}")
        problems = []
        for code in known:
            fit = self.types[code].fit
            for role in self.roles:
                if role not in fit:
                    problems.append(f"type {code}, role {role}: no score")
                elif not 0 <= fit[role] <= 100:
                    problems.append(f"type {code}, role {role}: score {fit[role]} outside 0..100")
            for role in fit:
                if role not in self.roles:
                    problems.append(f"type {code}, role {role}: not a role of the matrix")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def fit(self, code: str, role: str) -> int:
        return self.types[code].fit[role]

    def group_of(self, code: str) -> str:
        return self.types[code].group

    def group_counts(self) -> dict[str, int]:
        counts: Counter[str] = Counter(t.group for t in self.types.values())
        return {g: counts.get(g, 0) for g in GROUPS}

    def warnings(self) -> list[str]:
        """What differs from the book without being an error: the group sizes."""
        counts = self.group_counts()
        if counts == EXPECTED_GROUP_COUNTS:
            return []
        got = ", ".join(f"{g} {counts[g]}" for g in GROUPS)
        want = ", ".join(f"{g} {EXPECTED_GROUP_COUNTS[g]}" for g in GROUPS)
        return [f"group sizes differ from the book: {got} (the book: {want})"]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of the whole matrix, its version label included."""
        canonical = json.dumps(
            self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def matrix_from_dict(data: Mapping[str, Any], *, source: str = "matrix") -> RoleFitMatrix:
    """Validate a matrix given as a dict (a parsed YAML file or a stored JSON version).

    Warnings (group sizes unlike the book's) are logged, not raised: such a matrix is valid.
    """
    try:
        matrix = RoleFitMatrix.model_validate(dict(data))
    except ValidationError as exc:
        raise MatrixError(f"{source}: {_describe(exc)}") from exc
    for message in matrix.warnings():
        log.warning("%s: %s", source, message)
    return matrix


def load_matrix(path: str | Path = MATRIX_FILE) -> RoleFitMatrix:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MatrixError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(raw, dict):
        raise MatrixError(f"{path}: expected a mapping at the top level")
    return matrix_from_dict(raw, source=str(path))


@cache
def default_matrix() -> RoleFitMatrix:
    """The matrix shipped with the product (``role_fit.yaml``), loaded once."""
    return load_matrix(MATRIX_FILE)


def matrix_as_json(matrix: RoleFitMatrix) -> dict[str, dict[str, Any]]:
    """``{"<type code>": {"group": ..., "fit": {"<role>": score, ...}}, ...}`` for the CLI."""
    return {
        code: {"group": tf.group, "fit": {role: tf.fit[role] for role in matrix.roles}}
        for code, tf in matrix.types.items()
    }


def _describe(exc: ValidationError) -> str:
    """Turn pydantic locations like ``types.ESE.fit.hunter`` into 'type ESE, role hunter'."""
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        msg = err["msg"].removeprefix("Value error, ")
        if len(loc) >= 2 and loc[0] == "types":
            where = f"type {loc[1]}"
            if len(loc) >= 4 and loc[2] == "fit":
                where += f", role {loc[3]}"
            elif len(loc) >= 3:
                where += f", {'.'.join(loc[2:])}"
        else:
            where = ".".join(loc) or "matrix"
        problems.append(f"{where}: {msg}")
    return "; ".join(problems)
