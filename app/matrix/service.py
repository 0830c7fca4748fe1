"""Versions of the role-fit matrix: the file is the seed, admins add versions, newest is in force.

- ``socionics/role_fit.yaml`` is stored as a version (author "file") the first time its content
  hash is not found, so editing the file also makes a new version (at the next use).
- An admin's edit is validated with ``matrix_from_dict`` and stored as a new version with its
  author and time; nothing is ever updated or deleted, so old reports keep their matrix.
- "The matrix in force" is the newest version (highest id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Insert
from sqlmodel import Session, col, select

from app.db import upsert_insert, utcnow
from app.models import MatrixVersion, User
from app.text import strip_bidi
from socionics.matrix import (
    GROUPS,
    MatrixError,
    RoleFitMatrix,
    load_matrix,
    matrix_from_dict,
)
from socionics.matrix import MATRIX_FILE as DEFAULT_FILE
from socionics.model import type_codes

FILE_AUTHOR = "file"


@dataclass(frozen=True)
class MatrixInForce:
    version: MatrixVersion
    matrix: RoleFitMatrix


class MatrixFormErrors(Exception):
    """Field name -> message (English, from the validator; the page shows it by the field)."""

    def __init__(self, errors: dict[str, str], general: list[str]) -> None:
        super().__init__(errors, general)
        self.errors = errors
        self.general = general


def _insert(session: Session) -> Insert:
    return upsert_insert(session.get_bind().dialect.name, MatrixVersion)


def store_version(
    session: Session,
    *,
    matrix: RoleFitMatrix,
    author: str,
    user: User | None = None,
    note: str = "",
) -> MatrixVersion:
    """Store ``matrix`` unless the same content is stored already; return its version row.

    ON CONFLICT DO NOTHING: two workers seeding the file at once store it once.
    """
    digest = matrix.content_hash()
    stmt = (
        _insert(session)
        .values(
            label=matrix.version,
            content=matrix.to_dict(),
            content_hash=digest,
            created_by_id=user.id if user else None,
            author=author,
            created_at=utcnow(),
            # A core INSERT passes by the ORM's flush, where app.models strips the rest.
            note=strip_bidi(note)[:500],
        )
        .on_conflict_do_nothing(index_elements=["content_hash"])  # type: ignore[attr-defined]
    )
    session.execute(stmt)
    session.flush()
    row = session.exec(select(MatrixVersion).where(MatrixVersion.content_hash == digest)).one()
    return row


@lru_cache(maxsize=8)
def _load_file(path: str, mtime_ns: int, size: int) -> RoleFitMatrix:
    return load_matrix(path)


def file_matrix(path: Any = DEFAULT_FILE) -> RoleFitMatrix:
    """The matrix file, parsed again only when it changed on disk: every scored assessment
    asks for the matrix in force, and parsing the YAML took about 60 ms."""
    stat = Path(path).stat()
    return _load_file(str(path), stat.st_mtime_ns, stat.st_size)


def sync_file(session: Session, *, path: Any = DEFAULT_FILE) -> MatrixVersion | None:
    """Store the matrix file as a version when its content is new. Returns the row if new."""
    matrix = file_matrix(path)
    digest = matrix.content_hash()
    existing = session.exec(
        select(MatrixVersion.id).where(MatrixVersion.content_hash == digest)
    ).first()
    if existing is not None:
        return None
    return store_version(session, matrix=matrix, author=FILE_AUTHOR)


def current(session: Session) -> MatrixInForce:
    """The matrix in force: the newest version, after storing the file if it changed."""
    sync_file(session)
    row = session.exec(select(MatrixVersion).order_by(col(MatrixVersion.id).desc())).first()
    assert row is not None  # sync_file stored the file at least
    return MatrixInForce(version=row, matrix=matrix_of(row))


# Stored versions never change, and a content hash names one content: parsed matrices are kept
# by hash (a few, as only the newest versions are in use).
_PARSED: dict[str, RoleFitMatrix] = {}


def matrix_of(row: MatrixVersion) -> RoleFitMatrix:
    parsed = _PARSED.get(row.content_hash)
    if parsed is None:
        parsed = matrix_from_dict(row.content, source=f"matrix version {row.id}")
        if len(_PARSED) >= 32:
            _PARSED.clear()
        _PARSED[row.content_hash] = parsed
    return parsed


def versions(session: Session) -> list[MatrixVersion]:
    """Every version, newest first."""
    return list(session.exec(select(MatrixVersion).order_by(col(MatrixVersion.id).desc())).all())


def previous_version(session: Session, *, version_id: int) -> MatrixVersion | None:
    return session.exec(
        select(MatrixVersion)
        .where(col(MatrixVersion.id) < version_id)
        .order_by(col(MatrixVersion.id).desc())
    ).first()


# --- the editor's form ---------------------------------------------------------------------


def form_values(matrix: RoleFitMatrix) -> dict[str, str]:
    """The editor's field values for a matrix: ``fit-<TYPE>-<role>``, ``group-<TYPE>``, ..."""
    values: dict[str, str] = {}
    for code, tf in matrix.types.items():
        values[f"group-{code}"] = tf.group
        values[f"reason_ru-{code}"] = tf.reason.ru
        values[f"reason_en-{code}"] = tf.reason.en
        for role in matrix.roles:
            values[f"fit-{code}-{role}"] = str(tf.fit[role])
    return values


def matrix_from_form(
    form: Mapping[str, str], *, roles: tuple[str, ...], label: str
) -> RoleFitMatrix:
    """Read the editor's fields into a validated matrix or raise ``MatrixFormErrors``.

    Every field is checked, so all problems show at once next to their fields.
    """
    errors: dict[str, str] = {}
    types: dict[str, Any] = {}
    for code in type_codes():
        fit: dict[str, int] = {}
        for role in roles:
            name = f"fit-{code}-{role}"
            text = (form.get(name) or "").strip()
            if not text.lstrip("-").isdecimal() or len(text) > 4:
                errors[name] = "whole_number"
                continue
            value = int(text)
            if not 0 <= value <= 100:
                errors[name] = "range"
                continue
            fit[role] = value
        group = (form.get(f"group-{code}") or "").strip()
        if group not in GROUPS:
            errors[f"group-{code}"] = "group"
        reason = {}
        for lang in ("ru", "en"):
            name = f"reason_{lang}-{code}"
            text = " ".join((form.get(name) or "").split())
            if not text or len(text) > 300:
                errors[name] = "reason"
            reason[lang] = text
        types[code] = {"group": group, "fit": fit, "reason": reason}
    if errors:
        raise MatrixFormErrors(errors, [])
    try:
        return matrix_from_dict(
            {"version": label, "roles": list(roles), "types": types}, source="the form"
        )
    except MatrixError as exc:  # a rule the fields above do not check one by one
        raise MatrixFormErrors({}, [str(exc)]) from None


def next_label(session: Session) -> str:
    """A new version's label: one more than the highest whole-number label stored."""
    labels = session.exec(select(MatrixVersion.label)).all()
    numbers = [int(x) for x in labels if x.isdecimal()]
    return str(max(numbers, default=0) + 1)


def save_edit(
    session: Session, *, form: Mapping[str, str], user: User, note: str = ""
) -> MatrixVersion:
    """Validate the editor's form and store it as a new version (the newest, so in force).

    An unchanged matrix stores nothing new: the same content keeps its version.
    """
    in_force = current(session)
    matrix = matrix_from_form(form, roles=in_force.matrix.roles, label=next_label(session))
    same = matrix.model_copy(update={"version": in_force.matrix.version})
    if same.content_hash() == in_force.matrix.content_hash():
        return in_force.version
    return store_version(session, matrix=matrix, author=user.email, user=user, note=note.strip())


@dataclass(frozen=True)
class Change:
    type_code: str
    what: str  # "group", "reason_ru", "reason_en" or a role
    before: str
    after: str


def diff(before: RoleFitMatrix, after: RoleFitMatrix) -> list[Change]:
    """What changed from one version to the next, cell by cell."""
    out: list[Change] = []
    for code in type_codes():
        a, b = before.types[code], after.types[code]
        if a.group != b.group:
            out.append(Change(code, "group", a.group, b.group))
        for role in after.roles:
            if a.fit.get(role) != b.fit.get(role):
                out.append(Change(code, role, str(a.fit.get(role, "")), str(b.fit[role])))
        for lang in ("ru", "en"):
            if a.reason.get(lang) != b.reason.get(lang):
                out.append(Change(code, f"reason_{lang}", a.reason.get(lang), b.reason.get(lang)))
    return out


@dataclass(frozen=True)
class EditPreview:
    """What saving the editor's form would change in the matrix in force (nothing stored)."""

    in_force: MatrixInForce
    changes: list[Change]

    @property
    def group_moves(self) -> list[Change]:
        return [c for c in self.changes if c.what == "group"]

    @property
    def fit_changes(self) -> list[Change]:
        return [c for c in self.changes if c.what in self.in_force.matrix.roles]

    @property
    def reason_changes(self) -> list[Change]:
        return [c for c in self.changes if c.what.startswith("reason_")]

    @property
    def types_touched(self) -> int:
        return len({c.type_code for c in self.changes})


def preview_edit(session: Session, *, form: Mapping[str, str]) -> EditPreview:
    """Validate the editor's form (``MatrixFormErrors``) and compare it with the matrix in
    force, cell by cell: the confirmation page shows this before anything is saved."""
    in_force = current(session)
    matrix = matrix_from_form(form, roles=in_force.matrix.roles, label=in_force.matrix.version)
    return EditPreview(in_force=in_force, changes=diff(in_force.matrix, matrix))
