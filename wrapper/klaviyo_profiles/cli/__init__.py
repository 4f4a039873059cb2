"""``klaviyo-profiles``: the command line (Click for parsing, Rich for output).

Commands: ``upsert`` (one profile), ``import`` (a CSV or JSON Lines file, resumable),
``sandbox`` (serve the local stand-in), ``demo`` (the tour, on the embedded sandbox by
default) and ``revision`` (what the installed client was generated for).

Click rather than Typer because ``upsert``'s attribute options are built in a loop from the
generated attribute list, which Click's decorator API does directly and Typer (which reads
function signatures) cannot without synthesizing them.

Expected failures print ``error: <message>`` on stderr and exit 1 (2 for bad usage or input);
the API key (``$KLAVIYO_API_KEY`` or ``--api-key-file``) is never printed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import re
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import click
from klaviyo_profile_import import facts
from klaviyo_profile_import.arguments import ARGUMENT_TO_ATTRIBUTE
from rich.console import Console
from rich.json import JSON
from rich.table import Table
from rich.text import Text

from ..auth import API_KEY_ENV
from ..body import decode_json
from ..client import DEFAULT_BASE_URL, KlaviyoProfiles
from ..errors import (
    APIConnectionError,
    APIStatusError,
    InvalidInputError,
    KlaviyoError,
    LimiterUnavailableError,
)
from ..extras import MissingExtraError
from ..result import ProfileResult
from ..revision import revision_status
from .common import (
    CliError,
    api_key_option,
    base_url_option,
    fail,
    insecure_http_option,
    install_warning_format,
    limiter_backend,
    limiter_option,
    load_api_key,
    remember_secret,
    scrub,
    stdout_console,
)
from .fields import LOCATION_FIELDS, SCALAR_ARGUMENTS, Target, assemble_body, coerce_text
from .fields import resolve_target as _resolve_target

__all__ = ["CliError", "app", "main"]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _App(click.Group):
    """A group whose failures all read ``error: <message>``, in and out of standalone mode.

    ``sandbox`` is listed with its one-line help and built only when it is run (see
    :func:`_sandbox_command`), so that other commands never import the sandbox's web stack.
    """

    def invoke(self, ctx: click.Context) -> Any:
        # Here rather than in main: Click before 8.2 turns a broken pipe that reaches its
        # main into exit status 1.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            return _closed_pipe()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "sandbox"])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "sandbox":
            return click.Command("sandbox", help=_SANDBOX_HELP)  # listed, not run
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name == "sandbox":
            command = _sandbox_command()
        return name, command, rest

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


@click.group(cls=_App, context_settings=_CONTEXT)
@click.version_option(package_name="klaviyo-profiles", prog_name="klaviyo-profiles")
def app() -> None:
    """Create or update Klaviyo profiles from the command line.

    Run `klaviyo-profiles demo` for a tour on the embedded sandbox (no key, no network).
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``klaviyo-profiles`` script; returns the exit status."""
    code: int = app.main(args=argv, standalone_mode=False)
    return code


# --------------------------------------------------------------------------------------------
# upsert


#: Help for the identifier options, which say more than "set X": they also pick the profile.
_IDENTIFIER_HELP = {
    "email": "set email; also an identifier: matches an existing profile by email",
    "phone_number": "set phone_number (E.164, e.g. +15005550006); also an identifier",
    "external_id": "set external_id, your own id for the profile; also an identifier",
    "kx": "set _kx, the encrypted id Klaviyo puts in tracked links; also an identifier "
    "(matches the profile of the person who clicked)",
}


def _delimiter(text: str) -> str:
    """``--delimiter``: one character; ``\\t`` and ``tab`` name the tab."""
    value = "\t" if text in ("\\t", "tab", "TAB") else text
    if len(value) != 1 or value in ('"', "\r", "\n"):
        fail(f"--delimiter expects one character (e.g. ';' or tab), got {text!r}", 2)
    return value


def _max_attempts_option(function: Any) -> Any:
    return click.option(
        "--max-attempts",
        type=click.IntRange(1, 20),
        default=5,
        show_default=True,
        help="attempts per profile, retries included (429, 5xx, dropped connections); "
        "1 turns retries off",
    )(function)


def _attribute_options(function: Any) -> Any:
    """One option per scalar attribute and per location field, from the generated lists."""
    for field in reversed(LOCATION_FIELDS):
        function = click.option(
            f"--location-{field.replace('_', '-')}",
            f"location__{field}",
            metavar="TEXT",
            default=None,
            help=f"set location.{field}",
        )(function)
    for argument in reversed(SCALAR_ARGUMENTS):
        function = click.option(
            f"--{argument.replace('_', '-')}",
            f"attribute__{argument}",
            metavar="TEXT",
            default=None,
            help=_IDENTIFIER_HELP.get(argument, f"set {ARGUMENT_TO_ATTRIBUTE[argument]}"),
        )(function)
    return function


def _resolve(name: str, what: str) -> Target:
    try:
        return _resolve_target(name)
    except InvalidInputError as exc:
        fail(f"{what}: {exc}", 2)


def _parse_property(text: str) -> tuple[str, Any]:
    key, equals, value = text.partition("=")
    if not equals or not key:
        fail(f"--property expects KEY=VALUE, got {text!r}", 2)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value  # not JSON: the text itself


def _split_list(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _read_json_body(source: str) -> Any:
    try:
        if source == "-":
            return decode_json(sys.stdin.read())
        with open(source, encoding="utf-8") as handle:
            return decode_json(handle.read())
    except OSError as exc:
        fail(f"cannot read --json {source}: {exc.strerror or exc}", 2)
    except ValueError as exc:
        fail(f"--json {source} is not valid JSON: {exc}", 2)


def _flatten(attributes: Mapping[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for name, value in attributes.items():
        if isinstance(value, dict) and name in ("location", "properties") and value:
            rows.extend((f"{name}.{key}", item) for key, item in value.items())
        else:
            rows.append((name, value))
    return rows


def _show_value(value: Any) -> Text:
    if value is None:
        return Text("null", style="dim")
    if isinstance(value, str):
        return Text(value)
    return Text(json.dumps(value, ensure_ascii=False))


def _print_result(console: Console, result: ProfileResult, output: str) -> None:
    if output == "json":
        document = {
            "status_code": result.status_code,
            "created": result.created,
            "profile_id": result.profile_id,
            "profile": result.raw,
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    verb = "created" if result.created else "updated"
    console.print(
        Text.assemble(
            (verb, "bold green" if result.created else "bold cyan"),
            f" ({result.status_code})  id ",
            (str(result.profile_id), "bold"),
        )
    )
    table = Table("field", "value", title=None, show_header=True, header_style="bold")
    for name, value in _flatten(result.attributes):
        table.add_row(name, _show_value(value))
    console.print(table)


@app.command(context_settings=_CONTEXT)
@_attribute_options
@click.option("--id", "profile_id", metavar="ID", help="the profile's id (updates that profile)")
@click.option(
    "--property",
    "properties",
    multiple=True,
    metavar="KEY=VALUE",
    help="set a custom property (VALUE read as JSON when it parses, else text); repeatable",
)
@click.option(
    "--clear",
    "clears",
    multiple=True,
    metavar="FIELD",
    help="send null for FIELD (e.g. last_name, location.city, properties.plan); repeatable",
)
@click.option(
    "--json",
    "json_source",
    metavar="FILE",
    help="send this JSON:API body as it is ('-' reads stdin)",
)
@click.option(
    "--additional-fields",
    multiple=True,
    metavar="NAME[,NAME]",
    help=f"also return these ({', '.join(facts.ADDITIONAL_FIELDS) or 'none'})",
)
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_max_attempts_option
@limiter_option
@api_key_option
@base_url_option
@insecure_http_option
def upsert(
    profile_id: str | None,
    properties: tuple[str, ...],
    clears: tuple[str, ...],
    json_source: str | None,
    additional_fields: tuple[str, ...],
    output: str,
    max_attempts: int,
    limiter: str | None,
    api_key_file: Path | None,
    base_url: str | None,
    allow_insecure_http: bool,
    **fields: str | None,
) -> int:
    """Create a profile, or update the one its identifiers match.

    An option left out leaves the stored value alone; --clear sends null and clears it.
    """
    values: list[tuple[Target, Any]] = []
    for option, text in fields.items():
        if text is None:
            continue
        kind, _, name = option.partition("__")
        target: Target = (kind, name)
        try:
            values.append((target, coerce_text(target, text)))
        except InvalidInputError as exc:
            fail(str(exc), 2)
    if profile_id is not None:
        values.append((("id",), profile_id))
    for text in properties:
        key, value = _parse_property(text)
        values.append((("properties", key), value))
    given = {target for target, _ in values}
    for name in clears:
        target = _resolve(name, "--clear")
        if target in given:
            fail(f"--clear {name} conflicts with a value given for the same field", 2)
        values.append((target, None))

    body: Any
    if json_source is not None:
        if values:
            fail("--json sends the body as it is; give no field options with it", 2)
        body = _read_json_body(json_source)
    else:
        if not values:
            fail("nothing to send: give at least one field (e.g. --email) or --json FILE", 2)
        try:
            body = assemble_body(values)
        except InvalidInputError as exc:
            fail(str(exc), 2)

    backend = limiter_backend(limiter)
    key = load_api_key(api_key_file)
    console = stdout_console()
    try:
        with KlaviyoProfiles(
            api_key=key,
            base_url=base_url or DEFAULT_BASE_URL,
            limiter_backend=backend,
            allow_insecure_http=allow_insecure_http,
        ) as client:
            result = client.create_or_update_profile(
                body=body,
                additional_fields=_split_list(additional_fields) or None,
                max_attempts=max_attempts,
            )
    except InvalidInputError as exc:
        fail(str(exc), 2)
    except APIStatusError as exc:
        details = "; ".join(error.describe() for error in exc.errors) or str(exc)
        fail(f"{exc.status_code} {type(exc).__name__}: {details}")
    except KlaviyoError as exc:
        fail(str(exc))
    _print_result(console, result, output)
    return 0


# --------------------------------------------------------------------------------------------
# import


@app.command("import", context_settings=_CONTEXT)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default=None,
    help="file format (default: from the extension)",
)
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="send COLUMN as FIELD (e.g. 'Mail=email', 'Plan=properties.plan'); "
    "'COLUMN=' skips it; repeatable",
)
@click.option(
    "--delimiter",
    default=",",
    show_default=True,
    metavar="CHAR",
    help="CSV cell separator: one character, e.g. ';' (\\t or tab for tabs)",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="the file's text encoding, e.g. cp1252 or latin-1 for older spreadsheet exports",
)
@click.option(
    "--null-token",
    metavar="TOKEN",
    default=None,
    help="a cell equal to TOKEN clears the field (default: none; empty cells leave it alone)",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="requests in flight at once (all under the rate limiter)",
)
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="outcome journal (default FILE.journal.sqlite); re-running resumes from it",
)
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="reject file (default FILE.rejects.csv or FILE.rejects.jsonl)",
)
@click.option(
    "--via",
    type=click.Choice(["auto", "bulk", "single"]),
    default="auto",
    show_default=True,
    help="bulk: rows that clear nothing go in bulk import jobs (10,000 a request), rows with "
    "a null go one by one (only that clears); single: every row one by one; auto: as bulk, "
    "but a file of fewer than 100 rows goes one by one",
)
@click.option(
    "--max-jobs",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="bulk import jobs in flight at once",
)
@click.option(
    "--job-size",
    type=click.IntRange(1, None),
    default=None,
    metavar="N",
    help="at most N profiles per job (default and ceiling: the API's limit per job)",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(0.01, 60),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="first pause between two polls of a job (it grows to 30 s while the job runs)",
)
@click.option(
    "--job-timeout",
    type=click.FloatRange(1, None),
    default=3600.0,
    show_default=True,
    metavar="SECONDS",
    help="stop when a job has not ended after this long; the job stays in the journal and "
    "the next run polls it again",
)
@click.option("--additional-fields", multiple=True, metavar="NAME[,NAME]", hidden=True)
@click.option(
    "--no-pacing",
    is_flag=True,
    help="do not pace requests under Klaviyo's rate limits (for a sandbox without limits)",
)
@_max_attempts_option
@limiter_option
@api_key_option
@base_url_option
@insecure_http_option
def import_(
    file: Path,
    fmt: str | None,
    mappings: tuple[str, ...],
    delimiter: str,
    encoding: str,
    null_token: str | None,
    concurrency: int,
    journal_path: Path | None,
    rejects_path: Path | None,
    via: str,
    max_jobs: int,
    job_size: int | None,
    poll_interval: float,
    job_timeout: float,
    additional_fields: tuple[str, ...],
    no_pacing: bool,
    max_attempts: int,
    limiter: str | None,
    api_key_file: Path | None,
    base_url: str | None,
    allow_insecure_http: bool,
) -> int:
    """Create or update a profile for every row of a CSV or JSON Lines FILE.

    Columns go to the field of the same name (email, first_name, location.city or
    location_city, properties.<key>, ...). An empty cell leaves the field unchanged.

    Every outcome is journalled; running the same command again after a crash, Ctrl-C or
    kill -9 skips the rows already done. A row that was in flight at the crash is sent
    again, which the upsert answers with 200 (updated): it never creates a second profile.
    A bulk import job is journalled as soon as the API accepts it, and a re-run polls it
    instead of sending its rows again. Rows that fail go to the reject file, and the exit
    status is 1.
    """
    from .importer import (
        HeaderError,
        ImportSettings,
        PreflightError,
        RejectFileError,
        Via,
        detect_format,
        run_import,
        text_encoding,
    )

    mapping: dict[str, str] = {}
    for text in mappings:
        column, equals, target = text.partition("=")
        if not equals or not column:
            fail(f"--map expects COLUMN=FIELD, got {text!r}", 2)
        if target:
            _resolve(target, f"--map {column}")
        mapping[column] = target
    backend = limiter_backend(limiter)
    key = load_api_key(api_key_file)
    console = stdout_console()
    try:
        settings = ImportSettings(
            path=file,
            fmt=detect_format(file, fmt),
            api_key=key,
            base_url=base_url,
            allow_insecure_http=allow_insecure_http,
            delimiter=_delimiter(delimiter),
            encoding=text_encoding(encoding),
            mapping=mapping,
            null_token=null_token,
            concurrency=concurrency,
            journal_path=journal_path,
            rejects_path=rejects_path,
            additional_fields=tuple(_split_list(additional_fields)),
            pacing=not no_pacing,
            max_attempts=max_attempts,
            limiter=backend,
            via=cast(Via, via),
            max_jobs=max_jobs,
            job_size=job_size,
            poll_interval=poll_interval,
            job_timeout=job_timeout,
        )
        summary = run_import(settings, console)
    except (HeaderError, PreflightError) as exc:
        fail(str(exc), 2)
    except RejectFileError as exc:
        fail(str(exc))
    except UnicodeDecodeError as exc:
        fail(f"{file.name} is not UTF-8 text: {exc.reason}", 2)
    except csv.Error as exc:  # a NUL byte, say: a binary file named .csv
        fail(f"{file.name} cannot be read as CSV: {exc}", 2)
    except LimiterUnavailableError as exc:  # a ConnectionError, so before OSError
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot read {file.name}: {exc.strerror or exc}", 2)
    except InvalidInputError as exc:
        fail(str(exc), 2)
    except KlaviyoError as exc:  # the shared limiter is out of reach, for one
        fail(str(exc))

    elapsed = max(summary.elapsed, 1e-9)
    sent = summary.sent + summary.rejected + summary.failed
    jobs = ""
    if summary.bulk or summary.imported or summary.jobs_started:
        jobs = f"{summary.imported} imported in bulk jobs ({summary.jobs_started} started), "
    console.print(
        f"done in {summary.elapsed:.1f}s ({sent / elapsed:,.0f} rows/s): "
        f"{summary.created} created, {summary.updated} updated, {jobs}"
        f"{summary.rejected} rejected, {summary.failed} failed after retries, "
        f"{summary.skipped} skipped (done by an earlier run)",
        highlight=False,
    )
    if summary.in_doubt:
        console.print(
            f"{summary.in_doubt} rows of a bulk job request that may have reached Klaviyo (a "
            "run stopped while asking, or the request failed after sending) were sent one by "
            "one instead, never in a second job",
            highlight=False,
        )
    if summary.source is not None:
        console.print(f"{file.name}: {summary.source.describe()}", highlight=False)
    console.print(f"journal: {settings.journal_file}", highlight=False)
    if summary.reject_file_rows:
        console.print(
            f"rejects: {summary.reject_file_rows} rows in {settings.rejects_file}", highlight=False
        )
    if summary.interrupted:
        fail("interrupted; run the same command again to resume", 130)
    if summary.aborted:
        fail(f"stopped: {summary.aborted}; {summary.abort_hint}")
    if summary.reject_file_rows:
        fail(f"{summary.reject_file_rows} rows failed; see {settings.rejects_file}")
    return 0


# --------------------------------------------------------------------------------------------
# sandbox


_SANDBOX_HELP = "Serve the local sandbox: Klaviyo's endpoint on loopback, for tests and demos."


def _sandbox_command() -> click.Command:
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
            help=_SANDBOX_HELP,
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        )
        def missing() -> None:
            fail(message)

        return missing

    parser = build_parser()
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
            f"Klaviyo sandbox (revision {', '.join(config.revisions)}) on "
            f"http://{args.host}:{args.port}  -  admin: /sandbox/  -  Ctrl-C stops"
        )
        sys.stdout.flush()
        serve(config, host=args.host, port=args.port)
        return 0

    return click.Command(
        "sandbox", callback=run, params=params, help=_SANDBOX_HELP, context_settings=_CONTEXT
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


# --------------------------------------------------------------------------------------------
# demo


class _DemoRenderer(io.TextIOBase):
    """Takes the plain text ``run_demo`` writes and shows it with Rich, line by line.

    ``demo.run_demo`` stays the one definition of the tour (also ``python -m
    klaviyo_profiles.demo``); this only styles its lines, and prints any line it does not
    recognise as it is.
    """

    _STEP = re.compile(r"^(\d+)\. (.*)$")

    def __init__(self, console: Console) -> None:
        super().__init__()
        self._console = console
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            self._render(line)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._render(self._pending)
            self._pending = ""

    def _render(self, line: str) -> None:
        console = self._console
        stripped = line.strip()
        step = self._STEP.match(line)
        if line.startswith("klaviyo-profiles demo:"):
            console.rule(Text(line, style="bold"))
        elif step:
            console.print(Text(line, style="bold yellow"))
        elif stripped.startswith("create_or_update_profile("):
            console.print(Text("   ") + Text(stripped, style="cyan"))
        elif stripped.startswith("-> "):
            style = "bold green" if " 201 " in stripped else "bold cyan"
            console.print(Text("   ") + Text(stripped, style=style))
        elif stripped.startswith("stored: "):
            document = stripped[len("stored: ") :]
            try:
                rendered = JSON(document, indent=None).text
            except ValueError:
                rendered = Text(document)
            console.print(Text("   stored: ", style="dim") + rendered)
        else:
            console.print(Text(line))


@app.command(context_settings=_CONTEXT)
@api_key_option
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="run against this server with your API key (default: an embedded sandbox, "
    "no key, no network)",
)
@insecure_http_option
def demo(api_key_file: Path | None, base_url: str | None, allow_insecure_http: bool) -> int:
    """The tour: create (201), update (200), clear with null, keep by leaving out.

    With no --base-url it runs on an embedded sandbox: no API key, no network.
    """
    from ..demo import run_demo

    if base_url is not None:
        key = load_api_key(api_key_file)
        # run_demo reads the key from the environment; this sets it for this process only.
        os.environ[API_KEY_ENV] = key
    renderer = _DemoRenderer(stdout_console())
    try:
        code = run_demo(base_url, out=renderer, allow_insecure_http=allow_insecure_http)
    except SystemExit as exc:
        fail(str(exc.code), 2)
    except MissingExtraError as exc:
        fail(str(exc))
    except APIConnectionError as exc:
        fail(str(exc))
    except Exception as exc:  # read-back failures (httpx) are reported, not traced
        if type(exc).__module__.startswith("httpx"):
            fail(f"reading the profile back failed: {exc}")
        raise
    finally:
        renderer.flush()
    return code


# --------------------------------------------------------------------------------------------
# revision


@app.command(context_settings=_CONTEXT)
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
def revision(output: str) -> int:
    """The pinned API revision, its lifecycle today, limits and where the client came from."""
    status = revision_status(facts.REVISION)
    info: dict[str, Any] = {
        "revision": facts.REVISION,
        "status": status.state,
        "released": status.released.isoformat(),
        "deprecated_on": status.deprecated_on.isoformat(),
        "retired_on": status.retired_on.isoformat(),
        "endpoint": f"{facts.METHOD} {facts.PATH}",
        "rate_limits": {
            "burst": f"{facts.BURST_LIMIT} per {facts.BURST_PERIOD_SECONDS}s",
            "steady": f"{facts.STEADY_LIMIT} per {facts.STEADY_PERIOD_SECONDS}s",
            "as_documented": dict(facts.RATE_LIMIT_TEXT),
        },
        "payload_limit_bytes": facts.PAYLOAD_LIMIT_BYTES,
        "scopes": list(facts.SCOPES),
        "generator_versions": dict(facts.GENERATOR_VERSIONS),
    }
    if output == "json":
        click.echo(json.dumps(info, indent=2))
        return 0
    styles = {"stable": "green", "deprecated": "yellow", "retired": "bold red"}
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("revision", facts.REVISION)
    table.add_row(
        "status today",
        Text(status.state, style=styles[status.state])
        + Text(
            f"  (released {info['released']}, deprecated from {info['deprecated_on']}, "
            f"retired from {info['retired_on']})"
        ),
    )
    table.add_row("endpoint", info["endpoint"])
    table.add_row(
        "rate limits",
        f"burst {info['rate_limits']['burst']}, steady {info['rate_limits']['steady']}",
    )
    table.add_row(
        "payload limit",
        f"{facts.PAYLOAD_LIMIT_BYTES} bytes ({facts.PAYLOAD_LIMIT_BYTES / 1024:g} KiB)",
    )
    table.add_row("scopes", ", ".join(facts.SCOPES))
    table.add_row(
        "generated with",
        ", ".join(f"{name} {version}" for name, version in facts.GENERATOR_VERSIONS.items()),
    )
    stdout_console().print(table)
    return 0
