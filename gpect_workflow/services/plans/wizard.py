"""What the plan creation wizard needs besides ``start_plan``: its choices, its step checks, its preview.

A lead sets a plan up in steps: the definition and the plan's details, then the partners who play each
role, then a preview of the schedule, and only then ``plans.starting.start_plan``. Each step is checked
here and refused with per-field messages (``ValidationError``), so the step can be shown again before
anything is stored. The checks read only; the two inline creations delegate to ``partners.organisations``
and ``partners.people``, which check who may add to the directory. The preview comes from
``plans.starting.planned_schedule``, the function ``start_plan`` stores from, so the dates a lead confirms
are the dates the plan gets.

Messages are English source text marked with ``N_`` for the catalogue; the pages translate them (a
message the catalogue lacks, such as one from ``start_plan`` itself, is shown as it is).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...definitions import WorkflowDefinition
from ...definitions.model import StageDef, TaskDef
from ...errors import NotFound, ValidationError
from ...models import Organisation, OrganisationKind, OrganisationScope, Person, PersonRole, Plan, Territory
from ...refusals import COMMITTEE_UNMAPPED, Refusal
from ...validation import check_date, check_timezone, collect, normalise_email
from ...vocabulary import N_
from ..context import now, session
from ..definitions import definitions_of_records, get_definition, list_definition_records
from ..loading import hold_write_lock
from ..partners.organisations import create_organisation
from ..partners.people import create_person_as, find_person
from .starting import (
    PlanRequest,
    RoleMapping,
    check_start_date,
    first_assignee,
    needs_committee,
    planned_schedule,
    require_plan_starter,
)

#: Longest plan name the database keeps.
NAME_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class DefinitionChoice:
    """A registered definition version a plan may start from."""

    definition: WorkflowDefinition
    is_latest: bool

    @property
    def value(self) -> str:
        """How the version is named in a form: ``key:version``."""
        return f"{self.definition.key}:{self.definition.version}"


def definition_choices(actor: Person) -> list[DefinitionChoice]:
    """Every registered definition version, each key's newest first (new plans usually start from it)."""
    require_plan_starter(actor)
    records = sorted(list_definition_records(), key=lambda record: (record.key, -record.version))
    newest = {record.key: record.version for record in reversed(records)}
    parsed = definitions_of_records(records)
    return [DefinitionChoice(parsed[r.key, r.version], r.version == newest[r.key]) for r in records]


def lead_choices(actor: Person) -> list[Person]:
    """Who may lead the plan: a lead leads the plans they create; an administrator picks an active lead."""
    require_plan_starter(actor)
    if actor.role is PersonRole.LEAD:
        return [actor]
    query = sa.select(Person).where(Person.role == PersonRole.LEAD, Person.is_active.is_(True))
    return list(session().scalars(query.order_by(Person.name, Person.id)))


def partner_organisations(territory_id: int) -> list[Organisation]:
    """Organisations that may play a role on the territory: its own, then those serving its whole region
    and national ones, each with its people (three queries)."""
    region = session().scalar(sa.select(Territory.region).where(Territory.id == territory_id))
    here = sa.and_(Organisation.scope == OrganisationScope.TERRITORY, Organisation.territory_id == territory_id)
    regional = sa.and_(Organisation.scope == OrganisationScope.REGION, Organisation.region == region)
    national = Organisation.scope == OrganisationScope.NATIONAL
    query = (
        sa.select(Organisation)
        .where(sa.or_(here, regional, national) if region else sa.or_(here, national))
        .options(selectinload(Organisation.people))
        .order_by(Organisation.name, Organisation.id)
    )
    organisations = list(session().scalars(query))
    return sorted(organisations, key=lambda organisation: organisation.scope is not OrganisationScope.TERRITORY)


def task_owning_roles(definition: WorkflowDefinition) -> frozenset[str]:
    """Roles that own a task: a plan cannot start until each is mapped to someone."""
    return frozenset(task.owner for task in definition.tasks())


def deciding_roles(definition: WorkflowDefinition) -> frozenset[str]:
    """Committee roles of a definition whose stage gates need a decision: one of them at least must be mapped
    to someone before the plan starts (none when every gate is automatic)."""
    return frozenset(definition.committee_roles) if needs_committee(definition) else frozenset()


@dataclass(frozen=True, slots=True)
class DetailsInput:
    """The plan's details as typed in the first step (text, not yet checked)."""

    definition: str
    territory_id: str
    name: str
    start_date: str
    timezone: str
    lead_id: str


@dataclass(frozen=True, slots=True)
class PlanDetails:
    """The plan's details, checked."""

    definition_key: str
    definition_version: int
    territory: Territory
    name: str
    start_date: date
    timezone: str
    lead: Person


def check_details(actor: Person, typed: DetailsInput) -> tuple[PlanDetails, WorkflowDefinition]:
    """The first step's details, checked; ``ValidationError`` names every field that is wrong."""
    require_plan_starter(actor)
    problems: dict[str, list[str]] = {}
    definition = _definition(typed.definition, problems)
    territory = _territory(typed.territory_id, problems)
    name = " ".join(typed.name.split())
    if not name:
        problems["name"] = [N_("Give the plan a name.")]
    elif len(name) > NAME_MAX_LENGTH:
        problems["name"] = [N_("Use at most 200 characters.")]
    start = _date(typed.start_date, definition, problems)
    timezone = collect(problems, check_timezone, typed.timezone)
    lead = _lead(actor, typed.lead_id, problems)
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    assert definition and territory and start and timezone and lead  # each is set when no problem was found
    details = PlanDetails(definition.key, definition.version, territory, name, start, timezone, lead)
    return details, definition


def _definition(value: str, problems: dict[str, list[str]]) -> WorkflowDefinition | None:
    key, _, version = value.partition(":")
    if not key or not version.isdigit():
        problems["definition"] = [N_("Choose a workflow definition.")]
        return None
    try:
        return get_definition(key, int(version))
    except NotFound:
        problems["definition"] = [N_("This definition version is not registered.")]
        return None


def _territory(value: str, problems: dict[str, list[str]]) -> Territory | None:
    territory = session().get(Territory, int(value)) if value.isdigit() else None
    if territory is None:
        problems["territory_id"] = [N_("Choose the territory the plan runs on.")]
    return territory


def _date(value: str, definition: WorkflowDefinition | None, problems: dict[str, list[str]]) -> date | None:
    """The start date typed, when it reads as a date and obeys the date rule (with the schedule it gives)."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        problems["start_date"] = [N_("Enter the start date as a date, for example 2027-01-04.")]
        return None
    if definition is None:
        return collect(problems, check_date, day, "start_date")
    return collect(problems, check_start_date, definition, day)


def _lead(actor: Person, value: str, problems: dict[str, list[str]]) -> Person | None:
    if actor.role is PersonRole.LEAD:
        if value and value != str(actor.id):
            problems["lead_id"] = [N_("You lead the plans you create.")]
        return actor
    lead = session().get(Person, int(value)) if value.isdigit() else None
    if lead is None or lead.role is not PersonRole.LEAD or not lead.is_active:
        problems["lead_id"] = [N_("Choose the project lead from the list.")]
        return None
    return lead


@dataclass(frozen=True, slots=True)
class RoleChoice:
    """The organisation and people picked for one role (text, not yet checked)."""

    organisation: str = ""
    people: Sequence[str] = ()


def role_field(role_key: str, part: str) -> str:
    """The name errors of a role's ``organisation`` or ``people`` are reported under."""
    return f"roles.{role_key}.{part}"


def check_roles(
    definition: WorkflowDefinition, organisations: Sequence[Organisation], choices: Mapping[str, RoleChoice]
) -> dict[str, RoleMapping]:
    """The role mappings, checked against the organisations the plan's territory may use.

    A role that owns tasks needs an organisation and at least one of its active people; so does the
    steering committee (one of its roles at least) when a stage ends with its decision. Another role may
    stay unmapped. The people's order is kept: the first one is assigned the role's tasks.
    """
    offered = {organisation.id: organisation for organisation in organisations}
    owners = task_owning_roles(definition)
    problems: dict[str, list[str]] = {}
    mappings: dict[str, RoleMapping] = {}
    for role in definition.roles:
        choice = choices.get(role.key, RoleChoice())
        organisation = offered.get(int(choice.organisation)) if choice.organisation.isdigit() else None
        if organisation is None:
            if choice.organisation or role.key in owners:
                problems[role_field(role.key, "organisation")] = [_missing_organisation(choice.organisation)]
            continue
        members = {person.id for person in organisation.people if person.is_active}
        people = list(dict.fromkeys(int(p) if p.isdigit() else 0 for p in choice.people))
        if not people:
            problems[role_field(role.key, "people")] = [N_("Choose at least one person of this organisation.")]
        elif not set(people) <= members:
            problems[role_field(role.key, "people")] = [N_("Choose people of the selected organisation.")]
        else:
            mappings[role.key] = RoleMapping(organisation.id, tuple(people))
    _check_committee(definition, mappings, problems)
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    return mappings


def _check_committee(
    definition: WorkflowDefinition, mappings: Mapping[str, RoleMapping], problems: dict[str, list[str]]
) -> None:
    """Ask for the committee beside its first role, unless one is mapped or its roles have problems of their own."""
    deciding = [role.key for role in definition.roles if role.key in deciding_roles(definition)]
    fields = {role_field(key, part) for key in deciding for part in ("organisation", "people")}
    if deciding and not set(deciding) & set(mappings) and not fields & set(problems):
        problems[role_field(deciding[0], "organisation")] = [COMMITTEE_UNMAPPED]


def _missing_organisation(typed: str) -> str:
    if typed:
        return N_("Choose an organisation of the territory, or a regional or national body.")
    return N_("Choose the organisation that plays this role: it has tasks to do.")


@dataclass(frozen=True, slots=True)
class TaskPreview:
    """A task as the plan will get it: its due date and who it is assigned to."""

    definition: TaskDef
    due_date: date
    assignee: Person | None


@dataclass(frozen=True, slots=True)
class StagePreview:
    """A stage as the plan will get it: its planned window and its tasks."""

    definition: StageDef
    start: date
    end: date
    tasks: tuple[TaskPreview, ...]


def schedule_preview(
    definition: WorkflowDefinition, start_date: date, roles: Mapping[str, RoleMapping]
) -> list[StagePreview]:
    """The schedule ``start_plan`` would store for these details, without writing anything (one query)."""
    assignee_ids = {first_assignee(mapping) for mapping in roles.values()} - {None}
    query = sa.select(Person).where(Person.id.in_(assignee_ids))
    people = {person.id: person for person in session().scalars(query)} if assignee_ids else {}
    assignees = {key: people.get(first_assignee(mapping) or 0) for key, mapping in roles.items()}
    stages = []
    for stage, planned in zip(definition.stages, planned_schedule(definition, start_date), strict=True):
        tasks = tuple(TaskPreview(task, planned.due_dates[task.key], assignees.get(task.owner)) for task in stage.tasks)
        stages.append(StagePreview(stage, planned.start, planned.end, tasks))
    return stages


def plan_request(details: PlanDetails, roles: Mapping[str, RoleMapping]) -> PlanRequest:
    """What ``start_plan`` needs, from the checked steps."""
    return PlanRequest(
        name=details.name,
        definition_key=details.definition_key,
        definition_version=details.definition_version,
        territory_id=details.territory.id,
        lead_id=details.lead.id,
        start_date=details.start_date,
        roles=dict(roles),
        timezone=details.timezone,
    )


#: A second confirmation of the same plan within this time is taken for a double click, not a new plan.
RESUBMIT_WINDOW = timedelta(minutes=10)


def just_started(request: PlanRequest) -> Plan | None:
    """The plan this same request started a moment ago, if any: a double submission finds it again.

    Two submissions at once (a double click) are serialised on the lead's row (``FOR NO KEY UPDATE``, which
    leaves rows pointing at the lead free to be written; SQLite's write lock there): the second waits until
    the first has committed its plan, then finds it, where both would have found none and started two.
    """
    hold_write_lock()
    session().execute(sa.select(Person.id).where(Person.id == request.lead_id).with_for_update(key_share=True))
    query = (
        sa.select(Plan)
        .where(
            Plan.name == request.name,
            Plan.definition_key == request.definition_key,
            Plan.definition_version == request.definition_version,
            Plan.territory_id == request.territory_id,
            Plan.lead_id == request.lead_id,
            Plan.start_date == request.start_date,
            Plan.created_dt >= now() - RESUBMIT_WINDOW,
        )
        .order_by(Plan.id.desc())
        .limit(1)
    )
    return session().scalar(query)


def add_organisation(
    actor: Person, territory: Territory, name: str, kind: str, email: str, allow_similar: bool = False
) -> Organisation:
    """Add a missing partner organisation to the plan's territory (leads and administrators).

    A name like that of an organisation the territory may already use is refused (``SIMILAR_IN_DIRECTORY``,
    its id in ``similar_id``: the page offers to choose it instead) unless ``allow_similar``. Flushes only:
    the caller commits this creation on its own, before the plan exists.
    """
    problems: dict[str, list[str]] = {}
    if not name.strip():
        problems["name"] = [N_("Give the organisation's name.")]
    if kind not in {member.value for member in OrganisationKind}:
        problems["kind"] = [N_("Choose the kind of organisation.")]
    if email.strip():
        collect(problems, normalise_email, email)
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    return create_organisation(
        actor, name, OrganisationKind(kind), territory.id, email.strip() or None, allow_similar=allow_similar
    )


@dataclass(frozen=True, slots=True)
class PersonFound:
    """Whom the inline person creation gives the role: someone new, or the person the address already names."""

    person: Person
    #: The address was already someone's: that person is chosen, nobody is created.
    existing: bool


def add_person(
    actor: Person,
    organisation: Organisation | None,
    name: str,
    email: str,
    offered: Sequence[Organisation] = (),
    allow_similar: bool = False,
) -> PersonFound:
    """Add a missing partner contact to an organisation offered for a role (leads and administrators).

    An address that is already someone's names that person: when they are active and their organisation is
    one the territory may use (``offered``), they are found, not created (the page chooses them, with their
    organisation). Someone of the organisation with the same name is refused as a likely duplicate unless
    ``allow_similar``.
    """
    problems: dict[str, list[str]] = {}
    if not email.strip():
        problems["email"] = [N_("Give the person's email address: reminders are sent to it.")]
    else:
        address = collect(problems, normalise_email, email)
        known = find_person(address) if address else None
        if known is not None:
            return PersonFound(_usable(known, offered), existing=True)
    if organisation is None:
        problems["organisation"] = [N_("Choose the organisation first, then add a person to it.")]
    if not name.strip():
        problems["name"] = [N_("Give the person's name.")]
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    assert organisation is not None
    person = create_person_as(
        actor, email, PersonRole.PARTNER, name.strip(), allow_similar=allow_similar, organisation_id=organisation.id
    )
    session().expire(organisation, ["people"])  # the roles step, drawn next, lists the new person too
    return PersonFound(person, existing=False)


def _usable(person: Person, offered: Sequence[Organisation]) -> Person:
    """``person``, when they may play a role here; otherwise why not, under the address field."""
    if person.is_active and person.organisation_id in {organisation.id for organisation in offered}:
        return person
    where = person.organisation.name if person.organisation else "—"
    message = N_("This address belongs to %(similar)s, who cannot play a role on this territory.")
    raise ValidationError(Refusal.INVALID_INPUT, {"email": [message]}, similar=f"{person.name} ({where})")
