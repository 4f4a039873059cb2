"""Fixtures shared by the whole test suite.

Kept small on purpose: folder-specific fixtures live in that folder's own ``conftest.py``.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis_server import RedisServer

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Facts-only copies of Klaviyo's published specs (MIT, license beside them), one folder per
#: revision; written by ``scripts/vendor_klaviyo_spec.py``.
KLAVIYO_SPECS = REPO_ROOT / "tests" / "klaviyo_spec"

# The generation scripts are not a package; tests import them as top-level modules
# (``import spec_tools, generate, update_revision``), exactly as the scripts import each other.
if str(REPO_ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "scripts"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The root of this clone."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def klaviyo_specs() -> Path:
    """The folder of Klaviyo's specs as the tests use them: one sub-folder per revision, each
    file cut down to the profile-import operation's facts (no prose)."""
    return KLAVIYO_SPECS


@pytest.fixture(scope="session")
def redis_server_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the session (fails with an install hint when missing)."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def unix_redis_server() -> Iterator[RedisServer]:
    """A redis-server listening on a unix socket only (in a short temporary directory: a
    socket path has a length limit that pytest's own temporary paths can exceed)."""
    with tempfile.TemporaryDirectory(prefix="redis-") as directory:
        server = RedisServer(Path(directory), unix_socket=Path(directory) / "redis.sock")
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def redis_server(redis_server_session: RedisServer) -> RedisServer:
    """The session's redis-server, running and emptied for this test."""
    if redis_server_session.process is None:  # a test stopped it
        redis_server_session.start()
    redis_server_session.flush()
    return redis_server_session
