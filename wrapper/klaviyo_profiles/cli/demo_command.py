"""``klaviyo-profiles demo``: the tour, on the embedded sandbox unless a server is named.

The tour itself is :func:`klaviyo_profiles.demo.run_demo`, imported when the command runs;
this module only styles its lines.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import click
from rich.console import Console
from rich.json import JSON
from rich.text import Text

from ..auth import API_KEY_ENV
from ..errors import APIConnectionError, InvalidInputError
from ..extras import MissingExtraError
from .common import (
    CONTEXT,
    api_key_option,
    fail,
    insecure_http_option,
    load_api_key,
    stdout_console,
)

__all__ = ["demo"]


class _DemoRenderer(io.TextIOBase):
    """Takes the plain text ``run_demo`` writes and shows it with Rich, line by line.

    ``demo.run_demo`` stays the one definition of the tour (also ``python -m
    klaviyo_profiles.demo``); this only styles its lines, and prints any line it does not
    recognise as it is.
    """

    _STEP = re.compile(r"^(\d+)\. (.*)$")
    _CALLS = ("create_or_update_profile(", "create_or_update_profiles(", "bulk_import_profiles(")

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
        elif stripped.startswith(self._CALLS):
            console.print(Text("   ") + Text(stripped, style="cyan"))
        elif stripped.startswith("-> "):
            if "Error" in stripped or "error." in stripped:
                style = "bold red"
            else:
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


@click.command("demo", context_settings=CONTEXT)
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

    Then the traps: a bulk import job leaves a null unchanged (create_or_update_profiles
    sends such a row one by one), and an error the API answers is typed, pointing at the
    field. With no --base-url it runs on an embedded sandbox: no API key, no network.
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
    except InvalidInputError as exc:  # --base-url, refused before anything is shown
        fail(str(exc), 2)
    except APIConnectionError as exc:
        fail(str(exc))
    except Exception as exc:  # read-back failures (httpx) are reported, not traced
        if type(exc).__module__.startswith("httpx"):
            fail(f"reading the profile back failed: {exc}")
        raise
    finally:
        renderer.flush()
    return code
