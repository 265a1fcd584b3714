"""Typed errors raised by services and the engine; web, API and CLI map each the same way.

Every error carries a code (``refusals.Refusal``) and the parameters of its message: readers translate the
code, never the words (see ``refusals``). ``str(error)`` is the English message, for logs and the CLI.
"""

from __future__ import annotations

from typing import Any

from .refusals import Refusal


class GpectError(Exception):
    """Base of the errors a user can be told about: why (a code), and the parameters of its message."""

    def __init__(self, refusal: Refusal, /, **params: Any) -> None:
        self.refusal = refusal
        self.params = params
        super().__init__(refusal.words(**params))


class ConfigurationError(Exception):
    """The application's configuration is unusable; the message names every bad key (read by operators)."""


class ValidationError(GpectError):
    """Input that breaks a rule; ``fields`` maps field names to messages (msgids of the catalogue)."""

    def __init__(
        self, refusal: Refusal = Refusal.INVALID_INPUT, fields: dict[str, list[str]] | None = None, /, **params: Any
    ) -> None:
        super().__init__(refusal, **params)
        self.fields = fields or {}


class NotFound(GpectError):
    """The thing asked for does not exist (or is not visible to the person asking)."""


class PermissionDenied(GpectError):
    """The acting person may not do this."""


class InvalidTransition(GpectError):
    """The change is not allowed from the current state."""


class StaleObject(GpectError):
    """Someone else changed the object since it was read; nothing was overwritten."""


class DefinitionConflict(GpectError):
    """A definition file changed without its version being raised."""


#: The HTTP status every interface reports for each error (the CLI prints the message and exits 1).
HTTP_STATUS: dict[type[GpectError], int] = {
    ValidationError: 422,
    NotFound: 404,
    PermissionDenied: 403,
    InvalidTransition: 409,
    StaleObject: 409,
    DefinitionConflict: 409,
}


def http_status(error: GpectError) -> int:
    """The HTTP status of ``error`` (400 for an error type not listed)."""
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 400
