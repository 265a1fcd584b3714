"""The outbox page, for administrators: what was queued, sent, failed or captured, and retrying failures;
and the notices whose emails could not be written at all (``notifications.announcements``), to try again.

It reads and retries through the same outbox functions as ``flask gpect outbox`` and the API. A retried
message goes back to the queue and leaves with the next sending pass (the scheduler's, or ``flask gpect
tick``), exactly as after ``flask gpect outbox --retry``.

An email's HTML body is shown in a sandboxed ``iframe`` (``srcdoc``, no permission at all: no script,
no form, an opaque origin), and as escaped source; it never runs in the application's origin.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..errors import InvalidTransition
from ..models import OutboxStatus
from ..notifications.outbox import attachments_of
from ..refusals import Refusal
from ..services.access import is_active_admin, require
from ..services.outbox import (
    failed_notices,
    message_detail,
    message_page,
    retry,
    retry_failed,
    retry_failed_notices,
)
from ..services.paging import page_number
from ..vocabulary import N_
from .auth import signed_in

#: Labels of the statuses, as a message's state.
STATUS_LABELS = {
    OutboxStatus.PENDING: N_("waiting to be sent"),
    OutboxStatus.SENDING: N_("being sent"),
    OutboxStatus.SENT: N_("sent"),
    OutboxStatus.FAILED: N_("failed"),
    OutboxStatus.CAPTURED: N_("kept, not sent (no mail server)"),
}
#: Labels of the status tabs.
TAB_LABELS = {
    OutboxStatus.PENDING: N_("Pending"),
    OutboxStatus.SENDING: N_("Being sent"),
    OutboxStatus.SENT: N_("Sent"),
    OutboxStatus.FAILED: N_("Failed"),
    OutboxStatus.CAPTURED: N_("Captured"),
}
#: Defence in depth beside the iframe's sandbox, and in place of the policy of our other pages
#: (``web.security``): a ``srcdoc`` document inherits this policy, so it allows the inline styles emails are
#: written with, and nothing more: no script but ours, no image, font or connection from elsewhere, no
#: plugin, no foreign base address or form target, and no framing of the page itself.
DETAIL_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def register(blueprint: Blueprint) -> None:
    """Add the outbox pages to the UI blueprint."""
    blueprint.add_url_rule("/outbox", view_func=outbox)
    blueprint.add_url_rule("/outbox/<id:message_id>", view_func=outbox_message)
    blueprint.add_url_rule("/outbox/<id:message_id>/retry", view_func=retry_message, methods=["POST"])
    blueprint.add_url_rule("/outbox/retry-failed", view_func=retry_all_failed, methods=["POST"])
    blueprint.add_url_rule("/outbox/retry-notices", view_func=retry_notices, methods=["POST"])


def _require_admin() -> None:
    """Signed-in people other than administrators get 403."""
    require(is_active_admin(current_user), Refusal.OUTBOX_FOR_ADMINISTRATORS)


def _labels() -> dict[str, Any]:
    return {
        "status_labels": {status.value: gettext(label) for status, label in STATUS_LABELS.items()},
        "tab_labels": {status.value: gettext(label) for status, label in TAB_LABELS.items()},
    }


@signed_in
def outbox() -> Any:
    """A page of messages, newest first, all or of one status, with the count of every status."""
    _require_admin()
    status_arg = request.args.get("status") or None
    if status_arg is not None and status_arg not in {status.value for status in OutboxStatus}:
        abort(400)
    status = OutboxStatus(status_arg) if status_arg else None
    page = message_page(status, page_number(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template(
        "gpect_workflow/outbox/index.html",
        listing=page,
        statuses=list(OutboxStatus),
        notices=failed_notices(),
        **_labels(),
    )


@signed_in
def outbox_message(message_id: int) -> Any:
    """One message in full: headers, delivery history, text body, and the HTML body, sandboxed."""
    _require_admin()
    detail = message_detail(message_id)
    page = render_template(
        "gpect_workflow/outbox/message.html",
        detail=detail,
        message=detail.message,
        attachments=attachments_of(detail.message),
        retry_hours=current_app.config["OUTBOX_RETRY_FOR_HOURS"],
        **_labels(),
    )
    return page, 200, {"Content-Security-Policy": DETAIL_POLICY}


@signed_in(back_to="gpect.outbox_message")
def retry_message(message_id: int) -> Any:
    """Queue a failed message again (as ``flask gpect outbox --retry``); 409 when it is not failed."""
    _require_admin()
    detail = message_detail(message_id)
    if not retry(message_id):
        raise InvalidTransition(Refusal.ONLY_FAILED_MESSAGES_RETRIED, status=detail.message.status)
    flash(gettext("The message is queued again; it will leave with the next sending pass."))
    return redirect(url_for("gpect.outbox_message", message_id=message_id))


@signed_in(back_to=lambda: url_for("gpect.outbox", status=OutboxStatus.FAILED.value))
def retry_all_failed() -> Any:
    """Queue every failed message again at once."""
    _require_admin()
    count = retry_failed()
    flash(gettext("Failed messages queued again: %(count)s.", count=count))
    return redirect(url_for("gpect.outbox", status=OutboxStatus.PENDING.value))


@signed_in(back_to="gpect.outbox")
def retry_notices() -> Any:
    """Give every notice that could not be written to the scheduler's next pass again (its cause fixed)."""
    _require_admin()
    count = retry_failed_notices()
    flash(gettext("Notices given to the next pass again: %(count)s.", count=count))
    return redirect(url_for("gpect.outbox"))
