"""The client manager's portrait checklist: the hiring manager's ticks and comments, saved
from the report's form and read back as the report's checklist items."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, col, select

from app.db import utcnow
from app.i18n import N_
from app.models import ChecklistAnswer, User
from app.reports.data import ChecklistItem
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
    stored = _stored(session, invitation_id)
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


def checklist_items(session: Session, *, invitation_id: int, language: str) -> list[ChecklistItem]:
    """Every trait of the portrait with what was said about it, if anything, and by whom."""
    stored = _stored(session, invitation_id)
    authors = {
        u.id: u.email
        for u in session.exec(
            select(User).where(col(User.id).in_([a.author_id for a in stored.values()]))
        ).all()
    }
    items = []
    for trait in load_portrait().traits:
        a = stored.get(trait.id)
        items.append(
            ChecklistItem(
                trait_id=trait.id,
                label=trait.label.get(language),
                hint=trait.hint.get(language),
                checked=a.checked if a else False,
                comment=a.comment if a else "",
                author=authors.get(a.author_id) if a and a.author_id else None,
                updated_at=a.updated_at if a else None,
            )
        )
    return items


def _stored(session: Session, invitation_id: int) -> dict[str, ChecklistAnswer]:
    return {
        a.trait_id: a
        for a in session.exec(
            select(ChecklistAnswer).where(ChecklistAnswer.invitation_id == invitation_id)
        ).all()
    }
