"""``import`` reading odd files: open quotes, multi-line cells, huge rows, repeated JSON names,
identifiers of the wrong type. Each run talks to the sandbox over loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke
from klaviyo_profiles.sandbox import Sandbox


def _import(path: Path, sandbox: Sandbox, *extra: str) -> Any:
    return invoke(["import", str(path), "--base-url", sandbox.base_url, "--no-pacing", *extra])


def _stored(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}


def _jsonl_rejects(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# -- JSON Lines: repeated member names --------------------------------------------------------


def test_repeated_json_member_names_are_rejected_naming_the_member(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.jsonl"
    source.write_text(
        '{"email": "a@example.com", "email": "b@example.com"}\n'
        '{"email": "c@example.com", "location": {"city": "Oslo", "city": "Bergen"}}\n'
        '{"data": {"type": "profile", "attributes": {"email": "d@example.com",'
        ' "properties": {"p": 1, "p": 2}}}}\n'
        '{"email": "e@example.com", "location": {"city": "Oslo"}}\n'
    )
    result = _import(source, sandbox)
    assert result.exit_code == 1
    assert set(_stored(sandbox)) == {"e@example.com"}
    rejects = _jsonl_rejects(tmp_path / "people.jsonl.rejects.jsonl")
    assert [r["row"] for r in rejects] == [1, 2, 3]
    assert "'email' appears more than once" in rejects[0]["error"]
    assert "'city' appears more than once in the object at location" in rejects[1]["error"]
    assert "at data.attributes.properties" in rejects[2]["error"]


def test_upsert_json_with_a_repeated_member_name_is_refused(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    body = tmp_path / "body.json"
    body.write_text(
        '{"data": {"type": "profile", "attributes": {"email": "a@example.com",'
        ' "email": "b@example.com"}}}'
    )
    result = invoke(["upsert", "--json", str(body), "--base-url", sandbox.base_url])
    assert result.exit_code == 2
    assert "'email' appears more than once" in result.stderr
    assert sandbox.requests() == []


# -- identifiers of the wrong type ------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "value", "field"),
    [
        ("email", 123, "email"),
        ("phone_number", 15005550006, "phone_number"),
        ("external_id", 42, "external_id"),
        ("_kx", True, "_kx"),
        ("kx", ["k"], "_kx"),
        ("id", 7, "id"),
        ("email", {"address": "a@example.com"}, "email"),
    ],
)
def test_an_identifier_of_the_wrong_type_is_named_not_called_missing(
    member: str,
    value: Any,
    field: str,
    sandbox: Sandbox,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    source = tmp_path / "people.jsonl"
    source.write_text(json.dumps({member: value}) + "\n")
    result = _import(source, sandbox)
    assert result.exit_code == 1
    [reject] = _jsonl_rejects(tmp_path / "people.jsonl.rejects.jsonl")
    assert "no identifier" not in reject["error"]
    assert f"{field}: expected a string" in reject["error"]
    assert sandbox.requests() == []
