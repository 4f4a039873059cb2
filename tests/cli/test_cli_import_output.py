"""``import``: ``--output json`` for cron and CI, and ``--nulls omit``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli_helpers import invoke, no_secret
from klaviyo_profiles.sandbox import Sandbox

FAST = ["--no-pacing", "--poll-interval", "0.05"]
SINGLE_PATH = "/api/profile-import"
JOBS_PATH = "/api/profile-bulk-import-jobs"


def _import(sandbox: Sandbox, path: Path, *options: str) -> Any:
    return invoke(["import", str(path), "--base-url", sandbox.base_url, *FAST, *options])


def _posts(sandbox: Sandbox, path: str) -> list[dict[str, Any]]:
    return [e for e in sandbox.requests() if e["method"] == "POST" and e["path"] == path]


def _stored(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}


# ---- --output json


def test_output_json_is_one_object_on_stdout_with_counts_paths_and_status(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("E-Mail,First Name,Spent\na@example.com,Ada,3.5\nb@example.com,Bo,1\n")
    result = _import(sandbox, source, "--output", "json", "--map", "Spent=properties.spent:number")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()  # no progress, no notes: one document
    document = json.loads(line)
    assert document["exit_code"] == 0 and "error" not in document
    assert (document["rows"], document["created"], document["rejected"]) == (2, 2, 0)
    assert document["journal"] == str(tmp_path / "people.csv.journal.sqlite")
    assert document["rejects"] is None
    assert document["columns"] == {
        "E-Mail": "email",
        "First Name": "first_name",
        "Spent": "properties.spent:number",
    }
    assert "rows 2/2" in result.stderr  # progress goes to stderr
    no_secret(result.stdout, result.stderr)


def test_output_json_of_a_run_with_rejects_says_why_and_exits_1(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,properties.n\na@example.com,1\nnot-an-email,2\n")
    result = _import(sandbox, source, "--output", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["created"], document["rejected"], document["exit_code"]) == (1, 1, 1)
    assert document["rejects"] == str(tmp_path / "people.csv.rejects.csv")
    assert document["error"] == {
        "message": f"1 rows failed; see {tmp_path / 'people.csv.rejects.csv'}",
        "exit_code": 1,
    }


def test_output_json_of_a_refusal_before_sending_is_the_error_document(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,Phone\na@example.com,+1\n")
    result = _import(sandbox, source, "--output", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert list(document) == ["error"] and document["error"]["exit_code"] == 2
    assert "column 'Phone' is not a profile field" in document["error"]["message"]
    assert result.stderr == ""
    assert sandbox.requests() == []


# ---- --nulls


def test_nulls_omit_keeps_stored_values_and_lets_rows_go_in_jobs(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    sandbox.set_jobs(queue_delay=0.0)
    emails = [f"n{number}@example.com" for number in range(120)]
    first = tmp_path / "first.csv"
    first.write_text("email,first_name\n" + "".join(f"{e},Keep\n" for e in emails))
    assert _import(sandbox, first, "--via", "single").exit_code == 0
    lines = [
        json.dumps({"email": e, "first_name": None, "last_name": "L", "location": {"zip": None}})
        for e in emails
    ]
    source = tmp_path / "feed.jsonl"
    source.write_text("\n".join(lines) + "\n")
    singles = len(_posts(sandbox, SINGLE_PATH))
    result = _import(sandbox, source, "--nulls", "omit")
    assert result.exit_code == 0, result.output
    assert len(_posts(sandbox, SINGLE_PATH)) == singles  # no row fell to the single path
    assert len(_posts(sandbox, JOBS_PATH)) == 1
    stored = _stored(sandbox)
    assert all(stored[e]["first_name"] == "Keep" and stored[e]["last_name"] == "L" for e in emails)
    # The default clears, one by one.
    cleared = _import(sandbox, source, "--journal", str(tmp_path / "j2.sqlite"))
    assert cleared.exit_code == 0, cleared.output
    assert len(_posts(sandbox, SINGLE_PATH)) == singles + 120
    assert all(attributes["first_name"] is None for attributes in _stored(sandbox).values())


def test_nulls_omit_leaves_out_a_null_token_cell_like_an_empty_one(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email,first_name,last_name\na@example.com,NULL,Lovelace\n")
    result = _import(sandbox, source, "--null-token", "NULL", "--nulls", "omit")
    assert result.exit_code == 0, result.output
    (sent,) = _posts(sandbox, SINGLE_PATH)
    assert sent["body"]["data"]["attributes"] == {"email": "a@example.com", "last_name": "Lovelace"}
