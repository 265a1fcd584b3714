"""Changing who plays a role in a running plan: another organisation, other people, the committee too.

People leave and join while a plan runs. The lead (or an administrator) maps the role again; the open
tasks of the people who leave it go back to the role (its first new member picks them up, as at the
plan's start) or to the member the lead names; new holders are told by email (``notifications``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ... import signals
from ...definitions import WorkflowDefinition
from ...definitions.model import Text
from ...errors import NotFound, ValidationError
from ...models import OPEN_TASK_STATUSES, Person, Plan, RoleAssignment, RoleAssignmentMember, Task
from ...refusals import (
    CHOOSE_PEOPLE_OF_THE_ORGANISATION,
    NOT_AMONG_THE_NEW_MEMBERS,
    UNKNOWN_ORGANISATION,
    Refusal,
)
from ..context import now, sender, session
from ..journal import record
from .changes import managed_plan, plan_changed
from .wizard import partner_organisations, role_field

#: At most this many people play one role (a form or a request naming more is refused).
MAX_ROLE_MEMBERS = 50


@dataclass(frozen=True, slots=True)
class RoleChange:
    """The role's new mapping: an organisation, its people in order (the first picks up returned tasks),
    and who takes the open tasks of the people who leave (``None``: back to the role)."""

    organisation_id: int
    person_ids: Sequence[int]
    open_tasks_to: int | None = None


def committee_members(plan: Plan, definition: WorkflowDefinition) -> list[Person]:
    """Who sits on the plan's steering committee (members of its committee roles), by name (one query)."""
    query = (
        sa.select(Person)
        .join(RoleAssignmentMember, RoleAssignmentMember.person_id == Person.id)
        .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
        .where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key.in_(definition.committee_roles))
        .order_by(Person.name, Person.id)
        .distinct()
    )
    return list(session().scalars(query))


def role_members_in_order(plan_id: int, role_key: str) -> list[int]:
    """Ids of the people playing ``role_key`` in the plan, the role's first member first (lowest id)."""
    query = (
        sa.select(RoleAssignmentMember.person_id)
        .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
        .where(RoleAssignment.plan_id == plan_id, RoleAssignment.role_key == role_key)
        .order_by(RoleAssignmentMember.person_id)
    )
    return list(session().scalars(query))


def remap_role(
    actor: Person, plan_id: int, role_key: str, change: RoleChange, *, expected_version: int | None = None
) -> RoleAssignment:
    """Map ``role_key`` to ``change``'s organisation and people; hand the leavers' open tasks over.

    Journaled as ``role_remapped`` (and ``task_reassigned`` for each task handed over); the plan's
    version moves on. People who join are told by email (the ``role_remapped`` signal).
    """
    plan, definition = managed_plan(actor, plan_id, expected_version)
    if role_key not in {role.key for role in definition.roles}:
        raise NotFound(Refusal.NO_SUCH_ROLE)
    people = _checked_people(plan, role_key, change)
    assignment = _assignment(plan, role_key)
    before_members = [m.person_id for m in assignment.members] if assignment.members else []
    before_organisation = assignment.organisation_id if assignment.id else None
    assignment.organisation_id = change.organisation_id
    for member in list(assignment.members):
        if member.person_id not in people:
            session().delete(member)
    session().flush()
    session().expire(assignment, ["members"])
    for person_id in people:
        if person_id not in before_members:
            session().add(RoleAssignmentMember(assignment=assignment, plan_id=assignment.plan_id, person_id=person_id))
    leaving = set(before_members) - set(people)
    joining = [p for p in people if p not in before_members]
    record(
        plan,
        "role_remapped",
        actor,
        data={
            "role": role_key,
            "from_organisation_id": before_organisation,
            "to_organisation_id": change.organisation_id,
            "from_people": before_members,
            "to_people": people,
        },
    )
    handed = _hand_over(plan, role_key, leaving, change.open_tasks_to or people[0], actor)
    plan_changed(plan)
    signals.role_remapped.send(
        sender(), plan=plan, role_key=role_key, joining=joining, handed_task_ids=handed, actor=actor
    )
    return assignment


def _checked_people(plan: Plan, role_key: str, change: RoleChange) -> list[int]:
    offered = {organisation.id: organisation for organisation in partner_organisations(plan.territory_id)}
    organisation = offered.get(change.organisation_id)
    problems: dict[str, list[str]] = {}
    if organisation is None:
        problems[role_field(role_key, "organisation")] = [UNKNOWN_ORGANISATION]
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    members = {person.id for person in organisation.people if person.is_active}
    people = list(dict.fromkeys(change.person_ids))
    if not people or len(people) > MAX_ROLE_MEMBERS or not set(people) <= members:
        problems[role_field(role_key, "people")] = [CHOOSE_PEOPLE_OF_THE_ORGANISATION]
    elif change.open_tasks_to is not None and change.open_tasks_to not in people:
        problems["open_tasks_to"] = [NOT_AMONG_THE_NEW_MEMBERS]
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    return people


def _assignment(plan: Plan, role_key: str) -> RoleAssignment:
    query = sa.select(RoleAssignment).where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key == role_key)
    assignment = session().scalar(query)
    if assignment is None:
        assignment = RoleAssignment(plan_id=plan.id, role_key=role_key)
        session().add(assignment)
    return assignment


def _hand_over(plan: Plan, role_key: str, leaving: set[int], taker: int, actor: Person) -> list[int]:
    """Give the leavers' open tasks of the role to ``taker``; the ids of the tasks handed over."""
    if not leaving:
        return []
    query = sa.select(Task).where(
        Task.plan_id == plan.id,
        Task.owner_role == role_key,
        Task.status.in_(OPEN_TASK_STATUSES),
        Task.assignee_id.in_(sorted(leaving)),
    )
    handed = []
    for task in session().scalars(query.order_by(Task.id)):
        previous = task.assignee_id
        task.assignee_id, task.updated_dt = taker, now()
        record(plan, "task_reassigned", actor, str(previous), str(taker), task=task)
        handed.append(task.id)
    return handed


@dataclass(frozen=True, slots=True)
class RoleLine:
    """A definition role as the plan maps it now (``organisation_id`` ``None`` when it is not mapped)."""

    key: str
    title: Text
    is_committee: bool
    organisation_id: int | None
    member_ids: tuple[int, ...]
    member_names: tuple[str, ...]


def role_lines(plan: Plan, definition: WorkflowDefinition) -> list[RoleLine]:
    """Every role of the plan's definition with its organisation and people (two queries)."""
    assignments = {
        a.role_key: a
        for a in session().scalars(
            sa.select(RoleAssignment)
            .where(RoleAssignment.plan_id == plan.id)
            .options(selectinload(RoleAssignment.members).joinedload(RoleAssignmentMember.person))
        )
    }
    lines = []
    for role in definition.roles:
        assignment = assignments.get(role.key)
        members = sorted(assignment.members, key=lambda m: m.person_id) if assignment else []
        lines.append(
            RoleLine(
                role.key,
                role.title,
                role.is_committee,
                assignment.organisation_id if assignment else None,
                tuple(m.person_id for m in members),
                tuple(m.person.name for m in members),
            )
        )
    return lines
