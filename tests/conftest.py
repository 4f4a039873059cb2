"""Fixtures shared by the whole test suite.

Kept small on purpose: folder-specific fixtures live in that folder's own ``conftest.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"

# The generation scripts are not a package; tests import them as top-level modules
# (``import spec_tools, generate, update_revision``), exactly as the scripts import each other.
if str(REPO_ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "scripts"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The root of this clone."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the clone: Klaviyo's published specs and the design notes."""
    if not (SHARED_DIR / "klaviyo-openapi").is_dir():
        pytest.skip(
            "Klaviyo's published specs (../shared/klaviyo-openapi) are not beside this clone"
        )
    return SHARED_DIR
