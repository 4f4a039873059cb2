"""Edges of the command line a new user meets: help texts, --output json errors, a closed
pipe, a shared key file, a busy port, plain http off loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import SECRET_KEY, invoke, run_cli
from klaviyo_profiles.cli.importer import HeaderError
from klaviyo_profiles.cli.importer.sources import require_regular_file
from klaviyo_profiles.sandbox import Sandbox


def test_max_attempts_has_help_in_upsert_and_import() -> None:
    for command in ("upsert", "import"):
        result = invoke([command, "--help"])
        assert "retries included" in result.output, command


def test_kx_help_says_what_kx_is() -> None:
    result = invoke(["upsert", "--help"])
    assert "tracked links" in result.output
    assert "identifier" in result.output


def test_demo_base_url_help_names_the_embedded_sandbox_as_default() -> None:
    result = invoke(["demo", "--help"])
    assert "default: an embedded sandbox" in " ".join(result.output.split())
    assert "a.klaviyo.com" not in result.output


def test_sandbox_help_is_a_click_command_like_the_others() -> None:
    result = invoke(["sandbox", "--help"])
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ") and " sandbox [OPTIONS]" in result.output
    assert "[default: 8080]" in result.output
    assert "-h, --help" in result.output


def test_group_help_lists_sandbox_with_its_summary() -> None:
    result = invoke(["--help"])
    assert "sandbox   Serve the local sandbox" in result.output


def test_plain_http_off_loopback_is_refused_with_the_option_to_allow_it(
    cli_env: dict[str, str],
) -> None:
    result = invoke(["upsert", "--email", "a@example.com", "--base-url", "http://example.test"])
    assert result.exit_code == 2
    assert "--allow-insecure-http" in result.stderr


def test_allow_insecure_http_reaches_the_client(cli_env: dict[str, str]) -> None:
    # The .invalid name never resolves, so nothing leaves the machine: the client accepts
    # the URL and only the connection fails.
    result = invoke(
        [
            "upsert",
            "--email",
            "a@example.com",
            "--base-url",
            "http://localhost.invalid:1",
            "--allow-insecure-http",
            "--max-attempts",
            "1",
        ]
    )
    assert "allow-insecure-http" not in result.stderr
    assert result.exit_code == 1
    assert "Connection error" in result.stderr


def test_output_json_errors_are_json(cli_env: dict[str, str]) -> None:
    result = invoke(
        ["upsert", "--output", "json", "--email", "a@example.com", "--base-url", "ftp://x"]
    )
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["error"]["exit_code"] == 2
    assert "base_url" in document["error"]["message"]


def test_output_json_usage_errors_are_json() -> None:
    result = invoke(["upsert", "--output=json", "--no-such-option"])
    assert result.exit_code == 2
    assert "--no-such-option" in json.loads(result.stdout)["error"]["message"]


def test_demo_into_a_closed_pipe_exits_quietly(cli_env: dict[str, str]) -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "klaviyo_profiles.cli", "demo"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert demo.stdout is not None and demo.stderr is not None
    demo.stdout.readline()
    demo.stdout.close()  # what `| head -1` does once it has its line
    stderr = demo.stderr.read().decode()
    assert demo.wait(timeout=60) == 141
    assert stderr == ""


def test_key_file_readable_by_others_is_warned_about(
    tmp_path: Path, cli_env: dict[str, str], sandbox: Sandbox
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(SECRET_KEY + "\n")
    key_file.chmod(0o644)
    env = {k: v for k, v in cli_env.items() if k != "KLAVIYO_API_KEY"}
    args = ["upsert", "--email", "a@example.com", "--base-url", sandbox.base_url]
    shared = run_cli([*args, "--api-key-file", str(key_file)], env)
    assert shared.returncode == 0, shared.stderr
    assert "can be read by other users" in shared.stderr and "chmod 600" in shared.stderr
    key_file.chmod(0o600)
    private = run_cli([*args, "--api-key-file", str(key_file)], env)
    assert private.returncode == 0
    assert "other users" not in private.stderr
    assert SECRET_KEY not in shared.stderr + private.stderr


def test_sandbox_on_a_busy_port_fails_before_the_banner(cli_env: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(["sandbox", "--port", str(port)], cli_env, timeout=60)
    assert result.returncode == 1
    assert "Klaviyo sandbox" not in result.stdout
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr


def test_semicolon_csv_names_the_delimiter_to_pass(tmp_path: Path, cli_env: dict[str, str]) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email;first_name\nsemi@example.com;Sam\n")
    result = invoke(["import", str(source), "--base-url", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "pass --delimiter ';'" in result.stderr
    assert "not a profile field" not in result.stderr


def test_delimiter_and_encoding_read_a_cp1252_semicolon_export(
    tmp_path: Path, cli_env: dict[str, str], sandbox: Sandbox
) -> None:
    source = tmp_path / "export.csv"
    source.write_bytes("email;first_name\nzoe@example.com;Zoë\n".encode("cp1252"))
    args = ["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"]
    plain = invoke([*args, "--delimiter", ";"])
    assert plain.exit_code == 2 and "--encoding" in plain.stderr
    result = invoke([*args, "--delimiter", ";", "--encoding", "cp1252"])
    assert result.exit_code == 0, result.stderr
    (profile,) = sandbox.profiles()
    assert profile["attributes"]["first_name"] == "Zoë"


def test_tab_delimiter_by_name(tmp_path: Path, cli_env: dict[str, str], sandbox: Sandbox) -> None:
    source = tmp_path / "people.tsv.csv"
    source.write_text("email\tlast_name\ntab@example.com\tTabb\n")
    result = invoke(
        ["import", str(source), "--base-url", sandbox.base_url, "--no-pacing", "--delimiter", "tab"]
    )
    assert result.exit_code == 0, result.stderr
    assert sandbox.profiles()[0]["attributes"]["last_name"] == "Tabb"


def test_bad_delimiter_and_encoding_are_usage_errors(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\na@example.com\n")
    base = ["import", str(source), "--base-url", "http://127.0.0.1:9"]
    assert "one character" in invoke([*base, "--delimiter", ";;"]).stderr
    unknown = invoke([*base, "--encoding", "klingon"])
    assert unknown.exit_code == 2 and "unknown encoding 'klingon'" in unknown.stderr


@pytest.mark.parametrize("codec", ["rot13", "base64", "hex", "zlib", "uu", "bz2", "undefined"])
def test_an_encoding_that_does_not_make_text_is_refused_in_one_line(
    codec: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\na@example.com\n")
    result = invoke(
        ["import", str(source), "--base-url", "http://127.0.0.1:9", "--encoding", codec]
    )
    # Before: a LookupError traceback from open().
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: --encoding: {codec!r} is not a text encoding; name the character set the "
        "file was saved in (e.g. utf-8, cp1252, latin-1)\n"
    )


@pytest.mark.parametrize(
    ("codec", "reason"),
    [("utf-16", "does not start with BOM"), ("punycode", "Invalid extended code point")],
)
def test_a_text_encoding_that_fails_on_the_file_is_one_line(
    codec: str, reason: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\na@example.com\n")
    result = invoke(
        ["import", str(source), "--base-url", "http://127.0.0.1:9", "--encoding", codec]
    )
    # Before: a UnicodeError traceback (the codec raises the base class, not a decode error).
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: people.csv is not {codec} text (")
    assert reason in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "options", "separator"),
    [
        ("email,first_name\na@example.com,A\n", ["--delimiter", ";"], ","),
        ("email|first_name\na@example.com|A\n", ["--delimiter", ";"], "|"),
        ("email\tfirst_name\na@example.com\tA\n", ["--delimiter", "|"], "\\t"),
        ("email;first_name\na@example.com;A\n", [], ";"),
    ],
    ids=[
        "comma-read-with-semicolon",
        "pipe-read-with-semicolon",
        "tab-read-with-pipe",
        "semicolon",
    ],
)
def test_a_wrong_delimiter_names_the_separator_that_splits_the_header_into_fields(
    text: str, options: list[str], separator: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    source = tmp_path / "people.csv"
    source.write_text(text)
    result = invoke(["import", str(source), "--base-url", "http://127.0.0.1:9", *options])
    # Before: "column 'email,first_name' is not a profile field", or "not commas" when the
    # file had been read with ';'.
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"('email', 'first_name'), all profile fields: pass --delimiter '{separator}'\n"
    )
    assert "not a profile field" not in result.stderr and "commas" not in result.stderr


def test_a_header_split_into_some_fields_by_another_separator_names_it(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email;first_name;notes, misc\na@example.com;A;x\n")
    result = invoke(["import", str(source), "--base-url", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "not profile fields ('email;first_name;notes', ' misc')" in result.stderr
    assert "2 of them profile fields: pass --delimiter ';' (and --map" in result.stderr


def test_input_from_a_pipe_is_refused_in_one_line(
    tmp_path: Path, cli_env: dict[str, str], sandbox: Sandbox
) -> None:
    # A pipe can be read once: the count before sending used it up, and the rows were then
    # read from nothing.
    result = run_cli(
        ["import", "/dev/stdin", "--base-url", sandbox.base_url, "--no-pacing"],
        cli_env,
        cwd=tmp_path,
        input="email\npiped@example.com\n",
    )
    # Before: "error: stdin has no header row".
    assert result.returncode == 2
    assert result.stderr.startswith("error: /dev/stdin is a pipe: import reads its file")
    assert "'command > people.csv'" in result.stderr and result.stderr.count("\n") == 1
    assert sandbox.requests() == []
    assert list(tmp_path.iterdir()) == []


def test_only_a_regular_file_can_be_imported(tmp_path: Path) -> None:
    fifo = tmp_path / "people.csv"
    os.mkfifo(fifo)
    with pytest.raises(HeaderError, match="is a pipe"):
        require_regular_file(fifo)  # without opening it, which would wait for a writer
    plain = tmp_path / "plain.csv"
    plain.write_text("email\n")
    require_regular_file(plain)
