"""Delay requests: a partner asks the lead to move a task's deadline to a date, with a reason; the lead
previews what the move would shift, then accepts (the deadline moves through ``reschedule``, dependents
follow) or refuses with a reason; the partner may withdraw a request while it waits.

A task has at most one pending request (a partial unique index keeps it so under concurrent requests too).
Who answers is who may move deadlines (the plan lead and the administrators), never the requester. A
person who may not see the plan is told the request does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ... import signals
from ...definitions.model import Text
from ...errors import GpectError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from ...models import FINISHED_TASK_STATUSES, DelayRequest, DelayStatus, Person, Plan, PlanStatus, Task
from ...refusals import (
    DELAY_DATE_NOT_LATER,
    DELAY_DATE_PAST,
    DELAY_REASON_NEEDED,
    NO_CONTROL_CHARACTERS,
    REFUSAL_REASON_NEEDED,
    Refusal,
)
from ...validation import check_note
from ..access import PlanAccess, is_active_admin, is_worker, plan_access, require
from ..context import now, sender, session
from ..definitions import get_definition, task_definition
from ..journal import record
from ..loading import plan_today, read_again
from ..paging import Page
from .changes import DeadlineMove, preview_reschedule, reschedule, task_for_request
from .deadlines import check_due_date, due_date_window
from .page import MovePreview, preview_move

#: Control characters a reason may not hold (line breaks and tabs are kept).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: How many pending requests the dashboard and the plan page list before pointing to the rest.
PENDING_LIMIT = 20


def ask_for_delay(actor: Person, task_id: int, due_date: date, reason: str) -> DelayRequest:
    """The task's assignee or a person of its role asks the lead to move its deadline to ``due_date``."""
    plan, task, access = task_for_request(actor, task_id)
    require(is_worker(actor, task, access) or access.can_manage, Refusal.WORKERS_ASK_FOR_TIME)
    if task.status in FINISHED_TASK_STATUSES:
        raise InvalidTransition(Refusal.FINISHED_TASK_NEEDS_NO_TIME)
    text = checked_reason(reason, "reason", DELAY_REASON_NEEDED)
    check_delay_date(plan, task, due_date)
    if pending_request(task.id) is not None:
        raise InvalidTransition(Refusal.DELAY_ALREADY_PENDING)
    request = DelayRequest(
        plan_id=plan.id,
        task_id=task.id,
        requester_id=actor.id,
        current_due_date=task.due_date,
        due_date=due_date,
        reason=text,
        status=DelayStatus.PENDING,
        created_dt=now(),
    )
    try:
        with session().begin_nested():  # a request sent at the same time by someone else: refused, not a 500
            session().add(request)
            session().flush()
    except IntegrityError as exc:
        raise InvalidTransition(Refusal.DELAY_ALREADY_PENDING) from exc
    data = {"request_id": request.id}
    record(
        plan, "delay_requested", actor, task.due_date.isoformat(), due_date.isoformat(), task=task, note=text, data=data
    )
    session().flush()
    signals.delay_requested.send(sender(), plan=plan, task=task, request=request, actor=actor)
    return request


def check_delay_date(plan: Plan, task: Task, due_date: date) -> date:
    """``due_date`` when it is a deadline the plan accepts, from today on and after the task's current one."""
    check_due_date(plan, due_date)
    if due_date < plan_today(plan):
        raise ValidationError(Refusal.INVALID_INPUT, {"due_date": [DELAY_DATE_PAST]})
    if due_date <= task.due_date:
        raise ValidationError(Refusal.INVALID_INPUT, {"due_date": [DELAY_DATE_NOT_LATER]}, current=task.due_date)
    return due_date


def delay_window(plan: Plan, task: Task) -> tuple[date, date]:
    """The first and last day a delay request on ``task`` may ask for (``check_delay_date``'s rule)."""
    first, last = due_date_window(plan)
    return max(first, plan_today(plan), task.due_date + timedelta(days=1)), last


def checked_reason(typed: str | None, field: str, needed: str) -> str:
    """``typed`` as a stored reason (line ends made ``\\n``, blanks trimmed), else ``ValidationError``."""
    text = (typed or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(text):
        raise ValidationError(Refusal.INVALID_INPUT, {field: [NO_CONTROL_CHARACTERS]})
    if not text:
        raise ValidationError(Refusal.INVALID_INPUT, {field: [needed]})
    return check_note(text, field)


def withdraw_delay_request(actor: Person, request_id: int) -> DelayRequest:
    """The requester takes back a request still waiting for an answer."""
    request, plan, task, _ = _pending_for_change(actor, request_id)
    require(request.requester_id == actor.id, Refusal.REQUESTER_WITHDRAWS)
    _close(request, DelayStatus.WITHDRAWN, None, None)
    record(
        plan, "delay_withdrawn", actor, request.due_date.isoformat(), None, task=task, data={"request_id": request.id}
    )
    session().flush()
    return request


def preview_delay_request(actor: Person, request_id: int) -> DeadlineMove:
    """What accepting the request would change (deadlines, dependents, stages); nothing is written."""
    request, _, task, access = _pending_for_change(actor, request_id)
    _require_answerer(actor, request, access)
    return preview_reschedule(actor, task.id, request.due_date)


def accept_delay_request(actor: Person, request_id: int, note: str | None = None) -> DeadlineMove:
    """Move the deadline to the date asked (dependents follow, as for any deadline move), and say so."""
    request, plan, task, access = _pending_for_change(actor, request_id)
    _require_answerer(actor, request, access)
    text = checked_reason(note, "note", "") if note and note.strip() else None
    requester = frozenset({request.requester_id})  # told by the answer itself (``delay_accepted``)
    move = reschedule(actor, task.id, request.due_date, note=text or request.reason, told_apart=requester)
    _close(request, DelayStatus.ACCEPTED, actor, text)
    data = {"request_id": request.id, "requester_id": request.requester_id}
    record(
        plan,
        "delay_accepted",
        actor,
        request.current_due_date.isoformat(),
        request.due_date.isoformat(),
        task=task,
        note=text,
        data=data,
    )
    session().flush()
    moved_others = len(move.shifts) - 1
    signals.delay_answered.send(sender(), plan=plan, task=task, request=request, actor=actor, moved_others=moved_others)
    return move


def refuse_delay_request(actor: Person, request_id: int, reason: str) -> DelayRequest:
    """Refuse the request with a reason the requester reads; the deadline stays."""
    request, plan, task, access = _pending_for_change(actor, request_id)
    _require_answerer(actor, request, access)
    text = checked_reason(reason, "reason", REFUSAL_REASON_NEEDED)
    _close(request, DelayStatus.REFUSED, actor, text)
    data = {"request_id": request.id, "requester_id": request.requester_id}
    record(
        plan,
        "delay_refused",
        actor,
        task.due_date.isoformat(),
        request.due_date.isoformat(),
        task=task,
        note=text,
        data=data,
    )
    session().flush()
    signals.delay_answered.send(sender(), plan=plan, task=task, request=request, actor=actor)
    return request


def _require_answerer(actor: Person, request: DelayRequest, access: PlanAccess) -> None:
    """Who may move deadlines answers, never the person who asked."""
    require(access.can_manage, Refusal.LEAD_ANSWERS_DELAY_REQUESTS)
    if request.requester_id == actor.id:
        raise PermissionDenied(Refusal.OWN_DELAY_REQUEST)


def _close(request: DelayRequest, status: DelayStatus, actor: Person | None, reason: str | None) -> None:
    request.status, request.answered_dt, request.answer_reason = status, now(), reason
    request.answered_by_id = actor.id if actor else None


def _pending_for_change(actor: Person, request_id: int) -> tuple[DelayRequest, Plan, Task, PlanAccess]:
    """The request, its plan and task for a change (the plan active), or why not.

    The request is read again once the plan is locked: an answer or a withdrawal committed while this one
    waited for the lock has changed its status, and the copy read before the lock would not show it (the
    lock refreshes the plan, task and stage only), so the request would be answered twice.
    """
    task_id = session().scalar(sa.select(DelayRequest.task_id).where(DelayRequest.id == request_id))
    if task_id is None:
        raise NotFound(Refusal.NO_SUCH_DELAY_REQUEST)
    try:
        plan, task, access = task_for_request(actor, task_id)
    except NotFound as exc:
        raise NotFound(Refusal.NO_SUCH_DELAY_REQUEST) from exc
    request = read_again(DelayRequest, request_id)
    if request is None:
        raise NotFound(Refusal.NO_SUCH_DELAY_REQUEST)
    if request.status is not DelayStatus.PENDING:
        raise InvalidTransition(Refusal.DELAY_REQUEST_ANSWERED)
    return request, plan, task, access


def pending_request(task_id: int) -> DelayRequest | None:
    """The task's request waiting for an answer, if any (one query)."""
    query = sa.select(DelayRequest).where(DelayRequest.task_id == task_id, DelayRequest.status == DelayStatus.PENDING)
    return session().scalar(query.options(joinedload(DelayRequest.requester)))


@dataclass(frozen=True, slots=True)
class DelayItem:
    """A delay request with what a list shows of it: its task's title and plan."""

    request: DelayRequest
    task: Task
    plan: Plan
    title: Text


@dataclass(frozen=True, slots=True)
class DelayList:
    """Some delay requests, and how many there are in all."""

    items: list[DelayItem]
    total: int


def pending_for_manager(person: Person, limit: int = PENDING_LIMIT) -> DelayList:
    """The pending requests of the active plans ``person`` leads (every plan for an administrator), oldest
    first: what waits for their answer (one query whatever the number)."""
    return _delay_list("all" if is_active_admin(person) else "led", person.id, DelayStatus.PENDING, limit, 0)


def plan_delay_requests(
    person: Person,
    plan: Plan,
    status: DelayStatus | None = DelayStatus.PENDING,
    limit: int = PENDING_LIMIT,
    offset: int = 0,
    access: PlanAccess | None = None,
) -> DelayList:
    """A plan's delay requests (``status`` ones; all when ``None``), oldest first; ``NotFound`` for someone
    who may not see the plan. ``access``: what ``plan_access`` said of ``person`` and ``plan`` in this
    request, when the caller has it already (the plan page), so as not to ask again."""
    if access is None:
        access = plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version))
    if not access.can_view:
        raise NotFound(Refusal.NO_SUCH_PLAN)
    return _delay_list("plan", plan.id, status, limit, offset)


#: Whose requests a list shows: every plan's, those of the plans a person leads, or one plan's.
Among = Literal["all", "led", "plan"]

#: The names of the bound parameters of ``_delay_statements``' statements: the person or plan ``Among``
#: names, the limit and the offset.
_KEY = "gpect_among"
_LIMIT = "gpect_limit"
_OFFSET = "gpect_offset"


def _delay_list(among: Among, key: int, status: DelayStatus | None, limit: int, offset: int) -> DelayList:
    """The requests ``among`` (of the person or plan ``key``) in ``status`` (any when ``None``), pending ones
    of active plans only, oldest first: ``limit`` from ``offset``, and their whole count."""
    listed, counted = _delay_statements(among, status)
    values = {_KEY: key, _LIMIT: limit, _OFFSET: offset}
    rows = session().execute(listed, values).all()
    if not rows:
        return DelayList([], int(session().scalar(counted, values) or 0) if offset else 0)
    items = [
        DelayItem(
            request,
            task,
            plan,
            task_definition(get_definition(plan.definition_key, plan.definition_version), task).title,
        )
        for request, task, plan, _ in rows
    ]
    return DelayList(items, int(rows[0][3]))


@lru_cache(maxsize=16)
def _delay_statements(
    among: Among, status: DelayStatus | None
) -> tuple[sa.Select[DelayRequest, Task, Plan, int], sa.Select[int]]:
    """The statements of ``_delay_list``: the page, counted by a window over the rows before the limit (one
    statement), and the count alone, for an offset past the end. Built once per process for each kind of
    list (built on every page, the expression cost more Python than the database took to run it); the
    person or plan is a bound parameter without a default, which every execution must give."""
    key = sa.bindparam(_KEY, type_=sa.Integer)
    where: list[sa.ColumnElement[bool]] = []
    if among == "led":
        where.append(DelayRequest.plan_id.in_(sa.select(Plan.id).where(Plan.lead_id == key)))
    elif among == "plan":
        where.append(DelayRequest.plan_id == key)
    if status is DelayStatus.PENDING:
        where.append(Plan.status == PlanStatus.ACTIVE)
    if status is not None:
        where.append(DelayRequest.status == status)
    listed = (
        sa.select(DelayRequest, Task, Plan, sa.func.count().over())
        .join(Task, Task.id == DelayRequest.task_id)
        .join(Plan, Plan.id == DelayRequest.plan_id)
        .where(*where)
        .options(joinedload(DelayRequest.requester))
        .order_by(DelayRequest.created_dt, DelayRequest.id)
        .limit(sa.bindparam(_LIMIT, type_=sa.Integer))
        .offset(sa.bindparam(_OFFSET, type_=sa.Integer))
    )
    counted = sa.select(sa.func.count()).select_from(DelayRequest).join(Plan, Plan.id == DelayRequest.plan_id)
    return listed, counted.where(*where)


def get_delay_request(actor: Person, request_id: int) -> DelayRequest:
    """One request as a person of its plan sees it (``NotFound`` for anyone else)."""
    request = session().get(DelayRequest, request_id)
    if request is None:
        raise NotFound(Refusal.NO_SUCH_DELAY_REQUEST)
    plan = session().get(Plan, request.plan_id)
    assert plan is not None
    definition = get_definition(plan.definition_key, plan.definition_version)
    if not plan_access(actor, plan, definition).can_view:
        raise NotFound(Refusal.NO_SUCH_DELAY_REQUEST)
    return request


@dataclass(frozen=True, slots=True)
class DelayPanel:
    """The task page's delay requests: the pending one, what the reader may do, and for the lead what
    accepting it would shift (``preview``, or why it could not be accepted as it stands: ``preview_refusal``)."""

    pending: DelayRequest | None
    can_ask: bool
    can_answer: bool
    can_withdraw: bool
    first_day: date
    last_day: date
    preview: MovePreview | None = None
    preview_refusal: GpectError | None = None


def delay_panel(person: Person, plan: Plan, task: Task, access: PlanAccess) -> DelayPanel:
    """What the task page shows of delay requests to ``person`` (two queries, three with a preview)."""
    pending = pending_request(task.id)
    active = plan.status is PlanStatus.ACTIVE and task.status not in FINISHED_TASK_STATUSES
    first, last = delay_window(plan, task)
    can_answer = active and pending is not None and access.can_manage and pending.requester_id != person.id
    panel = DelayPanel(
        pending=pending,
        can_ask=active and pending is None and (is_worker(person, task, access) or access.can_manage),
        can_answer=can_answer,
        can_withdraw=active and pending is not None and pending.requester_id == person.id,
        first_day=first,
        last_day=last,
    )
    if not can_answer or pending is None:
        return panel
    try:
        preview = preview_move(person, task.id, pending.due_date, None)
    except GpectError as refused:
        return replace(panel, preview_refusal=refused)
    return replace(panel, preview=preview)


def plan_delay_page(
    person: Person, plan_id: int, status: DelayStatus | None, page: int, per_page: int
) -> Page[DelayRequest]:
    """A page of a plan's delay requests (``status`` ones, all when ``None``), oldest first, for the API."""
    plan = session().get(Plan, plan_id)
    if plan is None:
        raise NotFound(Refusal.NO_SUCH_PLAN)
    found = plan_delay_requests(person, plan, status, per_page, (page - 1) * per_page)
    return Page([item.request for item in found.items], page, per_page, found.total)


def withdraw_pending_request(actor: Person, task_id: int) -> DelayRequest:
    """Withdraw the task's pending request (the API's ``DELETE``): ``NotFound`` when none is pending."""
    task = session().get(Task, task_id)
    request = pending_request(task_id) if task is not None else None
    if request is None:
        get_task_or_hide(actor, task_id)
        raise NotFound(Refusal.NO_SUCH_DELAY_REQUEST)
    return withdraw_delay_request(actor, request.id)


def get_task_or_hide(actor: Person, task_id: int) -> None:
    """``NotFound`` (no such task) unless ``actor`` may see the task's plan."""
    task_for_request(actor, task_id)
