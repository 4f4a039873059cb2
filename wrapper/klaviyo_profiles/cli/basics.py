"""What the command group needs before any command is loaded: the Click settings every
command shares, the error every command stops with, the one-line form of warnings, and what
``klaviyo-profiles --help`` lists.

Kept to Click and the standard library (and :mod:`.masking`): ``--help``, ``--version`` and a
usage error load this module and the group, not the commands, so they never import the client,
httpx or Rich. :mod:`.common` re-exports what commands use from here.
"""

from __future__ import annotations

import logging
import sys
import warnings
from typing import Any, NoReturn, TextIO

import click

from .masking import scrub

__all__ = ["COMMANDS", "CONTEXT", "CliError", "fail", "install_warning_format"]

#: Every command: the module that defines it, its name there, and the first paragraph of its
#: help, which the group's ``--help`` lists without importing the module (a test keeps each
#: the same as the command's own help). ``sandbox`` is built by a function when it is run.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": (
        ".demo_command",
        "demo",
        "The tour: create (201), update (200), clear with null, keep by leaving out.",
    ),
    "fields": (
        ".fields_command",
        "fields",
        "List the profile fields a column, --map or --clear can name, with their types.",
    ),
    "import": (
        ".import_command",
        "import_",
        "Create or update a profile for every row of a CSV or JSON Lines FILE.",
    ),
    "revision": (
        ".revision_command",
        "revision",
        "The pinned API revision, its lifecycle today, limits and where the client came from.",
    ),
    "sandbox": (
        ".sandbox_command",
        "build_sandbox_command",
        "Serve the local sandbox: Klaviyo's endpoint on loopback, for tests and demos.",
    ),
    "upsert": (
        ".upsert_command",
        "upsert",
        "Create a profile, or update the one its identifiers match.",
    ),
}

#: Click settings of the group and of every command: ``-h`` as well as ``--help``.
CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


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


class _WarningLines(logging.Handler):
    """The limiter's log warnings (Redis unreachable, back again, garbage repaired) as one
    ``warning:`` line each on stderr, as it is when each is written (Click swaps it in tests)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = " ".join(record.getMessage().split())  # one line, whatever the message
            click.echo(f"warning: {scrub(text)}", err=True)
        except Exception:  # logging must never stop the command
            self.handleError(record)


def install_warning_format(stream: TextIO | None = None) -> None:
    """Show library warnings (revision lifecycle) as one ``warning:`` line, not a source line;
    and the limiter's logged warnings the same way (the library itself only logs them)."""
    limiter_log = logging.getLogger("klaviyo_profiles.ratelimit")
    if not any(isinstance(handler, _WarningLines) for handler in limiter_log.handlers):
        limiter_log.addHandler(_WarningLines(logging.WARNING))

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
