"""Reading the files ``import`` takes: CSV and JSON Lines, row by row, with bounded memory.

Both readers walk the file's physical lines and account for every one of them
(:class:`SourceStats`: header, blank lines, rows, lines inside multi-line cells), so the summary
can say "N rows from M lines" and the two always reconcile.

**Rows too large to send.** One profile must fit in the payload limit of Create or Update Profile
(``facts.PAYLOAD_LIMIT_BYTES``), so a row whose text in the file is longer than
:data:`ROW_TEXT_LIMIT` characters (four times that: room for JSON whitespace, ``\\uXXXX``
escapes, CSV quoting and skipped columns) can never be sent. Such a row is refused as soon as
its text passes the limit: the rest of it is read in :data:`_CHUNK`-sized pieces and dropped, so
a line of any length costs a few hundred KiB of memory, and the reject file and the journal keep
an excerpt of :data:`EXCERPT_CHARS` characters, its line numbers and its length, never the row.

**CSV cells that span lines.** A quoted cell may hold line breaks (RFC 4180), so a quote left
open merges the following lines into one cell. The reader decides what it can tell from that:

* a file that ends inside a quoted cell is refused before anything is sent
  (:class:`HeaderError`), naming the line where the cell opened;
* a row whose multi-line cell has a line inside it (neither its first nor its last) that reads
  as a row of its own (the header's number of cells, a value in an identifier column) is
  rejected with both line numbers: a quote left open swallowed rows;
* every row spanning several lines is counted and the first ones named in the summary.

A quote that closes on the very line after the one that opened it cannot be told from a
legitimate two-line cell; the summary still shows the row spanning two lines.

**The API key in a row.** What the journal and the reject file keep of a row
(:attr:`SourceRow.original`) has any key masked before it is encoded or cut
(:mod:`..masking`): each CSV cell before the cells become JSON, a JSON line with every
escape spelled out first (``\\u0070k_...`` is a key too), an excerpt before it is cut and
never ending in part of a key. The request is built from the row as read.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import stat
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from klaviyo_profile_import import facts

from ...body import decode_json
from .. import masking
from .failures import HeaderError

__all__ = [
    "EXCERPT_CHARS",
    "ROW_TEXT_LIMIT",
    "Format",
    "HeaderError",
    "SourceRow",
    "SourceStats",
    "count_rows",
    "csv_header",
    "detect_format",
    "file_kind",
    "read_rows",
    "require_regular_file",
    "text_encoding",
]

Format = Literal["csv", "jsonl"]

#: The most characters one row may take in the file (line breaks included): four times the
#: payload limit one profile must fit in. Past it the row is refused without being kept.
ROW_TEXT_LIMIT = 4 * facts.PAYLOAD_LIMIT_BYTES
#: How much of a refused oversized row the journal and the reject file keep.
EXCERPT_CHARS = 200
# How much of its start is read for the excerpt: more than it shows, so that a key crossing
# the cut is masked whole (rather than dropped with what follows it).
_HEAD_CHARS = EXCERPT_CHARS + 256
# Pieces in which the rest of an oversized row is read and dropped.
_CHUNK = 1 << 16
# How many rows spanning several lines the summary names.
_NAMED_MULTILINE = 3

# Rows are bounded by ROW_TEXT_LIMIT before the csv module sees them; its own cell limit (128 KiB
# by default) must not stop a row that is within it.
csv.field_size_limit(max(csv.field_size_limit(), 2 * ROW_TEXT_LIMIT))


@dataclass
class SourceRow:
    """One record of the input file.

    ``original`` is the row as the journal and the reject file keep it (a JSON list of the
    CSV cells, or the JSON line), with any API key masked; ``record`` maps column names to
    cell values as read, or is ``None`` with ``error`` set when the row could not be read.
    ``lines`` are the first and last physical lines it took. When ``original`` is not the
    row's whole text (an excerpt of a row too large to keep, or a key masked in it),
    ``digest`` is a digest of that text (see :attr:`content`).
    """

    number: int
    original: str
    record: dict[str, Any] | None
    error: str | None = None
    lines: tuple[int, int] = (0, 0)
    digest: str | None = None

    @property
    def content(self) -> str:
        """What tells this row's content from another's (the journal hashes it): the text, or
        what is kept of it and the digest of all of it."""
        return self.original if self.digest is None else f"{self.original}\x00{self.digest}"


@dataclass
class SourceStats:
    """Where every physical line of the file went."""

    lines: int = 0
    header_lines: int = 0
    blank_lines: int = 0
    rows: int = 0
    #: Lines past the first of rows that span several lines (multi-line cells).
    continuation_lines: int = 0
    multiline_rows: int = 0
    #: The first few of them: (row, first line, last line).
    named_multiline: list[tuple[int, int, int]] = field(default_factory=list)

    def describe(self) -> str:
        """``read 3 rows from 6 lines (1 header, 1 blank, 1 line inside multi-line cells: row
        2 spans lines 3-4)``: the parts add up to the lines."""
        parts = []
        if self.header_lines:
            parts.append(f"{self.header_lines} header")
        if self.blank_lines:
            parts.append(f"{self.blank_lines} blank")
        if self.multiline_rows:
            named = ", ".join(
                f"row {row} spans lines {first}-{last}" for row, first, last in self.named_multiline
            )
            more = self.multiline_rows - len(self.named_multiline)
            if more > 0:
                named += f" and {more} more row{'s' if more > 1 else ''}"
            parts.append(
                f"{self.continuation_lines} line{'s' if self.continuation_lines != 1 else ''} "
                f"inside multi-line cells: {named}"
            )
        detail = f" ({', '.join(parts)})" if parts else ""
        rows = "row" if self.rows == 1 else "rows"
        lines = "line" if self.lines == 1 else "lines"
        return f"read {self.rows} {rows} from {self.lines} {lines}{detail}"

    def add_row(self, number: int, first: int, last: int) -> None:
        """Count a data row that took lines ``first`` to ``last``."""
        self.rows += 1
        if last > first:
            self.multiline_rows += 1
            self.continuation_lines += last - first
            if len(self.named_multiline) < _NAMED_MULTILINE:
                self.named_multiline.append((number, first, last))


def detect_format(path: Path, override: str | None) -> Format:
    """``csv`` or ``jsonl``, from ``--format`` or the file name."""
    if override:
        return "jsonl" if override.lower() in ("jsonl", "ndjson") else "csv"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".txt", ""):
        return "csv"
    if suffix == ".json":
        # A .json file is usually one array, which cannot be streamed row by row.
        raise HeaderError(
            f"{path.name}: import reads JSON Lines (one object per line); "
            "name the file .jsonl or pass --format jsonl"
        )
    raise HeaderError(f"cannot tell the format of {path.name}; pass --format csv or jsonl")


def file_kind(path: Path) -> str | None:
    """What ``path`` names when it is not a regular file (``a pipe``, ``a directory``...),
    following symbolic links; ``None`` for a regular file or nothing at all."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a terminal or device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def require_regular_file(path: Path) -> None:
    """Refuse (``HeaderError``) input that cannot be read twice: a pipe (``/dev/stdin`` fed by
    ``|``, a process substitution ``<(...)``), a terminal, a device or a socket.

    The import reads the file more than once (the count behind the progress bar and the
    checks before sending, then the rows), and its journal knows the file by its size, time
    and first bytes so that a re-run resumes; a pipe gives its data once, so the second
    reading would find nothing. Refused rather than copied to a temporary file: a run that
    stops part way could not be resumed from a copy that is gone, and the journal and reject
    file could not sit beside the input.
    """
    kind = file_kind(path)
    if kind is None:
        return
    raise HeaderError(
        f"{path} is {kind}: import reads its file more than once (a count, then the rows) "
        "and resumes from it after a stop; save the data to a file first (e.g. "
        "'command > people.csv') and import that file"
    )


def text_encoding(name: str) -> str:
    """The codec for ``--encoding``: UTF-8 reads as ``utf-8-sig`` (a byte order mark that
    spreadsheet programs write is not part of the first column's name)."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise HeaderError(
            f"--encoding: unknown encoding {name!r} (e.g. utf-8, cp1252, latin-1)"
        ) from None
    try:
        # What open() refuses: codecs such as rot13, base64, hex or zlib turn text into text
        # or bytes into bytes, not a file's bytes into text.
        io.TextIOWrapper(io.BytesIO(), encoding=codec)
        # And a codec that refuses everything ("undefined").
        codecs.getincrementaldecoder(codec)().decode(b"", final=True)
    except (LookupError, UnicodeError):
        raise HeaderError(
            f"--encoding: {name!r} is not a text encoding; name the character set the file "
            "was saved in (e.g. utf-8, cp1252, latin-1)"
        ) from None
    return "utf-8-sig" if codec == "utf-8" else codec


# -- physical lines ----------------------------------------------------------------------------


class _Quotes:
    """Whether Python's csv reader (``doublequote``, no ``escapechar``, not ``strict``) is inside
    a quoted cell, followed over the text it is fed.

    Needed where the reader is not given the text itself (an oversized row, whose stand-in must
    leave the reader in the same state) and to find a file that ends inside a quote. It follows
    the csv module's rules: a quote opens a quoted cell only as a cell's first character; inside
    one, two quotes are one quote and a single quote closes it; anywhere else a quote is text.
    """

    __slots__ = ("closing", "delimiter", "field_start", "in_quote", "opened_at")

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.in_quote = False
        self.field_start = True  # the next character starts a cell
        self.closing = False  # a quote inside a quoted cell: closes it unless another follows
        self.opened_at = 0  # the line where the open quoted cell began

    @property
    def open(self) -> bool:
        """Inside a quoted cell (a quote seen last closes it when the text ends there)."""
        return self.in_quote and not self.closing

    def scan(self, text: str, line: int) -> None:
        """Follow ``text`` (a line, or a piece of one, on line ``line``)."""
        if not self.in_quote and '"' not in text:
            # Outside quotes with no quote ahead: only where the text ends matters.
            self.field_start = text.endswith(("\n", "\r", self.delimiter))
            return
        position, end, delimiter = 0, len(text), self.delimiter
        while position < end:
            if self.closing:
                self.closing = False
                if text[position] == '"':  # a doubled quote: one quote in the cell
                    position += 1
                    continue
                self.in_quote = False  # closed; what follows is read outside quotes
                self.field_start = False
                continue
            if self.in_quote:
                found = text.find('"', position)
                if found < 0:
                    return
                self.closing = True
                position = found + 1
                continue
            if self.field_start and text[position] == '"':
                self.in_quote, self.field_start, self.opened_at = True, False, line
                position += 1
                continue
            found = text.find(delimiter, position)
            if found < 0:
                self.field_start = text.endswith(("\n", "\r"))
                return
            self.field_start = True
            position = found + 1


# What the csv reader is fed instead of text not kept, by (inside quotes at the start, at the
# end): the same change of state, so the rows after it are read as they would have been.
# Inside quotes an empty line adds nothing to the cell, so a quote left open over millions of
# lines does not grow it past the csv module's cell limit.
_STAND_INS = {
    (False, False): "x\n",
    (False, True): '"x\n',
    (True, True): "",
    (True, False): 'x"\n',
}


@dataclass(slots=True)
class _Record:
    """The physical lines of the record being read."""

    first: int = 0
    last: int = 0
    chars: int = 0
    #: Past ROW_TEXT_LIMIT: its text is no longer kept.
    over: bool = False
    kept: list[str] = field(default_factory=list)
    #: The start of the text once over, for the excerpt.
    head: str = ""
    digest: Any = None  # hashlib.blake2b once over

    @property
    def span(self) -> int:
        return self.last - self.first + 1 if self.first else 0

    def go_over(self) -> None:
        self.over = True
        self.digest = hashlib.blake2b(digest_size=12)
        for text in self.kept:
            self.absorb(text)
        self.kept = []

    def absorb(self, text: str) -> None:
        """Count a piece of text no longer kept."""
        if len(self.head) < _HEAD_CHARS:
            self.head += text[: _HEAD_CHARS - len(self.head)]
        self.digest.update(text.encode("utf-8", "surrogatepass"))

    def refusal(self, kind: str) -> str:
        where = (
            f"line {self.first}" if self.first == self.last else f"lines {self.first}-{self.last}"
        )
        return (
            f"{kind} too large: {self.chars:,} characters on {where}, over the "
            f"{ROW_TEXT_LIMIT:,} one row may take (4 x the {facts.PAYLOAD_LIMIT_BYTES:,}-byte "
            f"payload limit of a profile); only its first {EXCERPT_CHARS} characters (at most) "
            "are kept"
        )


class _Lines:
    """The physical lines of an open text file, keeping at most ``ROW_TEXT_LIMIT`` characters
    of the record being read; past that, the record's lines are read in pieces and dropped."""

    def __init__(self, handle: TextIO, path: Path, encoding: str, quotes: _Quotes | None) -> None:
        self._handle = handle
        self._path = path
        self._encoding = encoding
        self.quotes = quotes
        self.number = 0
        self.record = _Record()
        # A character read past a line that ended in \r, to see whether a \n followed.
        self._ahead = ""

    def take(self) -> _Record:
        """The record read since the last call, and start the next."""
        record, self.record = self.record, _Record()
        return record

    def next_line(self) -> str | None:
        """The next line as the parser should see it (a stand-in for text not kept), or
        ``None`` at the end of the file."""
        record, quotes = self.record, self.quotes
        room = ROW_TEXT_LIMIT - record.chars
        text = self._read(room + 1 if not record.over else _CHUNK)
        if not text:
            return None
        self.number += 1
        record.first = record.first or self.number
        record.last = self.number
        record.chars += len(text)
        if not record.over and len(text) <= room:
            record.kept.append(text)
            if quotes is not None:
                if quotes.in_quote or '"' in text:
                    quotes.scan(text, self.number)
                else:  # a whole line with no quote, outside quotes: the record ends with it
                    quotes.field_start = True
            return text
        started_open = quotes is not None and quotes.open
        if not record.over:
            record.go_over()
        while True:
            record.absorb(text)
            if quotes is not None:
                quotes.scan(text, self.number)
            if text.endswith(("\n", "\r")):
                break
            text = self._read(_CHUNK)
            if not text:
                break
            record.chars += len(text)
        return _STAND_INS[(started_open, quotes is not None and quotes.open)]

    def _read(self, size: int) -> str:
        """The next line, or at most ``size`` characters of it (one more when those end in the
        \r of a \r\n: the pair is one line ending, which a cut between them would count
        twice)."""
        try:
            text, self._ahead = self._ahead, ""
            if not text.endswith(("\n", "\r")):
                text += self._handle.readline(max(size - len(text), 1))
            if text.endswith("\r"):
                # readline stops at a lone \r (a line ending of its own) and at the size
                # limit, which may fall between \r and \n: look at what follows.
                following = self._handle.readline(1)
                if following == "\n":
                    text += following
                else:
                    self._ahead = following
        except UnicodeError as exc:
            # No line number: the decoder reads ahead in blocks, so it would be a guess.
            # Not only UnicodeDecodeError: some codecs raise the base class (UTF-16 without
            # a byte order mark, punycode).
            name = self._path.name
            reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
            # On one line: punycode quotes the character it choked on, a line break say.
            reason = "".join(c if c.isprintable() else repr(c)[1:-1] for c in reason)
            if self._encoding == "utf-8-sig":
                raise HeaderError(
                    f"{name} is not UTF-8 text ({reason}); save it as UTF-8, or name "
                    "its encoding with --encoding (e.g. cp1252, latin-1)"
                ) from None
            raise HeaderError(f"{name} is not {self._encoding} text ({reason})") from None
        if "\x00" in text:
            # UTF-16 without a byte order mark decodes as "UTF-8" full of NULs.
            raise HeaderError(
                f"{self._path.name} line {self.number + 1} has a NUL byte: not UTF-8 text (saved "
                "as UTF-16, or not a text file?)"
            )
        return text


# -- what is kept of a row -----------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _shown_cells(cells: list[str]) -> tuple[str, str | None]:
    """The cells as the journal keeps them (a JSON list), each with any key masked before it
    is encoded; and the digest of the cells as read when that changed them."""
    text = json.dumps(cells, ensure_ascii=False)
    # The JSON text holds a key in one of the forms masked exactly when a cell holds it.
    if masking.scrub(text) == text:
        return text, None
    return json.dumps([masking.scrub(cell) for cell in cells], ensure_ascii=False), _digest(text)


# A JSON escape: a surrogate pair, another \\u escape, or a backslash and one character.
_JSON_ESCAPE = re.compile(
    r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
    r"|\\u([0-9a-fA-F]{4})|\\(.)",
    re.DOTALL,
)


def _spell_out(match: re.Match[str]) -> str:
    high, low, code, other = match.groups()
    if other is not None:
        if other == "/":
            return "/"
        if other in '"\\bfnrt':
            return match[0]  # as JSON writes them
        # Not an escape (the line is not valid JSON): read as the backslash its writer meant.
        return "\\\\" + other
    point = (
        int(code, 16)
        if code is not None
        else (0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00))
    )
    if 0xD800 <= point <= 0xDFFF:
        return match[0]  # half a pair: no character to write
    char = chr(point)
    if point < 0x20 or char in '"\\':
        return json.dumps(char)[1:-1]
    return char


def _spelled_out(text: str) -> str:
    """JSON text with each string spelled as ``json.dumps(..., ensure_ascii=False)`` spells
    it (no ``\\u`` escape but for control characters, no ``\\/``), so that a key in a string
    reads in the one form :func:`~..masking.scrub` knows for JSON; for text that is not valid
    JSON too (an excerpt, a line that does not decode)."""
    if "\\" not in text:
        return text
    return _JSON_ESCAPE.sub(_spell_out, text)


def _shown_line(text: str, document: Any = None) -> tuple[str, str | None]:
    """A JSON line as the journal keeps it, with any key masked; and the digest of the line
    as read when that changed it. ``document``: the line decoded, when it could be.

    A key spelled with escapes (``\\u0070k_...``) is found in the line spelled out: the
    document encoded again when there is one (a key in it then reads in the one form masked),
    else the line's escapes read one by one. When that holds a key, it is kept instead of
    the line, masked."""
    shown = masking.scrub(text)
    if "\\" not in text or (document is not None and "\\u" not in text and "\\/" not in text):
        plain = text  # spelled as JSON writes it already: the mask saw what a reader sees
    elif document is not None:
        try:
            plain = json.dumps(document, ensure_ascii=False)
        except (RecursionError, ValueError):
            plain = _spelled_out(text)
    else:
        plain = _spelled_out(text)
    if plain is not text:
        masked = masking.scrub(plain)
        if masked != plain:
            shown = masked
    return shown, None if shown == text else _digest(text)


# -- CSV ---------------------------------------------------------------------------------------


def _never_closed(path: Path, quotes: _Quotes, lines: _Lines) -> HeaderError:
    return HeaderError(
        f"{path.name}: the quoted cell opened on line {quotes.opened_at} is never closed: the "
        f"file ends inside it, so lines {quotes.opened_at}-{lines.number} would all be read as "
        'that one cell; close the quote (a quote inside a quoted cell is written twice: "")'
    )


def _reads_as_row(
    line: str, delimiter: str, width: int, identifier_columns: Collection[int] | None
) -> bool:
    """Whether ``line`` on its own is a whole row: ``width`` cells, and a value in one of the
    identifier columns (when they are known)."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter, strict=True), [])
    except csv.Error:
        return False
    if len(cells) != width:
        return False
    return identifier_columns is None or any(cells[i].strip() for i in identifier_columns)


def _swallowed(
    record: _Record, delimiter: str, width: int, identifier_columns: Collection[int] | None
) -> int | None:
    """The first line inside a multi-line cell (neither the row's first nor its last) that
    reads as a row of its own, or ``None``."""
    if record.last - record.first < 2:
        return None  # no line inside: the first and last lines hold the quotes
    for offset, line in enumerate(record.kept[1:-1], start=1):
        if _reads_as_row(line, delimiter, width, identifier_columns):
            return record.first + offset
    return None


def _csv_records(
    path: Path, delimiter: str, encoding: str, stats: SourceStats | None = None
) -> Iterator[tuple[list[str], _Record]]:
    """Every record of the file, the header first, with the lines it took; ``stats.lines``
    is the file's line count once they are all read."""
    with path.open(newline="", encoding=encoding) as handle:
        quotes = _Quotes(delimiter)
        lines = _Lines(handle, path, encoding, quotes)
        reader = csv.reader(iter(lines.next_line, None), delimiter=delimiter)
        for cells in reader:
            record = lines.take()
            if quotes.open:
                # The reader only ends a record inside a quoted cell at the end of the file.
                raise _never_closed(path, quotes, lines)
            yield cells, record
        if stats is not None:
            stats.lines = lines.number


def csv_header(path: Path, *, delimiter: str = ",", encoding: str = "utf-8-sig") -> list[str]:
    """The header row of a CSV file."""
    for cells, record in _csv_records(path, delimiter, encoding):
        if record.over:
            raise HeaderError(f"{path.name}: the header row is {record.refusal('far')}")
        if not cells:
            break
        return cells
    raise HeaderError(f"{path.name} has no header row")


def _read_csv(
    path: Path,
    delimiter: str,
    encoding: str,
    stats: SourceStats,
    identifier_columns: Collection[int] | None,
    *,
    count_only: bool = False,
) -> Iterator[SourceRow]:
    header: list[str] | None = None
    number = 0
    for cells, record in _csv_records(path, delimiter, encoding, stats):
        if header is None:
            if record.over:
                raise HeaderError(f"{path.name}: the header row is {record.refusal('far')}")
            header = cells
            stats.header_lines = record.span
            continue
        if not cells:
            stats.blank_lines += record.span
            continue
        number += 1
        stats.add_row(number, record.first, record.last)
        if count_only:
            continue
        span = (record.first, record.last)
        if record.over:
            yield SourceRow(
                number,
                json.dumps([masking.excerpt(record.head, EXCERPT_CHARS)], ensure_ascii=False),
                None,
                f"row {record.refusal('is')}",
                span,
                record.digest.hexdigest(),
            )
            continue
        original, digest = _shown_cells(cells)
        if len(cells) != len(header):
            yield SourceRow(
                number,
                original,
                None,
                f"row has {len(cells)} cells, the header has {len(header)} columns",
                span,
                digest,
            )
            continue
        swallowed = _swallowed(record, delimiter, len(header), identifier_columns)
        if swallowed is not None:
            yield SourceRow(
                number,
                original,
                None,
                f"the row runs over lines {record.first}-{record.last} (a quoted cell holding "
                f"line breaks), and line {swallowed} inside it reads as a row of its own: a "
                "quote left open? Close it; if the line does belong in the cell, change it so "
                "that it does not read as a row",
                span,
                digest,
            )
            continue
        values = dict(zip(header, cells, strict=True))
        yield SourceRow(number, original, values, lines=span, digest=digest)


# -- JSON Lines --------------------------------------------------------------------------------


def _read_jsonl(
    path: Path, encoding: str, stats: SourceStats, *, count_only: bool = False
) -> Iterator[SourceRow]:
    with path.open(encoding=encoding) as handle:
        lines = _Lines(handle, path, encoding, None)
        number = 0
        while (line := lines.next_line()) is not None:
            record = lines.take()
            text = line.rstrip("\r\n")
            if not record.over and not text.strip():
                stats.blank_lines += 1
                continue
            number += 1
            stats.add_row(number, record.first, record.last)
            if count_only:
                continue
            span = (record.first, record.last)
            if record.over:
                yield SourceRow(
                    number,
                    masking.excerpt(_spelled_out(record.head), EXCERPT_CHARS),
                    None,
                    f"line {record.refusal('is')}",
                    span,
                    record.digest.hexdigest(),
                )
                continue
            try:
                document = decode_json(text)
            except json.JSONDecodeError as exc:
                shown, digest = _shown_line(text)
                yield SourceRow(number, shown, None, f"not valid JSON: {exc}", span, digest)
                continue
            except ValueError as exc:  # nesting too deep, a member name given twice
                shown, digest = _shown_line(text)
                yield SourceRow(number, shown, None, str(exc), span, digest)
                continue
            shown, digest = _shown_line(text, document)
            if not isinstance(document, dict):
                yield SourceRow(
                    number,
                    shown,
                    None,
                    f"expected a JSON object, got {type(document).__name__}",
                    span,
                    digest,
                )
                continue
            yield SourceRow(number, shown, document, lines=span, digest=digest)
        stats.lines = lines.number


# -- both --------------------------------------------------------------------------------------


def read_rows(
    path: Path,
    fmt: Format,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    stats: SourceStats | None = None,
    identifier_columns: Collection[int] | None = None,
) -> Iterator[SourceRow]:
    """The file's data rows, one at a time (blank lines skipped, numbers from 1).

    ``stats``, when given, is filled in as the rows are read. ``identifier_columns`` (CSV
    positions of the columns that identify a profile) sharpen the check for rows swallowed by
    an open quote.

    Raises:
        HeaderError: the file is not text in ``encoding``, holds a NUL byte, or (CSV) ends
            inside a quoted cell.
    """
    counted = stats if stats is not None else SourceStats()
    if fmt == "csv":
        yield from _read_csv(path, delimiter, encoding, counted, identifier_columns)
    else:
        yield from _read_jsonl(path, encoding, counted)


def count_rows(
    path: Path, fmt: Format, *, delimiter: str = ",", encoding: str = "utf-8-sig"
) -> SourceStats:
    """Where the file's lines go (rows for the progress bar), in one streaming pass.

    The pass also proves the whole file is text, and that a CSV file closes every quote, so
    that either stops the import before its first request rather than part way
    (``HeaderError``).
    """
    stats = SourceStats()
    if fmt == "csv":
        rows = _read_csv(path, delimiter, encoding, stats, None, count_only=True)
    else:
        rows = _read_jsonl(path, encoding, stats, count_only=True)
    for _ in rows:  # yields nothing: the pass fills ``stats``
        pass
    return stats
