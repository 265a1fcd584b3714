"""Typed errors raised by services; web, API and CLI map each the same way."""

from __future__ import annotations


class GpectError(Exception):
    """Base of the errors a user can be told about."""


class ConfigurationError(GpectError):
    """The application's configuration is unusable; the message names every bad key."""


class ValidationError(GpectError):
    """Input that breaks a rule; ``fields`` maps field names to messages."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
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
