"""Russian words in Python code are data, never interface: every sentence a user reads goes
through the catalogs (app/translations/), so inline Russian cannot creep back into app/,
socionics/ or questionnaires/. Docstrings are not shown to anyone and are skipped."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "socionics", "questionnaires")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# Module -> (at most this many string literals with Cyrillic letters, why they are data).
ALLOWED: dict[str, tuple[int, str]] = {
    "app/bulk/csv_import.py": (
        37,
        "the Russian column names and language names recognised in an uploaded file",
    ),
    "app/bulk/employees_csv.py": (
        34,
        "the Russian column names and role names recognised in an uploaded team file",
    ),
    "app/outcomes/crm.py": (
        58,
        "the column and stage names of Russian CRM and 1C exports (Bitrix24, amoCRM, common "
        "titles and stage words the mapping screen guesses from), read on import",
    ),
    "app/outcomes/demo.py": (66, "the fictional team of `rolefit demo`: names, cities, deals"),
    "app/demo.py": (6, "the demo candidates' names"),
    "app/cli.py": (4, "the demo organisation's name and address, the demo vacancy's Russian title"),
    "socionics/matrix.py": (9, "the model's names of roles and groups in both languages"),
    "socionics/recommend.py": (3, "the model's names of placements in both languages"),
    "socionics/model.py": (1, "the pattern a type's Cyrillic code must match"),
    "app/text.py": (1, "the Russian letters an email domain may hold (почта.рф)"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def cyrillic_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal with a Cyrillic letter, f-string parts included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CYRILLIC.search(node.value)
    ]


def test_the_scan_finds_russian_in_code_and_skips_docstrings(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        '"""Модуль."""\n\ndef f(n):\n    """Функция."""\n    return f"{n} баллов", "ok"\n',
        encoding="utf-8",
    )
    assert cyrillic_literals(module) == [(5, " баллов")]


def test_no_python_module_holds_russian_text_outside_the_allow_list() -> None:
    problems = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            found = cyrillic_literals(path)
            allowed = ALLOWED.get(name, (0, ""))[0]
            if len(found) > allowed:
                shown = "; ".join(f"line {line}: {text[:40]!r}" for line, text in found[:5])
                problems.append(f"{name}: {len(found)} (allowed {allowed}): {shown}")
    assert problems == [], (
        "Russian text belongs in app/translations/ru/LC_MESSAGES/messages.po "
        "(msgid in English, through _()/ngettext): " + " | ".join(problems)
    )


def test_the_allow_list_names_only_modules_that_exist() -> None:
    for name in ALLOWED:
        assert (ROOT / name).is_file(), name
