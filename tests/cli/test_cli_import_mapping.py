"""``import``: columns that map themselves, a mapping file, typed custom properties.

The acceptance case is a shop's customer export (``data/shopify_customers.csv``, 20 columns
as Shopify names them) imported in one command with ``data/shopify.toml``, numbers and
booleans read back from the sandbox as numbers and booleans.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke, no_secret
from klaviyo_profiles.cli.importer import (
    ColumnMap,
    HeaderError,
    ImportSettings,
    MappingFileError,
    RowMapper,
    load_column_map,
    read_rows,
    typed_value,
)
from klaviyo_profiles.cli.journal import row_hash
from klaviyo_profiles.errors import InvalidInputError
from klaviyo_profiles.sandbox import Sandbox

DATA = Path(__file__).resolve().parent / "data"
FAST = ["--no-pacing", "--poll-interval", "0.05"]


def _stored(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {p["attributes"]["email"]: p["attributes"] for p in sandbox.profiles()}


def _import(sandbox: Sandbox, path: Path, *options: str) -> Any:
    return invoke(["import", str(path), "--base-url", sandbox.base_url, *FAST, *options])


def _rejects(path: Path) -> dict[int, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {int(entry["row"]): entry["error"] for entry in csv.DictReader(handle)}


# ---- header names


def test_headers_name_fields_whatever_their_case_spaces_dashes_and_underscores() -> None:
    mapper = RowMapper(ColumnMap(), None)
    header = ["First Name", "E-Mail", "LAST_NAME", "Location City", "location-zip", "KX"]
    mapper.check_header(header)
    cells = ["Ada", "a@example.com", "L", "Oslo", "0150", "k"]
    body = mapper.body(dict(zip(header, cells, strict=True)))
    assert body["data"]["attributes"] == {
        "first_name": "Ada",
        "email": "a@example.com",
        "last_name": "L",
        "location": {"city": "Oslo", "zip": "0150"},
        "_kx": "k",
    }


def test_no_synonym_is_guessed_and_every_unknown_column_is_listed_at_once(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "shop.csv"
    source.write_text(
        "Email,Phone,Default Address City,Total Spent,frist_name\na@example.com,+1,X,1,Y\n"
    )
    result = _import(sandbox, source)
    assert result.exit_code == 2
    message = result.stderr
    assert message.startswith("error: 4 columns are not profile fields:")
    lines = message.splitlines()
    assert any("'Phone'" in line and "closest field: phone_number" in line for line in lines)
    assert any("'frist_name'" in line and "closest field: first_name" in line for line in lines)
    assert any("'Default Address City'" in line for line in lines)
    assert any("'Total Spent'" in line and "no close field" in line for line in lines)
    assert "--unmapped properties" in message and "klaviyo-profiles fields" in message
    assert sandbox.requests() == []
    assert not (tmp_path / "shop.csv.journal.sqlite").exists()


def test_two_columns_naming_one_field_are_refused_naming_both() -> None:
    mapper = RowMapper(ColumnMap(), None)
    with pytest.raises(HeaderError, match="columns 'Email' and 'E-Mail' both set email"):
        mapper.check_header(["Email", "E-Mail", "first_name"])


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ({"kx": "1", "_kx": "2"}, "kx: expected one value; given by both 'kx' and '_kx'"),
        ({"First Name": "A", "first_name": "B"}, "given by both 'First Name' and 'first_name'"),
        ({"location.city": "A", "location": {"city": "B"}}, "location.city: expected one value"),
        ({"location": {"city": "B"}, "location_city": "A"}, "'location' and 'location_city'"),
    ],
)
def test_a_json_record_naming_one_field_twice_is_refused_naming_both(
    record: dict[str, Any], words: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        RowMapper(ColumnMap(), None).body({"email": "a@example.com", **record})
    assert words in str(caught.value)


def test_the_fields_command_lists_the_names_and_import_help_points_to_it() -> None:
    listed = invoke(["fields"])
    assert listed.exit_code == 0
    for name in ("email", "phone_number", "location.city", "properties.<name>"):
        assert name in listed.stdout
    document = json.loads(invoke(["fields", "--output", "json"]).stdout)
    names = {entry["name"]: entry for entry in document["fields"]}
    assert names["email"]["identifier"] is True and names["first_name"]["identifier"] is False
    assert names["kx"]["wire_name"] == "_kx"
    assert "number" in names["location.latitude"]["types"]
    assert document["property_types"][:2] == ["text", "number"]
    help_text = " ".join(invoke(["import", "--help"]).stdout.split())
    assert "klaviyo-profiles fields" in help_text and "--map-file" in help_text
    assert '"Total Spent" = "properties.total_spent:number"' in help_text


# ---- the acceptance case: a shop's export in one command


@pytest.mark.parametrize("via", ["single", "bulk"])
def test_a_shopify_export_imports_in_one_command_with_its_mapping_file(
    via: str, sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    sandbox.set_jobs(queue_delay=0.0)
    source = tmp_path / "customers_export.csv"
    shutil.copy(DATA / "shopify_customers.csv", source)
    header = next(csv.reader(source.open(encoding="utf-8")))
    assert len(header) == 20
    result = _import(sandbox, source, "--map-file", str(DATA / "shopify.toml"), "--via", via)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "customers_export.csv.rejects.csv").exists()
    stored = _stored(sandbox)
    assert len(stored) == 6
    ada = stored["ada@example.com"]
    assert ada["phone_number"] == "+447700900123"
    assert ada["organization"] == "Analytical Engines Ltd"
    assert ada["location"]["city"] == "London" and ada["location"]["country"] == "GB"
    properties = ada["properties"]
    # Typed cells arrive typed: a number, an integer, booleans; text stays text.
    assert properties["total_spent"] == 17.5 and isinstance(properties["total_spent"], float)
    assert properties["total_orders"] == 3 and isinstance(properties["total_orders"], int)
    assert properties["accepts_email_marketing"] is True
    assert properties["accepts_sms_marketing"] is False
    assert properties["tax_exempt"] is False
    assert properties["tags"] == "vip, newsletter"
    assert properties["shopify_customer_id"] == "7012345678901"  # text: not a number
    assert "Note" not in json.dumps(ada) and "Prefers email" not in json.dumps(ada)
    grace = stored["grace@example.com"]
    assert grace["location"]["zip"] == "02134"  # an attribute the spec types as text
    assert grace["properties"]["total_spent"] == 1204.0
    assert grace["properties"]["accepts_sms_marketing"] is True
    katherine = stored["katherine@example.com"]["properties"]
    assert katherine["accepts_email_marketing"] is True  # "YES": any case
    assert katherine["total_spent"] == 0.0 and katherine["total_orders"] == 0
    assert "tags" not in katherine  # an empty cell leaves the property alone
    assert stored["alan@example.com"]["properties"]["total_spent"] == -12.5
    assert stored["hedy@example.com"]["properties"]["total_spent"] == 250  # no point: integer
    no_secret(result.output)


def test_a_cell_that_does_not_read_as_its_type_rejects_its_row_naming_column_and_row(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "typed.csv"
    source.write_text(
        "email,Total Spent,Opted In,Since\n"
        "ok@example.com,17.50,yes,2024-05-17\n"
        'comma@example.com,"1,204.00",no,2024-05-17\n'
        "maybe@example.com,3,maybe,2024-05-17\n"
        "date@example.com,3,no,17/05/2024\n"
        f"huge@example.com,{2**53},no,2024-05-17\n"
    )
    result = _import(
        sandbox,
        source,
        "--map", "Total Spent=properties.total_spent:number",
        "--map", "Opted In=properties.opted_in:boolean",
        "--map", "Since=properties.since:date",
    )  # fmt: skip
    assert result.exit_code == 1
    rejects = _rejects(tmp_path / "typed.csv.rejects.csv")
    assert sorted(rejects) == [2, 3, 4, 5]
    assert "column 'Total Spent' (properties.total_spent)" in rejects[2]
    assert "no thousands separators" in rejects[2] and "'1,204.00'" in rejects[2]
    assert "column 'Opted In' (properties.opted_in)" in rejects[3] and "'maybe'" in rejects[3]
    assert "column 'Since' (properties.since)" in rejects[4] and "ISO 8601" in rejects[4]
    assert "2**53" in rejects[5]
    # Only the good row was sent: the others never went out as strings.
    assert [entry["body"]["data"]["attributes"]["email"] for entry in sandbox.requests()] == [
        "ok@example.com"
    ]
    assert _stored(sandbox)["ok@example.com"]["properties"] == {
        "total_spent": 17.5,
        "opted_in": True,
        "since": "2024-05-17",
    }


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("number", "17.50", 17.5),
        ("number", " -3 ", -3),
        ("number", "+4", 4),
        ("number", ".5", 0.5),
        ("number", "1e3", 1000.0),
        ("number", str(2**53 - 1), 2**53 - 1),
        ("integer", "42", 42),
        ("boolean", "TRUE", True),
        ("boolean", "No", False),
        ("boolean", "1", True),
        ("boolean", "0", False),
        ("date", "2024-05-17", "2024-05-17"),
        ("datetime", "2024-05-17T09:30:00Z", "2024-05-17T09:30:00+00:00"),
        ("datetime", "2024-05-17 09:30+02:00", "2024-05-17T09:30:00+02:00"),
        ("datetime", "2024-05-17T09:30:00", "2024-05-17T09:30:00"),
        ("text", " as is ", " as is "),
    ],
)
def test_accepted_spellings(kind: Any, text: str, value: Any) -> None:
    result = typed_value(kind, text, "properties.x")
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("number", "1,204.00"),
        ("number", "17,50"),
        ("number", "$17.50"),
        ("number", "1e999"),
        ("number", "nan"),
        ("number", str(2**53)),
        ("number", ""),
        ("integer", "3.0"),
        ("boolean", "y"),
        ("boolean", "maybe"),
        ("date", "2024-13-01"),
        ("date", "2024-05-17T09:30"),
        ("datetime", "2024-05-17"),
        ("datetime", "yesterday"),
    ],
)
def test_spellings_refused_name_the_field(kind: Any, text: str) -> None:
    with pytest.raises(InvalidInputError, match=r"^properties\.x: expected "):
        typed_value(kind, text, "properties.x")


def test_json_values_already_of_the_type_pass_and_others_are_refused() -> None:
    assert typed_value("number", 3, "x") == 3 and typed_value("boolean", False, "x") is False
    for kind, value in (("number", True), ("integer", 2.5), ("boolean", 1), ("date", 20240517)):
        with pytest.raises(InvalidInputError, match=r"^x: expected"):
            typed_value(kind, value, "x")


# ---- --unmapped, --map and the mapping file together


def test_unmapped_properties_sends_every_other_column_under_its_own_name(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "etl.csv"
    source.write_text("Email,Lifetime Value,Segment\nu@example.com,12.5,gold\n")
    mapping = tmp_path / "etl.toml"
    mapping.write_text('[types]\n"Lifetime Value" = "number"\n')
    result = _import(sandbox, source, "--unmapped", "properties", "--map-file", str(mapping))
    assert result.exit_code == 0, result.output
    assert "note: --unmapped properties sends 2 columns that name no field" in result.stdout
    assert _stored(sandbox)["u@example.com"]["properties"] == {
        "Lifetime Value": 12.5,
        "Segment": "gold",
    }
    skipped = _import(sandbox, source, "--unmapped", "skip", "--journal", str(tmp_path / "j2"))
    assert skipped.exit_code == 0, skipped.output
    assert "leaves out 2 columns that name no field" in skipped.stdout
    last = sandbox.requests()[-1]["body"]["data"]["attributes"]
    assert last == {"email": "u@example.com"}


def test_a_map_option_replaces_the_file_entry_and_unmapped_the_file_policy(
    tmp_path: Path,
) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'unmapped = "properties"\nskip = ["Note"]\n'
        '[columns]\n"Spent" = "properties.spent:number"\n"Mail" = "email"\n'
    )
    from_file = load_column_map(mapping)
    assert from_file.unmapped == "properties" and from_file.fields["Note"] == ""
    merged = from_file.updated(ColumnMap.from_options(["Spent=properties.total"]), "error")
    assert merged.fields["Spent"] == "properties.total" and "Spent" not in merged.types
    assert merged.fields["Mail"] == "email" and merged.unmapped == "error"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('colums = {}\n', "unknown key 'colums'"),
        ('[columns]\n"Spent" = "properties.spent:money"\n', "unknown type 'money'"),
        ('[columns]\n"Spent" = ["properties.spent"]\n', 'expected "FIELD"'),
        ('[columns]\n"Spent" = { field = "properties.spent", type = "money" }\n',
         "unknown type 'money'"),
        ('[columns]\n"Name" = "first_name:number"\n', "custom properties"),
        ('[columns]\n"Name" = "frist_name"\n', "did you mean 'first_name'"),
        ('[columns]\n"A" = "email"\nskip = ["B"]\n', "write it above the first [table]"),
        ('[columns]\n"A" = "email"\nunmapped = "skip"\n',
         'unmapped = "skip" is inside [columns]; write it above the first [table]'),
        ('[types]\n"A" = "number"\nunmapped = "properties"\n',
         'unmapped = "properties" is inside [types]; write it above the first [table]'),
        ('skip = ["A"]\n[columns]\n"A" = "email"\n', "both in skip and mapped"),
        ('unmapped = "ignore"\n', "unmapped must be one of error, properties, skip"),
        ("[columns\n", "is not valid TOML"),
    ],
)  # fmt: skip
def test_a_mapping_file_that_says_something_wrong_is_refused_naming_file_and_entry(
    text: str, words: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "bad.toml"
    mapping.write_text(text)
    with pytest.raises(MappingFileError) as caught:
        load_column_map(mapping)
    assert words in str(caught.value) and str(mapping) in str(caught.value)


def test_a_bad_mapping_file_stops_the_import_before_anything_is_sent(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "p.csv"
    source.write_text("email\na@example.com\n")
    mapping = tmp_path / "bad.toml"
    mapping.write_text('[types]\n"email" = "number"\n')
    result = _import(sandbox, source, "--map-file", str(mapping))
    assert result.exit_code == 2 and result.stderr.startswith("error: column 'email'")
    assert "a custom property (properties.<name>)" in result.stderr
    missing = _import(sandbox, source, "--map", "Mail=email")
    assert missing.exit_code == 2
    assert "the mapping names column 'Mail', which the file does not have" in missing.stderr
    assert sandbox.requests() == []


# ---- whole objects beside their fields, types whatever the spelling, exact values


def test_a_csv_object_cell_merges_with_the_columns_of_its_fields_key_by_key(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "objects.csv"
    source.write_text(
        "email,properties.plan,properties,location.city,location,Segment,Tier\n"
        'a@example.com,pro,"{""q"": 1}",London,"{""country"": ""UK""}",gold,2\n'
        'b@example.com,pro,"{""plan"": ""free""}",,,silver,1\n'
        'c@example.com,,"{""q"": 1, ""q"": 2}",,,bronze,3\n'
    )
    result = _import(sandbox, source, "--unmapped", "properties", "--output", "json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["columns"]["Segment"] == "properties.Segment"
    # Before: the properties cell replaced plan, Segment and Tier, and location London.
    assert _stored(sandbox)["a@example.com"]["properties"] == {
        "plan": "pro",
        "q": 1,
        "Segment": "gold",
        "Tier": "2",
    }
    assert _stored(sandbox)["a@example.com"]["location"]["city"] == "London"
    assert _stored(sandbox)["a@example.com"]["location"]["country"] == "UK"
    rejects = _rejects(tmp_path / "objects.csv.rejects.csv")
    assert sorted(rejects) == [2, 3]
    assert "properties.plan: expected one value" in rejects[2]
    assert "'properties' and 'properties.plan'" in rejects[2]
    assert "the member name 'q' appears more than once" in rejects[3]  # before: 2 was kept


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ({"properties": "NULL", "properties.q": "2"}, "'properties' and 'properties.q'"),
        ({"location": None, "location.city": "Oslo"}, "'location' and 'location.city'"),
        ({"properties": '{"q": 1}', "properties.q": "2"}, "'properties' and 'properties.q'"),
    ],
)
def test_a_field_beside_a_whole_object_that_is_not_one_or_holds_it_is_refused(
    record: dict[str, Any], words: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        RowMapper(ColumnMap(), "NULL").body({"email": "a@example.com", **record})
    assert words in str(caught.value)


def test_a_declared_type_holds_whatever_spelling_gives_the_property() -> None:
    columns = ColumnMap(
        {"properties.spent": "properties.spent", "Orders": "properties.orders"},
        {"properties.spent": "number", "Orders": "integer"},
    )
    mapper = RowMapper(columns, None)
    nested = {"email": "a@example.com", "properties": {"spent": "17.50", "orders": "3"}}
    document = {"data": {"type": "profile", "attributes": nested}}
    as_text = {"email": "a@example.com", "properties": '{"spent": "17.50", "orders": 3}'}
    for record in (nested, document, as_text):
        attributes = mapper.body(record)["data"]["attributes"]
        assert attributes["properties"] == {"spent": 17.5, "orders": 3}  # before: "17.50"
    with pytest.raises(InvalidInputError, match=r"properties\.spent\): expected a number"):
        mapper.body({"email": "a@example.com", "properties": {"spent": "abc"}})


def test_a_cell_of_thousands_of_digits_rejects_its_row_instead_of_stopping_the_run(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "digits.csv"
    source.write_text(
        f"email,Orders,Spent\nbig@example.com,{'9' * 5000},1\nzeros@example.com,"
        f"{'0' * 5000}7,{'0' * 5000}2\nok@example.com,3,4\n"
    )
    result = _import(
        sandbox, source, "--output", "json",
        "--map", "Orders=properties.orders:integer", "--map", "Spent=properties.spent:number",
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # before: a traceback and nothing imported
    document = json.loads(result.stdout)
    assert (document["created"], document["rejected"]) == (2, 1)
    rejects = _rejects(tmp_path / "digits.csv.rejects.csv")
    assert list(rejects) == [1] and "(5,000 characters)" in rejects[1]
    assert _stored(sandbox)["zeros@example.com"]["properties"] == {"orders": 7, "spent": 2}


@pytest.mark.parametrize(
    ("kind", "text", "words"),
    [
        ("number", "1e-400", "would be sent as 0.0"),
        ("number", "2.5e-324", "would be sent as 5e-324"),
        ("number", "9007199254740993.0", "would be sent as 9007199254740992.0"),
        ("number", "123456789012345678901234567890.1", "would be sent as 1.2345678901234568e+29"),
        ("date", "2024-05", "without its day"),
        ("date", "2024", "without its day"),
        ("date", "2024-W20", "without its day"),
        ("date", "2024-05-17+02:00", "no time zone offset"),
        ("date", "2024-05-17Z", "no time zone offset"),
        ("date", "2024-05-17x09:30", "got '2024-05-17x09:30'"),
        ("datetime", "2024-05-17T09:30:00.123456789Z", "finer digits are refused"),
        ("datetime", "2024-05-17T09", "at least hours and minutes"),
    ],
)
def test_a_cell_its_type_cannot_hold_exactly_is_refused_not_changed(
    kind: Any, text: str, words: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        typed_value(kind, text, "properties.x")
    assert str(caught.value).startswith("properties.x: expected ")
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("number", "0.1", 0.1),
        ("number", "5e-324", 5e-324),
        ("number", "9007199254740992.0", 9007199254740992.0),
        ("integer", "-" + "0" * 5000 + "1", -1),
        ("date", "20240517", "2024-05-17"),
        ("date", "2024-W20-5", "2024-05-17"),
        ("date", "2024-138", "2024-05-17"),
        ("datetime", "2024-05-17T09:30:00.123456000Z", "2024-05-17T09:30:00.123456+00:00"),
        ("datetime", "2024-05-17T0930Z", "2024-05-17T09:30:00+00:00"),
    ],
)
def test_other_spellings_of_the_same_value_are_accepted(kind: Any, text: str, value: Any) -> None:
    result = typed_value(kind, text, "properties.x")
    assert result == value and type(result) is type(value)


# ---- header cells with no name, columns named like id, the null token, the mapping file


def test_a_header_cell_with_no_name_is_mapped_or_skipped_as_the_message_says(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "blank.csv"
    source.write_text("email,,first_name\na@example.com,vip,Ada\n")
    refused = _import(sandbox, source)
    assert refused.exit_code == 2
    assert "--map '=FIELD'" in refused.stderr and "--map '='" in refused.stderr
    assert "--unmapped properties" not in refused.stderr  # no property takes an empty name
    mapped = _import(sandbox, source, "--map", "=properties.tier")  # before: refused
    assert mapped.exit_code == 0, mapped.output
    assert _stored(sandbox)["a@example.com"]["properties"] == {"tier": "vip"}
    skipped = _import(sandbox, source, "--map", "=", "--journal", str(tmp_path / "j2"))
    assert skipped.exit_code == 0, skipped.output
    assert sandbox.requests()[-1]["body"]["data"]["attributes"] == {
        "email": "a@example.com",
        "first_name": "Ada",
    }
    mapping = tmp_path / "blank.toml"
    mapping.write_text('[columns]\n"" = "last_name"\n')
    from_file = _import(
        sandbox, source, "--map-file", str(mapping), "--journal", str(tmp_path / "j3")
    )
    assert from_file.exit_code == 0, from_file.output
    assert _stored(sandbox)["a@example.com"]["last_name"] == "vip"


@pytest.mark.parametrize("column", ["ID", "Id", "I-D", " i_d "])
def test_a_column_named_like_id_is_not_taken_for_the_profile_id(column: str) -> None:
    mapper = RowMapper(ColumnMap(), None)
    # Before: taken for Klaviyo's profile id, so a CRM export's own ids failed every row.
    with pytest.raises(HeaderError) as caught:
        mapper.check_header(["email", column])
    assert "not taken for the Klaviyo profile id" in str(caught.value)
    assert f"--map '{column}=id'" in str(caught.value)
    mapper.check_header(["email", "id"])  # the field's own name still names it
    mapped = RowMapper(ColumnMap.from_options([f"{column}=id"]), None)
    body = mapped.body({"email": "a@example.com", column: "01HPROFILE"})
    assert body["data"]["id"] == "01HPROFILE"


def test_an_empty_null_token_is_refused_before_anything_is_sent(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "p.csv"
    source.write_text("email,first_name\na@example.com,\n")
    result = _import(sandbox, source, "--null-token", "")
    # Before: accepted, and empty cells still left their fields unchanged.
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --null-token cannot be empty")
    assert sandbox.requests() == []


def test_a_mapping_file_that_is_a_pipe_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "map.toml"
    os.mkfifo(fifo)

    def unblock() -> None:  # before, the open waited for a writer: give it one, bounded
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    timer = threading.Timer(5, unblock)
    timer.start()
    try:
        with pytest.raises(MappingFileError, match="is not a regular file"):
            load_column_map(fifo)
    finally:
        timer.cancel()


@pytest.mark.parametrize(
    ("text", "options", "sent_again"),
    [
        ('email,properties\na@example.com,"{""q"": 1}"\n', [], True),
        ("email,Spent\na@example.com,17.50\n", ["--map", "Spent=properties.spent:number"], True),
        ("email,first_name\na@example.com,Ada\n", [], False),
    ],
)
def test_rows_journalled_under_the_earlier_rules_are_read_again_where_those_changed(
    text: str,
    options: list[str],
    sent_again: bool,
    sandbox: Sandbox,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    source = tmp_path / "p.csv"
    source.write_text(text)
    assert _import(sandbox, source, *options).exit_code == 0
    # The journal as the earlier version wrote it: its settings had no rules version.
    header = next(csv.reader(io.StringIO(text)))
    columns = ColumnMap.from_options(options[1::2])
    settings = ImportSettings(
        path=source, fmt="csv", api_key="unused", mapping=dict(columns.fields),
        types=dict(columns.types),
    )  # fmt: skip
    earlier = json.loads(settings.fingerprint(header))
    earlier.pop("rules", None)
    (row,) = read_rows(source, "csv")
    db = sqlite3.connect(tmp_path / "p.csv.journal.sqlite")
    db.execute(
        "UPDATE rows SET hash = ?", (row_hash(json.dumps(earlier, sort_keys=True), row.content),)
    )
    db.commit()
    db.close()
    again = _import(sandbox, source, *options, "--output", "json")
    document = json.loads(again.stdout)
    # Before: every such row was skipped, its object's fields or typed value never sent.
    assert (document["updated"], document["skipped"]) == ((1, 0) if sent_again else (0, 1))
