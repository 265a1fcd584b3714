"""Signing in and out: a password, or for partners a single-use link sent by email.

Sessions are Flask-Login's signed cookies, honoured only while the person's session generation they
carry is current (``services.accounts.sessions``): signing out ends every session of the person.
Asking for a link answers the same, in the same time, whether or not the address has an account, so the
page tells no one who uses the product: the answer leaves first, and only then is the address looked up and
the link queued and sent (``_after_the_answer``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, overload
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    after_this_request,
    copy_current_request_context,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from ..errors import ValidationError
from ..models import Person
from ..notifications.login_links import queue_login_link
from ..notifications.password_reset import queue_password_reset
from ..notifications.sender import send_pending
from ..services.accounts.passwords import check_password
from ..services.accounts.sessions import end_sessions, person_and_unread_for_session
from ..services.partners.people import find_person
from ..services.unit_of_work import after_commit, commit, rollback
from .inbox_count import remember_unread
from .texts import page_texts
from .throttle import forget_failures, init_throttle, record_failure, sign_in_lock

log = logging.getLogger(__name__)

View = Callable[..., Any]
#: Where an anonymous visitor returns after signing in: an endpoint, or a function building the address.
BackTo = str | Callable[[], str]


@overload
def signed_in(view: View) -> View: ...
@overload
def signed_in(*, back_to: BackTo) -> Callable[[View], View]: ...
def signed_in(view: View | None = None, *, back_to: BackTo | None = None) -> View | Callable[[View], View]:
    """For every page that needs a person: an anonymous visitor signs in first, then comes back.

    They come back to the page they asked for. A form's action (a POST, which cannot be asked for again
    by address) names with ``back_to`` the page the form is on: an endpoint, given those of the view's
    arguments its address takes, or a function building the address.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("gpect.login", next=_return_address(back_to, kwargs)))
            return view(*args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _return_address(back_to: BackTo | None, view_args: dict[str, Any]) -> str:
    if back_to is None:
        return request.full_path.rstrip("?")
    if callable(back_to):
        return back_to()
    taken = {name for rule in current_app.url_map.iter_rules(back_to) for name in rule.arguments}
    return url_for(back_to, **{name: value for name, value in view_args.items() if name in taken})


def init_login(app: Flask) -> None:
    """The sign-in throttle, and Flask-Login for the app unless the host application already runs its own."""
    init_throttle(app)
    if getattr(app, "login_manager", None) is not None:
        return
    manager = LoginManager()
    manager.login_view = "gpect.login"
    manager.user_loader(_load_person)
    manager.init_app(app)


def _load_person(session_id: str) -> Person | None:
    """The person the session cookie names, with their unread count kept for this request's header."""
    found = person_and_unread_for_session(session_id)
    if found is None:
        return None
    person, unread = found
    remember_unread(person, unread)
    return person


def register(blueprint: Blueprint) -> None:
    """Add the sign-in pages to the UI blueprint."""
    blueprint.add_url_rule("/login", view_func=login, methods=["GET", "POST"])
    blueprint.add_url_rule("/login/link", view_func=ask_login_link, methods=["POST"])
    blueprint.add_url_rule("/login/forgot", view_func=ask_password_reset, methods=["POST"])
    blueprint.add_url_rule("/logout", view_func=logout, methods=["POST"])


def login() -> Any:
    """The sign-in page; a correct address and password open a session."""
    if request.method == "GET":
        return _page()
    email = (request.form.get("email") or "").strip()
    password = request.form.get("password") or ""
    lock = sign_in_lock(email)
    if lock is not None:  # refused without checking the password, the right one too
        headers = {"Retry-After": str(lock.retry_after_seconds)}
        return _page(error="too_many_attempts", email=email), 429, headers
    person = _person_or_none(email)
    # Checked against a hash even for an unknown address: the answer and its time tell nothing.
    if not check_password(person, password) or person is None:
        record_failure(email)
        return _page(error="bad_credentials", email=email), 401
    forget_failures(email)
    login_user(person)
    return redirect(_safe_next())


def ask_login_link() -> Any:
    """Send a sign-in link to the address if it has an account; answer the same, in the same time, either way."""
    email = (request.form.get("email") or "").strip()
    _after_the_answer(lambda: _send_login_link(email))
    return _page(sent=True, email=email)


def ask_password_reset() -> Any:
    """Send a link to choose a new password if the address has an account with one; answer the same, in the
    same time, either way (a partner without a password signs in by link)."""
    email = (request.form.get("email") or "").strip()
    _after_the_answer(lambda: _send_password_reset(email))
    return _page(reset_sent=True, email=email)


def _after_the_answer(work: Callable[[], None]) -> None:
    """Do ``work`` once the answer has left (the server closes it), in a unit of work of its own.

    Looking the address up, queueing its email and the SMTP exchange take time only for an address with an
    account: done before answering, they would tell which addresses have one. A failure is logged; the
    visitor, already answered, may ask again.
    """

    @copy_current_request_context
    def run() -> None:
        try:
            work()
            commit()
        except Exception:
            rollback()
            log.exception("a link asked for from the sign-in page could not be queued or sent")

    @after_this_request
    def when_closed(response: Response) -> Response:
        response.call_on_close(run)
        return response


def logout() -> Response:
    """Sign out everywhere: every session of the person ends, a copy of this cookie included."""
    if current_user.is_authenticated:
        end_sessions(current_user)
    logout_user()
    return redirect(url_for("gpect.login"))


def _person_or_none(email: str) -> Person | None:
    try:
        return find_person(email) if email else None
    except ValidationError:
        return None


def _send_login_link(email: str) -> None:
    """Queue the link for an active account (unless the address had its hourly share) and send it, alone,
    once it is stored: a sign-in link cannot wait for the next scheduler pass, nor for others."""
    person = _person_or_none(email)
    if person is not None and person.is_active:
        _send_once_stored(queue_login_link(person))


def _send_password_reset(email: str) -> None:
    """The same for a link to choose a new password, for an active account that has a password."""
    person = _person_or_none(email)
    if person is not None and person.is_active and person.password_hash:
        _send_once_stored(queue_password_reset(person))


def _send_once_stored(key: str | None) -> None:
    if key is not None:
        after_commit(lambda: send_pending(keys=[key]))


def _safe_next() -> str:
    """Where to go after signing in: the ``next`` page if it is one of ours, the home page otherwise."""
    target = request.args.get("next") or request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return url_for("gpect.dashboard")


def _page(**context: Any) -> str:
    return render_template(
        "gpect_workflow/auth/login.html", t=page_texts(), next=request.args.get("next", ""), **context
    )


def login_from_link(person: Person) -> None:
    """Open a session for the person a valid sign-in link was sent to."""
    login_user(person)
