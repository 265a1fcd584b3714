"""Indicator values imported from a spreadsheet: read, checked line by line, recorded all together.

Leads often keep their indicators in a spreadsheet. The file has one measurement per line:
``indicateur`` (the key the definition gives, or its French or English title), ``date``
(``2026-12-31`` or ``31/12/2026``), ``valeur`` (``12,5`` or ``12.5``) and an optional ``source``;
columns are named in French or English (``indicator``, ``value``), in any case, with or without accents.
The file is read by the one CSV reader (``services.csv_files``): ``;``, ``,`` or tab between values;
UTF-8, UTF-16 or Windows-1252, as spreadsheets save them. A file with any wrong line records nothing,
and every wrong line is named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from ...errors import ValidationError
from ...models import Indicator, Measurement, Person
from ...refusals import Refusal
from ...validation import DATE_MESSAGE, date_problem
from ...vocabulary import N_, QUOTED
from ..catalogue import french, label_words
from ..csv_files import CsvFileError, read_table
from ..partners.importing.vocabulary import fold
from .measurements import measured_value_problem, plan_indicators, record_measurement

#: Larger files are refused: a plan's indicators never need more.
MAX_BYTES = 512 * 1024
MAX_ROWS = 5000
#: The columns, in the order of the example, and their names as the page shows them (translated).
COLUMN_LABELS = {
    "indicator": N_("indicator"),
    "date": N_("date"),
    "value": N_("value"),
    "source": N_("source"),
}
#: Other names a column may go by, besides its code and its French and English labels.
COLUMN_ALIASES = {"date": ("measured_on", "measured on", "date de mesure")}
REQUIRED = ("indicator", "date", "value")


@dataclass(frozen=True)
class Localised:
    """Words of a problem that differ by the reader's language (indicator titles, column names): the page
    picks its language's; ``str`` gives the English, as the English template around them."""

    fr: str
    en: str

    def __str__(self) -> str:
        return self.en

    def in_language(self, language: str) -> str:
        return self.fr if language == "fr" else self.en


@dataclass(frozen=True)
class Problem:
    """What is wrong, as an English template and its values, so each page can translate it."""

    template: str
    values: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % self.values


@dataclass
class MeasurementRow:
    """One line of the file, as understood, with what is wrong with it."""

    line: int
    indicator: Indicator | None = None
    measured_on: date | None = None
    value: float | None = None
    source: str | None = None
    errors: list[Problem] = field(default_factory=list)


@dataclass
class MeasurementFile:
    rows: list[MeasurementRow]
    #: Problems of the file as a whole (headings, size).
    errors: list[Problem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows) and all(not row.errors for row in self.rows)


def read_measurements(content: bytes, indicators: list[Indicator]) -> MeasurementFile:
    """Understand ``content`` against the plan's ``indicators``, without recording anything."""
    try:
        table = read_table(content, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    except CsvFileError as error:
        return MeasurementFile([], [_file_problem(error)])
    names = {
        fold(word): column for column, words in label_words(COLUMN_LABELS, COLUMN_ALIASES).items() for word in words
    }
    columns = {names.get(fold(name)): position for position, name in enumerate(table.header)}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        problem = Problem(
            N_("Missing from the first line: %(columns)s (expected %(expected)s)."),
            {"columns": _column_names(missing), "expected": _column_names(list(COLUMN_LABELS), ";")},
        )
        return MeasurementFile([], [problem])
    by_name = _indicator_names(indicators)
    accepted = _accepted(indicators)
    rows = [_row(record.line, record.values, columns, by_name, accepted) for record in table.records]
    if not rows:
        return MeasurementFile([], [Problem(N_("The file has headings but no measurement."))])
    return MeasurementFile(rows)


def _file_problem(error: CsvFileError) -> Problem:
    """Why the file as a whole cannot be read, in words the page translates."""
    if error.code == "too_large":
        return Problem(N_("The file is larger than %(size)s KB."), {"size": MAX_BYTES // 1024})
    if error.code == "too_many_rows":
        return Problem(N_("More than %(count)s lines."), {"count": MAX_ROWS})
    if error.code == "unreadable":
        return Problem(N_("The file could not be read as CSV near line %(line)s."), dict(error.params))
    if error.code == "bad_encoding":
        return Problem(
            N_(
                "The characters of the file could not be read. Save it as “CSV UTF-8” (or CSV from Excel in "
                "Windows-1252) and try again."
            )
        )
    return Problem(N_("The file is empty."))


def import_measurements(person: Person, plan_id: int, content: bytes) -> list[Measurement]:
    """Record every measurement of the file, or none: ``ValidationError`` names each wrong line.

    The rules of ``record_measurement`` (who may record, value ranges, dates) apply to each line;
    the caller commits once, so the file is one transaction.
    """
    indicators = plan_indicators(person, plan_id)
    parsed = read_measurements(content, indicators)
    problems = _problems(parsed)
    if problems:
        raise ValidationError(Refusal.FILE_NOT_IMPORTED, problems)
    recorded: list[Measurement] = []
    for row in parsed.rows:
        assert row.indicator is not None and row.measured_on is not None and row.value is not None
        try:
            recorded.append(record_measurement(person, row.indicator.id, row.value, row.measured_on, row.source))
        except ValidationError as error:
            messages = [message for messages in error.fields.values() for message in messages]
            raise ValidationError(Refusal.FILE_NOT_IMPORTED, {f"line {row.line}": messages}) from error
    return recorded


def _problems(parsed: MeasurementFile) -> dict[str, list[str]]:
    if parsed.errors:
        return {"file": [str(problem) for problem in parsed.errors]}
    return {f"line {row.line}": [str(problem) for problem in row.errors] for row in parsed.rows if row.errors}


def _column_names(columns: list[str], separator: str = ", ") -> Localised:
    return Localised(
        separator.join(french(COLUMN_LABELS[column]) for column in columns),
        separator.join(COLUMN_LABELS[column] for column in columns),
    )


def _indicator_names(indicators: list[Indicator]) -> dict[str, Indicator]:
    """The plan's indicators by key and by French and English title, without case or accents."""
    names: dict[str, Indicator] = {}
    for indicator in indicators:
        for name in (indicator.key, indicator.title_fr, indicator.title_en):
            names[fold(name)] = indicator
    return names


def _accepted(indicators: list[Indicator]) -> Localised:
    """The indicators a line may name, by their title in the reader's language and their key."""
    return Localised(
        ", ".join(f"{french(QUOTED) % {'label': indicator.title_fr}} ({indicator.key})" for indicator in indicators),
        ", ".join(f"{QUOTED % {'label': indicator.title_en}} ({indicator.key})" for indicator in indicators),
    )


def _row(
    line: int, cells: list[str], columns: dict[str | None, int], by_name: dict[str, Indicator], accepted: Localised
) -> MeasurementRow:
    def cell(name: str) -> str:
        position = columns.get(name)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    row = MeasurementRow(line)
    name = cell("indicator")
    row.indicator = by_name.get(fold(name))
    if row.indicator is None:
        if not name:
            row.errors.append(Problem(N_("The indicator is missing.")))
        elif accepted.en:
            row.errors.append(
                Problem(
                    N_("Unknown indicator “%(name)s”: use one of %(accepted)s."), {"name": name, "accepted": accepted}
                )
            )
        else:
            row.errors.append(Problem(N_("Unknown indicator “%(name)s”."), {"name": name}))
    row.measured_on = parse_day(cell("date"))
    if row.measured_on is None:
        row.errors.append(
            Problem(N_("Unreadable date “%(text)s” (write 31/12/2026 or 2026-12-31)."), {"text": cell("date")})
        )
    elif date_problem(row.measured_on):
        row.errors.append(Problem(DATE_MESSAGE))
    row.value = parse_number(cell("value"))
    if row.value is None:
        row.errors.append(Problem(N_("Unreadable value “%(text)s”."), {"text": cell("value")}))
    elif row.indicator is not None:
        value_problem = measured_value_problem(row.indicator, row.value)
        if value_problem:
            row.errors.append(Problem(value_problem))
    source = cell("source")
    row.source = source or None
    if len(source) > 300:
        row.errors.append(Problem(N_("The source is longer than 300 characters.")))
    return row


def parse_day(text: str) -> date | None:
    """``2026-12-31`` or ``31/12/2026`` (French order), else ``None``."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_number(text: str) -> float | None:
    """``12,5``, ``12.5``, ``1 250`` (spaces, including non-breaking ones, group thousands), else ``None``."""
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
