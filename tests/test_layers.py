"""The house keeps its shape: imports flow one way and no hand-written module grows too long.

Every ``import`` and ``from ... import`` is read from the source (inside functions and under
``TYPE_CHECKING`` too, since a lazy import still ties two modules together), resolved to a
module of the same tree, and the graph they make must have no circle. A circle is how a
"lower" module ends up depending on a "higher" one; with none, the modules can always be put
on floors where every import points down.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wrapper" / "klaviyo_profiles"
#: Hand-written trees whose modules must stay readable in one sitting.
HAND_WRITTEN = ("wrapper", "scripts", "benchmarks")
MAX_LINES = 800


def _package_module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
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


def _graph(files: dict[str, Path], packages: set[str]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = set()
        for name in _imported_names(tree, module, module in packages):
            # The longest known module the name starts with: ``a.b.c`` imports ``a.b`` when
            # ``c`` is a name defined in it. A package's ``__init__`` counts only when the
            # name is the package itself, so a submodule does not depend on its own face.
            while name and name not in files:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(f"{name}."):
                targets.add(name)
        edges[module] = targets
    return edges


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
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


def _package_graph() -> dict[str, set[str]]:
    files = {_package_module(path): path for path in sorted(PACKAGE.rglob("*.py"))}
    packages = {_package_module(path) for path in PACKAGE.rglob("__init__.py")}
    return _graph(files, packages)


def _flat_graph(folder: str) -> dict[str, set[str]]:
    """Scripts and benchmarks are not packages: they import each other by file name."""
    files = {path.stem: path for path in sorted((ROOT / folder).glob("*.py"))}
    return _graph(files, set())


def test_the_library_has_no_import_circle() -> None:
    assert _circles(_package_graph()) == []


@pytest.mark.parametrize("folder", ["scripts", "benchmarks"])
def test_scripts_and_benchmarks_have_no_import_circle(folder: str) -> None:
    assert _circles(_flat_graph(folder)) == []


def test_the_core_limiter_knows_nothing_of_redis() -> None:
    # The Redis limiter is a plugin of the core limiter: found through the LimiterProvider
    # protocol, never imported by it.
    edges = _package_graph()
    assert "klaviyo_profiles.redis_limiter" not in edges["klaviyo_profiles.ratelimit"]


def test_the_library_never_imports_its_command_line_or_sandbox() -> None:
    # The command line and the sandbox sit on top of the library; the client must import
    # and work without either (and without their extras).
    edges = _package_graph()
    upper = ("klaviyo_profiles.cli", "klaviyo_profiles.sandbox")

    def is_upper(module: str) -> bool:
        return any(module == name or module.startswith(f"{name}.") for name in upper)

    # The demo and the pytest plugin start a sandbox, and the console script runs the command
    # line: they sit on top with them.
    top = {"klaviyo_profiles.console", "klaviyo_profiles.demo", "klaviyo_profiles.pytest_plugin"}
    lower = [module for module in edges if not is_upper(module) and module not in top]
    offending = {
        module: sorted(target for target in edges[module] if is_upper(target)) for module in lower
    }
    assert {module: targets for module, targets in offending.items() if targets} == {}


def test_a_circle_is_found_when_there_is_one() -> None:
    # The checker itself: a graph with a loop reports it, one without does not.
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_hand_written_module_is_over_800_lines() -> None:
    over = {
        path.relative_to(ROOT).as_posix(): lines
        for folder in HAND_WRITTEN
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert over == {}, f"modules over {MAX_LINES} lines: {over}"
