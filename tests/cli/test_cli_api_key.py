"""The API key on the command line: read exactly, refused clearly, never shown or stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import SECRET_KEY, invoke, no_secret
from klaviyo_profiles.cli import masking
from klaviyo_profiles.cli.importer import ImportSettings
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig

UPSERT = ["upsert", "--email", "a@example.com", "--max-attempts", "1"]


@pytest.fixture(autouse=True)
def _forget_keys() -> None:
    """Each test starts with no key remembered by an earlier one (the CLI runs in-process)."""
    masking.forget_secrets()


@pytest.fixture(scope="module")
def strict_server() -> Iterator[Sandbox]:
    """A sandbox that accepts the test key exactly as written, and no other."""
    config = SandboxConfig(
        api_keys={SECRET_KEY: ("profiles:write",)}, rate_limits=RateLimitConfig(enabled=False)
    )
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture
def strict(strict_server: Sandbox) -> Sandbox:
    """The strict sandbox, emptied for this test."""
    strict_server.reset()
    return strict_server


def _written_text(directory: Path, source: Path) -> str:
    """Every byte the import wrote beside ``source`` (journal, WAL, lock, reject file)."""
    return "".join(
        path.read_bytes().decode("utf-8", "replace")
        for path in directory.iterdir()
        if path.is_file() and path != source
    )


@pytest.mark.parametrize("value", [SECRET_KEY, SECRET_KEY + "\n", " " + SECRET_KEY])
@pytest.mark.parametrize("command", ["upsert", "import"])
def test_key_typed_as_the_key_file_value_is_never_echoed(
    command: str, value: str, strict: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLAVIYO_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "people.csv"
    source.write_text("email\na@example.com\n")
    args = UPSERT if command == "upsert" else ["import", str(source)]
    result = invoke([*args, "--base-url", strict.base_url, "--api-key-file", value])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --api-key-file: no such file")
    assert "not shown" in result.stderr
    no_secret(result.output)
    assert strict.requests() == []


def test_key_file_that_is_a_directory_or_unreadable_is_refused_without_its_path(
    strict: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLAVIYO_API_KEY", raising=False)
    secret_dir = tmp_path / SECRET_KEY
    secret_dir.mkdir()
    as_dir = invoke([*UPSERT, "--base-url", strict.base_url, "--api-key-file", str(secret_dir)])
    assert as_dir.exit_code == 2 and "names a directory" in as_dir.stderr
    # A path through a file (not a directory): the read fails with ENOTDIR.
    (tmp_path / "plain").write_text("x")
    through_file = tmp_path / "plain" / SECRET_KEY
    unreadable = invoke(
        [*UPSERT, "--base-url", strict.base_url, "--api-key-file", str(through_file)]
    )
    assert unreadable.exit_code == 2 and "cannot be read: Not a directory" in unreadable.stderr
    for result in (as_dir, unreadable):
        assert "Traceback" not in result.output
        no_secret(result.output)
    assert strict.requests() == []


@pytest.mark.parametrize("ending", ["", "\n", "\r\n", "\ufeff"])
def test_key_file_with_one_line_ending_sends_the_exact_key(
    ending: str, strict: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLAVIYO_API_KEY", raising=False)
    key_file = tmp_path / "key"
    # "\ufeff": a byte order mark in front, as some editors save UTF-8.
    text = ending + SECRET_KEY if ending == "\ufeff" else SECRET_KEY + ending
    key_file.write_bytes(text.encode("utf-8"))
    result = invoke([*UPSERT, "--base-url", strict.base_url, "--api-key-file", str(key_file)])
    # The sandbox accepts only the key itself: a 201 proves nothing else was sent with it.
    assert result.exit_code == 0, result.stderr
    assert "created (201)" in result.stdout
    no_secret(result.output)


@pytest.mark.parametrize("damage", ["\t", " ", "\n\n", "\r", "\x00", " inner"])
@pytest.mark.parametrize("command", ["upsert", "import"])
def test_key_file_with_other_whitespace_is_refused_without_showing_the_key(
    command: str,
    damage: str,
    strict: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KLAVIYO_API_KEY", raising=False)
    key_file = tmp_path / "key"
    key_file.write_bytes((SECRET_KEY + damage).encode())
    source = tmp_path / "people.csv"
    source.write_text("email\na@example.com\n")
    args = UPSERT if command == "upsert" else ["import", str(source), "--no-pacing"]
    result = invoke([*args, "--base-url", strict.base_url, "--api-key-file", str(key_file)])
    assert result.exit_code == 2
    assert "whitespace or a control character" in result.stderr
    no_secret(result.output)
    assert strict.requests() == []
    assert not (tmp_path / "people.csv.journal.sqlite").exists()


def test_key_file_that_is_not_a_key_file_is_refused(
    strict: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLAVIYO_API_KEY", raising=False)
    empty = tmp_path / "empty"
    empty.write_text("")
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe" + SECRET_KEY.encode())
    large = tmp_path / "large"
    large.write_text(SECRET_KEY + "\n" + "x" * 10_000)
    expected = {empty: "is empty", binary: "not UTF-8", large: "too large"}
    for path, words in expected.items():
        result = invoke([*UPSERT, "--base-url", strict.base_url, "--api-key-file", str(path)])
        assert result.exit_code == 2 and words in result.stderr, result.stderr
        assert "Traceback" not in result.output
        no_secret(result.output)
    assert strict.requests() == []


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\t", " "])
def test_environment_key_with_whitespace_stops_import_before_any_file_is_written(
    ending: str, strict: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", SECRET_KEY + ending)
    source = tmp_path / "people.csv"
    source.write_text("email\na@example.com\nb@example.com\n")
    result = invoke(["import", str(source), "--base-url", strict.base_url, "--no-pacing"])
    assert result.exit_code == 2
    assert "$KLAVIYO_API_KEY contains whitespace" in result.stderr
    no_secret(result.output)
    assert strict.requests() == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["people.csv"]


def test_key_shaped_text_in_a_usage_error_is_masked(
    strict: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pasted where an argument goes, or as the file to import: Click's own messages quote it.
    monkeypatch.delenv("KLAVIYO_API_KEY", raising=False)
    extra = invoke([*UPSERT, "--base-url", strict.base_url, SECRET_KEY])
    as_file = invoke(["import", SECRET_KEY, "--base-url", strict.base_url])
    for result in (extra, as_file):
        assert result.exit_code == 2 and "****" in result.stderr
        no_secret(result.output)


def test_key_in_row_data_or_server_errors_never_reaches_journal_or_reject_file(
    strict: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", SECRET_KEY)
    source = tmp_path / "people.csv"
    # The server quotes a bad email in its error; here the bad email is the key itself.
    source.write_text(f"email,first_name\n{SECRET_KEY},Key\nok@example.com,Ok\n")
    result = invoke(["import", str(source), "--base-url", strict.base_url, "--no-pacing"])
    assert result.exit_code == 1
    assert "1 created" in result.stdout and "1 rejected" in result.stdout
    rejects = (tmp_path / "people.csv.rejects.csv").read_text()
    assert "not a valid email" in rejects and "****" in rejects
    written = _written_text(tmp_path, source)
    assert "people.csv.journal.sqlite" in {path.name for path in tmp_path.iterdir()}
    no_secret(result.output, written)


def test_import_settings_repr_hides_the_key(tmp_path: Path) -> None:
    settings = ImportSettings(path=tmp_path / "a.csv", fmt="csv", api_key=SECRET_KEY)
    no_secret(repr(settings), str(settings))


def test_a_key_file_is_read_before_any_value_that_may_quote_it_is_checked(
    strict: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLAVIYO_API_KEY", raising=False)
    key = "zz-Secret-Value-4242"  # not shaped like a private key: masked only once known
    key_file = tmp_path / "key"
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    source = tmp_path / "people.csv"
    source.write_text("email\na@example.com\n")
    mapping = tmp_path / "map.toml"
    mapping.write_text(f'[columns]\n"{key}" = "email"\n')
    command = ["import", str(source), "--base-url", strict.base_url]
    for extra in (
        ["--map", f"{key}=email"],
        ["--map", f"Mail={key}"],
        ["--map-file", str(mapping)],
        ["--concurrency", key],  # Click's own message
    ):
        masking.forget_secrets()  # as in a new process: an earlier case read the key
        result = invoke([*command, *extra, "--api-key-file", str(key_file)])
        assert result.exit_code == 2 and "****" in result.stderr, result.output
        assert key.lower() not in result.output.lower()  # before: the map was echoed
    assert strict.requests() == []


def test_a_header_holding_part_of_the_key_is_masked(
    strict: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", SECRET_KEY)
    parts = [SECRET_KEY[3:], SECRET_KEY[:12], SECRET_KEY.upper(), SECRET_KEY[3:].upper()]
    source = tmp_path / "people.csv"
    source.write_text("email," + ",".join(parts) + "\na@example.com,1,2,3,4\n")
    result = invoke(["import", str(source), "--base-url", strict.base_url, "--output", "json"])
    assert result.exit_code == 2
    message = json.loads(result.stdout)["error"]["message"]
    assert message.startswith("4 columns are not profile fields") and "'****'" in message
    for part in parts:  # before: each shown as it is
        assert part.lower() not in result.output.lower()
    assert strict.requests() == []
