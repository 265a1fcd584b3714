"""The notification inbox: what the application emailed the signed-in person, newest first, each entry
leading to the task, gate review or plan it is about; its unread count in every page's header.

It works without JavaScript: an entry is a link to ``/inbox/<id>/open``, which marks it read and sends the
reader on (a GET that only its owner may follow, and that changes nothing a second time); "mark all read"
is a form. Another person's entry is "not found", as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_number, gettext
from flask_login import current_user

from ..services.inbox import UNREAD_CAP, inbox_page, mark_all_read, open_entry, unread_count
from ..services.paging import page_number
from .auth import signed_in
from .inbox_count import remembered_unread


def register(blueprint: Blueprint) -> None:
    """Add the inbox pages to the UI blueprint, and the header's unread count to every page."""
    blueprint.add_url_rule("/inbox", view_func=inbox)
    blueprint.add_url_rule("/inbox/<id:entry_id>/open", view_func=open_inbox_entry)
    blueprint.add_url_rule("/inbox/read-all", view_func=read_all, methods=["POST"])
    blueprint.add_app_template_global(header_unread, "gpect_inbox_unread")


def header_unread() -> str | None:
    """The header's unread count as shown: "" for none, "99+" past the cap; ``None`` (no inbox link) for
    no one signed in, or when a host has not mounted the inbox page. The count read with the person when
    the request signed them in, else one statement."""
    if not (current_user and current_user.is_authenticated) or "gpect.inbox" not in current_app.view_functions:
        return None
    count = remembered_unread(current_user)
    if count is None:
        count = unread_count(current_user)
    if count > UNREAD_CAP:
        return f"{format_number(UNREAD_CAP)}+"
    return format_number(count) if count else ""


@signed_in
def inbox() -> Any:
    """A page of the person's notifications, newest first."""
    listing = inbox_page(current_user, page_number(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("gpect_workflow/inbox/index.html", listing=listing)


@signed_in
def open_inbox_entry(entry_id: int) -> Any:
    """Mark the entry read and go to the page it is about (the inbox again when it names none)."""
    entry = open_entry(current_user, entry_id)
    path = entry.link_path
    if not path or not path.startswith("/") or path.startswith("//"):
        return redirect(url_for("gpect.inbox"))
    return redirect(url_for("gpect.dashboard").rstrip("/") + path)


@signed_in(back_to="gpect.inbox")
def read_all() -> Any:
    """Mark every notification read at once."""
    count = mark_all_read(current_user)
    flash(gettext("Notifications marked as read: %(count)s.", count=count))
    return redirect(url_for("gpect.inbox"))
