"""``klaviyo-profiles --help`` lists every command from ``cli.basics.COMMANDS`` without
importing it; the listing must read exactly as the commands' own help would make it."""

from __future__ import annotations

import inspect
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
