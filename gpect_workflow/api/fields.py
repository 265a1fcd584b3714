"""The building blocks of the API's schemas: input texts and the rules every entry applies to addresses, time
zones, dates and notes (``gpect_workflow.validation``, reported as marshmallow's field errors), strict input
schemas, pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..errors import ValidationError as RuleError
from ..refusals import fill
from ..services.paging import MAX_PAGE, MAX_PER_PAGE
from ..validation import (
    COMMENT_MAX_LENGTH,
    FIRST_DAY,
    LAST_DAY,
    NOTE_MAX_LENGTH,
    check_comment,
    check_date,
    check_note,
    check_timezone,
    normalise_email,
)


def names(enum: Any) -> list[str]:
    """The values of ``enum``'s members: what a field of that enum accepts and is documented with."""
    return [member.value for member in enum]


#: Ids and versions are 32-bit database integers: a larger one is invalid input, not a database error.
MAX_ID = 2_147_483_647


class Text(fields.String):
    """A string of input: no NUL character (PostgreSQL cannot store one: it would be a server error)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("must not contain NUL characters")
        return text


def _by_rule(rule: Callable[..., Any], *args: Any) -> Any:
    """``rule(*args)``: one of the rules of ``gpect_workflow.validation`` that pages, imports and the CLI
    apply, its field message reported as marshmallow's, so the API refuses what they refuse, in their words."""
    try:
        return rule(*args)
    except RuleError as error:
        words = [fill(message, error.params) for messages in error.fields.values() for message in messages]
        raise ValidationError(words) from error


def _with_metadata(kwargs: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    """``kwargs`` with ``metadata`` added under the field's own (the spec documents both)."""
    return {**kwargs, "metadata": {**metadata, **kwargs.get("metadata", {})}}


class StrictBoolean(fields.Boolean):
    """A JSON ``true`` or ``false`` and nothing else: the spec says boolean, so ``0``, ``1`` or ``"yes"`` are
    invalid input rather than guesses (``fields.Boolean``'s sets would take ``0`` for ``False``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class EmailAddress(Text):
    """An email address, returned as it is stored (normalised, lower-case)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_with_metadata(kwargs, format="email"))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return _by_rule(normalise_email, super()._deserialize(value, attr, data, **kwargs))


class TimeZone(Text):
    """An IANA time zone name, such as ``Europe/Paris``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_with_metadata(kwargs, description="An IANA time zone name, such as Europe/Paris."))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return _by_rule(check_timezone, super()._deserialize(value, attr, data, **kwargs))


class Note(Text):
    """A note kept in the journal with a change: the one rule of notes, refused rather than cut."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_with_metadata(kwargs, maxLength=NOTE_MAX_LENGTH))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return _by_rule(check_note, super()._deserialize(value, attr, data, **kwargs))


class CommentBody(Text):
    """A comment's text: the one rule of comments (``check_comment``), refused rather than cut or cleaned."""

    def __init__(self, **kwargs: Any) -> None:
        described = "Plain text; web addresses are shown as links. Line breaks kept, surrounding blanks dropped."
        super().__init__(**_with_metadata(kwargs, maxLength=COMMENT_MAX_LENGTH, description=described))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return _by_rule(check_comment, super()._deserialize(value, attr, data, **kwargs))


class Day(fields.Date):
    """A date within the range every stored date keeps to."""

    def __init__(self, **kwargs: Any) -> None:
        span = f"A day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}."
        super().__init__(**_with_metadata(kwargs, description=span))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return _by_rule(check_date, super()._deserialize(value, attr, data, **kwargs), "date")


class StrictSchema(Schema):
    """Unknown fields in a request are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


class PageArgsSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, MAX_PER_PAGE))


class PageSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class TextSchema(Schema):
    fr = fields.String(required=True)
    en = fields.String(required=True)
