"""What every API resource shares: error documentation, the version check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import flask_smorest
from flask import Request, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser

from .errors import ApiErrorSchema
from .fields import MAX_ID

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
    413: "Request too large: refused before it is read",
    422: "Invalid input: see errors",
}


class BodyRequiredParser(FlaskParser):
    """webargs' parser, except that a request without a JSON body, where a view reads one, is invalid, and so
    is an unknown query parameter.

    Every body the API reads is documented as required (flask-smorest's default), but webargs reads a
    missing body as ``{}``: a ``PATCH`` without a body would change nothing and answer 200.
    """

    #: The query strings follow their schemas' ``unknown`` (``RAISE``: an unknown parameter is invalid, as the
    #: spec lists every one) instead of webargs' default for queries, which drops them silently.
    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {  # noqa: RUF012 - read only, as in webargs
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }

    def load_json(self, req: Request, schema: Schema) -> Any:
        data = super().load_json(req, schema)
        if data is core.missing:
            raise ValidationError({"_request": ["A JSON body is required."]})
        return data


class ApiBlueprint(Blueprint):  # type: ignore[misc] # flask-smorest ships no types
    """A flask-smorest blueprint whose bodies are required as documented (``BodyRequiredParser``).

    ``authenticate``, when given, runs before the request's parameters are parsed: a caller without valid
    credentials gets the 401 the spec documents, not the 422 of a body it should not learn the rules of.
    """

    ARGUMENTS_PARSER = BodyRequiredParser()

    def __init__(self, *args: Any, authenticate: Callable[[], object] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if authenticate is not None:
            check = authenticate

            def authenticated() -> None:
                """A ``before_request`` returning anything would be the answer: only raise (the 401)."""
                check()

            self.before_request(authenticated)


def errors(blp: Blueprint, *codes: int) -> Callable[[F], F]:
    """Document the error answers a view can give (401 always)."""

    def decorate(view: F) -> F:
        for code in sorted({401, *codes}):
            view = blp.alt_response(code, schema=ApiErrorSchema, description=ERROR_DESCRIPTIONS[code])(view)
        return view

    return decorate


def if_match_version() -> int | None:
    """The version named by an ``If-Match: "<version>"`` header, if any (a malformed one is a 400).

    An empty header names nothing and counts as absent: the spec documents the header as any string, and a
    client that sends it blank when it has no version means "no precondition".
    """
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        return None
    text = header.removeprefix("W/").strip('"')
    # ASCII digits only (``"²".isdigit()`` holds, ``int("²")`` fails), and within the versions' column.
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or int(text) > MAX_ID:
        abort(400, message='If-Match must name a version, e.g. If-Match: "3"')
    return int(text)
