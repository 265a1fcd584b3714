"""My private calendar feed: an address my calendar subscribes to, and the deadlines it lists.

The address ends with a token that only its owner's calendar knows, and the token is stored nowhere.
Each person keeps a random secret; the token is an HMAC of that secret under the application's secret
key. The preferences page can therefore show the address again whenever its owner asks, while a copy
of the database alone does not give it away. Renewing draws a new secret, so the previous address stops
working; revoking drops the secret. Changing the application's ``SECRET_KEY`` changes every address,
as it already ends every session and emailed link.

"My deadlines" are the open tasks assigned to me or owned by a role I hold in the plan: the people
``access.is_worker`` lets work on a task. Tasks of plans that are not active (on hold, completed,
cancelled) are left out, as they are from reminders.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from ...definitions import WorkflowDefinition
from ...models import (
    OPEN_TASK_STATUSES,
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    Task,
)
from ..context import now, session
from ..definitions import definition_versions, task_definition
from ..tasks.mine import my_task_ids

#: Separates the token's purpose from anything else the secret key signs.
_PURPOSE = "gpect-calendar-feed"
#: The largest id PostgreSQL's ``integer`` holds: a larger one in a URL is simply not a person.
_MAX_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class FeedDeadline:
    """A deadline of the feed, its words in the reader's language."""

    task_id: int
    #: Grows with every change of the task: the event's SEQUENCE.
    version: int
    title: str
    plan_name: str
    stage_title: str
    role_title: str
    #: A calendar day in the plan's time zone.
    due_date: date
    #: When the task last changed (UTC): the event's DTSTAMP and LAST-MODIFIED.
    updated_dt: datetime


def _mac(person_id: int, secret: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else bytes(key)
    digest = hmac.new(key, f"{_PURPOSE}:{person_id}:{secret}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def feed_token(person: Person) -> str | None:
    """The token of the person's current feed address, or ``None`` when they have none."""
    if person.calendar_feed_secret is None:
        return None
    return f"{person.id}-{_mac(person.id, person.calendar_feed_secret)}"


def renew_feed(actor: Person) -> str:
    """Give the actor a new feed address (their first, or one replacing the previous); return its token."""
    actor.calendar_feed_secret = secrets.token_urlsafe(32)
    actor.calendar_feed_created_dt = now()
    session().flush()
    token = feed_token(actor)
    assert token is not None
    return token


def revoke_feed(actor: Person) -> None:
    """End the actor's feed address: calendars subscribed to it get "not found" from now on."""
    actor.calendar_feed_secret = None
    actor.calendar_feed_created_dt = None
    session().flush()


def person_for_feed(token: str) -> Person | None:
    """The active person whose current feed address ends with ``token`` (one query), ``None`` otherwise."""
    person_id, _, mac = token.partition("-")
    if not person_id.isdigit() or len(person_id) > 10 or int(person_id) > _MAX_ID or not mac:
        return None
    person = session().get(Person, int(person_id))
    if person is None or not person.is_active or person.calendar_feed_secret is None:
        return None
    expected = _mac(person.id, person.calendar_feed_secret)
    return person if hmac.compare_digest(expected.encode(), mac.encode()) else None


def feed_deadlines(person: Person) -> list[FeedDeadline]:
    """The person's open deadlines in active plans, by due date, titles in their language (two queries).

    The person's tasks are those of "my tasks" (``tasks.mine.my_task_ids``): the feed and the page never
    disagree."""
    query = (
        sa.select(Task, PlanStage.stage_key, Plan.name, Plan.definition_key, Plan.definition_version)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Task.id.in_(my_task_ids(person, Task.status.in_(OPEN_TASK_STATUSES))),
            Plan.status == PlanStatus.ACTIVE,
        )
        .order_by(Task.due_date, Task.id)
    )
    rows = session().execute(query).all()
    definitions = definition_versions((row.definition_key, row.definition_version) for row in rows)
    language = person.language.value
    return [_deadline(row, definitions[row.definition_key, row.definition_version], language) for row in rows]


_Row = sa.Row[Task, str, str, str, int]


def _deadline(row: _Row, definition: WorkflowDefinition, language: str) -> FeedDeadline:
    task, stage_key = row[0], row[1]
    stage = definition.stage(stage_key)
    task_def = task_definition(definition, task)
    return FeedDeadline(
        task_id=task.id,
        version=task.version,
        title=task_def.title.get(language),
        plan_name=row[2],
        stage_title=stage.title.get(language),
        role_title=definition.role(task.owner_role).title.get(language),
        due_date=task.due_date,
        updated_dt=task.updated_dt,
    )
