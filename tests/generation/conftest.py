"""Fixtures for the tests of the generation pipeline (spec/ -> scripts/ -> generated/)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import spec_tools


@functools.cache
def _load_cached(path: str) -> dict[str, Any]:
    # Klaviyo's full specs are megabytes of JSON; parse each once per session.
    return spec_tools.load_document(path)


def _load_copy(path: Path) -> dict[str, Any]:
    return copy.deepcopy(_load_cached(str(path)))


@pytest.fixture(scope="session")
def load_spec() -> Callable[[Path], dict[str, Any]]:
    """Loads a JSON or YAML document and returns a private copy the caller may change."""
    return _load_copy


@pytest.fixture(scope="session")
def fragment_path(repo_root: Path) -> Path:
    """The project's spec fragment."""
    return repo_root / "spec" / "profile-import.yaml"


@pytest.fixture
def fragment(fragment_path: Path) -> dict[str, Any]:
    """The project's spec fragment, parsed (a fresh copy per test)."""
    return _load_copy(fragment_path)
