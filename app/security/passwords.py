"""Password rules for staff accounts: long, not guessable, not made of the account's own email.

Strength comes from zxcvbn, which knows tens of thousands of leaked passwords, keyboard walks,
dates, repeats and dictionary words; a length floor of 12 comes first because length is what
slows offline guessing most. Messages are ours (translated), not zxcvbn's English feedback.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

from app.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline attacks"
# zxcvbn's run time grows with length; the beginning of a long password decides its score.
SCORED_PREFIX = 100


class WeakPassword(ValueError):
    """Why a password is refused: ``message`` is an untranslated msgid."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise ``WeakPassword`` unless the password follows the rules."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(N_("Use at least 12 characters."))
    if len(password) > MAX_LENGTH:
        raise WeakPassword(N_("Use at most 1024 characters."))
    lowered = password.lower()
    email = email.strip().lower()
    local = email.split("@", 1)[0]
    if email and (email in lowered or (len(local) >= 3 and local in lowered)):
        raise WeakPassword(N_("The password must not contain your email address."))
    inputs = [v for v in (email, local, *name.lower().split()) if v]
    if zxcvbn(password[:SCORED_PREFIX], user_inputs=inputs)["score"] < MIN_SCORE:
        raise WeakPassword(
            N_(
                "This password is too easy to guess: it is common or made of a simple pattern. "
                "A few unrelated words make a strong password that is easy to remember."
            )
        )
