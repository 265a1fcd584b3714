"""People's own preferences."""

from __future__ import annotations

from ...errors import NotFound
from ...models import Person, ReminderMode
from ...refusals import Refusal
from ..context import session


def set_reminder_mode(actor: Person, person_id: int, mode: ReminderMode) -> Person:
    """Change how a person hears about deadlines (themselves only; escalations are always sent)."""
    person = session().get(Person, person_id)
    if person is None or (person.id != actor.id):
        raise NotFound(Refusal.NO_SUCH_PERSON)
    person.reminder_mode = mode
    session().flush()
    return person
