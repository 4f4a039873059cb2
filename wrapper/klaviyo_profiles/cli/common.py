"""What every command shares: the API key, common options, error reporting and warnings."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.segment import Segment

from ..auth import API_KEY_ENV, resolve_api_key
from ..errors import APIStatusError, InvalidInputError
from ..limiter_urls import backend_from_uri
from ..ratelimit import LimiterBackend
from .basics import CONTEXT, CliError, fail, install_warning_format
from .fields import Target, resolve_target
from .masking import remember_secret, scrub

__all__ = [
    "CONTEXT",
    "CliError",
    "api_key_option",
    "base_url_option",
    "describe_error",
    "fail",
    "insecure_http_option",
    "install_warning_format",
    "limiter_backend",
    "limiter_option",
    "load_api_key",
    "max_attempts_option",
    "remember_secret",
    "resolve_or_fail",
    "scrub",
    "split_list",
    "stderr_console",
    "stdout_console",
]

#: A key file is one short line; anything longer is not a key file (and is not read whole).
_KEY_FILE_LIMIT = 4096


def describe_error(exc: BaseException) -> str:
    """One line for a failure, as the journal, the reject file and ``error:`` show it: the
    status and each of Klaviyo's error objects for an API error, else the message (or the
    exception's name); with every key masked."""
    if isinstance(exc, APIStatusError) and exc.errors:
        details = "; ".join(error.describe() for error in exc.errors)
        return scrub(f"{exc.status_code}: {details}")
    if isinstance(exc, APIStatusError):
        return scrub(f"{exc.status_code}: {exc}")
    return scrub(str(exc) or type(exc).__name__)


def _has_bad_characters(key: str) -> bool:
    return any(char.isspace() or not char.isprintable() for char in key)


class _Console(Console):
    """Rich's console, except that a closed pipe raises ``BrokenPipeError`` for the command
    line to handle in one place (Rich would exit with status 1 from inside a print), and that
    what it writes is scrubbed of keys (a path or a value it shows may hold one)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # Where every print and live refresh turns into the text written, after Rich has cut
        # what it cuts (a table cell ends in "…"): one place that sees all of it.
        return scrub(super()._render_buffer(buffer))


def stdout_console() -> Console:
    """Rich output on stdout; colours and live displays only on a terminal."""
    return _Console(highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    """The same on stderr, for progress and notes when stdout carries a JSON document."""
    return _Console(highlight=False, soft_wrap=True, stderr=True)


def load_api_key(api_key_file: Path | None) -> str:
    """The key from ``--api-key-file`` or ``$KLAVIYO_API_KEY``; never printed.

    There is deliberately no ``--api-key`` option: a key on the command line ends up in the
    shell history and in ``ps`` output for every user of the machine.
    """
    if api_key_file is not None:
        context = click.get_current_context(silent=True)
        early = context.meta.get(_KEY_FILE_READ) if context is not None else None
        key = early[1] if early is not None and early[0] == api_key_file else None
        if key is None:
            key = _read_key_file(api_key_file)
    else:
        key = os.environ.get(API_KEY_ENV) or ""
        if not key:
            fail(f"no API key: set ${API_KEY_ENV} or pass --api-key-file PATH", 2)
        remember_secret(key)
        if _has_bad_characters(key):
            fail(
                f"${API_KEY_ENV} contains whitespace or a control character (a trailing "
                "newline, say); set it to the key alone (the value is not shown)",
                2,
            )
    try:
        return resolve_api_key(key)
    except InvalidInputError as exc:
        fail(str(exc), 2)


def _warn_if_shared(path: Path) -> None:
    """Warn, as ssh does for private keys, when other users may read the key file."""
    if os.name != "posix":
        return  # Windows has no permission bits to read this from
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & 0o077:
        click.echo(
            f"warning: --api-key-file can be read by other users (mode {mode & 0o777:o}); "
            "restrict it with chmod 600",
            err=True,
        )


def _read_key_file(path: Path) -> str:
    """The key in ``path``: one line, with at most one line ending after it.

    No message names the path: a key typed by mistake as the ``--api-key-file`` value would
    be echoed back by "no such file: <the key>".
    """
    not_shown = "(the path is not shown, in case it is the key itself)"
    try:
        with path.open("rb") as handle:
            data = handle.read(_KEY_FILE_LIMIT + 1)
    except FileNotFoundError:
        fail(f"--api-key-file: no such file {not_shown}", 2)
    except IsADirectoryError:
        fail(f"--api-key-file names a directory, not a file {not_shown}", 2)
    except OSError as exc:
        fail(f"--api-key-file cannot be read: {exc.strerror or type(exc).__name__} {not_shown}", 2)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail("--api-key-file is not UTF-8 text; it should hold the key on one line", 2)
    remember_secret(text)
    _warn_if_shared(path)
    if len(data) > _KEY_FILE_LIMIT:
        fail("--api-key-file is too large to hold an API key; it should hold one line", 2)
    # One line ending after the key is how editors and `echo` save a file; nothing else is
    # trimmed, so a key damaged by a stray space or tab is refused rather than guessed at.
    if text.endswith("\r\n"):
        key = text[:-2]
    elif text.endswith("\n"):
        key = text[:-1]
    else:
        key = text
    if not key:
        fail("--api-key-file is empty", 2)
    if _has_bad_characters(key):
        fail(
            "the API key in --api-key-file contains whitespace or a control character (only "
            "one line ending after it is allowed); the key is not shown",
            2,
        )
    return key


#: Where :func:`api_key_option` keeps the key it read, for :func:`load_api_key`.
_KEY_FILE_READ = "klaviyo_profiles.key_file"


def _read_key_file_first(
    context: click.Context, parameter: click.Parameter, value: Path | None
) -> Path | None:
    """Read the key file before any other option or argument is checked, so that its key is
    masked in every message about them (Click's own included); read once, as a pipe
    (``<(...)``) gives its data once."""
    if value is not None:
        context.meta[_KEY_FILE_READ] = (value, _read_key_file(value))
    return value


def api_key_option(function: Any) -> Any:
    """``--api-key-file PATH``."""
    return click.option(
        "--api-key-file",
        # No existence or kind checks by Click: its messages quote the value, which may be a
        # key typed in the wrong place. load_api_key reports those cases without the value.
        type=click.Path(path_type=Path),
        default=None,
        is_eager=True,
        callback=_read_key_file_first,
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


def insecure_http_option(function: Any) -> Any:
    """``--allow-insecure-http``: the client's ``allow_insecure_http=True``."""
    return click.option(
        "--allow-insecure-http",
        is_flag=True,
        help="allow a plain http:// --base-url off loopback (the API key then travels "
        "unencrypted; for a sandbox or proxy on a trusted network)",
    )(function)


def max_attempts_option(function: Any) -> Any:
    """``--max-attempts N``: attempts per profile, retries included."""
    return click.option(
        "--max-attempts",
        type=click.IntRange(1, 20),
        default=5,
        show_default=True,
        help="attempts per profile, retries included (429, 5xx, dropped connections); "
        "1 turns retries off",
    )(function)


def split_list(values: Sequence[str]) -> list[str]:
    """The names of a repeatable ``NAME[,NAME]`` option, in order, blanks dropped."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def resolve_or_fail(name: str, what: str) -> Target:
    """The target ``name`` names, or exit 2 with ``what: <why not>``."""
    try:
        return resolve_target(name)
    except InvalidInputError as exc:
        fail(f"{what}: {exc}", 2)


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
