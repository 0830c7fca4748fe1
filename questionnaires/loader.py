"""Reading questionnaire files: YAML in, validated ``Questionnaire`` out, or one clear error."""

from __future__ import annotations

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
