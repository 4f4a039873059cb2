"""What every command shares: the API key, error reporting and warnings."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click
from rich.console import Console

from ..auth import API_KEY_ENV, resolve_api_key
from ..errors import InvalidInputError
from ..ratelimit import LimiterBackend, backend_from_uri

__all__ = [
    "CliError",
    "api_key_option",
    "base_url_option",
    "fail",
    "install_warning_format",
    "load_api_key",
    "scrub",
    "stdout_console",
]

# Keys read during this process, so any message printed can be scrubbed of them as a last
# line of defence (the library itself never puts a key in a message).
_SECRETS: set[str] = set()


class CliError(Exception):
    """An expected failure: printed as ``error: <message>``, exit status 1 (2 for usage)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(scrub(message))
        self.message = scrub(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        """Print ``error: <message>`` (on stderr by default)."""
        click.echo(f"error: {self.message}", file=file or sys.stderr)


def fail(message: str, exit_code: int = 1) -> NoReturn:
    """Stop the command with ``error: message``."""
    raise CliError(message, exit_code)


def scrub(text: str) -> str:
    """``text`` with every API key seen in this process masked."""
    for secret in _SECRETS:
        if secret:
            text = text.replace(secret, "****")
    return text


def stdout_console() -> Console:
    """Rich output on stdout; colours and live displays only on a terminal."""
    return Console(highlight=False, soft_wrap=True)


def load_api_key(api_key_file: Path | None) -> str:
    """The key from ``--api-key-file`` or ``$KLAVIYO_API_KEY``; never printed.

    There is deliberately no ``--api-key`` option: a key on the command line ends up in the
    shell history and in ``ps`` output for every user of the machine.
    """
    key: str | None
    if api_key_file is not None:
        try:
            key = api_key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            fail(f"cannot read --api-key-file {api_key_file}: {exc.strerror or exc}", 2)
        if not key:
            fail(f"--api-key-file {api_key_file} is empty", 2)
    else:
        key = os.environ.get(API_KEY_ENV) or None
    if key is None:
        fail(f"no API key: set ${API_KEY_ENV} or pass --api-key-file PATH", 2)
    _SECRETS.add(key)
    try:
        return resolve_api_key(key)
    except InvalidInputError as exc:
        fail(str(exc), 2)


def api_key_option(function: Any) -> Any:
    """``--api-key-file PATH``."""
    return click.option(
        "--api-key-file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help=f"read the private API key from this file (default: ${API_KEY_ENV})",
    )(function)


def base_url_option(function: Any) -> Any:
    """``--base-url URL``."""
    return click.option(
        "--base-url",
        default=None,
        metavar="URL",
        help="server to talk to (default https://a.klaviyo.com); e.g. a sandbox or a proxy",
    )(function)


def limiter_option(function: Any) -> Any:
    """``--limiter URI``: where the rate limiter counts (a fleet shares one Redis)."""
    return click.option(
        "--limiter",
        default=None,
        metavar="URI",
        envvar="KLAVIYO_LIMITER_URL",
        show_envvar=True,
        help="share the rate limiter: redis://HOST:PORT/DB (processes on several hosts), "
        "sqlite:PATH (processes on this host) or memory (default)",
    )(function)


def limiter_backend(uri: str | None) -> LimiterBackend | None:
    """The backend ``--limiter`` names, or exit 2 with what was expected."""
    if uri is None:
        return None
    try:
        return backend_from_uri(uri)
    except ValueError as exc:
        fail(f"--limiter: {exc}", 2)
    except ImportError as exc:  # an extra (sqlite, redis) that is not installed
        fail(f"--limiter: {exc}", 2)


def install_warning_format(stream: TextIO | None = None) -> None:
    """Show library warnings (revision lifecycle) as one ``warning:`` line, not a source line."""

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        click.echo(f"warning: {scrub(str(message))}", file=stream or sys.stderr)

    warnings.showwarning = show
