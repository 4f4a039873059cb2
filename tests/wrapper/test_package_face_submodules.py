"""After a bare ``import klaviyo_profiles``, the public submodules are attributes of the package
(``klaviyo_profiles.client.Body``, as the documentation writes it), each imported on first use:
the import itself imports none of them. The modules that need an extra (the command line, the
sandbox, the Redis limiter, the pytest plugin) and the scripts are not reached by attribute; they
are imported by name.

The probe runs in a fresh interpreter: in this one, other tests have imported every submodule,
and importing a submodule binds it on its package whatever the package does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import klaviyo_profiles
import pytest

PUBLIC = (
    "auth",
    "body",
    "bulk",
    "client",
    "errors",
    "extras",
    "identity",
    "limiter_urls",
    "nulls",
    "pacing",
    "ratelimit",
    "result",
    "retries",
    "revision",
    "settings",
    "sync_state",
)
NOT_BY_ATTRIBUTE = ("cli", "console", "demo", "pytest_plugin", "redis_limiter", "sandbox")

PROBE = f"""
import json, sys, types
import klaviyo_profiles

def loaded():
    return sorted(m for m in sys.modules if m.startswith("klaviyo_profiles."))

after_import = loaded()
listed = dir(klaviyo_profiles)
reached = {{}}
for name in {PUBLIC!r}:
    try:
        value = getattr(klaviyo_profiles, name)
    except AttributeError as exc:
        reached[name] = "AttributeError: " + str(exc)
    else:
        reached[name] = value.__name__ if isinstance(value, types.ModuleType) else repr(value)
found = {{name: hasattr(klaviyo_profiles, name) for name in {NOT_BY_ATTRIBUTE!r}}}
try:
    klaviyo_profiles.erors
except AttributeError as exc:
    misspelt = str(exc)
else:
    misspelt = None
print(json.dumps({{
    "after_import": after_import,
    "listed": listed,
    "reached": reached,
    "found": found,
    "after_lookups": loaded(),
    "misspelt": misspelt,
}}))
"""


@pytest.fixture(scope="module")
def probe() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_every_public_submodule_is_an_attribute_after_a_bare_import(
    probe: dict[str, Any],
) -> None:
    assert probe["reached"] == {name: f"klaviyo_profiles.{name}" for name in PUBLIC}


def test_a_bare_import_imports_no_public_submodule(probe: dict[str, Any]) -> None:
    imported = {module.removeprefix("klaviyo_profiles.") for module in probe["after_import"]}
    assert sorted(imported & {*PUBLIC, *NOT_BY_ATTRIBUTE}) == []


def test_dir_lists_the_public_submodules(probe: dict[str, Any]) -> None:
    assert sorted(set(PUBLIC) - set(probe["listed"])) == []
    assert sorted(set(NOT_BY_ATTRIBUTE) & set(probe["listed"])) == []


def test_modules_needing_an_extra_and_scripts_are_neither_attributes_nor_imported(
    probe: dict[str, Any],
) -> None:
    assert probe["found"] == dict.fromkeys(NOT_BY_ATTRIBUTE, False)
    imported = [m for m in probe["after_lookups"] if m.split(".")[1] in NOT_BY_ATTRIBUTE]
    assert imported == []


def test_a_misspelt_name_is_still_an_attribute_error(probe: dict[str, Any]) -> None:
    assert probe["misspelt"] == "module 'klaviyo_profiles' has no attribute 'erors'"


def test_every_module_of_the_package_is_either_public_or_kept_out() -> None:
    # A new module without a leading underscore is a decision to make here: reachable as an
    # attribute of the bare package, or imported by name only.
    package = Path(klaviyo_profiles.__file__).parent
    modules = {
        path.stem if path.is_file() else path.name
        for path in package.iterdir()
        if not path.name.startswith("_")
        and (path.suffix == ".py" or (path / "__init__.py").is_file())
    }
    assert sorted(modules) == sorted({*PUBLIC, *NOT_BY_ATTRIBUTE})
