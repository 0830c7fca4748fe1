"""Text people type, cleaned where it is saved.

Bidirectional controls (the embeddings and overrides U+202A-U+202E, the isolates
U+2066-U+2069) change the order in which the rest of a line is shown: a candidate named
"gnp.exe" after a right-to-left override is shown as "exe.png" on every staff page. No name,
title or note needs them, so they are stripped when the text is saved: ``app.models`` lists
the columns and strips them in every session's flush, whichever form, API call or import the
text came from. A service that refuses an empty value strips them before it checks, so a value
made of nothing else is refused as empty rather than saved blank.

Rows saved before this were cleaned by migration 5a0c3e9d7b21; the PDF export strips them again
when it prints all the same (the audit log keeps what it recorded).
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
