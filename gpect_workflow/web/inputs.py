"""What the pages accept from an address, a query string or a form, read the way the API's schemas read it.

The API refuses an id past the database's 32-bit columns and a text with NUL through its schemas
(``api.fields``); the pages read the same values by hand, where such a value reached the database and
failed there (an overflow, or PostgreSQL's refusal of NUL), a server error. Here the pages get the same
bounds: an ``id`` URL converter (1 to ``MAX_ID``, anything else a 404), ``as_id`` for ids typed in forms and
filters, and a check, before any view, that no query or form value carries a control character (a 400
with the French error page). Page numbers are ``services.paging.page_number``'s (bounded by ``MAX_PAGE``).
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import IntegerConverter, Map

from ..validation import CONTROL_CHARACTERS

#: Ids are 32-bit database integers (the API's ``MAX_ID``).
MAX_ID = 2_147_483_647
#: C0 control characters and DEL, except the tab and line breaks a note or minutes may hold.
_CONTROL = CONTROL_CHARACTERS


class IdConverter(IntegerConverter):
    """``<id:plan_id>``: a positive id within the database's integers; any other number is no such page."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def as_id(text: str | None) -> int | None:
    """The id ``text`` names (ASCII digits, 1 to ``MAX_ID``), or ``None`` for anything else."""
    value = (text or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a character no field of the pages takes (NUL, escapes, other controls)."""
    return _CONTROL.search(text) is not None


def refuse_control_characters() -> None:
    """Before every view of the pages: a query or form value with a control character is a 400.

    No page field takes one, PostgreSQL cannot store NUL, and a filter or a form with one was a mistake or an
    attack; refusing it here covers every field, including those a later page adds.
    """
    values = [*request.args.values(), *request.form.values()]
    if any(has_control_characters(value) for value in values):
        abort(400)


def _add_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("id", IdConverter)


def install(blueprint: Blueprint) -> None:
    """Give ``blueprint`` the ``id`` converter (call before its routes are added) and the control-character check."""
    blueprint.record_once(_add_converter)
    blueprint.before_request(refuse_control_characters)
