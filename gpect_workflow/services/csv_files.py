"""Reading an uploaded CSV file: the one reader of the partner and the measurement imports.

People save these files from spreadsheets: UTF-8 with or without a byte-order mark, UTF-16 with one, or
Windows-1252 as French Excel saves CSV; ``;`` between values (French Excel), ``,`` or a tab. The reader
finds which, refuses what is not text (a NUL character: UTF-16 without its mark, or a binary file), keeps
to the import's size limits, and gives the non-blank records with the number of the line each starts on.
What the columns mean is the import's business; why the file as a whole is unusable is a ``CsvFileError``
whose ``code`` the import words for its reader.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import ValidationError
from ..refusals import Refusal

#: Candidate separators, the first winning a tie (French Excel's).
SEPARATORS = (";", ",", "\t")
#: Byte-order marks and the encodings they announce.
_MARKS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class CsvFileError(ValidationError):
    """The file as a whole cannot be read.

    ``code`` is one of ``too_large`` (``limit``: bytes), ``bad_encoding``, ``empty_file``, ``unreadable``
    (``line``) and ``too_many_rows`` (``limit``: records).
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(Refusal.FILE_NOT_READABLE, {"file": [code]}, **params)
        self.code = code


@dataclass(frozen=True, slots=True)
class CsvRecord:
    """A non-blank record: the line it starts on and its values, as written."""

    line: int
    values: list[str]


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A file's first record (its column names), the records after it, and how the file was read."""

    header: list[str]
    records: list[CsvRecord]
    encoding: str
    separator: str


def read_table(data: bytes, *, max_bytes: int, max_rows: int) -> CsvTable:
    """The records of ``data`` (a first line of column names, then at most ``max_rows`` records), or
    ``CsvFileError`` saying why the file is unusable. Blank records are left out; a file with column names
    and no record gives no records (the import says what that means)."""
    if len(data) > max_bytes:
        raise CsvFileError("too_large", limit=max_bytes)
    text, encoding = decode(data)
    if not text.strip():
        raise CsvFileError("empty_file")
    separator = sniff_separator(text)
    records = _records(text, separator)
    first = next(records, None)
    if first is None:
        raise CsvFileError("empty_file")
    rows: list[CsvRecord] = []
    for record in records:
        if len(rows) == max_rows:
            raise CsvFileError("too_many_rows", limit=max_rows)
        rows.append(record)
    return CsvTable(first.values, rows, encoding, separator)


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and its encoding: UTF-8 (with a byte-order mark or not), UTF-16 with a mark, or
    Windows-1252; ``CsvFileError("bad_encoding")`` for anything else, or text holding a NUL character."""
    for mark, encoding in _MARKS:
        if data.startswith(mark):
            return _decoded(data, encoding), encoding
    for encoding in ("utf-8", "windows-1252"):
        try:
            return _decoded(data, encoding), encoding
        except CsvFileError:
            continue
    raise CsvFileError("bad_encoding")


def _decoded(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise CsvFileError("bad_encoding") from error
    if "\x00" in text:  # UTF-16 without a mark, or not a text file at all
        raise CsvFileError("bad_encoding")
    return text


def sniff_separator(text: str) -> str:
    """The separator of the first non-blank line: the most frequent of ``;``, ``,`` and tab outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    outside, quoted = [], False
    for char in first:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    return max(SEPARATORS, key=lambda separator: (outside.count(separator), separator == SEPARATORS[0]))


def _records(text: str, separator: str) -> Iterator[CsvRecord]:
    """Each non-blank record with the line it starts on, in order."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    previous = 0
    try:
        for values in reader:
            line, previous = previous + 1, reader.line_num
            if any(value.strip() for value in values):
                yield CsvRecord(line, values)
    except csv.Error as error:
        raise CsvFileError("unreadable", line=previous + 1) from error
