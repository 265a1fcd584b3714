"""The plain objects email templates receive, built in bulk from a handful of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from ..definitions import WorkflowDefinition
from ..models import Organisation, Person, Plan, PlanStage, Task, Territory
from ..services.context import now, session
from ..services.definitions import get_definition
from .ics import Deadline, deadlines_ics
from .links import link_url
from .outbox import Attachment

ICS_TYPE = "text/calendar; method=PUBLISH; charset=utf-8"


@dataclass(frozen=True, slots=True)
class PlanView:
    id: int
    name: str
    territory: str
    lead_name: str
    lead_email: str
    lead_id: int
    timezone: str


@dataclass(frozen=True, slots=True)
class TaskView:
    id: int
    version: int
    key: str
    title: str
    description: str | None
    due_date: date
    stage_title: str
    role_title: str


@dataclass(frozen=True, slots=True)
class Recipient:
    id: int
    name: str
    email: str
    language: str
    timezone: str
    organisation: str | None


def plan_views(plan_ids: Iterable[int]) -> dict[int, PlanView]:
    """Plans with territory and lead, by id (one query)."""
    ids = set(plan_ids)
    if not ids:
        return {}
    query = (
        sa.select(Plan.id, Plan.name, Plan.timezone, Territory.name, Person.name, Person.email, Person.id)
        .join(Territory, Territory.id == Plan.territory_id)
        .join(Person, Person.id == Plan.lead_id)
        .where(Plan.id.in_(ids))
    )
    return {
        row[0]: PlanView(row[0], row[1], row[3], row[4], row[5], row[6], row[2]) for row in session().execute(query)
    }


def recipients(person_ids: Iterable[int]) -> dict[int, Recipient]:
    """Active people by id, with their organisation's name (one query)."""
    ids = set(person_ids)
    if not ids:
        return {}
    query = (
        sa.select(Person, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(Person.id.in_(ids), Person.is_active)
    )
    return {
        person.id: Recipient(person.id, person.name, person.email, person.language.value, person.timezone, org)
        for person, org in session().execute(query)
    }


def task_view(task: Task, stage_key: str, plan: Plan | PlanView, language: str) -> TaskView:
    """A task as templates show it, titles from the plan's definition version in ``language``."""
    definition = _definition_of(task.plan_id, plan)
    task_def = next(t for t in definition.tasks() if t.key == task.task_key)
    return TaskView(
        id=task.id,
        version=task.version,
        key=task.task_key,
        title=task_def.title.get(language),
        description=task_def.description.get(language) if task_def.description else None,
        due_date=task.due_date,
        stage_title=definition.stage(stage_key).title.get(language),
        role_title=definition.role(task.owner_role).title.get(language),
    )


def _definition_of(plan_id: int, plan: Plan | PlanView) -> WorkflowDefinition:
    if isinstance(plan, Plan):
        return get_definition(plan.definition_key, plan.definition_version)
    row = session().execute(sa.select(Plan.definition_key, Plan.definition_version).where(Plan.id == plan_id)).one()
    return get_definition(row[0], row[1])


def stage_titles(stage: PlanStage, definition: WorkflowDefinition, language: str) -> tuple[str, str]:
    """The stage's title and its lever's name."""
    stage_def = definition.stage(stage.stage_key)
    return stage_def.title.get(language), LEVER_TITLES[stage_def.lever.value][language]


LEVER_TITLES = {
    "observe": {"fr": "Observer et analyser", "en": "Observe and analyse"},
    "experiment": {"fr": "Expérimenter et évaluer", "en": "Experiment and evaluate"},
    "adapt": {"fr": "Adapter les interventions", "en": "Adapt the interventions"},
    "articulate": {"fr": "Articuler les acteurs", "en": "Articulate the partners"},
    "lead_change": {"fr": "Conduire le changement", "en": "Lead change"},
}


def mail_domain() -> str:
    """The domain of Message-IDs and calendar UIDs: the public address's host."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "gpect.local"


def calendar_attachment(tasks: list[TaskView], plan_name: str, person_id: int) -> Attachment:
    """The .ics file with the deadlines of ``tasks``, each linking to the task."""
    deadlines = [
        Deadline(t.id, t.version, t.title, plan_name, t.due_date, link_url("open_task", person_id, t.id)) for t in tasks
    ]
    return Attachment("echeances.ics", ICS_TYPE, deadlines_ics(deadlines, domain=mail_domain(), stamp=now()))


def task_links(person_id: int, task_id: int) -> dict[str, str]:
    """The open, mark-done and more-time links of a task for a person."""
    return {
        "open_url": link_url("open_task", person_id, task_id),
        "done_url": link_url("mark_done", person_id, task_id),
        "more_time_url": link_url("more_time", person_id, task_id),
    }


def common_context(recipient: Recipient) -> dict[str, object]:
    """What every email gets: the recipient, the app's address, the digest-only link."""
    base = current_app.config["BASE_URL"].rstrip("/")
    from ..services.context import state

    return {
        "recipient": recipient,
        "app_url": f"{base}{state().url_prefix}/",
        "digest_only_url": link_url("digest_only", recipient.id),
    }
