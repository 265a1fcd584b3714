"""The outbox, for administrators: what was queued, sent, failed or captured; retry a failure."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ..errors import InvalidTransition, PermissionDenied
from ..models import OutboxStatus
from ..refusals import Refusal
from ..services.access import is_active_admin
from ..services.outbox import message_detail, message_page, retry
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas.mail import OutboxArgsSchema, OutboxListSchema, OutboxMessageSchema

URL_PREFIX = "/outbox"
blp = ApiBlueprint(
    "gpect_api_outbox", __name__, description="Outgoing emails (administrators)", authenticate=api_person
)


def _require_admin() -> None:
    if not is_active_admin(api_person()):
        raise PermissionDenied(Refusal.OUTBOX_FOR_ADMINISTRATORS)


@blp.route("")
class Outbox(MethodView):
    @blp.arguments(OutboxArgsSchema, location="query")
    @blp.response(200, OutboxListSchema)
    @errors(blp, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """Messages, newest first, optionally of one status."""
        _require_admin()
        status = OutboxStatus(args["status"]) if "status" in args else None
        return message_page(status, args["page"], args["per_page"], keep_within=False)


@blp.route("/<int(max=2147483647):message_id>/retry")
class OutboxRetry(MethodView):
    @blp.response(200, OutboxMessageSchema)
    @errors(blp, 403, 404, 409)
    def post(self, message_id: int) -> Any:
        """Queue a failed message again."""
        _require_admin()
        message = message_detail(message_id).message
        if not retry(message_id):
            raise InvalidTransition(Refusal.ONLY_FAILED_MESSAGES_RETRIED, status=message.status)
        return message
