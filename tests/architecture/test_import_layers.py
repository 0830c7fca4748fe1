"""Issue 17, point 4: layers point down. Every import inside ``app/`` (function-level imports
included: a lazy import is still an import) goes to a folder on a lower line of the layer order
in CONTRIBUTING.md ("Layers"), and no two packages or files import each other, directly or
round a loop. The app factory and the CLI wire everything together and are left out.

Run as a script to print the strongly connected components:
``python tests/architecture/test_import_layers.py``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# They import every router and command by design; nothing imports them back.
ENTRY_POINTS = {"app.main", "app.cli", "app.__main__"}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. app.security.ratelimit.policy
    target: str  # the imported module of the tree, e.g. app.web.errors
    where: str  # file:line, for the failure message


def modules(root: Path, package: str = "app") -> dict[str, Path]:
    """Every module under ``root/package`` by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(root: Path, package: str = "app") -> list[Import]:
    """Each import of one module of the tree by another, wherever it stands in the file."""
    known = modules(root, package)

    def resolve(name: str) -> str | None:
        # ``from app.x import y`` names module app.x.y or an attribute of app.x.
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    found = []
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        here = module if is_package else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[: len(here.split(".")) - node.level + 1]
                    stem = ".".join([*base, node.module] if node.module else base)
                else:
                    stem = node.module or ""
                names = [stem, *(f"{stem}.{alias.name}" for alias in node.names)]
            else:
                continue
            where = f"{path.relative_to(root)}:{node.lineno}"
            targets = {resolve(n) for n in names if n == package or n.startswith(package + ".")}
            found += [
                Import(module, t, where) for t in sorted(t for t in targets if t) if t != module
            ]
    return found


def unit(module: str) -> str:
    """The folder a module belongs to (``app.web.errors`` -> ``app.web``); a module directly
    under ``app/`` is a unit of its own (``app.models``)."""
    return ".".join(module.split(".")[:2])


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    nodes = sorted({*edges, *(t for ts in edges.values() for t in ts)})
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def same(module: str) -> str:
    return module


def graph(found: Iterable[Import], group: Callable[[str], str] = same) -> dict[str, set[str]]:
    """Who imports whom, by file (``same``) or by folder (``unit``)."""
    edges: dict[str, set[str]] = {}
    for imp in found:
        a, b = group(imp.source), group(imp.target)
        if imp.source not in ENTRY_POINTS and a != b:
            edges.setdefault(a, set()).add(b)
    return edges


def layer_order(root: Path) -> dict[str, int]:
    """The line of each ``app/`` folder in CONTRIBUTING.md's layer block (1 = the bottom)."""
    text = (root / "CONTRIBUTING.md").read_text(encoding="utf-8")
    block = text.split("### Layers", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    order = {}
    for number, line in enumerate(x for x in block.splitlines() if x.strip()):
        for name in line.split(":", 1)[1].split():
            order["app." + name.strip("`,")] = number + 1
    return order


def _explain(component: list[str], found: list[Import], group: Callable[[str], str]) -> str:
    """The knot's members and the import lines that tie them."""
    members = set(component)
    lines = [
        f"  {imp.where}: {imp.source} imports {imp.target}"
        for imp in found
        if imp.source not in ENTRY_POINTS
        and group(imp.source) in members
        and group(imp.target) in members
        and group(imp.source) != group(imp.target)
    ]
    return " <-> ".join(component) + "\n" + "\n".join(lines)


def test_no_two_app_packages_import_each_other_even_round_a_loop() -> None:
    found = imports(ROOT)
    knots = cycles(graph(found, unit))
    assert not knots, "import cycles between packages:\n" + "\n".join(
        _explain(k, found, unit) for k in knots
    )


def test_no_two_app_files_import_each_other_even_inside_a_function() -> None:
    found = imports(ROOT)
    knots = cycles(graph(found))
    assert not knots, "import cycles between files:\n" + "\n".join(
        _explain(k, found, same) for k in knots
    )


def test_every_folder_imports_only_the_layers_below_it() -> None:
    order = layer_order(ROOT)
    found = imports(ROOT)
    units = {unit(m) for m in modules(ROOT)} - ENTRY_POINTS - {"app"}
    missing = sorted(units - set(order))
    assert not missing, f"add {missing} to the layer order in CONTRIBUTING.md (### Layers)"
    # The entry points stand above every line.
    line = {**order, **{name: len(order) + 1 for name in ENTRY_POINTS}}
    upward = sorted(
        f"{imp.where}: {unit(imp.source)} (line {line[unit(imp.source)]}) imports "
        f"{imp.target} (line {line[unit(imp.target)]})"
        for imp in found
        if imp.source not in ENTRY_POINTS
        and unit(imp.source) != unit(imp.target)
        and unit(imp.target) != "app"
        and line[unit(imp.target)] >= line[unit(imp.source)]
    )
    assert not upward, "imports of a layer not below (CONTRIBUTING.md, ### Layers):\n" + "\n".join(
        upward
    )


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_check_finds_a_cycle_hidden_in_a_function_and_through_a_package(
    tmp_path: Path,
) -> None:
    _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/mail/__init__.py": "",
            "app/mail/worker.py": "def run():\n    from app.invitations.service import due\n",
            "app/invitations/__init__.py": "",
            "app/invitations/service.py": "from app.mail import worker\n\ndue = 1\n",
            "app/web.py": "from .mail import worker\n",
            "app/models.py": "import app.web\n",
        },
    )
    found = imports(tmp_path)
    assert Import("app.mail.worker", "app.invitations.service", "app/mail/worker.py:2") in found
    assert cycles(graph(found)) == [["app.invitations.service", "app.mail.worker"]]
    assert cycles(graph(found, unit)) == [["app.invitations", "app.mail"]]
    # A chain that does not come back is no cycle; a relative import is an import.
    assert {(i.source, i.target) for i in found} >= {("app.web", "app.mail.worker")}
    assert not any("app.models" in c for c in cycles(graph(found, unit)))


def test_the_layer_order_is_read_from_contributing(tmp_path: Path) -> None:
    (tmp_path / "CONTRIBUTING.md").write_text(
        "## Where things live\n### Layers\n```text\n1 base: `models` `db`\n2 pages: web\n```\n",
        encoding="utf-8",
    )
    assert layer_order(tmp_path) == {"app.models": 1, "app.db": 1, "app.web": 2}


def _report() -> None:
    found = imports(ROOT)
    for name, group in (("packages", unit), ("files", same)):
        knots = cycles(graph(found, group))
        sizes = sorted((len(k) for k in knots), reverse=True)
        print(f"{name}: {len(knots)} strongly connected components, sizes {sizes}")
        for knot in knots:
            print("   ", " ".join(knot))


if __name__ == "__main__":
    sys.exit(_report())
