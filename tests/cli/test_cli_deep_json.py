"""JSON nested past what Python's decoder can recurse through is one clear line, not a
RecursionError traceback, both for ``upsert --json`` and for a JSON Lines import."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import invoke
from klaviyo_profiles.body import MAX_JSON_DEPTH
from klaviyo_profiles.sandbox import Sandbox

LEVELS = 100_000


def test_upsert_json_nested_too_deep_is_refused_in_one_line(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "deep.json"
    source.write_text(
        '{"data":{"type":"profile","attributes":{"email":"a@example.com","properties":'
        + '{"a":' * LEVELS
        + "1"
        + "}" * LEVELS
        + "}}}"
    )
    result = invoke(["upsert", "--json", str(source), "--base-url", sandbox.base_url])
    assert result.exit_code == 2
    assert f"{MAX_JSON_DEPTH} levels" in result.stderr and "Traceback" not in result.output
    assert sandbox.requests() == []


def test_import_line_nested_too_deep_is_rejected_and_the_rest_sent(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.jsonl"
    deep = '{"email":"deep@example.com","properties.x":' + "[" * LEVELS + "]" * LEVELS + "}"
    source.write_text(deep + '\n{"email":"ok@example.com"}\n')
    result = invoke(["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"])
    assert result.exit_code == 1, result.output
    rejects = (tmp_path / "people.jsonl.rejects.jsonl").read_text()
    assert f"{MAX_JSON_DEPTH} levels" in rejects
    assert [p["attributes"]["email"] for p in sandbox.profiles()] == ["ok@example.com"]


def test_a_repeated_name_closed_before_deep_nesting_is_refused_in_one_line(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    deep = "[" * 5000 + "]" * 5000
    repeated = '"location": {"city": "A", "city": "B"}'
    body = tmp_path / "body.json"
    body.write_text(
        '{"data": {"type": "profile", "attributes": {"email": "a@example.com", '
        + repeated
        + ', "properties": {"q": '
        + deep
        + "}}}}"
    )
    upsert = invoke(["upsert", "--json", str(body), "--base-url", sandbox.base_url])
    # Before: a RecursionError traceback.
    assert upsert.exit_code == 2, upsert.output
    assert f"{MAX_JSON_DEPTH} levels" in upsert.stderr
    source = tmp_path / "people.jsonl"
    source.write_text(
        '{"email": "deep@example.com", ' + repeated + ', "properties.q": ' + deep + "}\n"
        '{"email": "ok@example.com"}\n'
    )
    # Twice: a re-run reads the row again (it used to crash the import every time).
    for _ in range(2):
        result = invoke(["import", str(source), "--base-url", sandbox.base_url, "--no-pacing"])
        assert result.exit_code == 1, result.output
    rejects = (tmp_path / "people.jsonl.rejects.jsonl").read_text()
    assert f"{MAX_JSON_DEPTH} levels" in rejects
    assert [p["attributes"]["email"] for p in sandbox.profiles()] == ["ok@example.com"]
