"""What every API resource shares: error documentation, the version check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import flask_smorest
from flask import request
from flask_smorest import Blueprint

from .errors import ApiErrorSchema

F = TypeVar("F", bound=Callable[..., Any])

#: flask-smorest's ``abort`` (a JSON error answer), with the type the package does not ship: it raises,
#: so a checker knows that the code after it runs only when it was not called.
abort: Callable[..., NoReturn] = flask_smorest.abort

ERROR_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found (or not visible to you)",
    409: "Conflict: the change is not allowed now, or someone changed the object since you read it",
    412: "Precondition failed: If-Match names an older version",
    422: "Invalid input: see errors",
}


def errors(blp: Blueprint, *codes: int) -> Callable[[F], F]:
    """Document the error answers a view can give (401 always)."""

    def decorate(view: F) -> F:
        for code in sorted({401, *codes}):
            view = blp.alt_response(code, schema=ApiErrorSchema, description=ERROR_DESCRIPTIONS[code])(view)
        return view

    return decorate


def if_match_version() -> int | None:
    """The version named by an ``If-Match: "<version>"`` header, if any (a malformed one is a 400)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        abort(400, message='If-Match must name a version, e.g. If-Match: "3"')
    return int(text)
