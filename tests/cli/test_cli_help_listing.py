"""``klaviyo-profiles --help`` lists every command from ``cli.basics.COMMANDS`` without
importing it; the listing must read exactly as the commands' own help would make it. A
misspelt command is answered with the near names among all of them, in Click's own words and
(from Click 8.4 on) with Click's own exception, under every Click the project allows."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import click
import pytest
from klaviyo_profiles.cli import app
from klaviyo_profiles.cli.basics import COMMANDS


def _real(name: str) -> click.Command:
    command = app.get_command(click.Context(app), name)
    assert command is not None
    return command


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_help_is_the_first_paragraph_of_the_commands_own_help(name: str) -> None:
    own = inspect.cleandoc(_real(name).help or "").split("\n\n")[0]
    assert " ".join(own.split()) == COMMANDS[name][2]


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("limit", [30, 45, 80])
def test_a_command_listed_before_it_is_imported_reads_as_once_imported(
    name: str, limit: int
) -> None:
    listed = click.Command(name, help=COMMANDS[name][2])
    assert listed.get_short_help_str(limit) == _real(name).get_short_help_str(limit)


def test_every_command_of_the_table_is_listed_and_runs_its_own_help() -> None:
    ctx = click.Context(app)
    assert app.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        assert _real(name).name == name


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    # A process of its own: in this one, commands other tests looked up are imported already,
    # and Click (8.4 on) would find those names by itself.
    return subprocess.run(
        [sys.executable, "-m", "klaviyo_profiles.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("typed", "meant"), [("impor", "import"), ("sandbx", "sandbox")])
def test_a_misspelt_command_is_answered_with_the_near_name_though_not_imported_yet(
    typed: str, meant: str
) -> None:
    finished = _run_cli(typed)
    assert finished.returncode == 2
    assert f"No such command '{typed}'. Did you mean '{meant}'?" in finished.stderr


def test_a_command_near_no_name_is_refused_without_a_guess() -> None:
    finished = _run_cli("xyzzy")
    assert finished.returncode == 2
    assert "No such command 'xyzzy'." in finished.stderr
    assert "Did you mean" not in finished.stderr


def test_several_near_names_are_offered_sorted_in_clicks_own_words() -> None:
    # difflib ranks "upsert" first; Click lists the names in order.
    finished = _run_cli("upsort")
    assert finished.returncode == 2
    assert "No such command 'upsort'. (Did you mean one of: 'import', 'upsert'?)" in (
        finished.stderr
    )


def test_an_unknown_option_before_a_misspelt_command_is_reported_as_that_option() -> None:
    # After "--" the option reaches the command lookup, and Click's parser, reporting it,
    # consumes the arguments: the misspelt command behind it is not what went wrong.
    finished = _run_cli("--", "--hlep", "sandbx")
    assert "No such command" not in finished.stderr
    if hasattr(click.exceptions, "NoSuchCommand"):  # Click 8.1 shows the help instead
        assert finished.returncode == 2
        assert "No such option '--hlep'" in finished.stderr


@pytest.mark.skipif(
    not hasattr(click.exceptions, "NoSuchCommand"), reason="NoSuchCommand is Click 8.4 on"
)
def test_a_misspelt_command_raises_clicks_own_exception_with_every_command_a_candidate() -> None:
    with pytest.raises(click.exceptions.NoSuchCommand) as caught:
        app.resolve_command(click.Context(app), ["upsort"])
    assert caught.value.command_name == "upsort"
    assert sorted(caught.value.possibilities or []) == ["import", "upsert"]


def test_neither_the_help_nor_a_misspelt_command_imports_a_command_module() -> None:
    code = (
        "import contextlib, io, json, sys\n"
        "from klaviyo_profiles.console import main\n"
        "quiet = contextlib.redirect_stdout(io.StringIO())\n"
        "with quiet, contextlib.redirect_stderr(io.StringIO()):\n"
        "    main(['--help'])\n"
        "    main(['impor'])\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.endswith('_command'))))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(finished.stdout.strip().splitlines()[-1]) == []
