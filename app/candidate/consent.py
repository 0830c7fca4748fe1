"""The consent text a candidate agrees to, by version and language.

The text of version V in language L is ``<DATA_DIR>/consent/V.L.txt`` when that file exists
(an operator's own wording), else the built-in ``app/candidate/consent/V.L.txt``. Paragraphs are
separated by blank lines; ``{company}`` and ``{contact}`` are filled in. CONSENT_VERSION picks
the version; each invitation stores the version and time the candidate agreed to, so a new text
needs a new version name, never an edited old file.
"""

from __future__ import annotations

from pathlib import Path

from app.config import Settings
from app.i18n import translations

BUILT_IN = Path(__file__).resolve().parent / "consent"


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


def consent_paragraphs(
    settings: Settings, *, lang: str, contact: str | None, version: str | None = None
) -> list[str]:
    path = consent_file(settings, version=version or settings.consent_version, lang=lang)
    text = path.read_text(encoding="utf-8")
    who = contact or translations(lang).gettext("the person who invited you")
    filled = text.replace("{company}", settings.company_name).replace("{contact}", who)
    return [" ".join(p.split()) for p in filled.split("\n\n") if p.strip()]
