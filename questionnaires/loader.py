"""Reading questionnaire files: YAML in, validated ``Questionnaire`` out, or one clear error."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from questionnaires.schema import Questionnaire

HERE = Path(__file__).resolve().parent
# Earlier versions of the product's instruments, one file each, named ``<id>-<version>.yaml``.
ARCHIVE = HERE / "archive"


class QuestionnaireError(Exception):
    """A questionnaire file that cannot be used; the message names the file, item and problem."""


def load_questionnaire(path: str | Path) -> Questionnaire:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise QuestionnaireError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(raw, dict):
        raise QuestionnaireError(f"{path}: expected a mapping at the top level")
    try:
        return Questionnaire.model_validate(raw)
    except ValidationError as exc:
        raise QuestionnaireError(f"{path}: {_describe(exc, raw)}") from exc


def _describe(exc: ValidationError, raw: dict) -> str:
    """Name the item by its id rather than its list index, which authors cannot see."""
    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            items = raw.get("items") or []
            item_id = items[loc[1]].get("id") if loc[1] < len(items) else None
            loc = [f"item {item_id or '#' + str(loc[1] + 1)}", *loc[2:]]
        where = ".".join(str(p) for p in loc) or "file"
        problems.append(f"{where}: {err['msg']}")
    return "; ".join(problems)


@cache
def product_questionnaires() -> dict[str, Questionnaire]:
    """The product's own instruments (every YAML file in this folder), keyed by id."""
    found: dict[str, Questionnaire] = {}
    for path in sorted(HERE.glob("*.yaml")):
        q = load_questionnaire(path)
        if q.id in found:
            raise QuestionnaireError(f"{path}: questionnaire id {q.id!r} used twice")
        found[q.id] = q
    return found


@cache
def questionnaire_version(questionnaire_id: str, version: str) -> Questionnaire:
    """The product instrument ``questionnaire_id`` exactly as it was at ``version``: the current
    file when it has that version, else the archived one (results keep the version they were
    scored with, README "Versions"). KeyError when neither exists."""
    current = product_questionnaires().get(questionnaire_id)
    if current is not None and current.version == version:
        return current
    path = ARCHIVE / f"{questionnaire_id}-{version}.yaml"
    if not path.is_file():
        raise KeyError(f"{questionnaire_id} {version}")
    q = load_questionnaire(path)
    if (q.id, q.version) != (questionnaire_id, version):
        raise QuestionnaireError(f"{path}: holds {q.id} {q.version}")
    return q


def archived_versions(questionnaire_id: str) -> list[str]:
    """The versions of ``questionnaire_id`` kept in the archive, oldest first."""
    prefix = f"{questionnaire_id}-"
    found = [p.stem.removeprefix(prefix) for p in ARCHIVE.glob(f"{prefix}*.yaml")]
    return sorted(found, key=lambda v: tuple(int(n) for n in v.split(".")))


def _scoring_signature(q: Questionnaire) -> str:
    """What decides a result's raw scores and poles: scales, dichotomies and cuts, the scored
    items with their keys, weights and answer ranges (attention checks, texts of the
    questionnaire, pages and desirable_pole do not)."""
    items = sorted(
        (
            {**i.model_dump(mode="json", exclude={"desirable_pole"}), "points": q.points_of(i)}
            for i in q.items
            if i.attention_check is None
        ),
        key=lambda d: d["id"],
    )
    return json.dumps(
        {
            "scales": [s.model_dump(mode="json") for s in q.scales],
            "dichotomies": [d.model_dump(mode="json") for d in q.dichotomies],
            "items": items,
        },
        sort_keys=True,
    )


@cache
def same_scoring_versions(questionnaire_id: str, version: str) -> tuple[str, ...]:
    """The versions of a product instrument (current and archived, oldest first) whose scores
    are computed exactly as ``version``'s: same scales, cuts and scored items, only attention
    checks or other unscored parts differing. Their stored results are one population for
    reliability, norms and the sample calibration (README "Versions"). Just ``(version,)`` for
    a version neither current nor archived."""
    try:
        own = _scoring_signature(questionnaire_version(questionnaire_id, version))
    except KeyError:
        return (version,)
    current = product_questionnaires().get(questionnaire_id)
    versions = archived_versions(questionnaire_id)
    if current is not None:
        versions.append(current.version)
    return tuple(
        v for v in versions if _scoring_signature(questionnaire_version(questionnaire_id, v)) == own
    )
