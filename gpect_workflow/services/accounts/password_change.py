"""Changing one's own password: the current one first, the rule for the new one, and every other session
of the person ended (a thief holding an old cookie loses it with the old password)."""

from __future__ import annotations

from ...errors import ValidationError
from ...models import Person
from ...refusals import PASSWORD_WRONG, PASSWORDS_DIFFER, Refusal
from ..context import session
from .password_policy import password_problems
from .passwords import check_password, hash_password
from .sessions import end_sessions


def change_password(person: Person, current: str, new: str, repeated: str) -> None:
    """Set ``person``'s password to ``new`` once ``current`` is theirs and ``new`` keeps the rule, and end
    every session of the person: the caller opens the present one again (``ValidationError`` naming
    ``current_password``, ``new_password`` or ``new_password_again`` otherwise)."""
    problems: dict[str, list[str]] = {}
    if not check_password(person, current):
        problems["current_password"] = [PASSWORD_WRONG]
    if found := password_problems(new, email=person.email, name=person.name):
        problems["new_password"] = found
    elif new != repeated:
        problems["new_password_again"] = [PASSWORDS_DIFFER]
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    set_password(person, new)


def reset_password(person: Person, new: str, repeated: str) -> None:
    """Set the password of ``person``, who proved their address with a reset link, once ``new`` keeps the rule
    (``ValidationError`` naming ``new_password`` or ``new_password_again`` otherwise); every session ends."""
    if found := password_problems(new, email=person.email, name=person.name):
        raise ValidationError(Refusal.INVALID_INPUT, {"new_password": found})
    if new != repeated:
        raise ValidationError(Refusal.INVALID_INPUT, {"new_password_again": [PASSWORDS_DIFFER]})
    set_password(person, new)


def set_password(person: Person, new: str) -> None:
    """Store ``new`` (already checked) as ``person``'s password and end every session of the person."""
    person.password_hash = hash_password(new)
    end_sessions(person)
    session().flush()
