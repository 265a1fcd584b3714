"""Comments on tasks and gate reviews: a discussion beside the changes, by the people of the plan.

Whoever may see a plan may comment on its tasks and on its stages' gate reviews: asking or answering a
question should not need a status change. A comment is plain text (the rule of notes: ``check_comment``);
its author may change or delete it during ``COMMENT_EDIT_MINUTES`` after writing it, each change journaled
(``comment_added``, ``comment_edited``, ``comment_deleted``). A deleted comment keeps its place in the
discussion, its text emptied. Pages read a discussion as one timeline, comments interleaved with the task's
status changes (or the gate's steps), a page at a time in a fixed number of queries; the people concerned
hear of a new comment through ``signals.comment_added`` (``notifications.comments``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from .. import signals
from ..definitions import WorkflowDefinition
from ..errors import InvalidTransition, NotFound, PermissionDenied
from ..models import Comment, Event, Person, Plan, PlanStage, RoleAssignment, RoleAssignmentMember, Task
from ..refusals import Refusal
from ..validation import check_comment
from .access import PlanAccess, plan_access, require_view
from .context import now, sender, session
from .definitions import get_definition, task_definition
from .journal import COMMENT_ADDED, COMMENT_DELETED, COMMENT_EDITED, JournalEntry, journal_entries, record
from .loading import check_version
from .paging import Page, paginate

#: Timeline lines (comments and changes together) shown per page of a discussion.
THREAD_PAGE_SIZE = 50
#: The journal events a task's discussion shows between its comments: its status changes.
TASK_TIMELINE_KINDS = ("task_status_changed",)
#: The journal events a gate review's discussion shows between its comments: the stage's steps.
GATE_TIMELINE_KINDS = ("stage_entered", "stage_awaiting_decision", "gate_decided", "stage_closed", "stage_reopened")


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One line of a discussion: a comment, or a journaled change."""

    at: datetime
    comment: Comment | None = None
    entry: JournalEntry | None = None
    #: Whether the reader may still change or delete this comment (its author, within the edit window).
    can_change: bool = False


@dataclass(frozen=True, slots=True)
class Thread:
    """A page of a discussion, oldest line first, and whether earlier lines exist (on the next page)."""

    items: list[TimelineItem]
    page: int
    has_earlier: bool
    edit_minutes: int


def edit_minutes() -> int:
    """How long, in minutes, an author may change or delete a comment (``COMMENT_EDIT_MINUTES``)."""
    return int(current_app.config["COMMENT_EDIT_MINUTES"])


def may_change(person: Person, comment: Comment, at: datetime | None = None) -> bool:
    """Whether ``person`` may still change or delete ``comment``: its author, within the window, not deleted."""
    instant = at or now()
    return (
        comment.author_id == person.id
        and not comment.is_deleted
        and instant - comment.created_dt <= timedelta(minutes=edit_minutes())
    )


# --- Reading ------------------------------------------------------------------------------------------------


def task_thread(
    person: Person,
    task: Task,
    access: PlanAccess,
    definition: WorkflowDefinition,
    stages: Iterable[PlanStage],
    page: int = 1,
) -> Thread:
    """A page of a task's discussion for a reader of its plan (``access``): three queries at any size."""
    require_view(access)
    comments = sa.select(Comment).where(Comment.task_id == task.id)
    events = sa.select(Event).where(Event.task_id == task.id, Event.kind.in_(TASK_TIMELINE_KINDS))
    task_defs = {task.id: task_definition(definition, task)}
    return _thread(person, comments, events, page, lambda found: journal_entries(found, definition, task_defs, stages))


def gate_thread(
    person: Person, stage: PlanStage, access: PlanAccess, definition: WorkflowDefinition, page: int = 1
) -> Thread:
    """A page of a gate review's discussion for a reader of its plan (``access``): three queries at any size."""
    require_view(access)
    comments = sa.select(Comment).where(Comment.stage_id == stage.id, Comment.task_id.is_(None))
    events = sa.select(Event).where(
        Event.stage_id == stage.id, Event.task_id.is_(None), Event.kind.in_(GATE_TIMELINE_KINDS)
    )
    return _thread(person, comments, events, page, lambda found: journal_entries(found, definition, {}, [stage]))


def _thread(
    person: Person,
    comments: sa.Select[Any],
    events: sa.Select[Any],
    page: int,
    entries: Any,
) -> Thread:
    """Merge the newest ``page × THREAD_PAGE_SIZE`` (and one) lines of both streams, keep page ``page``."""
    wanted = max(page, 1) * THREAD_PAGE_SIZE + 1
    newest_comments = comments.options(joinedload(Comment.author)).order_by(
        Comment.created_dt.desc(), Comment.id.desc()
    )
    found_comments: list[Comment] = list(session().scalars(newest_comments.limit(wanted)))
    found_events: list[Event] = list(
        session().scalars(events.order_by(Event.occurred_dt.desc(), Event.id.desc()).limit(wanted))
    )
    instant = now()
    lines = [TimelineItem(c.created_dt, comment=c, can_change=may_change(person, c, instant)) for c in found_comments]
    lines += [
        TimelineItem(e.occurred_dt, entry=entry) for e, entry in zip(found_events, entries(found_events), strict=True)
    ]
    lines.sort(key=lambda line: line.at, reverse=True)
    start = (max(page, 1) - 1) * THREAD_PAGE_SIZE
    shown = lines[start : start + THREAD_PAGE_SIZE]
    return Thread(list(reversed(shown)), max(page, 1), len(lines) > start + THREAD_PAGE_SIZE, edit_minutes())


def task_comments(person: Person, task_id: int, page: int, per_page: int) -> Page[Comment]:
    """A page of a task's comments, oldest first, for someone who may see its plan (``NotFound`` otherwise)."""
    task, _plan = _visible_task(person, task_id)
    return _comments(Comment.task_id == task.id, page, per_page)


def gate_comments(person: Person, stage_id: int, page: int, per_page: int) -> Page[Comment]:
    """A page of a gate review's comments, oldest first, for someone who may see its plan."""
    stage = _visible_stage(person, stage_id)
    return _comments(sa.and_(Comment.stage_id == stage.id, Comment.task_id.is_(None)), page, per_page)


def _comments(where: sa.ColumnElement[bool], page: int, per_page: int) -> Page[Comment]:
    query = sa.select(Comment).where(where)
    ordered = query.options(joinedload(Comment.author)).order_by(Comment.created_dt, Comment.id)
    return paginate(query, ordered, page, per_page)


def get_comment(person: Person, comment_id: int) -> Comment:
    """One comment, for someone who may see its plan (``NotFound`` otherwise: nothing leaks)."""
    comment = session().get(Comment, comment_id, options=[joinedload(Comment.author)])
    if comment is None or not _access(person, comment.plan_id).can_view:
        raise NotFound(Refusal.NO_SUCH_COMMENT)
    return comment


# --- Writing ------------------------------------------------------------------------------------------------


def comment_on_task(person: Person, task_id: int, body: str) -> Comment:
    """Add ``person``'s comment to a task of a plan they may see; the people concerned are told."""
    task, plan = _visible_task(person, task_id)
    comment = _add(person, plan, body, task=task)
    signals.comment_added.send(sender(), plan=plan, comment=comment, task=task, stage=None, actor=person)
    return comment


def comment_on_gate(person: Person, stage_id: int, body: str) -> Comment:
    """Add ``person``'s comment to the gate review of a stage of a plan they may see; the lead and the
    committee are told."""
    stage = _visible_stage(person, stage_id)
    comment = _add(person, stage.plan, body, stage=stage)
    signals.comment_added.send(sender(), plan=stage.plan, comment=comment, task=None, stage=stage, actor=person)
    return comment


def edit_comment(person: Person, comment_id: int, body: str, expected_version: int | None = None) -> Comment:
    """Change the text of ``person``'s own comment, within the edit window (journaled; nobody is told again)."""
    comment = _changeable(person, comment_id, expected_version)
    text = check_comment(body)
    if text != comment.body:
        comment.body = text
        comment.edited_dt = now()
        _journal(comment, COMMENT_EDITED, person)
    session().flush()
    return comment


def delete_comment(person: Person, comment_id: int, expected_version: int | None = None) -> Comment:
    """Delete ``person``'s own comment, within the edit window: its text goes, its place in the discussion
    stays ("comment deleted"), and the journal keeps that it was deleted."""
    comment = _changeable(person, comment_id, expected_version)
    comment.body = ""
    comment.deleted_dt = now()
    _journal(comment, COMMENT_DELETED, person)
    session().flush()
    return comment


def _add(person: Person, plan: Plan, body: str, *, task: Task | None = None, stage: PlanStage | None = None) -> Comment:
    comment = Comment(
        plan_id=plan.id,
        task_id=task.id if task else None,
        stage_id=stage.id if stage else None,
        author_id=person.id,
        body=check_comment(body),
        created_dt=now(),
    )
    session().add(comment)
    session().flush()
    record(plan, COMMENT_ADDED, person, task=task, stage=stage, data={"comment_id": comment.id})
    return comment


def _journal(comment: Comment, kind: str, person: Person) -> None:
    plan = session().get(Plan, comment.plan_id)
    assert plan is not None
    data = {"comment_id": comment.id}
    if comment.task_id is not None:
        task = session().get(Task, comment.task_id)
        record(plan, kind, person, task=task, data=data)
    else:
        record(plan, kind, person, stage=session().get(PlanStage, comment.stage_id), data=data)


def _changeable(person: Person, comment_id: int, expected_version: int | None) -> Comment:
    """The comment, when ``person`` may change it now; else why not (404, 403, or 409 with the reason)."""
    comment = get_comment(person, comment_id)
    if comment.author_id != person.id:
        raise PermissionDenied(Refusal.COMMENT_AUTHOR_ONLY)
    if comment.is_deleted:
        raise InvalidTransition(Refusal.COMMENT_DELETED)
    if not may_change(person, comment):
        raise InvalidTransition(Refusal.COMMENT_EDIT_WINDOW_PASSED, minutes=edit_minutes())
    check_version("comment", comment.version, expected_version, None)
    return comment


def _access(person: Person, plan_id: int) -> PlanAccess:
    plan = session().get(Plan, plan_id)
    assert plan is not None
    return plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version))


def _visible_task(person: Person, task_id: int) -> tuple[Task, Plan]:
    task = session().get(Task, task_id, options=[joinedload(Task.plan)])
    if task is None or not _access(person, task.plan_id).can_view:
        raise NotFound(Refusal.NO_SUCH_TASK)
    return task, task.plan


def stage_by_key(person: Person, plan_id: int, stage_key: str) -> int:
    """The id of the plan's stage ``stage_key``, for someone who may see the plan (``NotFound`` otherwise)."""
    plan = session().get(Plan, plan_id)
    if plan is None or not _access(person, plan.id).can_view:
        raise NotFound(Refusal.NO_SUCH_PLAN)
    query = sa.select(PlanStage.id).where(PlanStage.plan_id == plan_id, PlanStage.stage_key == stage_key)
    stage_id = session().scalar(query) if "\x00" not in stage_key else None
    if stage_id is None:
        raise NotFound(Refusal.NO_SUCH_STAGE)
    return int(stage_id)


def _visible_stage(person: Person, stage_id: int) -> PlanStage:
    stage = session().get(PlanStage, stage_id, options=[joinedload(PlanStage.plan)])
    if stage is None or not _access(person, stage.plan_id).can_view:
        raise NotFound(Refusal.NO_SUCH_STAGE)
    return stage


def concerned_by_task(plan: Plan, task: Task) -> set[int]:
    """Who hears of a task's comments: the members of its owner role, its assignee and the plan lead."""
    query = (
        sa.select(RoleAssignmentMember.person_id)
        .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
        .where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key == task.owner_role)
    )
    people = set(session().scalars(query)) | {plan.lead_id}
    return people | ({task.assignee_id} if task.assignee_id else set())


def concerned_by_gate(plan: Plan, definition: WorkflowDefinition) -> set[int]:
    """Who hears of a gate review's comments: the plan lead and the committee members."""
    query = (
        sa.select(RoleAssignmentMember.person_id)
        .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
        .where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key.in_(definition.committee_roles))
    )
    return set(session().scalars(query)) | {plan.lead_id}


def is_concerned(
    person_id: int, comment_task: Task | None, role_keys: Sequence[str], lead_id: int, committee: Iterable[str]
) -> bool:
    """The rule of ``concerned_by_task`` and ``concerned_by_gate`` for one person whose roles in the plan are
    ``role_keys`` (the digests apply it to rows read in bulk)."""
    if person_id == lead_id:
        return True
    if comment_task is None:
        return bool(set(role_keys) & set(committee))
    return person_id == comment_task.assignee_id or comment_task.owner_role in role_keys
