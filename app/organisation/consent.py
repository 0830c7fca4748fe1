"""The consent text a candidate agrees to, by version and language.

The text of version V in language L is ``<DATA_DIR>/consent/V.L.txt`` when that file exists
(an operator's own wording), else the built-in ``app/organisation/consent/V.L.txt``. Paragraphs are
separated by blank lines; ``app.organisation.service`` fills in the organisation. This built-in
text is in force until an admin saves one of their own (the Organisation page); CONSENT_VERSION
picks it. Each invitation stores the version the candidate agreed to, so a new file needs a new
version name, never an edited old file.
"""

from __future__ import annotations

from pathlib import Path

from app.config import Settings

BUILT_IN = Path(__file__).resolve().parent / "consent"
# The built-in text for a company's current employees (their assessment links): a file of its
# own, in force until an admin saves one.
EMPLOYEE_CONSENT_VERSION = "employee-2026-12"


class ConsentMissing(Exception):
    """No consent text exists for the configured version: a configuration error."""


def consent_file(settings: Settings, *, version: str, lang: str) -> Path:
    for folder in (settings.data_dir / "consent", BUILT_IN):
        path = folder / f"{version}.{lang}.txt"
        if path.is_file():
            return path
    raise ConsentMissing(
        f"no consent text for CONSENT_VERSION={version!r} in {lang}: add "
        f"{settings.data_dir / 'consent' / f'{version}.{lang}.txt'}"
    )
