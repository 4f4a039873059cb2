"""Serving the sandbox in its own process for the benchmarks that time whole commands."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(base_url: str, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Return once the sandbox at ``base_url`` answers; exit if it died or never answered."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(f"{base_url}/sandbox/config", timeout=1.0)
            return
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start") from None
            time.sleep(0.1)
