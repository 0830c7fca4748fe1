"""Counted words go through ngettext, never a hand-made plural.

A message that puts a count before a counted noun ("%(n)s results") reads wrong for one of
the counts in both languages: "1 results" in English, "среди 31 результатов" in Russian, whose
three forms (1 and 21, 2 to 4, 5 to 20) no single string can follow. So every message of the
code (templates and app/, as Babel extracts them) that counts a noun must be an ngettext;
no template picks a form with ``{% if n == 1 %}``; and every Russian plural entry has its
three forms, chosen by the catalog's rule for 1, 2, 5, 11, 21, 22, 25 and 111."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from app.i18n import CATALOGS, translations

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2), "n_": (1, 2)}

# The nouns the product counts, in English plural: a placeholder right before one of them,
# outside ngettext, is a hand-made plural.
COUNTED = (
    "answers|candidates|cells|changes|columns|days|deals|emails|employees|hours|invitations|"
    "items|links|minutes|months|pairs|people|questions|results|rows|seconds|statements|"
    "types|versions|weeks|years"
)
HAND_MADE = re.compile(rf"%\((\w+)\)[sd] (?:more |new |other )?(?:{COUNTED})\b")
# Messages whose count is not a count of these nouns, with the reason.
NOT_COUNTS = {
    # The limit is the constant 1000 (BULK_MAX_ROWS): never one row.
    "The file has more than %(max)s rows.",
    # %(column)s is a column's name: "two “email” columns".
    "The header has two %(column)s columns (%(first)s and %(second)s); keep one.",
}

# A template choosing a form by the count itself.
IF_ONE = re.compile(
    r"\{%-?\s*if\s+[\w.|() ]+?\s*(?:==|!=)\s*1\s*-?%\}(?P<body>.*?)\{%-?\s*endif", re.S
)


def _messages() -> list[tuple[str, int, str | tuple[str, ...]]]:
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        options = {"extensions": "jinja2.ext.i18n"}
        for lineno, message, _c, _x in extract_from_file(
            "jinja2", str(path), keywords=KEYWORDS, options=options
        ):
            found.append((str(path.relative_to(ROOT)), lineno, message))
    for path in sorted((ROOT / "app").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for lineno, message, _c, _x in extract_from_file("python", str(path), keywords=KEYWORDS):
            found.append((str(path.relative_to(ROOT)), lineno, message))
    return found


def test_no_message_counts_a_noun_without_ngettext() -> None:
    messages = _messages()
    assert len(messages) > 500, "the extraction found too few messages to be trusted"
    hand_made = [
        f"{where}:{line}: {message!r}"
        for where, line, message in messages
        if isinstance(message, str) and HAND_MADE.search(message) and message not in NOT_COUNTS
    ]
    assert hand_made == [], "count these with ngettext:\n" + "\n".join(hand_made)


def test_the_detector_catches_a_hand_made_plural() -> None:
    assert HAND_MADE.search("%(p)s of 100 among %(n)s results in this language")
    assert HAND_MADE.search("Please wait %(seconds)s seconds, then reload the page.")
    assert not HAND_MADE.search("%(company)s invites you to a short assessment.")
    template = '{% if count == 1 %}{{ _("one result") }}{% else %}{{ _("results") }}{% endif %}'
    assert IF_ONE.search(template)


def test_no_template_picks_a_form_by_the_count() -> None:
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for match in IF_ONE.finditer(path.read_text(encoding="utf-8")):
            body = match.group("body")
            # An "else" with words in it: one form for 1, another for the rest.
            if "{% else" in body.replace("{%- else", "{% else") and "_(" in body:
                found.append(f"{path.relative_to(ROOT)}: {match.group(0)[:80]}")
    assert found == [], "use ngettext:\n" + "\n".join(found)


def test_every_russian_plural_has_its_three_forms_with_the_same_placeholders() -> None:
    path = CATALOGS / "ru" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    assert catalog.num_plurals == 3
    broken = []
    for message in catalog:
        if not isinstance(message.id, tuple):
            continue
        wanted = set(re.findall(r"%\(\w+\)[sd]", message.id[1]))
        forms = message.string if isinstance(message.string, tuple) else ()
        if len(forms) != 3 or not all(forms):
            broken.append(f"{message.id[0]!r}: {len(forms)} forms")
            continue
        for form in forms:
            if set(re.findall(r"%\(\w+\)[sd]", form)) != wanted:
                broken.append(f"{message.id[0]!r}: {form!r}")
    assert broken == []


def test_russian_picks_the_form_by_the_last_digits() -> None:
    ru = translations("ru")
    one, few, many = "%(num)s результат", "%(num)s результата", "%(num)s результатов"
    picked = {
        n: ru.ngettext("%(num)s result", "%(num)s results", n)
        for n in (1, 2, 5, 11, 21, 22, 25, 111)
    }
    assert picked == {1: one, 2: few, 5: many, 11: many, 21: one, 22: few, 25: many, 111: many}
