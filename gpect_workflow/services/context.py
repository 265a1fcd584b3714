"""The current application's session and clock, as services see them."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_sqlalchemy.session import Session
from sqlalchemy.orm import scoped_session

from ..state import EXTENSION_NAME, GpectState


def state() -> GpectState:
    """The extension state of the current application."""
    return current_app.extensions[EXTENSION_NAME]  # type: ignore[no-any-return]


def session() -> scoped_session[Session]:
    """The database session of the current application context."""
    return state().db.session


def now() -> datetime:
    """The current instant according to the application's clock (aware, UTC)."""
    return state().clock.now()


def sender() -> object:
    """The application, as the sender of blinker signals (so a host can listen to one app only)."""
    return current_app._get_current_object()  # type: ignore[attr-defined]
