"""Recognising a person already invited to a vacancy (issue 15).

The same person is the same email address, compared case-insensitively (Unicode casefold, so
``Иван@Почта.рф`` and ``иван@почта.рф`` match on SQLite too, whose lower() knows only ASCII);
without an email, the same name (case and spacing ignored) and the same phone number (digits
only, a Russian leading 8 read as +7). A person without an email and without a phone cannot be
recognised, and is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.models import Candidate, Invitation, Vacancy


class AlreadyInvited(Exception):
    """The person is already invited to the vacancy: nothing was created."""

    def __init__(self, invitation: Invitation, candidate: Candidate) -> None:
        super().__init__(f"already invited: invitation {invitation.id}")
        self.invitation = invitation
        self.candidate = candidate


def normalise_phone(value: str | None) -> str | None:
    """Digits only; ``8 912 …`` (11 digits) is the Russian way of writing ``+7 912 …``."""
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits or None


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def person_keys(name: str, email: str | None, phone: str | None) -> list[tuple[str, ...]]:
    """The keys a person is recognised by: the email, else the name with the phone."""
    if email and email.strip():
        return [("email", email.strip().casefold())]
    digits = normalise_phone(phone)
    if digits:
        return [("phone", name_key(name), digits)]
    return []


@dataclass
class InvitedIndex:
    """Everyone invited to one vacancy, by key: loaded once per request or upload, updated as
    people are added, so one file cannot invite the same person twice either."""

    vacancy_id: int
    by_key: dict[tuple[str, ...], int] = field(default_factory=dict)  # key -> invitation id

    @classmethod
    def load(cls, session: Session, *, vacancy: Vacancy) -> InvitedIndex:
        assert vacancy.id is not None
        index = cls(vacancy.id)
        rows = session.exec(
            select(Invitation.id, Candidate.name, Candidate.email, Candidate.phone)
            .join(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
            .where(Invitation.vacancy_id == vacancy.id)
            .order_by(col(Invitation.id))
        ).all()
        for invitation_id, name, email, phone in rows:
            assert invitation_id is not None
            index.add(invitation_id, name=name, email=email, phone=phone)
        return index

    def add(self, invitation_id: int, *, name: str, email: str | None, phone: str | None) -> None:
        for key in person_keys(name, email, phone):
            self.by_key[key] = invitation_id  # the newest invitation of that person wins

    def find(self, *, name: str, email: str | None, phone: str | None) -> int | None:
        for key in person_keys(name, email, phone):
            if key in self.by_key:
                return self.by_key[key]
        return None


def already_invited(
    session: Session, *, vacancy: Vacancy, name: str, email: str | None, phone: str | None
) -> tuple[Invitation, Candidate] | None:
    found = InvitedIndex.load(session, vacancy=vacancy).find(name=name, email=email, phone=phone)
    if found is None:
        return None
    invitation = session.get(Invitation, found)
    assert invitation is not None
    candidate = session.get(Candidate, invitation.candidate_id)
    assert candidate is not None
    return invitation, candidate
