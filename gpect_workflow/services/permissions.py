"""Who may see and change a plan: its lead, the people mapped to its roles, its committee, admins.

One place for these rules; every service asks here.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..definitions import WorkflowDefinition
from ..errors import NotFound, PermissionDenied
from ..models import Person, PersonRole, Plan, RoleAssignment, RoleAssignmentMember, Task
from .context import session


@dataclass(frozen=True, slots=True)
class PlanAccess:
    """What a person is to a plan."""

    is_admin: bool
    is_lead: bool
    role_keys: frozenset[str]
    is_committee: bool

    @property
    def can_view(self) -> bool:
        """Leads, role members, committee members and administrators see the plan."""
        return self.is_admin or self.is_lead or bool(self.role_keys)

    @property
    def can_manage(self) -> bool:
        """The plan lead and administrators manage it (hold, reassign, move deadlines, skip...)."""
        return self.is_admin or self.is_lead

    @property
    def can_decide(self) -> bool:
        """Committee members and administrators decide at gates."""
        return self.is_admin or self.is_committee


def is_active_admin(person: Person) -> bool:
    """Whether ``person`` is an administrator whose account is active: they see and may do everything."""
    return person.role is PersonRole.ADMIN and person.is_active


def active_administrators() -> sa.Select[tuple[int]]:
    """Ids of the active administrators: the rule of ``is_active_admin``, as a query."""
    return sa.select(Person.id).where(Person.role == PersonRole.ADMIN, Person.is_active)


def can_start_plans(person: Person) -> bool:
    """Whether ``person`` may start plans (and open the wizard that does): project leads and administrators."""
    return person.role in (PersonRole.ADMIN, PersonRole.LEAD)


def plan_access(person: Person, plan: Plan, definition: WorkflowDefinition) -> PlanAccess:
    """The person's standing in the plan (one query)."""
    query = (
        sa.select(RoleAssignment.role_key)
        .join(RoleAssignmentMember, RoleAssignmentMember.assignment_id == RoleAssignment.id)
        .where(RoleAssignment.plan_id == plan.id, RoleAssignmentMember.person_id == person.id)
    )
    role_keys = frozenset(session().scalars(query))
    return PlanAccess(
        is_admin=is_active_admin(person),
        is_lead=plan.lead_id == person.id,
        role_keys=role_keys,
        is_committee=bool(role_keys & set(definition.committee_roles)),
    )


def is_worker(person: Person, task: Task, access: PlanAccess) -> bool:
    """The assignee, or a member of the role that owns the task."""
    return task.assignee_id == person.id or task.owner_role in access.role_keys


def require(allowed: bool, message: str) -> None:
    """Raise ``PermissionDenied`` with ``message`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)


def require_view(access: PlanAccess) -> None:
    """Someone who may not see a plan is told it does not exist (nothing leaks)."""
    if not access.can_view:
        raise NotFound("no such plan")
