"""Refusals told to the reader of a page, in the page's language: by their code, never by their words.

A service or the engine refuses with a code and parameters (``refusals``); a page shows the code's
message from the catalogue, its parameters filled in, a stored value (a status) by its label. A form's
field messages are msgids of the catalogue too, translated the same way.
"""

from __future__ import annotations

from datetime import date
from enum import Enum

from flask_babel import gettext

from ..errors import GpectError, ValidationError
from ..models import PlanStatus, StageStatus, TaskStatus
from ..refusals import MESSAGES
from .i18n import short_date
from .labels import label

#: The kind of label each stored value a refusal may name is shown by.
_LABELLED: dict[type[Enum], str] = {
    TaskStatus: "task_status",
    PlanStatus: "plan_status",
    StageStatus: "stage_status",
}


def refusal_text(error: GpectError) -> str:
    """The refusal in the page's language."""
    return gettext(MESSAGES[error.refusal], **_shown(error.params))


def field_messages(fields: dict[str, list[str]], params: dict[str, object] | None = None) -> dict[str, list[str]]:
    """Field messages (msgids) in the page's language, ``params`` filled in."""
    shown = _shown(params or {})
    return {field: [gettext(message, **shown) for message in messages] for field, messages in fields.items()}


def error_fields(error: ValidationError) -> dict[str, list[str]]:
    """Each field a ``ValidationError`` refused, with its messages in the page's language."""
    return field_messages(error.fields, error.params)


def _shown(params: dict[str, object]) -> dict[str, object]:
    return {name: _value(value) for name, value in params.items()}


def _value(value: object) -> object:
    if isinstance(value, date):
        return short_date(value)
    kind = _LABELLED.get(type(value)) if isinstance(value, Enum) else None
    return label(kind, value) if kind else value
