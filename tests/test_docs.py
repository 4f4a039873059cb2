"""The pages stay true: the architecture page names every module on a floor its imports
respect.

(That every code block runs is ``tests/test_readme.py``.)
"""

from __future__ import annotations

import re
from pathlib import Path

from import_graph import PACKAGE, package_graph, package_module

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"


def prose(page: Path) -> str:
    """A page without its fenced code blocks (a link or heading there is code, not markup)."""
    return re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)


# --------------------------------------------------------------------------------------------
# The architecture page


def hand_written_files() -> set[str]:
    """Every hand-written module, as the architecture page names it."""
    modules = {package_module(path) for path in PACKAGE.rglob("*.py")}
    scripts = {path.relative_to(ROOT).as_posix() for path in (ROOT / "scripts").rglob("*.py")}
    templates = {
        path.relative_to(ROOT).as_posix() for path in (ROOT / "scripts" / "templates").iterdir()
    }
    benchmarks = {path.relative_to(ROOT).as_posix() for path in (ROOT / "benchmarks").glob("*.py")}
    return modules | scripts | templates | benchmarks


def table_entries() -> list[tuple[str, str]]:
    """``(section, name)`` for each table row of the page whose first cell is a name in
    backticks, the section being the heading above it."""
    entries, section = [], ""
    for line in prose(ARCHITECTURE).splitlines():
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        elif row := re.match(r"\| `([^`]+)` \|", line):
            entries.append((section, row.group(1)))
    return entries


def test_the_architecture_page_names_every_module_once() -> None:
    named = [name for _, name in table_entries()]
    files = hand_written_files()
    assert sorted(files - set(named)) == [], "modules the page does not name"
    assert sorted(set(named) - files) == [], "names on the page that are no module"
    assert sorted({name for name in named if named.count(name) > 1}) == []


def floors() -> dict[str, int]:
    """The floor of each library module, from the page's ``### Floor N: ...`` headings."""
    found = {}
    for section, name in table_entries():
        if floor := re.match(r"Floor (\d+):", section):
            found[name] = int(floor.group(1))
    return found


def test_every_import_of_the_library_points_to_its_floor_or_below() -> None:
    floor = floors()
    edges = package_graph()
    assert set(edges) <= set(floor), "library modules on no floor"
    upward = sorted(
        f"{module} (floor {floor[module]}) imports {target} (floor {floor[target]})"
        for module, targets in edges.items()
        for target in targets
        if floor[target] > floor[module]
    )
    assert upward == []
