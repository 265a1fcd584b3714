"""The forms of the plan and task pages: what the person typed, its errors, and what to tell them.

A form that needs the person again comes back filled in as they left it (``FormState``): 422 for input
errors beside their field, 409 when someone changed the plan or task meanwhile (who, what, when:
``stale_message``) or when the change is refused in the current state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request
from flask_babel import gettext

from ...errors import ValidationError
from ...services.journal import last_change
from ...services.tasks.page import MovePreview
from ...validation import NOTE_MAX_LENGTH, NOTE_MESSAGE, check_note
from ..inputs import as_id
from . import texts as plan_texts


@dataclass
class FormState:
    """A form sent back to the person: what they typed, what is wrong, what the page has to tell them."""

    action: str
    task_id: int | None = None
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    #: A message about the whole form: a change made meanwhile, or a refusal.
    message: str | None = None
    #: The deadlines a move would change, shown before it is confirmed.
    preview: MovePreview | None = None
    #: The plan's cancellation waits for the person's confirmation.
    confirm: bool = False


def form_lookup(form: FormState | None) -> Any:
    """``form_for(action, task_id)`` for templates: the form sent back if it is that one, an empty one otherwise."""

    def form_for(action: str, task_id: int | None = None) -> FormState:
        if form is not None and form.action == action and form.task_id == task_id:
            return form
        return FormState(action, task_id)

    return form_for


def form_values(*names: str) -> dict[str, str]:
    """The submitted fields, stripped (absent ones empty)."""
    return {name: (request.form.get(name) or "").strip() for name in names}


def note_errors(values: dict[str, str]) -> dict[str, list[str]]:
    """A note longer than the journal keeps is refused, beside its field (nothing is cut silently)."""
    message = note_message(values.get("note", ""))
    return {"note": [message]} if message else {}


def note_message(note: str) -> str | None:
    """Why ``note`` is refused (``validation.check_note``), in the page's language; ``None`` when it is not."""
    try:
        check_note(note)
    except ValidationError:
        return gettext(NOTE_MESSAGE, count=NOTE_MAX_LENGTH)
    return None


def version(values: dict[str, str]) -> int | None:
    """The version the person saw, if the form carries one."""
    raw = values.get("expected_version", "")
    return as_id(raw)


def stale_message(plan_id: int, task_id: int | None = None) -> str:
    """Who changed the task (or the plan) since the person opened the page, when, and what they did."""
    change = last_change(plan_id, task_id)
    if change is None:
        return gettext(
            "Someone changed this while you were working on it. Check its current state; your input is kept."
        )
    details = {
        "who": plan_texts.actor(change),
        "when": plan_texts.when(change.event.occurred_dt),
        "what": plan_texts.describe(change),
    }
    if task_id is not None:
        return gettext(
            "This task was changed since you opened the page, by %(who)s on %(when)s: %(what)s. "
            "Check its current state; your input is kept, send it again if it still applies.",
            **details,
        )
    return gettext(
        "This plan was changed since you opened the page, by %(who)s on %(when)s: %(what)s. "
        "Check its current state; your input is kept, send it again if it still applies.",
        **details,
    )
