"""Text people type, cleaned where it is saved.

Bidirectional controls (the embeddings and overrides U+202A-U+202E, the isolates
U+2066-U+2069) change the order in which the rest of a line is shown: a candidate named
"gnp.exe" after a right-to-left override is shown as "exe.png" on every staff page. No name,
title or note needs them, so they are stripped when the text is saved: ``app.models`` lists
the columns and strips them in every session's flush, whichever form, API call or import the
text came from. A service that refuses an empty value strips them before it checks, so a value
made of nothing else is refused as empty rather than saved blank.

Rows saved before this were cleaned by the migration to 5a0c3e9d7b21 (the 0.1.0 release, since
squashed into the baseline); the PDF export strips them again when it prints all the same (the
audit log keeps what it recorded).
"""

from __future__ import annotations

import re
import unicodedata

# The character classes every check of typed text uses (one home: forms, API, CSV, email).
# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees.
BIDI_CONTROL_CHARS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def is_control(ch: str) -> bool:
    """C0/C1 control characters and DEL (Unicode category Cc), line breaks and tabs included."""
    return unicodedata.category(ch) == "Cc"


def is_invisible_format(ch: str) -> bool:
    """Invisible format characters (Unicode category Cf): the bidi controls, zero-width
    spaces and joiners, directional marks, the BOM, soft hyphens."""
    return unicodedata.category(ch) == "Cf"


def has_invisible_format(text: str) -> bool:
    return not text.isascii() and any(is_invisible_format(ch) for ch in text)


def _invisible_ranges() -> str:
    """A regex character class body of every character a reader cannot see: whitespace,
    controls (Cc) and invisible format characters (Cf). Built from this Python's Unicode
    tables, so it agrees with ``strip_bidi`` and ``str.strip``; such characters exist only in
    planes 0, 1 and 14."""
    codes = [
        c
        for plane in (range(0x20000), range(0xE0000, 0xE1000))
        for c in plane
        if chr(c).isspace() or is_control(chr(c)) or is_invisible_format(chr(c))
    ]
    ranges: list[tuple[int, int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    return "".join(_in_class(a) + ("-" + _in_class(b) if b > a else "") for a, b in ranges)


def _in_class(code: int) -> str:
    # Only these need a backslash inside [...], in Python's regexes and in JSON Schema's.
    return "\\" + chr(code) if chr(code) in "\\]^-[" else chr(code)


INVISIBLE = _invisible_ranges()
# Matches text that holds at least one character a reader can see (searched, not anchored:
# as JSON Schema's "pattern" is applied). The API declares it for names and titles.
VISIBLE_PATTERN = f"[^{INVISIBLE}]"
# An email address, checked for typos, not for deliverability: one @; a local part of
# dot-separated runs (no leading, trailing or double dot) with nothing invisible and none of
# <>()[]\,;:"; a domain of at least two dot-separated labels of Latin or Russian letters,
# digits and inner hyphens, the last at least two characters long. A label with Russian
# letters (почта.рф) has at most 24 characters, so its punycode stays within DNS's 63.
# One regular expression, so the API's schema can declare exactly it.
_NOT_IN_LOCAL = f'.@<>()\\[\\]\\\\,;:"{INVISIBLE}'
_LETTER = "a-zA-Z0-9а-яёА-ЯЁ"
_ASCII_LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_RUSSIAN_LABEL = f"[{_LETTER}](?:[{_LETTER}-]{{0,22}}[{_LETTER}])?"
_LAST_LABEL = (
    f"(?:[a-zA-Z0-9][a-zA-Z0-9-]{{0,61}}[a-zA-Z0-9]|[{_LETTER}][{_LETTER}-]{{0,22}}[{_LETTER}])"
)
EMAIL_PATTERN = (
    f"^[^{_NOT_IN_LOCAL}]+(?:\\.[^{_NOT_IN_LOCAL}]+)*"
    f"@(?:(?:{_ASCII_LABEL}|{_RUSSIAN_LABEL})\\.)+{_LAST_LABEL}$"
)
EMAIL_MAX = 254


def plausible_email(value: str) -> bool:
    """The address rule above, for every form, import and API call that takes an address."""
    # Python's "$" also matches before one final line break: callers save the value stripped.
    return len(value) <= EMAIL_MAX and re.search(EMAIL_PATTERN, value) is not None


def strip_bidi(text: str) -> str:
    """``text`` without invisible format characters (Unicode category Cf): the bidirectional
    embeddings, overrides and isolates, and also zero-width spaces and joiners and the
    directional marks (U+200B-U+200F), which make lookalike names ("Anna" and "An\u200bna")."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if not is_invisible_format(ch))


# An address as SMTP servers and receivers quote it in their errors ("550 <a@b.c> unknown").
EMAIL_ADDRESS = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_emails(text: str) -> str:
    """``text`` with every email address masked as ``a***@example.com``, for the log: a log
    line outlives the candidate's erasure."""
    return EMAIL_ADDRESS.sub(r"\1***@\2", text)


# ё (U+0451) read as е (U+0435); code points, as this module's strings stay free of Russian.
_YO_AS_E = {0x0451: 0x0435}


def search_key(text: str) -> str:
    """``text`` as the staff's candidate search compares it: compatibility-normalised
    (NFKC: full-width letters, ligatures), case-folded by Python's Unicode tables (SQLite's
    ``lower()`` folds ASCII only, PostgreSQL's depends on the server's locale) and with ё
    read as е, as Russian readers type it. Both the stored column and the query go through it.
    """
    return unicodedata.normalize("NFKC", strip_bidi(text)).casefold().translate(_YO_AS_E)


def candidate_search_text(name: str, email: str | None) -> str:
    """What ``Candidate.search_text`` holds. A line break between the two: a query (one line)
    never matches across them. Cut to the column's size (folding may lengthen a text: ß is ss).
    """
    return f"{search_key(name)}\n{search_key(email or '')}"[:SEARCH_TEXT_MAX]


SEARCH_TEXT_MAX = 600
