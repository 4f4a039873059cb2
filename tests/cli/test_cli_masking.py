"""Masking the API key in text the command line shows or writes: every encoded form of a
key, a key cut short by an excerpt or a shortened message, and the console's output."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from klaviyo_profiles.cli import masking
from klaviyo_profiles.cli.common import stdout_console
from klaviyo_profiles.cli.masking import excerpt, remember_secret, scrub
from rich.table import Table

ODD_KEY = "pk_\"q,u'o\\te12345"
#: A key never read in the process, but shaped like a private key.
SHAPED_KEY = "pk_live_0123456789abcdef0123456789"


@pytest.fixture(autouse=True)
def _one_key() -> Iterator[None]:
    """The process has read ODD_KEY, and no other key (the CLI tests run in-process)."""
    masking.forget_secrets()
    remember_secret(ODD_KEY)
    yield
    masking.forget_secrets()


@pytest.mark.parametrize(
    "form",
    [
        ODD_KEY,
        json.dumps(ODD_KEY)[1:-1],
        repr(ODD_KEY)[1:-1],
        ODD_KEY.replace("\\", "\\\\").replace('"', '\\"'),  # a repr in double quotes
        ODD_KEY.replace('"', '""'),  # a CSV cell
        json.dumps(ODD_KEY.replace('"', '""'))[1:-1],  # a CSV cell in JSON
        json.dumps(json.dumps(ODD_KEY)[1:-1])[1:-1],  # JSON text in JSON
        repr(json.dumps(ODD_KEY)[1:-1])[1:-1],  # the repr of JSON text
    ],
    ids=[
        "raw",
        "json",
        "repr",
        "repr-double-quoted",
        "csv",
        "csv-in-json",
        "json-in-json",
        "repr-of-json",
    ],
)
def test_every_encoded_form_of_a_key_read_is_masked(form: str) -> None:
    # Before: only the raw form was masked, so a key holding " or \ passed in every other.
    assert scrub(f"got <{form}> here") == "got <****> here"


def test_a_key_crossing_the_excerpt_edge_is_masked_whole() -> None:
    text = "y" * 195 + SHAPED_KEY + ",z" + "z" * 300
    # Before: the excerpt was cut from the raw text, keeping "pk_l" unmasked.
    assert excerpt(text, 200) == "y" * 195 + "****,"


@settings(max_examples=300, deadline=None)
@given(
    before=st.text(alphabet="yz,\"\\' ", max_size=250),
    key=st.sampled_from([ODD_KEY, json.dumps(ODD_KEY)[1:-1], SHAPED_KEY]),
    repeats=st.integers(1, 40),
    limit=st.integers(1, 260),
    head=st.integers(0, 600),
)
def test_an_excerpt_never_holds_part_of_a_key(
    before: str, key: str, repeats: int, limit: int, head: int
) -> None:
    # ``head``: how much of the row was read before the excerpt was made (a key may be cut
    # there too, and many masked keys before it bring that cut into the excerpt).
    text = (before + key * repeats + "tail")[:head]
    shown = excerpt(text, limit)
    assert len(shown) <= limit
    pieces = {key[start : start + 4] for start in range(len(key) - 3)}
    assert not any(piece in shown for piece in pieces), shown
    assert not shown.endswith(key[:3]) and not shown.endswith(key[:2])
    assert not shown.endswith(key[:1]), shown


@pytest.mark.parametrize(
    "cut",
    [
        f"unknown field {SHAPED_KEY[:20]}...",
        f"got {ODD_KEY[:9]}... (shortened)",
        f"got {json.dumps(ODD_KEY)[1:10]}\u2026",
    ],
)
def test_a_key_cut_short_before_a_cut_marker_is_masked(cut: str) -> None:
    shown = scrub(cut)
    assert "****" in shown
    assert "pk_" not in shown


def test_ordinary_text_before_a_cut_marker_is_left_alone() -> None:
    assert scrub("see the help... or the pk... docs") == "see the help... or the pk... docs"


def test_what_the_console_writes_is_masked(capsys: pytest.CaptureFixture[str]) -> None:
    console = stdout_console()
    console.print(f"journal: /data/{ODD_KEY}/people.csv.journal.sqlite")
    table = Table("field", "value", width=30)
    table.add_row("first_name", SHAPED_KEY + SHAPED_KEY)  # cut by Rich with "…"
    console.print(table)
    out = capsys.readouterr().out
    assert "journal: /data/****/people.csv.journal.sqlite" in out
    assert "pk_" not in out and "q,u'o" not in out


@pytest.mark.parametrize(
    "fragment",
    [
        SHAPED_KEY[3:],  # without "pk_"
        SHAPED_KEY[:12],
        SHAPED_KEY[-12:],
        SHAPED_KEY[5:19],
        SHAPED_KEY.upper(),
        SHAPED_KEY[3:].upper(),
        "PK_LIVE_0123",
        "Pk_Live_0123456789ABCDEF",
    ],
)
def test_a_telling_part_of_a_key_read_is_masked_in_any_case(fragment: str) -> None:
    masking.forget_secrets()
    remember_secret(SHAPED_KEY)
    # Before: only the key's own forms, so each of these was shown as it is.
    assert scrub(f"column {fragment!r} is not a profile field") == (
        "column '****' is not a profile field"
    )


def test_short_runs_of_a_key_and_ordinary_words_are_left_alone() -> None:
    masking.forget_secrets()
    remember_secret(SHAPED_KEY)
    remember_secret("pk_team")  # its part after "pk_" is too short to mask parts of
    text = "live_012345 (11 of the key), 0123456789, email, team, pk_tea, the LIVE feed"
    assert scrub(text) == text
    key = "pk_testsecretkey1234567890"
    remember_secret(key)
    assert scrub("TESTSECRETKEY1234567890,secretkey123,secretkey12") == "****,****,secretkey12"
