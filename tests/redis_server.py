"""A real ``redis-server`` for tests: on a free loopback port, in a temporary directory, with
no persistence, started and stopped by the test session itself.

When the binary is missing the tests that need it fail (never skip) and say how to install it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from process_helpers import free_port

INSTALL_HINT = (
    "redis-server is not installed, and the Redis limiter tests start a real one: "
    "`make test-deps` installs it as root, or run `apt-get install redis-server` "
    "(Debian, Ubuntu) or `brew install redis` (macOS)"
)


class RedisServer:
    """One ``redis-server`` process that can be stopped and started again on the same port."""

    def __init__(self, directory: Path, *, unix_socket: Path | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail(INSTALL_HINT, pytrace=False)
        self.binary = binary
        self.directory = directory
        # With a unix socket, no TCP port at all: the socket is the only way in.
        self.unix_socket = unix_socket
        self.port = 0 if unix_socket is not None else free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.unix_socket is not None:
            return f"unix://{self.unix_socket}"
        return f"redis://127.0.0.1:{self.port}/0"

    def _connect(self) -> socket.socket:
        if self.unix_socket is not None:
            probe = socket.socket(socket.AF_UNIX)
            probe.settimeout(0.5)
            try:
                probe.connect(str(self.unix_socket))
            except OSError:
                probe.close()
                raise
            return probe
        return socket.create_connection(("127.0.0.1", self.port), timeout=0.5)

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
                *(
                    ["--unixsocket", str(self.unix_socket), "--unixsocketperm", "700"]
                    if self.unix_socket is not None
                    else []
                ),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                with self._connect() as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                self.process = None
                raise RuntimeError(f"redis-server did not start at {self.url}: {error}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop it; everything it held is gone (no persistence)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a wedged server
            self.process.kill()
            self.process.wait(10)
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None

    def flush(self) -> None:
        import redis

        with redis.Redis.from_url(self.url) as client:
            client.flushall()
