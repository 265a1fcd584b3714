"""Transition notices: the engine's signals recorded as announcements, rendered into outbox messages later.

Stage opened (each assignee, with their tasks, deadlines and a calendar file), stage closed (lead and the
stage's assignees), gate awaiting a decision (committee members), gate decided (lead and the stage's
assignees), plan held, resumed, completed or cancelled (everyone on the plan), deadlines moved (each
assignee whose tasks moved). Delay requests and their answers are told by ``delay_requests``, comments by
``comments``, through announcements of their own.

Each receiver runs in the user's transaction and only records an announcement (``announcements``) with
the ids and values its emails need as they are then (the instants and versions in the idempotency keys,
notes, counts); the builder of the same name renders the emails in the scheduler's pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import signals
from ..engine.rescheduling import Shift
from ..models import (
    OPEN_TASK_STATUSES,
    CommitteeDecision,
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    ReminderMode,
    RoleAssignment,
    RoleAssignmentMember,
    Task,
)
from ..services.context import session
from ..services.definitions import get_definition
from ..services.urls import public_url
from ..state import EXTENSION_NAME
from .announcements import announce, announcer
from .inbox import plan_path, review_path, task_path
from .links import link_url
from .outbox import NewMessage
from .render import render_email
from .views import (
    Recipient,
    calendar_attachment,
    common_context,
    plan_views,
    recipients,
    stage_titles,
    task_links,
    task_view,
)

#: Reminder modes whose people read of gates awaiting them in their digest.
DIGEST_MODES = frozenset({ReminderMode.DAILY, ReminderMode.WEEKLY})


def connect_signals() -> None:
    """Connect the receivers once per process (they act for whichever app sends)."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)


def _active(sender: Any) -> bool:
    return EXTENSION_NAME in getattr(sender, "extensions", {}) and sender is current_app._get_current_object()  # type: ignore[attr-defined]


def _stage_tasks(stage: PlanStage) -> list[Task]:
    return list(session().scalars(sa.select(Task).where(Task.stage_id == stage.id).order_by(Task.due_date, Task.id)))


def _plan_people(plan: Plan, committee_only: bool = False) -> set[int]:
    query = (
        sa.select(RoleAssignmentMember.person_id)
        .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
        .where(RoleAssignment.plan_id == plan.id)
    )
    if committee_only:
        definition = get_definition(plan.definition_key, plan.definition_version)
        query = query.where(RoleAssignment.role_key.in_(definition.committee_roles))
    return set(session().scalars(query))


def _messages(
    kind: str,
    key: str,
    plan: Plan,
    people: Iterable[int],
    build: Any,
    task_id: int | None = None,
    link: str | Callable[[Recipient], str] | None = None,
) -> list[NewMessage]:
    """Render ``kind`` for each person (``build(recipient)`` gives the template context).

    ``link`` is the page the notice is about, for its inbox entry (the plan's when not given), or what
    gives it for each recipient.
    """
    views = plan_views([plan.id])
    messages = []
    for recipient in recipients(people).values():
        context, attachments = build(recipient)
        email = render_email(kind, recipient.language, plan=views[plan.id], **context, **common_context(recipient))
        messages.append(
            NewMessage(
                f"{key}:r{recipient.id}",
                kind,
                recipient.email,
                email.subject,
                email.text,
                email.html,
                recipient.id,
                plan.id,
                task_id,
                attachments=attachments,
                link_path=(link(recipient) if callable(link) else link) or plan_path(plan.id),
            )
        )
    return messages


def _stage(payload: dict[str, Any]) -> PlanStage:
    stage = session().get(PlanStage, int(payload["stage_id"]))
    if stage is None:
        raise LookupError(f"stage {payload['stage_id']} not found")
    return stage


def _iso(instant: Any) -> str:
    return instant.isoformat() if instant else ""


def on_stage_entered(sender: Any, *, plan: Plan, stage: PlanStage, **_: Any) -> None:
    if _active(sender):
        announce("stage_opened", plan, {"stage_id": stage.id, "opened": _iso(stage.opened_dt)})


@announcer("stage_opened")
def stage_opened(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    stage = _stage(payload)
    definition = get_definition(plan.definition_key, plan.definition_version)
    by_person: dict[int, list[Task]] = defaultdict(list)
    for task in _stage_tasks(stage):
        by_person[task.assignee_id or plan.lead_id].append(task)

    def build(recipient: Recipient) -> tuple[dict[str, Any], list[Any]]:
        views = [task_view(t, stage.stage_key, plan, recipient.language) for t in by_person[recipient.id]]
        title, lever = stage_titles(stage, definition, recipient.language)
        tasks = [_Linked(v, task_links(recipient.id, v.id)["open_url"]) for v in views]
        context = {"stage_title": title, "lever_title": lever, "stage_end": stage.planned_end_date, "tasks": tasks}
        return context, [calendar_attachment(views, plan.name, recipient.id)]

    return _messages("stage_opened", f"stage_opened:s{stage.id}:{payload['opened']}", plan, by_person, build)


class _Linked:
    """A task view with its link, for lists in emails."""

    def __init__(self, view: Any, open_url: str) -> None:
        self.title, self.due_date, self.open_url, self.id = view.title, view.due_date, open_url, view.id


def _later_stages(plan: Plan, stage: PlanStage) -> list[Any]:
    definition = get_definition(plan.definition_key, plan.definition_version)
    return list(definition.stages[[s.key for s in definition.stages].index(stage.stage_key) + 1 :])


def on_stage_closed(sender: Any, *, plan: Plan, stage: PlanStage, **_: Any) -> None:
    # When the plan completes, the plan_status notice says so, once.
    if _active(sender) and _later_stages(plan, stage):
        announce("stage_closed", plan, {"stage_id": stage.id, "closed": _iso(stage.closed_dt)})


@announcer("stage_closed")
def stage_closed(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    stage = _stage(payload)
    definition = get_definition(plan.definition_key, plan.definition_version)
    later = _later_stages(plan, stage)
    people = {t.assignee_id for t in _stage_tasks(stage) if t.assignee_id} | {plan.lead_id}

    def build(recipient: Recipient) -> tuple[dict[str, Any], list[Any]]:
        title, _ = stage_titles(stage, definition, recipient.language)
        following = later[0].title.get(recipient.language) if later else None
        return {"stage_title": title, "next_stage_title": following}, []

    return _messages("stage_closed", f"stage_closed:s{stage.id}:{payload['closed']}", plan, people, build)


def on_stage_awaiting_decision(sender: Any, *, plan: Plan, stage: PlanStage, **_: Any) -> None:
    if not _active(sender):
        return
    # The decisions taken so far name this occasion (a gate held then ready again is announced again).
    count = session().scalar(
        sa.select(sa.func.count()).select_from(CommitteeDecision).where(CommitteeDecision.stage_id == stage.id)
    )
    announce("gate_awaiting", plan, {"stage_id": stage.id, "decisions": int(count or 0)})


@announcer("gate_awaiting")
def gate_awaiting(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    stage = _stage(payload)
    definition = get_definition(plan.definition_key, plan.definition_version)
    finished = sum(1 for t in _stage_tasks(stage) if t.completed_dt is not None)

    def build(recipient: Recipient) -> tuple[dict[str, Any], list[Any]]:
        title, _ = stage_titles(stage, definition, recipient.language)
        review_url = link_url("review_gate", recipient.id, stage_id=stage.id)
        return {"stage_title": title, "tasks_finished": finished, "plan_url": review_url}, []

    committee = recipients(_plan_people(plan, committee_only=True))
    # Members who chose a digest find the gate in it (``digests``) rather than in an email of its own.
    immediate = {person_id for person_id, member in committee.items() if member.reminder_mode not in DIGEST_MODES}
    key = f"gate_awaiting:s{stage.id}:n{payload['decisions']}"
    return _messages("gate_awaiting", key, plan, immediate, build, link=review_path(stage.id))


def on_gate_decided(sender: Any, *, plan: Plan, stage: PlanStage, decision: CommitteeDecision, **_: Any) -> None:
    if _active(sender):
        announce("gate_decided", plan, {"stage_id": stage.id, "decision_id": decision.id})


@announcer("gate_decided")
def gate_decided(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    stage = _stage(payload)
    decision = session().get(CommitteeDecision, int(payload["decision_id"]))
    if decision is None:
        raise LookupError(f"decision {payload['decision_id']} not found")
    definition = get_definition(plan.definition_key, plan.definition_version)
    tasks = _stage_tasks(stage)
    people = {t.assignee_id for t in tasks if t.assignee_id} | {plan.lead_id}
    reopened = set(decision.reopened_task_keys or [])

    def build(recipient: Recipient) -> tuple[dict[str, Any], list[Any]]:
        title, _ = stage_titles(stage, definition, recipient.language)
        views = [task_view(t, stage.stage_key, plan, recipient.language) for t in tasks if t.task_key in reopened]
        return {
            "stage_title": title,
            "decision": decision.decision.value,
            "minutes": decision.minutes,
            "reopened": [_Reopened(view.title, view.due_date) for view in views],
        }, []

    return _messages("gate_decided", f"gate_decided:d{decision.id}", plan, people, build, link=review_path(stage.id))


class _Reopened:
    """A task reopened for rework, with the due date the decision gave it."""

    def __init__(self, title: str, due_date: Any) -> None:
        self.title, self.due_date = title, due_date


def on_plan_status_changed(
    sender: Any, *, plan: Plan, to_status: PlanStatus, note: str | None = None, **_: Any
) -> None:
    if _active(sender):
        status = "resumed" if to_status is PlanStatus.ACTIVE else to_status.value
        announce("plan_status", plan, {"status": status, "note": note, "stamp": _iso(plan.updated_dt)})


@announcer("plan_status")
def plan_status(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    status, note = str(payload["status"]), payload.get("note")
    shifted = _last_shift_days(plan) if status == "resumed" else None

    def build(recipient: Recipient) -> tuple[dict[str, Any], list[Any]]:
        return {"status": status, "note": note, "shifted_days": shifted}, []

    key = f"plan_status:p{plan.id}:{status}:{payload['stamp']}"
    return _messages("plan_status", key, plan, _plan_people(plan) | {plan.lead_id}, build)


def _last_shift_days(plan: Plan) -> int | None:
    from ..models import Event

    query = (
        sa.select(Event.data)
        .where(Event.plan_id == plan.id, Event.kind == "deadlines_shifted")
        .order_by(Event.id.desc())
        .limit(1)
    )
    data = session().scalar(query)
    return int(data["days"]) if data else None


def on_deadline_moved(
    sender: Any,
    *,
    plan: Plan,
    shifts: list[Shift],
    note: str | None = None,
    told_apart: frozenset[int] = frozenset(),
    **_: Any,
) -> None:
    if not _active(sender):
        return
    first = session().get(Task, shifts[0].task_id)  # in the session already: the move just changed it
    assert first is not None
    moved = [[s.task_id, s.old.isoformat(), s.new.isoformat()] for s in shifts]
    payload = {"shifts": moved, "note": note, "version": first.version, "told_apart": sorted(told_apart)}
    announce("deadline_moved", plan, payload)


@announcer("deadline_moved")
def deadline_moved(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    shifts = [Shift(int(t), date.fromisoformat(old), date.fromisoformat(new)) for t, old, new in payload["shifts"]]
    note = payload.get("note")
    tasks = {t.id: t for t in session().scalars(sa.select(Task).where(Task.id.in_([s.task_id for s in shifts])))}
    stages = dict(
        session().execute(sa.select(PlanStage.id, PlanStage.stage_key).where(PlanStage.plan_id == plan.id)).all()
    )
    by_person: dict[int, list[Shift]] = defaultdict(list)
    told_apart = set(payload.get("told_apart") or ())
    for shift in shifts:
        person_id = tasks[shift.task_id].assignee_id or plan.lead_id
        if shift is shifts[0] and person_id in told_apart:
            continue  # they hear of the moved task's new date by their own email (an accepted delay request)
        by_person[person_id].append(shift)

    def build(recipient: Recipient) -> tuple[dict[str, Any], list[Any]]:
        views = [
            task_view(tasks[s.task_id], stages[tasks[s.task_id].stage_id], plan, recipient.language)
            for s in by_person[recipient.id]
        ]
        items = [
            _Moved(v.title, s.old, s.new, task_links(recipient.id, s.task_id)["open_url"])
            for v, s in zip(views, by_person[recipient.id], strict=True)
        ]
        return {"shifts": items, "note": note}, [calendar_attachment(views, plan.name, recipient.id)]

    def link(recipient: Recipient) -> str:
        moved = by_person[recipient.id]
        return task_path(moved[0].task_id) if len(moved) == 1 else plan_path(plan.id)

    first = shifts[0]
    key = f"deadline_moved:t{first.task_id}:{first.new.isoformat()}:v{payload['version']}"
    return _messages("deadline_moved", key, plan, by_person, build, link=link)


class _Moved:
    def __init__(self, title: str, old: Any, new: Any, open_url: str) -> None:
        self.title, self.old, self.new, self.open_url = title, old, new, open_url


def on_role_remapped(sender: Any, *, plan: Plan, role_key: str, joining: list[int], actor: Person, **_: Any) -> None:
    """Each person who now plays the role hears of it, with their open tasks of the role (signed links)."""
    if _active(sender) and joining:
        payload = {"role_key": role_key, "joining": list(joining), "actor_id": actor.id, "version": plan.version}
        announce("role_assigned", plan, payload)


@announcer("role_assigned")
def role_assigned(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    role_key, joining = str(payload["role_key"]), [int(person) for person in payload["joining"]]
    actor = session().get(Person, int(payload["actor_id"]))
    if actor is None:
        raise LookupError(f"person {payload['actor_id']} not found")
    definition = get_definition(plan.definition_key, plan.definition_version)
    role = definition.role(role_key)
    stage_keys = dict(
        session().execute(sa.select(PlanStage.id, PlanStage.stage_key).where(PlanStage.plan_id == plan.id)).all()
    )
    query = sa.select(Task).where(
        Task.plan_id == plan.id,
        Task.owner_role == role_key,
        Task.assignee_id.in_(joining),
        Task.status.in_(OPEN_TASK_STATUSES),
    )
    by_person: dict[int, list[Task]] = defaultdict(list)
    for task in session().scalars(query.order_by(Task.due_date, Task.id)):
        assert task.assignee_id is not None
        by_person[task.assignee_id].append(task)

    def build(recipient: Recipient) -> tuple[dict[str, Any], list[Any]]:
        views = [task_view(t, stage_keys[t.stage_id], plan, recipient.language) for t in by_person[recipient.id]]
        tasks = [_Linked(v, task_links(recipient.id, v.id)["open_url"]) for v in views]
        context = {
            "role_title": role.title.get(recipient.language),
            "is_committee": role.is_committee,
            "changed_by": actor.name,
            "tasks": tasks,
            "plan_url": public_url(f"/plans/{plan.id}"),
        }
        return context, [calendar_attachment(views, plan.name, recipient.id)] if views else []

    occasion = f"role_assigned:p{plan.id}:{role_key}:{payload['version']}"
    return _messages("role_assigned", occasion, plan, joining, build)


_RECEIVERS = (
    (signals.stage_entered, on_stage_entered),
    (signals.stage_closed, on_stage_closed),
    (signals.stage_awaiting_decision, on_stage_awaiting_decision),
    (signals.gate_decided, on_gate_decided),
    (signals.plan_status_changed, on_plan_status_changed),
    (signals.deadline_moved, on_deadline_moved),
    (signals.role_remapped, on_role_remapped),
)
