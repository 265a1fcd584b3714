"""Readable names of stored values (levers, statuses, decisions...), in the page's language.

Values are stored as keys (``in_progress``); pages show ``label("task_status", task.status)``, which
reads the English message of ``gpect_workflow.vocabulary`` through the catalogue, so French pages say
``en cours``. This is the one translating function for those tables: every page uses it, so one state
reads one word everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext

from ..vocabulary import LABELS, key, message


def label(kind: str, value: object, translate: Callable[[str], str] = gettext) -> str:
    """The readable name of a stored ``value`` of ``kind`` in the page's language (the key if unknown);
    ``translate`` is the catalogue's lookup (Flask-Babel's by default; the template's in templates)."""
    source = message(kind, value)
    return translate(source) if source is not None else key(value)


def translated(kind: str) -> dict[str, str]:
    """Every label of ``kind``, by key, translated for the current page (lists to choose from)."""
    return {value: gettext(source) for value, source in LABELS[kind].items()}


def options(kind: str, values: tuple[object, ...]) -> list[tuple[str, str]]:
    """``(value, label)`` of ``values`` of ``kind``, in the given order, for a list to choose from."""
    return [(key(value), label(kind, value)) for value in values]
