"""``klaviyo-profiles sandbox``: serve the local stand-in, with the sandbox's own options.

Built when it is run (:func:`build_sandbox_command`): the sandbox's web stack is an extra, and
no other command should load it.
"""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Any

import click

from ..extras import MissingExtraError
from .basics import COMMANDS
from .common import CONTEXT, fail

__all__ = ["SANDBOX_HELP", "build_sandbox_command"]

#: The command's one-line help, the group's listing of it (which never builds the command).
SANDBOX_HELP = COMMANDS["sandbox"][2]


def build_sandbox_command() -> click.Command:
    """``sandbox``, built when it is run: its options are the sandbox's own argparse options
    (``python -m klaviyo_profiles.sandbox``), turned into Click options so that they are
    defined once and ``--help`` reads like every other command's. Built on demand because the
    sandbox needs its extra; without it the command says which extra to install."""
    try:
        from ..sandbox.server import build_parser, config_from_args, serve
    except MissingExtraError as exc:
        message = str(exc)

        @click.command(
            "sandbox",
            help=SANDBOX_HELP,
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        )
        def missing() -> None:
            fail(message)

        return missing

    params = _click_params(build_parser())

    def run(**values: Any) -> int:
        for name, value in values.items():
            if isinstance(value, tuple):  # a repeatable option: argparse's None or list
                values[name] = list(value) or None
        args = argparse.Namespace(**values)
        try:
            config = config_from_args(args)
        except ValueError as exc:
            fail(str(exc), 2)
        _check_port_free(args.host, args.port)
        click.echo(
            f"Klaviyo sandbox (revision {config.revisions_text()}) on "
            f"http://{args.host}:{args.port}  -  admin: /sandbox/  -  Ctrl-C stops"
        )
        sys.stdout.flush()
        serve(config, host=args.host, port=args.port)
        return 0

    return click.Command(
        "sandbox", callback=run, params=params, help=SANDBOX_HELP, context_settings=CONTEXT
    )


def _check_port_free(host: str, port: int) -> None:
    """Fail before the serving banner when the address cannot be bound (in use, say).

    uvicorn would report it only after startup, under a banner that said it was serving.
    Binding and releasing leaves a moment in which another process could take the port;
    uvicorn then still fails, later.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror}", 2)
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: SO_REUSEADDR, so a port in TIME_WAIT is not taken for one in use.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}", 1)


def _click_params(parser: argparse.ArgumentParser) -> list[click.Parameter]:
    """The parser's options as Click options (help, defaults, repeatable ones)."""
    params: list[click.Parameter] = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        declarations = [*action.option_strings, action.dest]
        if isinstance(action, argparse._StoreTrueAction):
            params.append(click.Option(declarations, is_flag=True, help=action.help))
        elif isinstance(action, argparse._AppendAction):
            params.append(
                click.Option(
                    declarations,
                    multiple=True,
                    type=action.type or str,
                    metavar=action.metavar,
                    help=action.help,
                )
            )
        else:
            params.append(
                click.Option(
                    declarations,
                    type=action.type or str,
                    default=action.default,
                    show_default=action.default not in (None, ""),
                    metavar=action.metavar,
                    help=action.help,
                )
            )
    return params
