"""Child processes for tests that need a real one: a free loopback port, a module started with
``python -m``, and a SIGKILL at the moment a condition first holds.

The tests keep their own assertions on the outcome (``returncode == -signal.SIGKILL``...); what
lives here is only the plumbing they shared.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any


def free_port() -> int:
    """A loopback port nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_module(
    module: str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    *,
    stdout: int | IO[Any] | None = subprocess.DEVNULL,
    stderr: int | IO[Any] | None = subprocess.DEVNULL,
) -> subprocess.Popen[str]:
    """``python -m module *args`` with this test run's interpreter, in text mode; its output is
    thrown away unless ``stdout``/``stderr`` say otherwise (``subprocess.PIPE`` to read it)."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        env=None if env is None else dict(env),
        stdout=stdout,
        stderr=stderr,
        text=True,
    )


def kill_when(
    process: subprocess.Popen[Any],
    ready: Callable[[], bool],
    *,
    timeout: float,
    what: str | Callable[[], str],
    interval: float = 0.02,
    wait: float = 30.0,
) -> None:
    """SIGKILL ``process`` as soon as ``ready()`` holds, polling every ``interval`` seconds.

    Fails when the process ends first, or when ``timeout`` seconds pass (with ``what``: what did
    not happen in time; a callable is asked only then, for a condition in stages). Whatever
    happens, the process is not left running: it is killed and reaped (``wait`` seconds at
    most) before this returns or raises.
    """
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            assert process.poll() is None, "the process ended before it could be killed"
            assert time.monotonic() < deadline, what if isinstance(what, str) else what()
            time.sleep(interval)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=wait)
