"""The client manager's portrait as interview checklist items."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from socionics.model import SocionicsError
from socionics.portrait import load_portrait


def test_the_portrait_has_the_books_traits_with_labels_and_hints_in_both_languages() -> None:
    p = load_portrait()
    ids = [t.id for t in p.traits]
    assert ids == [
        "introverted",
        "listener",
        "numbers_and_paperwork",
        "attached_to_clients",
        "long_memory",
        "avoids_conflict",
        "neat_and_modest",
    ]
    for t in p.traits:
        for text in (t.label.en, t.label.ru, t.hint.en, t.hint.ru):
            assert text.strip() and "\n" not in text, t.id
        assert re.search("[а-яё]", t.label.ru) and re.search("[а-яё]", t.hint.ru), t.id
        assert not re.search("[а-яё]", t.label.en + t.hint.en), t.id


def test_a_portrait_file_with_a_repeated_trait_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "portrait.yaml"
    trait = "{id: listener, label: {en: a, ru: б}, hint: {en: c, ru: д}}"
    path.write_text(f"version: '1'\ntraits: [{trait}, {trait}]\n", encoding="utf-8")
    with pytest.raises(SocionicsError, match="trait ids repeat"):
        load_portrait(path)
