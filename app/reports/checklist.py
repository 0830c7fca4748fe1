"""The client manager's portrait checklist: the hiring manager's ticks and comments."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, select

from app.db import utcnow
from app.i18n import N_
from app.models import ChecklistAnswer, User
from socionics.portrait import load_portrait

COMMENT_MAX = 2000


class ChecklistErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors  # field name -> message id


def save_checklist(
    session: Session, *, invitation_id: int, form: Mapping[str, str], author: User
) -> None:
    """Store every trait's tick (``checked-<id>``) and comment (``comment-<id>``).

    A comment over the limit rejects the whole form (the page shows it again, nothing lost).
    """
    traits = load_portrait().traits
    errors = {}
    for trait in traits:
        if len((form.get(f"comment-{trait.id}") or "").strip()) > COMMENT_MAX:
            errors[f"comment-{trait.id}"] = N_("Keep the comment under 2000 characters.")
    if errors:
        raise ChecklistErrors(errors)
    stored = {
        a.trait_id: a
        for a in session.exec(
            select(ChecklistAnswer).where(ChecklistAnswer.invitation_id == invitation_id)
        ).all()
    }
    now = utcnow()
    for trait in traits:
        checked = form.get(f"checked-{trait.id}") == "yes"
        comment = (form.get(f"comment-{trait.id}") or "").strip()
        row = stored.get(trait.id)
        if row is None:
            if not checked and not comment:
                continue  # nothing said about this trait yet
            row = ChecklistAnswer(invitation_id=invitation_id, trait_id=trait.id)
        elif row.checked == checked and row.comment == comment:
            continue  # unchanged: keep who said it and when
        row.checked = checked
        row.comment = comment
        row.author_id = author.id
        row.updated_at = now
        session.add(row)
    session.flush()
