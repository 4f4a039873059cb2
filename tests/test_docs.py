"""The pages stay true: their links resolve, the command line's page names every command and
option, and the architecture page names every module on a floor its imports respect.

(That every code block runs is ``tests/test_readme.py``.)
"""

from __future__ import annotations

import re
from pathlib import Path

import click
from import_graph import PACKAGE, package_graph, package_module
from klaviyo_profiles.cli import app
from klaviyo_profiles.cli.sandbox_command import build_sandbox_command

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = [README, ROOT / "CONTRIBUTING.md", *sorted(DOCS.glob("*.md"))]
ARCHITECTURE = DOCS / "architecture.md"


def prose(page: Path) -> str:
    """A page without its fenced code blocks (a link or heading there is code, not markup)."""
    return re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings: lower case, punctuation dropped, spaces
    as dashes, a repeated one numbered."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", prose(page), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(page: Path) -> list[str]:
    targets = re.findall(r"\]\(([^)\s]+)\)", prose(page))
    return [target for target in targets if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def test_every_relative_link_points_at_a_file_and_anchor_that_exist() -> None:
    broken = []
    for page in PAGES:
        for target in relative_links(page):
            file, _, anchor = target.partition("#")
            path = (page.parent / file).resolve() if file else page
            if not path.exists() or (anchor and anchor not in anchors(path)):
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []


def test_a_broken_anchor_is_found(tmp_path: Path) -> None:
    # The checker itself: a heading's anchor resolves, a missing one does not.
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n## Streaming: a nightly sync\n\n```\n## not a heading\n```\n")
    assert anchors(page) == {"a-page", "streaming-a-nightly-sync"}


def test_the_readme_links_every_page() -> None:
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in relative_links(README)}
    assert {page.resolve() for page in PAGES[1:]} <= linked


# --------------------------------------------------------------------------------------------
# The command line


def commands() -> dict[str, click.Command]:
    # ``sandbox`` is only listed in the group; the command with its options is built when run.
    return {**app.commands, "sandbox": build_sandbox_command()}


def test_the_cli_page_names_every_command_and_option() -> None:
    page = prose(DOCS / "cli.md")
    headings = " ".join(re.findall(r"^#{2,3} +(.+)$", page, re.M))
    missing = []
    for name, command in [("klaviyo-profiles", app), *commands().items()]:
        if name != "klaviyo-profiles" and not re.search(rf"\b{name}\b", headings):
            missing.append(f"a heading for {name}")
        for parameter in command.params:
            for option in parameter.opts:
                shown = re.search(rf"`{re.escape(option)}(?![\w-])", page)
                if option.startswith("--") and option != "--help" and not shown:
                    missing.append(f"{name} {option}")
    assert missing == []


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
