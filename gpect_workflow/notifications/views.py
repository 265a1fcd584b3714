"""The plain objects email templates receive, built in bulk from a handful of queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..definitions import WorkflowDefinition
from ..definitions.model import TaskDef
from ..models import Organisation, Person, Plan, PlanStage, ReminderMode, Task, Territory
from ..services.context import now, session, transaction_memo
from ..services.definitions import get_definition, task_definition
from ..services.urls import public_host, public_url
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
    reminder_mode: ReminderMode = ReminderMode.IMMEDIATE


@dataclass(frozen=True, slots=True)
class PersonRhythm:
    """When a person hears from us: how (immediately, by digest, never) and in which time zone."""

    id: int
    reminder_mode: ReminderMode
    timezone: str
    #: How administrators find the person when their time zone cannot be used.
    email: str
    #: What an email to them needs (``recipient()``): a digest is written from this read alone.
    name: str
    language: str
    organisation: str | None

    def recipient(self) -> Recipient:
        return Recipient(
            self.id, self.name, self.email, self.language, self.timezone, self.organisation, self.reminder_mode
        )


def active_rhythms() -> list[PersonRhythm]:
    """Every active person's reminder mode and time zone, read once per transaction: a scheduler pass
    shares it between the reminders (the time zones in use) and the digests (who takes one, and what their
    email needs, so a digest costs no read of its recipients)."""
    memo = transaction_memo("active_rhythms")
    if "people" not in memo:
        query = (
            sa.select(
                Person.id,
                Person.reminder_mode,
                Person.timezone,
                Person.email,
                Person.name,
                Person.language,
                Organisation.name,
            )
            .outerjoin(Organisation, Organisation.id == Person.organisation_id)
            .where(Person.is_active)
        )
        memo["people"] = [
            PersonRhythm(id_, mode, zone, email, name, language.value, organisation)
            for id_, mode, zone, email, name, language, organisation in session().execute(query)
        ]
    return list(memo["people"])


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
        person.id: Recipient(
            person.id, person.name, person.email, person.language.value, person.timezone, org, person.reminder_mode
        )
        for person, org in session().execute(query)
    }


def recipients_and_referents(
    person_ids: Iterable[int], referents_for: Iterable[int]
) -> tuple[dict[int, Recipient], dict[int, int]]:
    """Active people by id, and for each of ``referents_for`` the referent of their organisation (active,
    someone else) by person id; the referents are among the recipients returned. One query."""
    ids, wanting = set(person_ids), set(referents_for)
    ids |= wanting
    if not ids:
        return {}, {}
    organisations_wanting = sa.select(Person.organisation_id).where(Person.id.in_(wanting)).scalar_subquery()
    query = (
        sa.select(Person, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(
            sa.or_(Person.id.in_(ids), sa.and_(Person.is_referent, Person.organisation_id.in_(organisations_wanting)))
        )
        .order_by(Person.id)
    )
    found: dict[int, Recipient] = {}
    organisation_of: dict[int, int | None] = {}
    referent_in: dict[int, int] = {}
    for person, organisation in session().execute(query):
        organisation_of[person.id] = person.organisation_id  # an inactive assignee still has a referent
        if not person.is_active:
            continue
        found[person.id] = Recipient(
            person.id,
            person.name,
            person.email,
            person.language.value,
            person.timezone,
            organisation,
            person.reminder_mode,
        )
        if person.is_referent and person.organisation_id is not None:
            referent_in.setdefault(person.organisation_id, person.id)
    referents = {}
    for person_id in wanting:
        organisation_id = organisation_of.get(person_id)
        referent = referent_in.get(organisation_id) if organisation_id is not None else None
        if referent is not None and referent != person_id:
            referents[person_id] = referent
    return found, referents


def linked_task(task_id: int, language: str) -> tuple[TaskView, Task, Plan] | None:
    """The task an emailed link is about, as its page shows it in ``language``, with its row and its plan
    (one query; ``None`` when the task is gone)."""
    query = (
        sa.select(Task, PlanStage.stage_key, Plan)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Task.id == task_id)
    )
    row = session().execute(query).first()
    if row is None:
        return None
    task, stage_key, plan = row
    return task_view(task, stage_key, plan, language), task, plan


def task_view(task: Task, stage_key: str, plan: Plan | PlanView, language: str) -> TaskView:
    """A task as templates show it, titles from the plan's definition version in ``language``."""
    definition = _definition_of(task.plan_id, plan)
    return definition_task_view(
        definition,
        task.id,
        task.version,
        task_definition(definition, task),
        task.owner_role,
        task.due_date,
        stage_key,
        language,
    )


def definition_task_view(
    definition: WorkflowDefinition,
    task_id: int,
    version: int,
    task_def: TaskDef,
    owner_role: str,
    due_date: date,
    stage_key: str,
    language: str,
) -> TaskView:
    """A task as templates show it, from its columns and what it is (``task_definition``), in ``language``."""
    return TaskView(
        id=task_id,
        version=version,
        key=task_def.key,
        title=task_def.title.get(language),
        description=task_def.description.get(language) if task_def.description else None,
        due_date=due_date,
        stage_title=definition.stage(stage_key).title.get(language),
        role_title=definition.role(owner_role).title.get(language),
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


def calendar_attachment(
    tasks: list[TaskView], plan_name: str, person_id: int, open_urls: Mapping[int, str] | None = None
) -> Attachment:
    """The .ics file with the deadlines of ``tasks``, each linking to the task.

    ``open_urls`` gives links the email already holds, by task id, rather than signing new ones.
    """
    known = open_urls or {}
    deadlines = [
        Deadline(t.id, t.version, t.title, plan_name, t.due_date, known.get(t.id) or _open_url(person_id, t.id))
        for t in tasks
    ]
    return Attachment("echeances.ics", ICS_TYPE, deadlines_ics(deadlines, domain=public_host(), stamp=now()))


def _open_url(person_id: int, task_id: int) -> str:
    return link_url("open_task", person_id, task_id)


def task_links(person_id: int, task_id: int) -> dict[str, str]:
    """The open, mark-done and more-time links of a task for a person."""
    return {
        "open_url": link_url("open_task", person_id, task_id),
        "done_url": link_url("mark_done", person_id, task_id),
        "more_time_url": link_url("more_time", person_id, task_id),
    }


def common_context(recipient: Recipient) -> dict[str, object]:
    """What every email gets: the recipient, the app's address, the digest-only link."""
    return {
        "recipient": recipient,
        "app_url": public_url("/"),
        "digest_only_url": link_url("digest_only", recipient.id),
    }
