"""My preferences: language, time zone, how I hear about deadlines, my API tokens and my calendar address."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext, refresh
from flask_login import current_user, login_user

from ...errors import NotFound, ValidationError
from ...models import Language, ReminderMode
from ...services.accounts.password_change import change_password
from ...services.accounts.tokens import create_token, list_tokens, revoke_token
from ...services.partners.people import update_person
from ...services.unit_of_work import after_rollback
from ...vocabulary import N_
from ..auth import signed_in
from ..refusals import error_fields
from ..texts import page_texts, preference_texts
from ..throttle import record_failure, sign_in_lock
from .calendar_feed import feed_url

CHOOSE_FROM_THE_LISTS = N_("Choose a language and a reminder mode from the lists.")

TIMEZONES = (
    "Europe/Paris",
    "America/Cayenne",
    "America/Guadeloupe",
    "America/Martinique",
    "Indian/Reunion",
    "Indian/Mayotte",
    "Pacific/Noumea",
    "Pacific/Tahiti",
    "Europe/Brussels",
    "UTC",
)


def register(blueprint: Blueprint) -> None:
    """Add the preferences pages to the UI blueprint."""
    blueprint.add_url_rule("/preferences", view_func=preferences, methods=["GET", "POST"])
    blueprint.add_url_rule("/preferences/password", view_func=new_password, methods=["POST"])
    blueprint.add_url_rule("/preferences/tokens", view_func=new_token, methods=["POST"])
    blueprint.add_url_rule("/preferences/tokens/<id:token_id>/revoke", view_func=revoke, methods=["POST"])


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    page = render_template(
        "gpect_workflow/preferences.html",
        t=preference_texts(),
        person=current_user,
        tokens=list_tokens(current_user),
        calendar_url=feed_url(current_user),
        languages=[lang.value for lang in Language],
        modes=[mode.value for mode in ReminderMode],
        timezones=TIMEZONES,
        **context,
    )
    return page, status


@signed_in
def preferences() -> Any:
    """Show, or save, the signed-in person's preferences (errors shown beside their field)."""
    if request.method == "GET":
        return _page()
    form = {key: (request.form.get(key) or "").strip() for key in ("language", "timezone", "reminder_mode")}
    try:
        changes = {
            "language": Language(form["language"]),
            "timezone": form["timezone"],
            "reminder_mode": ReminderMode(form["reminder_mode"]),
        }
    except ValueError:
        return _page(422, errors={"_form": [gettext(CHOOSE_FROM_THE_LISTS)]}, form=form)
    try:
        update_person(current_user, current_user.id, **changes)
    except ValidationError as error:
        errors = error_fields(error)
        return after_rollback(lambda: _page(422, errors=errors, form=form))
    refresh()  # the page that confirms a new language speaks it
    return _page(saved=True)


@signed_in(back_to="gpect.preferences")
def new_password() -> Any:
    """Change my password (the current one first); my other sessions end, this one goes on."""
    fields = ("current_password", "new_password", "new_password_again")
    current, new, repeated = (request.form.get(name) or "" for name in fields)
    lock = sign_in_lock(current_user.email)
    if lock is not None:  # guessing the current password is throttled like signing in
        locked = {"current_password": [page_texts()["too_many_attempts"]]}
        return _page(429, password_errors=locked)
    try:
        change_password(current_user, current, new, repeated)
    except ValidationError as error:
        if "current_password" in error.fields:
            record_failure(current_user.email)
        errors = error_fields(error)
        return after_rollback(lambda: _page(422, password_errors=errors))
    login_user(current_user._get_current_object())  # this session, opened again under the new generation
    return _page(password_changed=True)


@signed_in(back_to="gpect.preferences")
def new_token() -> Any:
    """Create a personal API token; it is shown once."""
    try:
        _, plain = create_token(current_user, request.form.get("name") or "")
    except ValidationError as error:
        errors = error_fields(error)
        return after_rollback(lambda: _page(422, token_errors=errors))
    return _page(new_token=plain)


@signed_in(back_to="gpect.preferences")
def revoke(token_id: int) -> Any:
    """Revoke one of my tokens."""
    try:
        revoke_token(current_user, token_id)
    except NotFound:
        return after_rollback(lambda: _page(404))
    return redirect(url_for("gpect.preferences"))
