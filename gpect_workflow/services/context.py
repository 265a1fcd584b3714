"""The current application's session and clock, as services see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, g
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


def transaction_memo(name: str) -> dict[Any, Any]:
    """A dictionary that lives as long as the session's current transaction.

    For reads several steps of one use case share (the tick's people and definitions): they are read
    once, and a later transaction, which may see other data, starts afresh.
    """
    transaction = session().registry().get_transaction()
    if transaction is None:  # not begun yet: begin it, as the read about to be memoised would
        session().connection()
        transaction = session().registry().get_transaction()
    memos: dict[str, tuple[object, dict[Any, Any]]] = g.setdefault("gpect_transaction_memos", {})
    owner, memo = memos.get(name, (None, {}))
    if owner is not transaction:
        memo = {}
        memos[name] = (transaction, memo)
    return memo
