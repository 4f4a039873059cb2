"""The dependency floors that ``make test-floors`` installs are the lower bounds pyproject.toml
declares, so that the floors run proves the ranges users are offered."""

from __future__ import annotations

import importlib.metadata
import os
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

FLOORS = Path(__file__).resolve().parent.parent / ".ci" / "floors.txt"
#: What the floors run installs: the runtime dependencies and these extras.
EXTRAS = (None, "cli", "sandbox", "sqlite")


def declared_requirements() -> dict[str, tuple[Requirement, str | None]]:
    """The requirements the floors run installs, by name, with the extra of each."""
    found: dict[str, tuple[Requirement, str | None]] = {}
    for line in importlib.metadata.requires("klaviyo-profiles") or []:
        requirement = Requirement(line)
        extra = None
        if requirement.marker is not None:
            match = re.search(r"extra == [\"']([^\"']+)", str(requirement.marker))
            extra = match.group(1) if match else None
        if extra not in EXTRAS or requirement.name == "klaviyo-profiles":
            continue
        found[requirement.name.lower()] = (requirement, extra)
    return found


def declared_floors() -> dict[str, Version]:
    floors: dict[str, Version] = {}
    for name, (requirement, _) in declared_requirements().items():
        (lower,) = (spec.version for spec in requirement.specifier if spec.operator == ">=")
        floors[name] = Version(lower)
    return floors


def installed_here(name: str) -> bool:
    """Whether this interpreter installs ``name`` at all (tomli only before Python 3.11)."""
    requirement, extra = declared_requirements()[name]
    marker = requirement.marker
    return marker is None or marker.evaluate({"extra": extra or ""})


def pinned_floors() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in FLOORS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = Version(version.strip())
    return pins


def test_every_dependency_has_a_lower_bound_equal_to_its_floor_pin() -> None:
    assert declared_floors() == pinned_floors()


def test_tenacity_8_and_starlette_of_fastapi_0_115_are_allowed() -> None:
    floors = declared_floors()
    assert floors["tenacity"].major == 8
    # FastAPI 0.115.0 requires starlette>=0.37.2,<0.39.
    assert floors["starlette"] <= Version("0.37.2")


def test_the_floors_run_really_has_the_floors_installed() -> None:
    if "KLAVIYO_FLOORS" not in os.environ:
        return  # `make test` runs on current versions; only `make test-floors` sets this
    wrong = {
        name: importlib.metadata.version(name)
        for name, version in pinned_floors().items()
        if installed_here(name) and Version(importlib.metadata.version(name)) != version
    }
    assert not wrong, f"installed instead of the floors: {wrong}"
