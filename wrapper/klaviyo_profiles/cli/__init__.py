"""``klaviyo-profiles``: the command line (Click for parsing, Rich for output).

Commands: ``upsert`` (one profile), ``import`` (a CSV or JSON Lines file, resumable),
``fields`` (the field names columns and options can use), ``sandbox`` (serve the local
stand-in), ``demo`` (the tour, on the embedded sandbox by default) and ``revision`` (what the
installed client was generated for). Each is defined in its own module (``upsert_command``
...), named in :data:`.basics.COMMANDS` and imported when it is run or its own help is asked
for: ``klaviyo-profiles --help`` lists them from that table, so it loads none of them (nor the
client, httpx or Rich). A new command is one more module and one more entry there.

Click rather than Typer because ``upsert``'s attribute options are built in a loop from the
generated attribute list, which Click's decorator API does directly and Typer (which reads
function signatures) cannot without synthesizing them.

Expected failures print ``error: <message>`` on stderr and exit 1 (2 for bad usage or input);
the API key (``$KLAVIYO_API_KEY`` or ``--api-key-file``) is never printed.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, cast

import click

from .._env import API_KEY_ENV
from .basics import COMMANDS, CONTEXT, CliError, install_warning_format
from .masking import remember_secret, scrub

__all__ = ["CliError", "app", "main"]


class _App(click.Group):
    """A group whose failures all read ``error: <message>``, in and out of standalone mode.

    Its commands are imported when they are looked up (:data:`.basics.COMMANDS` says where);
    its ``--help`` lists them from that table without importing them. ``sandbox`` is built
    each time it is run (see :func:`.sandbox_command.build_sandbox_command`), so that other
    commands never import the sandbox's web stack.
    """

    def invoke(self, ctx: click.Context) -> Any:
        # Here rather than in main: Click before 8.2 turns a broken pipe that reaches its
        # main into exit status 1.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            return _closed_pipe()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in COMMANDS:
            return command
        module, attribute, _ = COMMANDS[cmd_name]
        found = getattr(importlib.import_module(module, __name__), attribute)
        if cmd_name == "sandbox":
            return cast(click.Command, found())  # built afresh each time, not kept
        self.add_command(found, cmd_name)
        return cast(click.Command, found)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # Read before Click's: for a name that looks like an option, its parser consumes the
        # list while it reports that option.
        name = click.utils.make_str(args[0]) if args else None
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError:
            # Click suggests a near name only among the commands it has imported (and only
            # from 8.4 on); here every command is a candidate, imported or not. An option's
            # failure (no such option...) stays Click's.
            commands = self.list_commands(ctx)
            if name is None or name.startswith("-") or name in commands:
                raise
            raise _no_such_command(name, commands, ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Click's listing, with the commands not imported yet standing in as their help
        # alone: the same text, and nothing imported to show it.
        listed = [
            (name, self.commands.get(name) or click.Command(name, help=COMMANDS[name][2]))
            for name in self.list_commands(ctx)
        ]
        rows = [(name, command) for name, command in listed if not command.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl(
                    [(name, command.get_short_help_str(limit)) for name, command in rows]
                )

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        install_warning_format()
        # Known from the start, so that even a usage error naming it shows it masked.
        remember_secret(os.environ.get(API_KEY_ENV) or "")
        argv = list(sys.argv[1:] if args is None else args)
        show = _json_error if _wants_json(argv) else _text_error
        try:
            value = super().main(
                argv,
                prog_name or "klaviyo-profiles",
                complete_var,
                standalone_mode=False,
                **extra,
            )
            code = value if isinstance(value, int) else 0
        except click.UsageError as exc:
            if exc.ctx is not None and show is _text_error:
                click.echo(exc.ctx.get_usage(), err=True)
            code = show(exc.format_message(), 2)
        except CliError as exc:
            code = show(exc.message, exc.exit_code)
        except click.ClickException as exc:
            code = show(exc.format_message(), exc.exit_code)
        except click.Abort:
            code = show("interrupted", 130)
        except BrokenPipeError:
            code = _closed_pipe()
        if standalone_mode:
            sys.exit(code)
        return code


def _no_such_command(name: str, commands: list[str], ctx: click.Context) -> click.UsageError:
    """Click's failure for a command ``name`` that is none of ``commands``, naming the near
    ones: its own NoSuchCommand from Click 8.4 on (the type and its attributes kept), before
    that a usage error in the same words."""
    if hasattr(click.exceptions, "NoSuchCommand"):
        return click.exceptions.NoSuchCommand(name, possibilities=commands, ctx=ctx)
    message = f"No such command {name!r}."
    close = sorted(difflib.get_close_matches(name, commands))
    if len(close) == 1:
        message += f" Did you mean {close[0]!r}?"
    elif close:
        message += f" (Did you mean one of: {', '.join(repr(c) for c in close)}?)"
    return click.UsageError(message, ctx)


def _wants_json(argv: Sequence[str]) -> bool:
    """``--output json`` anywhere among the arguments (seen before Click parses them, so
    that a usage error is reported as JSON too)."""
    return "--output=json" in argv or any(
        argv[i] == "--output" and argv[i + 1] == "json" for i in range(len(argv) - 1)
    )


def _cli_words(message: str) -> str:
    # The library's advice names its keyword argument; here the option does the same.
    return message.replace("pass allow_insecure_http=True", "pass --allow-insecure-http")


def _text_error(message: str, code: int) -> int:
    click.echo(f"error: {scrub(_cli_words(message))}", err=True)
    return code


def _json_error(message: str, code: int) -> int:
    """With ``--output json`` a failure is a JSON document on stdout too, so that a script
    reading stdout gets something it can parse: ``{"error": {"message", "exit_code"}}``."""
    document = {"error": {"message": scrub(_cli_words(message)), "exit_code": code}}
    try:
        click.echo(json.dumps(document, ensure_ascii=False))
    except BrokenPipeError:
        return _closed_pipe()
    return code


def _closed_pipe() -> int:
    """The reader went away (``| head``): stop quietly, as other command-line tools do.

    Later writes, including the interpreter's final flush, go to /dev/null instead of
    raising again; the status is the shell's for a process ended by SIGPIPE.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 141


@click.group(cls=_App, context_settings=CONTEXT)
@click.version_option(package_name="klaviyo-profiles", prog_name="klaviyo-profiles")
def app() -> None:
    """Create or update Klaviyo profiles from the command line.

    Run `klaviyo-profiles demo` for a tour on the embedded sandbox (no key, no network).
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``klaviyo-profiles`` script; returns the exit status."""
    code: int = app.main(args=argv, standalone_mode=False)
    return code
