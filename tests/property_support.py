"""Helpers shared by the property-based and concurrency tests of the workflow engine services.

* hypothesis profiles: ``ci`` (500 examples, loaded when the ``CI`` environment variable is set) and ``dev``;
* small random *valid* workflow definitions, rendered as YAML and registered like any shipped file;
* the people of a plan (two members per role, an administrator, an outsider, a lead of other plans);
* a snapshot of everything a plan holds (to prove a refused action changed nothing);
* the plan invariants, among them a replay of the journal that must give the statuses stored.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from gpect_workflow.definitions import WorkflowDefinition, load_definition_file, parse_definition
from gpect_workflow.definitions.model import Lever
from gpect_workflow.models import (
    FINISHED_TASK_STATUSES,
    CommitteeDecision,
    Event,
    OrganisationKind,
    OutboxMessage,
    Person,
    PersonRole,
    Plan,
    PlanStage,
    PlanStatus,
    StageStatus,
    Task,
    TaskDependency,
    TaskStatus,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import get_definition, register_definitions
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.services.partners.people import create_person, find_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan

from .conftest import WORKFLOWS

# --------------------------------------------------------------------------------------------------------------
# Hypothesis profiles
# --------------------------------------------------------------------------------------------------------------

_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "stateful_step_count": 25,
}
settings.register_profile("ci", max_examples=500, print_blob=True, **_COMMON)
settings.register_profile("dev", max_examples=60, **_COMMON)
PROFILE_NAME = "ci" if os.environ.get("CI") else "dev"
if PROFILE_NAME == "ci":
    settings.load_profile("ci")
#: The settings the engine property tests run with, applied explicitly: locally the smaller ``dev`` profile
#: without changing other modules' defaults, and unaffected by another module loading a profile of its own.
ENGINE_SETTINGS = settings(settings.get_profile(PROFILE_NAME))

# --------------------------------------------------------------------------------------------------------------
# Definitions: the shipped ones, and small generated ones
# --------------------------------------------------------------------------------------------------------------


def _shipped() -> tuple[tuple[str, int], ...]:
    found = []
    for path in sorted(WORKFLOWS.glob("*.yaml")):
        definition = load_definition_file(path)
        found.append((definition.key, definition.version))
    return tuple(found)


#: (key, version) of the five shipped definitions.
SHIPPED_DEFINITIONS = _shipped()

#: The roles of every generated definition; ``committee`` decides at gates (and sometimes owns tasks).
GENERATED_ROLES = ("lead", "partner-a", "partner-b", "committee")
_LEVERS = [lever.value for lever in Lever]


@dataclass(frozen=True, slots=True)
class GeneratedTask:
    """A task of a generated definition; ``depends_on`` holds indexes of earlier tasks (all stages counted)."""

    owner: str
    required: bool
    due_days: int
    depends_on: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class GeneratedStage:
    gate: str
    lever: str
    duration_days: int
    tasks: tuple[GeneratedTask, ...]


@dataclass(frozen=True, slots=True)
class GeneratedDefinition:
    """A small random valid definition: 1-4 stages of 1-4 tasks, dependencies on earlier tasks only."""

    stages: tuple[GeneratedStage, ...]
    dependents: str = "shift"
    stages_policy: str = "shift"

    def yaml_text(self, key: str, version: int = 1) -> str:
        """The definition as a YAML file under ``key``."""
        roles: dict[str, Any] = {
            role: {"title": {"fr": f"Rôle {role}", "en": f"Role {role}"}} for role in GENERATED_ROLES
        }
        roles["committee"]["committee"] = True
        stages = []
        index = 0
        for position, stage in enumerate(self.stages):
            tasks = []
            for task in stage.tasks:
                entry: dict[str, Any] = {
                    "key": f"t{index}",
                    "title": {"fr": f"Tâche {index}", "en": f"Task {index}"},
                    "owner": task.owner,
                    "due_days": task.due_days,
                }
                if task.depends_on:
                    entry["depends_on"] = [f"t{dependency}" for dependency in task.depends_on]
                if not task.required:
                    entry["required"] = False
                tasks.append(entry)
                index += 1
            stages.append(
                {
                    "key": f"s{position}",
                    "lever": stage.lever,
                    "title": {"fr": f"Étape {position}", "en": f"Stage {position}"},
                    "duration_days": stage.duration_days,
                    "gate": stage.gate,
                    "tasks": tasks,
                }
            )
        document = {
            "key": key,
            "version": version,
            "title": {"fr": "Définition générée", "en": "Generated definition"},
            "rescheduling": {"dependents": self.dependents, "stages": self.stages_policy},
            "roles": roles,
            "stages": stages,
        }
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@st.composite
def generated_definitions(draw: st.DrawFn) -> GeneratedDefinition:
    """A random valid definition (checked by ``parse_definition`` when registered)."""
    owners = st.sampled_from(GENERATED_ROLES)
    stages = []
    count = 0
    for _ in range(draw(st.integers(1, 4))):
        duration = draw(st.integers(1, 40))
        tasks = []
        for _ in range(draw(st.integers(1, 4))):
            depends_on = draw(st.lists(st.integers(0, count - 1), max_size=3, unique=True)) if count else []
            tasks.append(
                GeneratedTask(
                    owner=draw(owners),
                    required=draw(st.booleans()),
                    due_days=draw(st.integers(0, duration)),
                    depends_on=tuple(sorted(depends_on)),
                )
            )
            count += 1
        stages.append(
            GeneratedStage(
                gate=draw(st.sampled_from(["auto", "committee"])),
                lever=draw(st.sampled_from(_LEVERS)),
                duration_days=duration,
                tasks=tuple(tasks),
            )
        )
    policies = st.sampled_from(["shift", "keep"])
    return GeneratedDefinition(tuple(stages), draw(policies), draw(policies))


_keys = itertools.count(1)


def register_definition_text(text: str, folder: Path) -> WorkflowDefinition:
    """Validate ``text``, write it alone in a new sub-folder of ``folder`` and register that folder."""
    definition = parse_definition(text)
    where = folder / f"{definition.key}-v{definition.version}"
    where.mkdir(parents=True, exist_ok=True)
    (where / f"{definition.key}.yaml").write_text(text, encoding="utf-8")
    register_definitions([where])
    session().commit()
    return definition


def register_generated(generated: GeneratedDefinition, folder: Path) -> tuple[str, int]:
    """Register ``generated`` under a key never used before; its (key, version)."""
    key = f"gen-{os.getpid()}-{next(_keys)}"
    definition = register_definition_text(generated.yaml_text(key), folder)
    return definition.key, definition.version


# --------------------------------------------------------------------------------------------------------------
# People and plans
# --------------------------------------------------------------------------------------------------------------


def ensure_person(email: str, role: PersonRole = PersonRole.PARTNER, organisation_name: str | None = None) -> Person:
    """The person with ``email``, created (in an organisation of that name) when missing."""
    person = find_person(email)
    if person is not None:
        return person
    organisation = ensure_organisation(organisation_name, OrganisationKind.OTHER, None) if organisation_name else None
    return create_person(email, role, email.split("@")[0], organisation=organisation)


@dataclass(slots=True)
class PlanPeople:
    """Everyone who may try to act on a plan, by what they are to it."""

    lead_id: int
    admin_id: int
    outsider_id: int
    other_lead_id: int
    members: dict[str, list[int]] = field(default_factory=dict)
    committee_roles: tuple[str, ...] = ()

    def roles_of(self, person_id: int) -> set[str]:
        return {role for role, ids in self.members.items() if person_id in ids}

    def can_view(self, person_id: int) -> bool:
        return person_id in (self.lead_id, self.admin_id) or bool(self.roles_of(person_id))

    def can_manage(self, person_id: int) -> bool:
        return person_id in (self.lead_id, self.admin_id)

    def can_decide(self, person_id: int) -> bool:
        return person_id == self.admin_id or bool(self.roles_of(person_id) & set(self.committee_roles))

    def committee_members(self) -> list[int]:
        return sorted({pid for role in self.committee_roles for pid in self.members.get(role, [])})


#: Email -> (person id, organisation id): people already created in this test's database.
PeopleCache = dict[str, tuple[int, int | None]]


def _person(
    cache: PeopleCache, email: str, role: PersonRole = PersonRole.PARTNER, organisation_name: str | None = None
) -> tuple[int, int | None]:
    if email not in cache:
        person = ensure_person(email, role, organisation_name)
        cache[email] = (person.id, person.organisation_id)
    return cache[email]


def plan_request_on(
    lead: Person, key: str, version: int, start: date, members_per_role: int, cache: PeopleCache
) -> PlanRequest:
    """What ``start_plan_on`` asks ``start_plan`` for: every role played by ``members_per_role`` people of one
    organisation (created, or found in ``cache``)."""
    definition = get_definition(key, version)
    roles: dict[str, RoleMapping] = {}
    for role in definition.roles:
        local = role.key.replace("_", "-")
        emails = [f"{local}@partners.example.org"]
        emails += [f"{local}-{n}@partners.example.org" for n in range(2, members_per_role + 1)]
        people = [_person(cache, email, organisation_name=f"Organisation {role.key}") for email in emails]
        roles[role.key] = RoleMapping(people[0][1] or 0, [person_id for person_id, _ in people])
    territory_id = lead.organisation.territory_id if lead.organisation else None
    assert territory_id is not None
    return PlanRequest(f"Plan {key}", key, version, territory_id, lead.id, start, roles, open_now=True)


def start_plan_on(
    lead: Person, key: str, version: int, start: date, members_per_role: int = 2, cache: PeopleCache | None = None
) -> tuple[Plan, PlanPeople]:
    """Start a plan of ``key`` version ``version`` led by ``lead``, every role mapped to its people.

    Each role is played by ``members_per_role`` people of one organisation, shared by every plan (pass the
    same ``cache`` within a test to look them up once).
    """
    cache = {} if cache is None else cache
    request = plan_request_on(lead, key, version, start, members_per_role, cache)
    members = {role: list(mapping.person_ids) for role, mapping in request.roles.items()}
    plan = start_plan(lead, request)
    admin, _ = _person(cache, "admin@gpect.example.org", PersonRole.ADMIN)
    outsider, _ = _person(cache, "outsider@partners.example.org", organisation_name="Organisation extérieure")
    other_lead, _ = _person(cache, "other-lead@gpect.example.org", PersonRole.LEAD)
    session().flush()
    return plan, PlanPeople(
        lead_id=lead.id,
        admin_id=admin,
        outsider_id=outsider,
        other_lead_id=other_lead,
        members=members,
        committee_roles=get_definition(key, version).committee_roles,
    )


# --------------------------------------------------------------------------------------------------------------
# Reading a plan back
# --------------------------------------------------------------------------------------------------------------


def _rows(query: sa.Select[Any]) -> list[Any]:
    return list(session().execute(query).all())


@dataclass(frozen=True, slots=True)
class TaskView:
    id: int
    key: str
    stage_id: int
    owner_role: str
    assignee_id: int | None
    status: TaskStatus
    required: bool
    due_date: date
    version: int


@dataclass(frozen=True, slots=True)
class StageView:
    id: int
    key: str
    position: int
    status: StageStatus
    gate: str
    decision: str | None
    planned_start: date | None = None
    planned_end: date | None = None


@dataclass(slots=True)
class PlanView:
    """The plan as stored, read fresh in one go (plain values, nothing bound to the session).

    ``rows`` holds every column of the plan, its stages, tasks and committee decisions, and the ids of its
    journal events and outbox messages (never updated, only added): two equal ``rows`` mean nothing changed.
    """

    id: int
    status: PlanStatus
    version: int
    current_stage_key: str | None
    on_hold_since_dt: Any
    timezone: str
    stages: list[StageView]
    tasks: dict[int, TaskView]
    dependencies: dict[int, list[int]]
    events: list[Any]
    decisions: list[Any]
    rows: dict[str, list[tuple[Any, ...]]]

    def current_stage(self) -> StageView | None:
        current = [s for s in self.stages if s.status in (StageStatus.OPEN, StageStatus.AWAITING_DECISION)]
        return current[0] if len(current) == 1 else None

    def stage(self, stage_id: int) -> StageView:
        return next(s for s in self.stages if s.id == stage_id)

    def stage_tasks(self, stage_id: int) -> list[TaskView]:
        return [t for t in self.tasks.values() if t.stage_id == stage_id]

    def dependencies_finished(self, task_id: int) -> bool:
        return all(self.tasks[d].status in FINISHED_TASK_STATUSES for d in self.dependencies.get(task_id, []))

    def dependents(self, task_id: int) -> list[int]:
        return sorted(t for t, deps in self.dependencies.items() if task_id in deps)


def read_dependencies(plan_id: int) -> dict[int, list[int]]:
    """Task id -> ids of the tasks it depends on (fixed once the plan has started)."""
    links = (
        sa.select(TaskDependency.task_id, TaskDependency.depends_on_id)
        .join(Task, Task.id == TaskDependency.task_id)
        .where(Task.plan_id == plan_id)
        .order_by(TaskDependency.task_id, TaskDependency.depends_on_id)
    )
    dependencies: dict[int, list[int]] = {}
    for task_id, depends_on_id in session().execute(links):
        dependencies.setdefault(task_id, []).append(depends_on_id)
    return dependencies


def read_plan(
    plan_id: int, dependencies: dict[int, list[int]] | None = None, previous: PlanView | None = None
) -> PlanView:
    """A fresh read of the plan, its stages, tasks, journal, decisions and outbox messages.

    ``dependencies``: when already known. ``previous``: an earlier read of the same plan, whose journal
    events and outbox messages are kept (both only ever grow) so that only newer ones are read.
    """
    plans, stages, tasks = Plan.__table__, PlanStage.__table__, Task.__table__
    events, decisions, outbox = Event.__table__, CommitteeDecision.__table__, OutboxMessage.__table__
    plan = session().execute(sa.select(plans).where(plans.c.id == plan_id)).one()
    stage_rows = _rows(sa.select(stages).where(stages.c.plan_id == plan_id).order_by(stages.c.position))
    task_rows = _rows(sa.select(tasks).where(tasks.c.plan_id == plan_id).order_by(tasks.c.id))
    seen_events = previous.events if previous else []
    seen_messages = previous.rows["outbox messages"] if previous else []
    event_columns = [events.c[name] for name in ("id", "kind", "stage_id", "task_id", "actor_id")]
    event_columns += [events.c.from_state, events.c.to_state, events.c.data]
    event_rows = seen_events + _rows(
        sa.select(*event_columns)
        .where(events.c.plan_id == plan_id, events.c.id > (seen_events[-1].id if seen_events else 0))
        .order_by(events.c.id)
    )
    decision_rows = _rows(sa.select(decisions).where(decisions.c.plan_id == plan_id).order_by(decisions.c.id))
    messages = seen_messages + [
        tuple(row)
        for row in _rows(
            sa.select(outbox.c.id)
            .where(outbox.c.plan_id == plan_id, outbox.c.id > (seen_messages[-1][0] if seen_messages else 0))
            .order_by(outbox.c.id)
        )
    ]
    return PlanView(
        id=plan.id,
        status=PlanStatus(plan.status),
        version=plan.version,
        current_stage_key=plan.current_stage_key,
        on_hold_since_dt=plan.on_hold_since_dt,
        timezone=plan.timezone,
        stages=[
            StageView(
                r.id,
                r.stage_key,
                r.position,
                StageStatus(r.status),
                str(r.gate),
                r.decision,
                r.planned_start_date,
                r.planned_end_date,
            )
            for r in stage_rows
        ],
        tasks={
            r.id: TaskView(
                r.id,
                r.task_key,
                r.stage_id,
                r.owner_role,
                r.assignee_id,
                TaskStatus(r.status),
                r.is_required,
                r.due_date,
                r.version,
            )
            for r in task_rows
        },
        dependencies=read_dependencies(plan_id) if dependencies is None else dependencies,
        events=event_rows,
        decisions=decision_rows,
        rows={
            "plan": [tuple(plan)],
            "stages": [tuple(r) for r in stage_rows],
            "tasks": [tuple(r) for r in task_rows],
            "events": [(r.id,) for r in event_rows],
            "decisions": [tuple(r) for r in decision_rows],
            "outbox messages": messages,
        },
    )


# --------------------------------------------------------------------------------------------------------------
# Invariants
# --------------------------------------------------------------------------------------------------------------

#: Transitions the task state machine lets through only once the dependencies are done (or overridden).
NEEDS_DEPENDENCIES = {
    (TaskStatus.TODO, TaskStatus.IN_PROGRESS),
    (TaskStatus.TODO, TaskStatus.DONE),
    (TaskStatus.IN_PROGRESS, TaskStatus.DONE),
    (TaskStatus.BLOCKED, TaskStatus.IN_PROGRESS),
}
_AFTER_DECISION = {"approve": StageStatus.CLOSED, "rework": StageStatus.OPEN, "hold": StageStatus.AWAITING_DECISION}
_ACTIVE_OR_HELD = (PlanStatus.ACTIVE, PlanStatus.ON_HOLD, PlanStatus.CANCELLED)


def check_plan_invariants(view: PlanView) -> None:
    """Every invariant of a plan read by ``read_plan``; ``AssertionError`` says which and why."""
    _check_stages(view)
    _check_closed_stages(view)
    replay_journal(view)


def _check_stages(view: PlanView) -> None:
    statuses = [s.status for s in view.stages]
    current = [s for s in view.stages if s.status in (StageStatus.OPEN, StageStatus.AWAITING_DECISION)]
    if view.status is PlanStatus.COMPLETED:
        assert not current, f"completed plan with stages still open: {statuses}"
        assert set(statuses) == {StageStatus.CLOSED}, f"completed plan with stages not closed: {statuses}"
        assert view.current_stage_key is None, f"completed plan still on stage {view.current_stage_key}"
        return
    assert view.status in _ACTIVE_OR_HELD, f"unexpected plan status {view.status}"
    assert len(current) == 1, f"{view.status} plan must have exactly one open or awaiting stage, has {statuses}"
    position = current[0].position
    assert all(s.status is StageStatus.CLOSED for s in view.stages[:position]), f"stages before: {statuses}"
    assert all(s.status is StageStatus.PENDING for s in view.stages[position + 1 :]), f"stages after: {statuses}"
    assert view.current_stage_key == current[0].key, (
        f"plan.current_stage_key is {view.current_stage_key}, the open stage is {current[0].key}"
    )
    if current[0].status is StageStatus.OPEN:
        # The exit rule runs after every change (and when a stage opens): an open stage still has work to do.
        required = [t for t in view.stage_tasks(current[0].id) if t.required]
        assert any(t.status not in FINISHED_TASK_STATUSES for t in required), (
            f"stage {current[0].key} is open although all its required tasks are finished: "
            f"{ {t.key: t.status.value for t in view.stage_tasks(current[0].id)} }"
        )
    for stage in view.stages[position + 1 :]:
        untouched = {t.key: t.status for t in view.stage_tasks(stage.id) if t.status is not TaskStatus.TODO}
        assert not untouched, f"tasks of pending stage {stage.key} changed: {untouched}"


def _check_closed_stages(view: PlanView) -> None:
    decided = {decision.stage_id for decision in view.decisions}
    last_decision = {decision.stage_id: str(decision.decision) for decision in view.decisions}
    for stage in view.stages:
        last = last_decision.get(stage.id)
        assert stage.decision == last, f"stage {stage.key} records decision {stage.decision}, the last one is {last}"
        if stage.status is not StageStatus.CLOSED:
            continue
        tasks = view.stage_tasks(stage.id)
        unfinished = [t.key for t in tasks if t.required and t.status not in FINISHED_TASK_STATUSES]
        assert not unfinished or stage.id in decided, (
            f"closed stage {stage.key} has unfinished required tasks {unfinished} and no committee decision"
        )
        still_open = [t.key for t in tasks if t.status not in FINISHED_TASK_STATUSES]
        assert not still_open, f"closed stage {stage.key} holds open tasks {still_open}"


def replay_journal(view: PlanView) -> None:
    """Replay the plan's journal in id order; it must be consistent step by step and end on the stored statuses.

    Rules (from the services' ``record`` calls): the plan starts with ``plan_created`` (to ``active``) and
    moves on ``plan_status_changed``; a stage starts ``pending`` and moves on ``stage_entered`` (to
    ``open``), ``stage_awaiting_decision``, ``stage_reopened``, ``gate_decided`` (to the decision's
    status) and ``stage_closed``; a task starts ``todo`` and moves on ``task_status_changed``. Each
    event's ``from_state`` must be the replayed status (one exception: ``stage_closed`` right after an
    approval says ``awaiting_decision``, the stage's column value while the decision was recorded). A
    task reaches ``in_progress`` or ``done`` through a dependency-guarded transition only once every
    task it depends on is done or skipped, unless that event says ``overrode_dependencies`` (which it
    says only when it was needed).
    """
    events = view.events
    plan_state: str | None = None
    stages = {s.id: StageStatus.PENDING.value for s in view.stages}
    keys = {s.id: s.key for s in view.stages}
    tasks = {t: TaskStatus.TODO.value for t in view.tasks}
    just_approved: set[int] = set()
    decisions: Counter[int] = Counter()
    for event in events:
        where = f"event {event.id} {event.kind} ({event.from_state} -> {event.to_state})"
        data = event.data or {}
        if event.kind == "plan_created":
            assert plan_state is None, f"{where}: second plan_created"
            plan_state = event.to_state
        elif event.kind == "plan_status_changed":
            assert event.from_state == plan_state, f"{where}: the plan was {plan_state}"
            plan_state = event.to_state
        elif event.kind in _STAGE_EVENTS:
            stage_id = event.stage_id
            assert stage_id in stages, f"{where}: unknown stage"
            current = stages[stage_id]
            expected_from, to = _STAGE_EVENTS[event.kind]
            label = f"{where} of stage {keys[stage_id]}"
            if stage_id in just_approved:
                assert event.kind == "stage_closed", f"{label}: an approval must be followed by stage_closed"
            if event.kind == "stage_entered":
                assert current == StageStatus.PENDING and event.from_state in (None, StageStatus.PENDING), (
                    f"{label}: the stage was {current}"
                )
            elif event.kind == "stage_closed" and stage_id in just_approved:
                assert event.from_state == StageStatus.AWAITING_DECISION, f"{label}: after an approval"
                just_approved.discard(stage_id)
            elif event.kind == "gate_decided":
                assert event.from_state == current == StageStatus.AWAITING_DECISION, f"{label}: the stage was {current}"
                to = _AFTER_DECISION[data["decision"]]
                assert event.to_state == to, f"{label}: a {data['decision']} decision leads to {to}"
                decisions[stage_id] += 1
                if to is StageStatus.CLOSED:
                    just_approved.add(stage_id)
            else:
                assert event.from_state == current, f"{label}: the stage was {current}"
                if expected_from is not None:
                    assert current == expected_from, f"{label}: the stage was {current}"
            stages[stage_id] = to.value
        elif event.kind == "task_status_changed":
            task_id = event.task_id
            assert task_id in tasks, f"{where}: unknown task"
            label = f"{where} of task {view.tasks[task_id].key}"
            assert event.from_state == tasks[task_id], f"{label}: the task was {tasks[task_id]}"
            transition = (TaskStatus(event.from_state), TaskStatus(event.to_state))
            if transition in NEEDS_DEPENDENCIES:
                waiting = [
                    view.tasks[d].key
                    for d in view.dependencies.get(task_id, [])
                    if tasks[d] not in FINISHED_TASK_STATUSES
                ]
                if data.get("overrode_dependencies"):
                    assert waiting, f"{label}: says it overrode dependencies, but they were all finished"
                else:
                    assert not waiting, f"{label}: reached {event.to_state} while {waiting} were unfinished"
            tasks[task_id] = event.to_state
    assert not just_approved, f"approved stages never closed: {[keys[s] for s in just_approved]}"
    assert plan_state == view.status, f"journal replays the plan to {plan_state}, it is {view.status}"
    for stage in view.stages:
        assert stages[stage.id] == stage.status, (
            f"journal replays stage {stage.key} to {stages[stage.id]}, it is {stage.status}"
        )
    for task in view.tasks.values():
        assert tasks[task.id] == task.status, (
            f"journal replays task {task.key} to {tasks[task.id]}, it is {task.status}"
        )
    stored = Counter(decision.stage_id for decision in view.decisions)
    assert stored == decisions, f"gate_decided events {dict(decisions)} but committee decisions {dict(stored)}"


#: Stage events: (status the stage must be in, or None to check ``from_state`` only; status after).
_STAGE_EVENTS: dict[str, tuple[StageStatus | None, StageStatus]] = {
    "stage_entered": (StageStatus.PENDING, StageStatus.OPEN),
    "stage_awaiting_decision": (StageStatus.OPEN, StageStatus.AWAITING_DECISION),
    "stage_reopened": (StageStatus.AWAITING_DECISION, StageStatus.OPEN),
    "gate_decided": (StageStatus.AWAITING_DECISION, StageStatus.AWAITING_DECISION),
    "stage_closed": (None, StageStatus.CLOSED),
}
