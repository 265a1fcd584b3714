"""The caller's notification inbox: what the application emailed them, newest first; one entry or all
marked read. Another person's entry is 404, as if it did not exist."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ..services.inbox import inbox_page, mark_all_read, open_entry, unread_count
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas.mail import InboxArgsSchema, InboxEntrySchema, InboxListSchema, InboxReadAllSchema

URL_PREFIX = "/inbox"
blp = ApiBlueprint("gpect_api_inbox", __name__, description="The caller's notification inbox", authenticate=api_person)


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(InboxArgsSchema, location="query")
    @blp.response(200, InboxListSchema)
    @errors(blp, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """My notifications, newest first, with how many are unread (counted up to 100)."""
        person = api_person()
        page = inbox_page(person, args["page"], args["per_page"], keep_within=False)
        return {
            "items": page.items,
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "pages": page.pages,
            "unread": unread_count(person),
        }


@blp.route("/<int(max=2147483647):entry_id>/read")
class InboxEntryRead(MethodView):
    @blp.response(200, InboxEntrySchema)
    @errors(blp, 404)
    def post(self, entry_id: int) -> Any:
        """Mark one of my notifications read (marking it again changes nothing)."""
        return open_entry(api_person(), entry_id)


@blp.route("/read-all")
class InboxReadAll(MethodView):
    @blp.response(200, InboxReadAllSchema)
    @errors(blp)
    def post(self) -> Any:
        """Mark all my notifications read; say how many were unread."""
        return {"marked": mark_all_read(api_person())}
