"""The house keeps its shape: imports flow one way and no hand-written module grows too long.

Every ``import`` and ``from ... import`` is read from the source (inside functions and under
``TYPE_CHECKING`` too, since a lazy import still ties two modules together), resolved to a
module of the same tree, and the graph they make must have no circle. A circle is how a
"lower" module ends up depending on a "higher" one; with none, the modules can always be put
on floors where every import points down.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from import_graph import circles, flat_graph, package_graph

ROOT = Path(__file__).resolve().parent.parent
#: Hand-written trees whose modules must stay readable in one sitting.
HAND_WRITTEN = ("wrapper", "scripts", "benchmarks")
MAX_LINES = 800


def test_the_library_has_no_import_circle() -> None:
    assert circles(package_graph()) == []


@pytest.mark.parametrize("folder", ["scripts", "benchmarks"])
def test_scripts_and_benchmarks_have_no_import_circle(folder: str) -> None:
    assert circles(flat_graph(folder)) == []


def test_the_core_limiter_knows_nothing_of_redis() -> None:
    # The Redis limiter is a plugin of the core limiter: found through the LimiterProvider
    # protocol, never imported by it.
    edges = package_graph()
    assert "klaviyo_profiles.redis_limiter" not in edges["klaviyo_profiles.ratelimit"]


def test_the_library_never_imports_its_command_line_or_sandbox() -> None:
    # The command line and the sandbox sit on top of the library; the client must import
    # and work without either (and without their extras).
    edges = package_graph()
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
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_hand_written_module_is_over_800_lines() -> None:
    over = {
        path.relative_to(ROOT).as_posix(): lines
        for folder in HAND_WRITTEN
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert over == {}, f"modules over {MAX_LINES} lines: {over}"
