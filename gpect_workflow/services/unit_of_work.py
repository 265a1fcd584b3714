"""One unit of work per request or command, committed or rolled back in one place.

Services change state and flush; they never commit. The edge that called them is one unit of work, ended
here: every view of the UI and the API (``view``, wrapped around each when the extension is registered)
commits when it answered normally with a status below 400 and rolls back otherwise, an error included;
every ``flask gpect`` command (``command``) commits when it returns and rolls back when it fails. Work
that must wait until the change is stored (sending the sign-in link a view just queued) is handed to
``after_commit`` and runs once the commit succeeded, never after a rollback.

A view that shows a form again after a service refused a change answers ``after_rollback(render)``: the
refused change (perhaps half flushed, perhaps a failed statement) is rolled back before ``render`` reads
anything, so the page shows the state as it is, with the person's input and the reason.

The scheduler's tick is a job of several transactions (opening plans and queueing, then sending a
message at a time): it ends each itself with ``commit`` and ``rollback``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, g
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from .context import session

_AFTER_COMMIT = "gpect_after_commit"


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` once the current unit of work is committed (not at all if it is rolled back)."""
    g.setdefault(_AFTER_COMMIT, []).append(callback)


def commit() -> None:
    """Store the unit's work, then run what waited for it (``after_commit``), in order."""
    try:
        session().commit()
    except BaseException:
        rollback()
        raise
    for callback in g.pop(_AFTER_COMMIT, []):
        callback()


def rollback() -> None:
    """Drop the unit's work, and what waited for it to be stored."""
    g.pop(_AFTER_COMMIT, None)
    session().rollback()


@dataclass(frozen=True, slots=True)
class AfterRollback:
    """A view's answer drawn once the unit's work is rolled back (see ``after_rollback``)."""

    render: Callable[[], ResponseReturnValue]


def after_rollback(render: Callable[[], ResponseReturnValue]) -> Any:
    """The answer ``render()`` gives once the unit's work is rolled back: what a view returns to show a form
    again after a service refused the change (its status, 409 or 422, rolls back the render's reads too)."""
    return AfterRollback(render)


def view(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, a view, run as one unit of work: committed when it answers with a status below 400,
    rolled back when it answers with another or raises (before the error handlers draw their page)."""

    @wraps(function)
    def unit(*args: Any, **kwargs: Any) -> Response:
        g.pop(_AFTER_COMMIT, None)
        try:
            answer = function(*args, **kwargs)
            if isinstance(answer, AfterRollback):
                rollback()
                answer = answer.render()
            response = current_app.make_response(answer)
        except BaseException:
            rollback()
            raise
        if response.status_code < 400:
            commit()
        else:
            rollback()
        return response

    return unit


def command(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, a CLI command, run as one unit of work: committed when it returns, rolled back when it
    raises (``click.ClickException``, ``sys.exit`` included)."""

    @wraps(function)
    def unit(*args: Any, **kwargs: Any) -> Any:
        try:
            result = function(*args, **kwargs)
        except BaseException:
            rollback()
            raise
        commit()
        return result

    return unit
