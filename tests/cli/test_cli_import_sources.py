"""``import`` reading odd files: open quotes, multi-line cells, huge rows, repeated JSON names,
identifiers of the wrong type. Each run talks to the sandbox over loopback."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from cli_helpers import invoke
from hypothesis import given, settings
from hypothesis import strategies as st
from klaviyo_profiles.cli.importer import sources
from klaviyo_profiles.cli.importer.sources import (
    EXCERPT_CHARS,
    ROW_TEXT_LIMIT,
    _Quotes,
    count_rows,
    read_rows,
)
from klaviyo_profiles.sandbox import Sandbox


def _import(path: Path, sandbox: Sandbox, *extra: str) -> Any:
    return invoke(["import", str(path), "--base-url", sandbox.base_url, "--no-pacing", *extra])


def _stored(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}


def _csv_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _jsonl_rejects(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# -- CSV quotes that span lines ---------------------------------------------------------------


def test_csv_ending_inside_an_open_quote_is_refused_before_sending(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text('email,first_name\na@example.com,"unterminated\nb@example.com,B\n')
    result = _import(source, sandbox)
    # Before: exit 0, one profile whose first_name held the next line, row b never sent.
    assert result.exit_code == 2, result.output
    assert "opened on line 2 is never closed" in result.stderr
    assert "lines 2-3" in result.stderr
    assert sandbox.requests() == []


def test_csv_row_whose_open_quote_swallowed_rows_is_rejected_naming_the_lines(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        "email,first_name\n"
        'a@example.com,"unterminated\n'
        "b@example.com,B\n"
        'c@example.com,C"\n'
        "d@example.com,D\n"
    )
    result = _import(source, sandbox)
    assert result.exit_code == 1
    assert set(_stored(sandbox)) == {"d@example.com"}
    [reject] = _csv_rejects(tmp_path / "people.csv.rejects.csv")
    assert reject["row"] == "1"
    assert "lines 2-4" in reject["error"] and "line 3" in reject["error"]
    assert "b@example.com,B" in reject["first_name"]  # the merged text is shown, not lost
    assert "read 2 rows from 5 lines" in result.stdout


def test_multi_line_cells_are_imported_and_the_summary_accounts_for_every_line(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        'email,first_name\na@example.com,"two\nlines"\n\nb@example.com,"three\nlong\nlines"\n'
        "c@example.com,C\n"
    )
    result = _import(source, sandbox)
    assert result.exit_code == 0, result.output
    assert _stored(sandbox)["a@example.com"]["first_name"] == "two\nlines"
    assert _stored(sandbox)["b@example.com"]["first_name"] == "three\nlong\nlines"
    # 1 header + 1 blank + 3 rows + 3 lines inside cells = 8 lines.
    assert (
        "people.csv: read 3 rows from 8 lines (1 header, 1 blank, 3 lines inside multi-line "
        "cells: row 1 spans lines 2-3, row 2 spans lines 5-7)"
    ) in result.stdout


def test_counting_agrees_with_reading(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text('email,first_name\n\na@example.com,"x\ny"\nb@example.com,B')
    stats = count_rows(source, "csv")
    assert (stats.lines, stats.header_lines, stats.blank_lines, stats.rows) == (5, 1, 1, 2)
    assert stats.continuation_lines == 1
    assert [row.lines for row in read_rows(source, "csv")] == [(3, 4), (5, 5)]


_CSV_TEXT = st.lists(st.sampled_from(['"', ",", "a", "\n", '""']), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(_CSV_TEXT)
def test_quote_tracking_ends_records_where_the_csv_module_does(text: str) -> None:
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(iter(lines))
    ends = set()
    for _ in reader:
        ends.add(reader.line_num)
    quotes = _Quotes(",")
    tracked = set()
    for number, line in enumerate(lines, start=1):
        quotes.scan(line, number)
        if not quotes.open:
            tracked.add(number)
    last = len(lines)
    # At the end of the file the csv module ends the record whatever the quotes.
    assert ends - {last} == tracked - {last}


_LINE_PIECES = ["a", "bb", ",", "\r", "\n", "\r\n", "\u00e9"]


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.sampled_from(_LINE_PIECES), max_size=40).map("".join),
    fmt=st.sampled_from(["csv", "jsonl"]),
    limit=st.integers(2, 8),
    piece=st.integers(1, 5),
)
def test_lines_are_counted_as_python_splits_them_whatever_the_piece_size(
    text: str, fmt: str, limit: int, piece: int
) -> None:
    # Tiny limits, so that rows go over and are read in pieces, and a piece can end between
    # the \r and the \n of one line ending.
    header = "h\n" if fmt == "csv" else ""
    # The reference: Python's own split into lines (at \n, \r\n and a lone \r).
    reference = io.StringIO(header + text, newline="").readlines()
    first_row_line = 2 if header else 1
    expected_rows = [
        (number, number)
        for number, line in enumerate(reference, start=1)
        if number >= first_row_line and line.rstrip("\r\n")
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"lines.{fmt}"
        path.write_bytes((header + text).encode("utf-8"))
        with (
            mock.patch.object(sources, "ROW_TEXT_LIMIT", limit),
            mock.patch.object(sources, "_CHUNK", piece),
        ):
            counted = count_rows(path, fmt)  # type: ignore[arg-type]
            stats = sources.SourceStats()
            rows = list(read_rows(path, fmt, stats=stats))  # type: ignore[arg-type]
    assert counted.lines == stats.lines == len(reference)
    assert [row.lines for row in rows] == expected_rows
    assert counted.rows + counted.blank_lines + counted.header_lines == len(reference)


# -- rows too large to send ---------------------------------------------------------------------


def _big_file(path: Path, kind: str, mib: int) -> None:
    """Two small rows around one row of ``mib`` MiB, written in pieces."""
    with path.open("w", encoding="utf-8") as handle:
        if kind == "csv":
            handle.write('email,first_name\nbefore@example.com,A\nbig@example.com,"')
        else:
            handle.write('{"email": "before@example.com"}\n{"email": "big@example.com", "t": "')
        for _ in range(mib):
            handle.write("x" * (1 << 20))
        handle.write(
            '"\nafter@example.com,B\n' if kind == "csv" else '"}\n{"email": "after@example.com"}\n'
        )


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_a_huge_row_is_rejected_with_an_excerpt_and_its_line(
    kind: str, sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / f"people.{kind}"
    _big_file(source, kind, 24)
    result = _import(source, sandbox)
    # Before: CSV stopped the whole import (exit 2); JSON Lines copied the line whole into
    # the journal and the reject file.
    assert result.exit_code == 1, result.output
    assert set(_stored(sandbox)) == {"before@example.com", "after@example.com"}
    rejects_path = tmp_path / f"people.{kind}.rejects.{kind}"
    assert rejects_path.stat().st_size < 4096
    if kind == "csv":
        [reject] = _csv_rejects(rejects_path)
        excerpt = reject["email"]
    else:
        [reject] = _jsonl_rejects(rejects_path)
        excerpt = reject["line"]
    assert reject["row"] in ("2", 2)
    line = 3 if kind == "csv" else 2  # under the header, or not
    assert "too large" in reject["error"] and f"on line {line}," in reject["error"]
    assert f"{ROW_TEXT_LIMIT:,}" in reject["error"]
    assert len(excerpt) <= EXCERPT_CHARS and "big@example.com" in excerpt
    db = sqlite3.connect(tmp_path / f"people.{kind}.journal.sqlite")
    try:
        longest = db.execute("SELECT max(length(original)) FROM rows").fetchone()[0]
    finally:
        db.close()
    assert longest < 4 * EXCERPT_CHARS


def test_a_crlf_row_cut_between_its_cr_and_lf_is_still_one_line(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # The first read of a row takes ROW_TEXT_LIMIT + 1 characters, then pieces of _CHUNK:
    # this row's \r is the last character of its first piece, its \n the next piece.
    head = "big@example.com,"
    big = head + "z" * (ROW_TEXT_LIMIT + sources._CHUNK - len(head))
    source = tmp_path / "people.csv"
    source.write_bytes(f"email,first_name\r\n{big}\r\nafter@example.com,B\r\n".encode())
    result = _import(source, sandbox)
    assert result.exit_code == 1, result.output
    # Before: "from 4 lines (1 header, 1 blank)", and every later row one line off.
    assert "read 2 rows from 3 lines (1 header)" in result.stdout
    assert set(_stored(sandbox)) == {"after@example.com"}
    [reject] = _csv_rejects(tmp_path / "people.csv.rejects.csv")
    assert "on line 2," in reject["error"]


def test_a_huge_line_inside_a_multi_line_cell_keeps_the_rows_after_it_whole(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    with source.open("w", encoding="utf-8") as handle:
        handle.write('email,first_name\nbig@example.com,"starts here\n')
        handle.write('y, "" ' * (ROW_TEXT_LIMIT // 3))  # quotes and commas inside the cell
        handle.write('\nends here"\nafter@example.com,"B, quoted"\n')
    result = _import(source, sandbox)
    assert result.exit_code == 1, result.output
    assert _stored(sandbox) == {"after@example.com": _stored(sandbox)["after@example.com"]}
    assert _stored(sandbox)["after@example.com"]["first_name"] == "B, quoted"
    [reject] = _csv_rejects(tmp_path / "people.csv.rejects.csv")
    assert "lines 2-4" in reject["error"]


def test_a_cell_of_many_short_lines_over_the_limit_is_rejected(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    many = "\n".join(["z" * 99] * (ROW_TEXT_LIMIT // 100 + 10))
    source.write_text(f'email,first_name\nbig@example.com,"{many}"\nafter@example.com,B\n')
    result = _import(source, sandbox)
    assert result.exit_code == 1, result.output
    assert set(_stored(sandbox)) == {"after@example.com"}
    [reject] = _csv_rejects(tmp_path / "people.csv.rejects.csv")
    assert "too large" in reject["error"] and "lines 2-" in reject["error"]


def test_a_huge_row_edited_past_its_excerpt_is_judged_again(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.jsonl"
    head = '{"email": "big@example.com", "first_name": "'
    source.write_text(head + "x" * (ROW_TEXT_LIMIT + 10) + '"}\n')
    assert _import(source, sandbox).exit_code == 1
    # The same start (so the same excerpt), another length: the journal must not take the
    # row for the one it judged (the digest of the whole row is part of its hash).
    source.write_text(head + "x" * (ROW_TEXT_LIMIT + 20) + '"}\n')
    again = _import(source, sandbox)
    assert "0 skipped" in again.stdout
    [reject] = _jsonl_rejects(tmp_path / "people.jsonl.rejects.jsonl")
    assert f"{ROW_TEXT_LIMIT + 67:,} characters" in reject["error"]


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


def test_a_json_line_naming_one_field_twice_is_rejected_naming_both_spellings(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.jsonl"
    source.write_text(
        '{"email": "a@example.com", "location.city": "Oslo", "location": {"city": "Bergen"}}\n'
        '{"email": "b@example.com", "location_city": "Oslo", "location.city": "Bergen"}\n'
        '{"email": "c@example.com", "_kx": "k1", "kx": "k2"}\n'
        '{"email": "d@example.com", "properties": {"plan": "pro"}, "properties.plan": "free"}\n'
        '{"email": "e@example.com", "location": {"country": "NO"}, "location.city": "Oslo"}\n'
    )
    result = _import(source, sandbox)
    # Before: exit 0, each row sent with one of its two values, picked by member order.
    assert result.exit_code == 1, result.output
    assert set(_stored(sandbox)) == {"e@example.com"}
    # Members that name different fields of one object still merge.
    assert _stored(sandbox)["e@example.com"]["location"] == {"country": "NO", "city": "Oslo"}
    errors = [reject["error"] for reject in _jsonl_rejects(tmp_path / "people.jsonl.rejects.jsonl")]
    assert errors == [
        "location.city: expected one value; given by both 'location' and 'location.city'",
        "location.city: expected one value; given by both 'location_city' and 'location.city'",
        "kx: expected one value; given by both '_kx' and 'kx'",
        "properties.plan: expected one value; given by both 'properties' and 'properties.plan'",
    ]


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
