"""Every interface message has a Russian translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.i18n import CATALOGS, translations

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = dict(DEFAULT_KEYWORDS) | {"N_": None}
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def russian_catalog() -> dict[str, str]:
    """msgid -> translation; a plural entry counts as translated only with all three forms."""
    out: dict[str, str] = {}
    with (CATALOGS / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        for m in read_po(fh):
            if not m.id:
                continue
            if isinstance(m.id, str):
                out[m.id] = m.string
            else:
                forms = list(m.string)
                complete = len(forms) == 3 and all(f.strip() for f in forms)
                out[m.id[0]] = forms[-1] if complete else ""
                if complete:  # the plural msgid's placeholders must survive in every form
                    out[m.id[1]] = forms[-1]
    return out


def test_extraction_finds_the_interface_messages() -> None:
    messages = extracted_messages()
    assert "Wrong email or password." in messages  # Python
    assert "Vacancies" in messages  # templates
    assert "Enter a title of up to 200 characters." in messages  # N_() markers
    assert len(messages) > 100


def test_every_message_has_a_russian_translation() -> None:
    ru = russian_catalog()
    missing = sorted(m for m in extracted_messages() if not ru.get(m, "").strip())
    assert missing == [], f"add Russian translations for: {missing}"


def test_translations_keep_every_placeholder() -> None:
    for msgid, msgstr in russian_catalog().items():
        if msgstr:
            assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid


def test_catalogs_compile_in_memory() -> None:
    assert translations("ru").gettext("Vacancies") == "Вакансии"
    assert translations("en").gettext("Vacancies") == "Vacancies"


def test_both_catalogs_parse_without_a_single_problem() -> None:
    """A line-based merge can drop an entry's msgstr; Babel then only warns and skips it."""
    for language in ("ru", "en"):
        with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            read_po(fh, abort_invalid=True)
