"""New comments told to the people concerned: at once by email, or in their next digest.

The people concerned by a task's comment are its owner role's members, its assignee and the plan lead; by a
gate review's, the plan lead and the committee members (``services.comments``). Those who chose immediate
emails get one at the next pass: the commenter's transaction records an announcement, like the transition
notices (``notices``), and the pass renders the comment as it is then (a comment deleted meanwhile is told
to nobody); those who chose a daily or weekly digest read it there (``digests``); nobody hears of their own
comment, and those who want no email get none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from .. import signals
from ..models import Comment, Person, Plan, PlanStage, ReminderMode, RoleAssignment, RoleAssignmentMember, Task
from ..services.comments import concerned_by_gate, concerned_by_task
from ..services.context import session
from ..services.definitions import get_definition, task_definition
from ..state import EXTENSION_NAME
from .announcements import announce, announcer
from .inbox import review_path, task_path
from .links import link_url
from .outbox import NewMessage
from .render import render_email
from .views import Recipient, common_context, plan_views, recipients, stage_titles, task_links, task_view


def connect_signals() -> None:
    """Connect the receiver once per process (it acts for whichever app sends)."""
    signals.comment_added.connect(on_comment_added, weak=False)


def _active(sender: Any) -> bool:
    return EXTENSION_NAME in getattr(sender, "extensions", {}) and sender is current_app._get_current_object()  # type: ignore[attr-defined]


def on_comment_added(
    sender: Any,
    *,
    plan: Plan,
    comment: Comment,
    task: Task | None,
    stage: PlanStage | None,
    actor: Person,
    **_: Any,
) -> None:
    """Announce the comment to the people concerned, for the next pass."""
    if _active(sender):
        announce("comment_added", plan, {"comment_id": comment.id})


@announcer("comment_added")
def comment_added(plan: Plan, payload: dict[str, Any]) -> list[NewMessage]:
    """One email to each person concerned who chose immediate emails, the author excepted."""
    comment = session().get(Comment, int(payload["comment_id"]))
    if comment is None or comment.deleted_dt is not None:
        return []  # deleted before the pass: nobody is told of it
    actor = session().get(Person, comment.author_id)
    task = session().get(Task, comment.task_id) if comment.task_id is not None else None
    stage = session().get(PlanStage, comment.stage_id) if comment.stage_id is not None else None
    if actor is None:
        raise LookupError(f"the author of comment {comment.id} is not found")
    definition = get_definition(plan.definition_key, plan.definition_version)
    concerned = concerned_by_task(plan, task) if task is not None else concerned_by_gate(plan, definition)
    people = recipients(concerned | {actor.id})  # the author too, for their organisation's name
    author = people.pop(actor.id, None)  # never told of their own comment
    immediate = [r for r in people.values() if r.id in concerned and r.reminder_mode is ReminderMode.IMMEDIATE]
    if not immediate:
        return []
    view = plan_views([plan.id])[plan.id]
    stage_key = stage.stage_key if stage is not None else _stage_key(task)
    page = task_path(task.id) if task is not None else review_path(stage.id if stage is not None else 0)
    messages = []
    for recipient in immediate:
        language = recipient.language
        if task is not None:
            shown = task_view(task, stage_key, plan, language)
            open_url = task_links(recipient.id, task.id)["open_url"]
            stage_title = shown.stage_title
        else:
            assert stage is not None
            shown, stage_title = None, stage_titles(stage, definition, language)[0]
            open_url = link_url("review_gate", recipient.id, stage_id=stage.id)
        email = render_email(
            "comment_added",
            language,
            plan=view,
            task=shown,
            stage_title=stage_title,
            author_name=actor.name,
            author_organisation=author.organisation if author else None,
            body=comment.body,
            open_url=open_url,
            **common_context(recipient),
        )
        messages.append(
            NewMessage(
                f"comment_added:c{comment.id}:r{recipient.id}",
                "comment_added",
                recipient.email,
                email.subject,
                email.text,
                email.html,
                recipient.id,
                plan.id,
                task.id if task is not None else None,
                link_path=f"{page}#comment-{comment.id}",
            )
        )
    return messages


def _stage_key(task: Task | None) -> str:
    assert task is not None
    found = session().get(PlanStage, task.stage_id)
    assert found is not None
    return found.stage_key


# --- In the digests ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommentItem:
    """A comment as a digest lists it."""

    author_name: str
    body: str
    plan_name: str
    #: The task commented on (its title in the reader's language), or ``None`` for a gate review's comment.
    task_title: str | None
    stage_title: str
    open_url: str


def digest_comments_select(person_ids: Iterable[int], since: datetime, until: datetime) -> sa.Select[Any]:
    """The comments written in ``(since, until]``, not deleted, each with one row per person of ``person_ids``
    who may be concerned by it (someone else than its author: the plan lead, the task's assignee, or a member of
    a role of the plan, its role named). ``is_concerned_row`` decides; the digests fold this query into theirs
    (``digests``), so that the send hour's statements stay the same however many comments there are."""
    reader = aliased(Person, name="reader")
    author = aliased(Person, name="author")
    member = (
        sa.select(RoleAssignment.plan_id, RoleAssignment.role_key, RoleAssignmentMember.person_id)
        .join(RoleAssignmentMember, RoleAssignmentMember.assignment_id == RoleAssignment.id)
        .subquery("member")
    )
    return (
        sa.select(
            sa.literal_column("'comment'").label("kind"),
            reader.id.label("person_id"),
            member.c.role_key.label("role_key"),
            Plan.id.label("plan_id"),
            Plan.name.label("plan_name"),
            Plan.definition_key.label("definition_key"),
            Plan.definition_version.label("definition_version"),
            Plan.lead_id.label("lead_id"),
            PlanStage.id.label("stage_id"),
            PlanStage.stage_key.label("stage_key"),
            Task.id.label("task_id"),
            Task.task_key.label("task_key"),
            Task.is_one_off.label("is_one_off"),
            Task.title_fr.label("title_fr"),
            Task.title_en.label("title_en"),
            Task.description.label("description"),
            Task.owner_role.label("owner_role"),
            Task.due_date.label("due_date"),
            Task.assignee_id.label("assignee_id"),
            Comment.id.label("comment_id"),
            Comment.body.label("body"),
            author.name.label("author_name"),
            Comment.created_dt.label("created_dt"),
        )
        .select_from(Comment)
        .join(Plan, Plan.id == Comment.plan_id)
        .join(author, author.id == Comment.author_id)
        .outerjoin(Task, Task.id == Comment.task_id)
        .join(PlanStage, PlanStage.id == sa.func.coalesce(Comment.stage_id, Task.stage_id))
        .join(reader, sa.and_(reader.id.in_(list(person_ids)), reader.id != Comment.author_id))
        .outerjoin(member, sa.and_(member.c.plan_id == Comment.plan_id, member.c.person_id == reader.id))
        .where(
            Comment.deleted_dt.is_(None),
            Comment.created_dt > since,
            Comment.created_dt <= until,
            sa.or_(reader.id == Plan.lead_id, reader.id == Task.assignee_id, member.c.person_id.is_not(None)),
        )
    )


def is_concerned_row(row: Any, committee: Iterable[str]) -> bool:
    """Whether the person of a ``digest_comments_select`` row is concerned by its comment: the rule of
    ``concerned_by_task`` (owner role, assignee, lead) and ``concerned_by_gate`` (lead, committee)."""
    if row.person_id == row.lead_id:
        return True
    if row.task_id is None:
        return row.role_key in set(committee)
    return bool(row.person_id == row.assignee_id or row.role_key == row.owner_role)


def comment_item(recipient: Recipient, row: Any) -> CommentItem:
    """A ``digest_comments_select`` row as the recipient's digest lists it, with a signed link to it."""
    definition = get_definition(row.definition_key, row.definition_version)
    language = recipient.language
    stage_title = definition.stage(row.stage_key).title.get(language)
    if row.task_id is None:
        open_url = link_url("review_gate", recipient.id, stage_id=row.stage_id)
        return CommentItem(row.author_name, row.body, row.plan_name, None, stage_title, open_url)
    title = task_definition(definition, row).title.get(language)
    open_url = task_links(recipient.id, row.task_id)["open_url"]
    return CommentItem(row.author_name, row.body, row.plan_name, title, stage_title, open_url)
