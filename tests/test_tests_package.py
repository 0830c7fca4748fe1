"""The tests are a package: every helper is imported by its path from the repository root
(`from tests.factories import make_user`), so no folder of tests has to be on sys.path and two
files of the same name in different folders never shadow each other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "node_modules" not in p.parts)


def test_every_folder_of_tests_is_a_package() -> None:
    folders = {p.parent for p in python_files(TESTS)}
    missing = sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists())
    assert not missing, f"add an empty __init__.py to: {missing}"


def test_no_module_of_the_tests_is_imported_by_its_bare_name() -> None:
    # A bare `from factories import ...` works only while tests/ itself is on sys.path.
    names = {p.stem for p in python_files(TESTS) if p.stem != "__init__"}
    bare: list[str] = []
    for path in python_files(TESTS) + python_files(ROOT / "bench"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            bare += [
                f"{path.relative_to(ROOT)}:{node.lineno} {m}"
                for m in modules
                if m.split(".")[0] in names
            ]
    assert not bare, f"import these as tests.<folder>.<module>: {bare}"


def test_no_test_touches_sys_path() -> None:
    changed = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in python_files(TESTS)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ]
    assert not changed, f"import by path from the repository root instead: {changed}"
