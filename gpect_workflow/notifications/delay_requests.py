"""Delay request notices: a request told to the plan lead, its answer (accepted or refused) to the requester.

The signals of ``services.tasks.delay_requests`` are recorded as announcements in the user's transaction and
rendered by the scheduler's pass, as the transition notices of ``notices`` are; the lead's email points to
the task page, where the request is previewed and answered, the requester's to the task through a signed
link. The request's row keeps what the emails say (the date asked, the reasons), so the pass reads it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import signals
from ..models import DelayRequest, DelayStatus, Person, Plan, PlanStage, Task
from ..services.context import session
from ..services.urls import public_url
from .announcements import announce, announcer
from .inbox import task_path
from .notices import _active, _messages
from .outbox import NewMessage
from .views import Recipient, recipients, task_links, task_view


def connect_signals() -> None:
    """Connect the receivers once per process (they act for whichever app sends)."""
    signals.delay_requested.connect(on_delay_requested, weak=False)
    signals.delay_answered.connect(on_delay_answered, weak=False)


def _stage_key(task: Task) -> str:
    return session().scalar(sa.select(PlanStage.stage_key).where(PlanStage.id == task.stage_id)) or ""


def _loaded(payload: dict[str, Any]) -> tuple[DelayRequest, Task, Person]:
    request = session().get(DelayRequest, int(payload["request_id"]))
    task = session().get(Task, request.task_id) if request is not None else None
    actor = session().get(Person, int(payload["actor_id"]))
    if request is None or task is None or actor is None:
        raise LookupError(f"delay request {payload['request_id']}, its task or person {payload['actor_id']} not found")
    return request, task, actor


def on_delay_requested(sender: Any, *, plan: Plan, task: Task, request: DelayRequest, actor: Person, **_: Any) -> None:
    """Announce the request to the plan lead."""
    if _active(sender):
        announce("delay_requested", plan, {"request_id": request.id, "actor_id": actor.id})


@announcer("delay_requested")
def delay_requested(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    """The plan lead hears of the request, with the date asked, the reason and a link to answer it."""
    request, task, actor = _loaded(payload)
    stage_key = _stage_key(task)
    requester = recipients([actor.id]).get(actor.id)

    def build(recipient: Recipient) -> tuple[dict[str, Any], list[Any]]:
        return {
            "task": task_view(task, stage_key, plan, recipient.language),
            "requester_name": actor.name,
            "requester_organisation": requester.organisation if requester else None,
            "asked_date": request.due_date,
            "reason": request.reason,
            "open_url": public_url(f"/tasks/{task.id}#delay-requests"),
        }, []

    key = f"delay_requested:q{request.id}"
    return _messages("delay_requested", key, plan, {plan.lead_id}, build, task.id, task_path(task.id))


def on_delay_answered(
    sender: Any, *, plan: Plan, task: Task, request: DelayRequest, actor: Person, moved_others: int = 0, **_: Any
) -> None:
    """Announce the answer to the requester."""
    if not _active(sender) or request.status not in (DelayStatus.ACCEPTED, DelayStatus.REFUSED):
        return
    kind = "delay_accepted" if request.status is DelayStatus.ACCEPTED else "delay_refused"
    announce(kind, plan, {"request_id": request.id, "actor_id": actor.id, "moved_others": moved_others})


def _answer(kind: str, plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    """The requester hears the answer: the new deadline (and the tasks moved with it), or why not."""
    request, task, actor = _loaded(payload)
    stage_key = _stage_key(task)

    def build(recipient: Recipient) -> tuple[dict[str, Any], list[Any]]:
        return {
            "task": task_view(task, stage_key, plan, recipient.language),
            "answered_by": actor.name,
            "asked_date": request.due_date,
            "old_date": request.current_due_date,
            "moved_others": int(payload.get("moved_others") or 0),
            "note": request.answer_reason,
            "reason": request.answer_reason,
            "open_url": task_links(recipient.id, task.id)["open_url"],
        }, []

    return _messages(kind, f"{kind}:q{request.id}", plan, {request.requester_id}, build, task.id, task_path(task.id))


@announcer("delay_accepted")
def delay_accepted(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    return _answer("delay_accepted", plan, payload)


@announcer("delay_refused")
def delay_refused(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    return _answer("delay_refused", plan, payload)
