"""The API's errors: every error answer is JSON ``{code, status, message, errors}``, and ``refusal``.

``code`` is the HTTP status; ``refusal``, on a service's refusal, its stable code (``refusals.Refusal``), what
a client program reads to know what happened (``message`` is English words that may change). ``errors``
maps each invalid field to its messages, whether the request's parsing (webargs, through flask-smorest) or
a service (``ValidationError``) refused it. The extension routes the errors of requests
under the API here, and those of the pages to their HTML error pages.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from ..errors import GpectError, ValidationError, http_status
from ..refusals import fill


class ApiErrorSchema(Schema):
    """Every error answer: HTTP code, error name, message, and per-field messages for invalid input."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    status = fields.String(required=True)
    message = fields.String(required=True, metadata={"description": "What happened, in English words."})
    refusal = fields.String(
        metadata={"description": "Why a service refused, as a stable code (see docs/api.md): read this, not the words."}
    )
    parameters = fields.Dict(
        keys=fields.String(),
        metadata={"description": "The refusal's parameters (see docs/api.md), e.g. the statuses of a refused change."},
    )
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


#: Where webargs puts the messages of a request's parts; their fields are named without the part.
_LOCATIONS = ("json", "query", "form", "files", "headers", "view_args")


def http_error_response(error: HTTPException) -> tuple[Response, int]:
    """The JSON answer to an HTTP error (``abort``, a refused request, an unknown address, a 405...)."""
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    body: dict[str, Any] = {"code": code, "status": error.name, "message": data.get("message", error.description)}
    fields = field_errors(data.get("messages") or data.get("errors"))
    if fields:
        body["errors"] = fields
    response = jsonify(body)
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="gpect"'
    for name, value in error.get_headers() or []:
        if name.lower() == "allow":
            response.headers[name] = value
    return response, code


def service_error_response(error: GpectError) -> tuple[Response, int]:
    """The JSON answer to a service's refusal: its HTTP status, its type, its message and field messages."""
    status = http_status(error)
    body: dict[str, object] = {
        "code": status,
        "status": type(error).__name__,
        "message": str(error),
        "refusal": error.refusal.value,
    }
    if error.params:
        body["parameters"] = {name: _plain(value) for name, value in error.params.items()}
    if isinstance(error, ValidationError) and error.fields:
        body["errors"] = {
            field: [fill(message, error.params) for message in messages] for field, messages in error.fields.items()
        }
    return jsonify(body), status


def _plain(value: Any) -> object:
    """A refusal's parameter as JSON: a stored value (an enum) by its code, a number as it is, else text."""
    if isinstance(value, Enum):
        return value.value
    return value if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def field_errors(messages: Any) -> dict[str, list[str]]:
    """webargs' ``{"json": {"field": [...]}}`` (or nested) flattened to ``{"field": [...]}``.

    Nested fields are joined with dots (``roles.lead.person_ids.0``); a key a dot cannot carry (empty, or
    with a dot or bracket of its own, as in a dictionary field's keys) is written as a JSON string in
    brackets, ``roles[""].key``, so that every path names one place in the body.
    """
    if not isinstance(messages, dict):
        return {}
    flat: dict[str, list[str]] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, _joined(path, key))
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            flat.setdefault(path or "_request", []).extend(value)
        else:
            flat.setdefault(path or "_request", []).append(str(value))

    for location, value in messages.items():
        walk(value, "" if location in _LOCATIONS else str(location))
    return flat


def _joined(path: str, key: object) -> str:
    """``path`` followed by one more ``key`` (see ``field_errors``)."""
    text = str(key)
    if text == "" or any(mark in text for mark in '.[]"'):
        return f"{path}[{json.dumps(text)}]"
    return f"{path}.{text}" if path else text
