"""Reading a partner import file: its rows by column, or why the file as a whole is unusable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ....errors import ValidationError
from ....refusals import Refusal
from ...catalogue import Translate, english, spellings
from ...csv_export import csv_bytes
from ...csv_files import CsvFileError, read_table
from .vocabulary import CHOICES, COLUMN_LABELS, COLUMNS, MESSAGES, REQUIRED_COLUMNS, column_names, fold

#: Largest file accepted, in bytes.
MAX_FILE_BYTES = 1_000_000
#: Most rows accepted in one file.
MAX_ROWS = 5_000


class ImportFileError(ValidationError):
    """The file as a whole cannot be read; ``code`` and ``params`` word the reason (see ``MESSAGES``)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(Refusal.FILE_NOT_READABLE, {"file": [MESSAGES[code]]}, **params)
        self.code = code


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One row of the file: its first line's number and its values by column (blanks trimmed)."""

    line: int
    values: Mapping[str, str]
    #: Non-blank values beyond the last column.
    has_extra_values: bool = False


@dataclass(frozen=True, slots=True)
class CsvFile:
    """The rows of a file and how it was read."""

    rows: tuple[CsvRow, ...]
    encoding: str
    separator: str
    #: Columns of the first line that are not ours; their values are ignored.
    ignored_columns: tuple[str, ...] = ()


def read_csv(data: bytes) -> CsvFile:
    """The rows of an uploaded file, or ``ImportFileError`` saying why the file as a whole is unusable."""
    try:
        table = read_table(data, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
    except CsvFileError as error:
        params = {"limit": MAX_FILE_BYTES // 1_000_000} if error.code == "too_large" else error.params
        raise ImportFileError(error.code, **params) from error
    columns, ignored = _columns(table.header)
    rows = []
    for record in table.records:
        values = {
            column: record.values[index].strip() for index, column in columns.items() if index < len(record.values)
        }
        extra = any(value.strip() for value in record.values[len(table.header) :])
        rows.append(CsvRow(record.line, {column: values.get(column, "") for column in COLUMNS}, extra))
    if not rows:
        raise ImportFileError("no_rows")
    return CsvFile(tuple(rows), table.encoding, table.separator, ignored)


_COLUMN_NAMES = column_names()


def _columns(header: list[str]) -> tuple[dict[int, str], tuple[str, ...]]:
    """Our column at each position of the first line, and the names we ignore."""
    known = _COLUMN_NAMES
    columns: dict[int, str] = {}
    ignored = []
    for index, name in enumerate(header):
        column = known.get(fold(name))
        if column is None:
            if name.strip():
                ignored.append(name.strip())
        elif column in columns.values():
            raise ImportFileError("duplicate_column", column=name.strip())
        else:
            columns[index] = column
    missing = [column for column in REQUIRED_COLUMNS if column not in columns.values()]
    if missing:
        raise ImportFileError("missing_columns", columns=", ".join(missing))
    return columns, tuple(ignored)


#: The example's rows, kinds, roles and languages by their codes (the file names them by their labels).
EXAMPLE_ROWS: tuple[tuple[str, ...], ...] = (
    ("Maison des Entreprises et de l'Emploi de l'agglomération chartraine", "employment_house", "territory",
     "chartres-metropole", "", "Claire Martin", "claire.martin@mee-chartres.example.org", "lead", "fr"),
    ("France Travail Chartres", "employment_service", "territory", "chartres-metropole", "",
     "Nicolas Roux", "nicolas.roux@francetravail.example.org", "partner", "fr"),
    ("Pôle de compétitivité Cosmetic Valley", "cluster", "territory", "chartres-metropole", "",
     "Julie Perrin", "julie.perrin@cosmetic-valley.example.org", "partner", "fr"),
    ("Laboratoires de l'Eure (entreprise d'accueil)", "company", "territory", "chartres-metropole", "",
     "Thomas Bernard", "thomas.bernard@labo-eure.example.org", "partner", "en"),
    ("Région Centre-Val de Loire", "region", "region", "", "Centre-Val de Loire",
     "Hélène Garnier", "helene.garnier@region.example.org", "partner", "fr"),
    ("Région Centre-Val de Loire", "", "", "", "Centre-Val de Loire",
     "Marc Lefebvre", "marc.lefebvre@region.example.org", "committee", ""),
    ("DREETS Centre-Val de Loire (ex-Direccte)", "state_service", "region", "", "Centre-Val de Loire",
     "Sophie Renard", "sophie.renard@dreets.example.org", "committee", "fr"),
    ("France Travail Centre-Val de Loire (Direction régionale)", "employment_service", "region", "",
     "Centre-Val de Loire", "Karine Lemaire", "karine.lemaire@francetravail.example.org", "partner", "fr"),
)  # fmt: skip


def example_csv(translate: Translate = english) -> bytes:
    """An example file as French Excel opens it (UTF-8 with a BOM, values separated by ``;``), its columns,
    kinds, roles and languages named by their labels in the reader's language (``translate``)."""
    header = [translate(COLUMN_LABELS[column]) for column in COLUMNS]
    rows = [[_example_value(column, value, translate) for column, value in zip(COLUMNS, row, strict=True)]
            for row in EXAMPLE_ROWS]  # fmt: skip
    return csv_bytes([header, *rows])


def _example_value(column: str, value: str, translate: Translate) -> str:
    if column not in CHOICES or not value:
        return value
    return spellings(translate(CHOICES[column][0][value]))[-1]
