"""The import graph of the hand-written trees, read from the source.

Every ``import`` and ``from ... import`` counts (inside functions and under ``TYPE_CHECKING``
too, since a lazy import still ties two modules together), resolved to a module of the same
tree. ``tests/test_layers.py`` checks the graph has no circle; ``tests/test_docs.py`` checks it
against the floors ``docs/architecture.md`` gives the library's modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wrapper" / "klaviyo_profiles"


def package_module(path: Path) -> str:
    """``klaviyo_profiles.cli.importer.sources`` for that file (a package for its ``__init__``)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    """Every dotted name the module imports, relative imports made absolute."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            yield prefix
            # ``from . import x`` and ``from .pkg import mod`` name modules too.
            yield from (f"{prefix}.{alias.name}" for alias in node.names)


def graph(files: dict[str, Path], packages: set[str]) -> dict[str, set[str]]:
    """Each module of ``files`` and the modules of ``files`` it imports."""
    edges: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = set()
        for name in imported_names(tree, module, module in packages):
            # The longest known module the name starts with: ``a.b.c`` imports ``a.b`` when
            # ``c`` is a name defined in it. A package's ``__init__`` counts only when the
            # name is the package itself, so a submodule does not depend on its own face.
            while name and name not in files:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(f"{name}."):
                targets.add(name)
        edges[module] = targets
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def package_graph() -> dict[str, set[str]]:
    """The import graph of ``klaviyo_profiles`` and its subpackages."""
    files = {package_module(path): path for path in sorted(PACKAGE.rglob("*.py"))}
    packages = {package_module(path) for path in PACKAGE.rglob("__init__.py")}
    return graph(files, packages)


def flat_graph(folder: str) -> dict[str, set[str]]:
    """Scripts and benchmarks are not packages: they import each other by file name."""
    files = {path.stem: path for path in sorted((ROOT / folder).glob("*.py"))}
    return graph(files, set())
