"""Delay request notices: a request told to the plan lead, its answer (accepted or refused) to the requester.

The signals of ``services.tasks.delay_requests`` are turned into outbox messages in the same transaction,
as the transition notices of ``notices`` are; the lead's email points to the task page, where the request
is previewed and answered, the requester's to the task through a signed link.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import signals
from ..models import DelayRequest, DelayStatus, Person, Plan, PlanStage, Task
from ..services.context import session
from ..services.urls import public_url
from .inbox import task_path
from .notices import _active, _send
from .views import Recipient, recipients, task_links, task_view


def connect_signals() -> None:
    """Connect the receivers once per process (they act for whichever app sends)."""
    signals.delay_requested.connect(on_delay_requested, weak=False)
    signals.delay_answered.connect(on_delay_answered, weak=False)


def _stage_key(task: Task) -> str:
    return session().scalar(sa.select(PlanStage.stage_key).where(PlanStage.id == task.stage_id)) or ""


def on_delay_requested(sender: Any, *, plan: Plan, task: Task, request: DelayRequest, actor: Person, **_: Any) -> None:
    """The plan lead hears of the request, with the date asked, the reason and a link to answer it."""
    if not _active(sender):
        return
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

    _send("delay_requested", f"delay_requested:q{request.id}", plan, {plan.lead_id}, build, task.id, task_path(task.id))


def on_delay_answered(
    sender: Any, *, plan: Plan, task: Task, request: DelayRequest, actor: Person, moved_others: int = 0, **_: Any
) -> None:
    """The requester hears the answer: the new deadline (and the tasks moved with it), or why not."""
    if not _active(sender) or request.status not in (DelayStatus.ACCEPTED, DelayStatus.REFUSED):
        return
    stage_key = _stage_key(task)
    kind = "delay_accepted" if request.status is DelayStatus.ACCEPTED else "delay_refused"

    def build(recipient: Recipient) -> tuple[dict[str, Any], list[Any]]:
        return {
            "task": task_view(task, stage_key, plan, recipient.language),
            "answered_by": actor.name,
            "asked_date": request.due_date,
            "old_date": request.current_due_date,
            "moved_others": moved_others,
            "note": request.answer_reason,
            "reason": request.answer_reason,
            "open_url": task_links(recipient.id, task.id)["open_url"],
        }, []

    _send(kind, f"{kind}:q{request.id}", plan, {request.requester_id}, build, task.id, task_path(task.id))
