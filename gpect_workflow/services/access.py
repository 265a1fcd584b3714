"""Who may see and do what: one place for the rules of access, every service asks here.

A plan is seen by its lead, the people mapped to its roles (its committee among them) and the active
administrators; its lead and the administrators manage it; its committee and the administrators decide at
its gates. Project leads and administrators start plans and keep the partners directory, administrators
change people's records; a partner sees, in the directory, only the people of the plans they take part in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TypeVarTuple

import sqlalchemy as sa

from ..definitions import WorkflowDefinition
from ..errors import NotFound, PermissionDenied
from ..models import Organisation, Person, PersonRole, Plan, RoleAssignment, RoleAssignmentMember, Task
from ..refusals import Refusal
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


#: The columns a query selects, kept by the functions that only narrow it.
Columns = TypeVarTuple("Columns")


def is_active_admin(person: Person) -> bool:
    """Whether ``person`` is an administrator whose account is active: they see and may do everything."""
    return person.role is PersonRole.ADMIN and person.is_active


def active_administrators() -> sa.Select[int]:
    """Ids of the active administrators: the rule of ``is_active_admin``, as a query."""
    return sa.select(Person.id).where(Person.role == PersonRole.ADMIN, Person.is_active)


def can_start_plans(person: Person) -> bool:
    """Whether ``person`` may start plans (and open the wizard that does): project leads and administrators."""
    return person.role in (PersonRole.ADMIN, PersonRole.LEAD)


def plan_access(person: Person, plan: Plan, definition: WorkflowDefinition) -> PlanAccess:
    """The person's standing in the plan (one query)."""
    values = {"gpect_plan_id": plan.id, "gpect_person_id": person.id}
    return access_with_roles(person, plan, definition, frozenset(session().scalars(_role_keys_statement(), values)))


@cache
def _role_keys_statement() -> sa.Select[str]:
    """``plan_access``' statement, built once per process: every page of a plan, task or gate asks it; the
    plan and person are bound parameters without defaults."""
    return sa.select(RoleAssignmentMember.role_key).where(
        RoleAssignmentMember.person_id == sa.bindparam("gpect_person_id"),
        RoleAssignmentMember.plan_id == sa.bindparam("gpect_plan_id"),
    )


def access_with_roles(
    person: Person, plan: Plan, definition: WorkflowDefinition, role_keys: frozenset[str]
) -> PlanAccess:
    """The person's standing in the plan, given the keys of the roles they hold in it (``plan_access`` reads
    them; a statement that reads the plan anyway may read them with it: ``role_keys_in``)."""
    return PlanAccess(
        is_admin=is_active_admin(person),
        is_lead=plan.lead_id == person.id,
        role_keys=role_keys,
        is_committee=bool(role_keys & set(definition.committee_roles)),
    )


#: What separates role keys in ``role_keys_in``'s string (a key holds letters, digits, '-' and '_' only).
ROLE_KEY_SEPARATOR = " "


def role_keys_in(
    person_id: int | sa.BindParameter[int], plan_id: sa.ColumnExpressionArgument[int]
) -> sa.ScalarSelect[str | None]:
    """The keys of the roles ``person_id`` (or a bound parameter) holds in the plan ``plan_id`` (a column of the
    enclosing statement),
    as one string (``ROLE_KEY_SEPARATOR`` between keys; ``NULL`` for none), to read with the plan."""
    return (
        sa.select(sa.func.aggregate_strings(RoleAssignmentMember.role_key, ROLE_KEY_SEPARATOR))
        .where(RoleAssignmentMember.person_id == person_id, RoleAssignmentMember.plan_id == plan_id)
        .scalar_subquery()
    )


def split_role_keys(joined: str | None) -> frozenset[str]:
    """The keys ``role_keys_in`` read."""
    return frozenset(joined.split(ROLE_KEY_SEPARATOR)) if joined else frozenset()


def visible_plans(person: Person) -> sa.Select[int] | sa.CompoundSelect[int]:
    """Ids of the plans ``person`` may see: all for administrators; led, or taken part in, otherwise.

    A union of the two indexed lookups, not ``lead_id = ? OR id IN (...)``: with the ``OR``, PostgreSQL
    scans every plan and hashes every role assignment on each use (15-20 ms at 10,000 plans). The plans
    taken part in are read from the members' own ``plan_id`` (one index), not joined through the role
    assignments, which PostgreSQL hashed whole on each use (8 ms at 10,000 plans).
    """
    return plans_visible_to(person.id, admin=is_active_admin(person))


def plans_visible_to(person_id: int | sa.BindParameter[int], *, admin: bool) -> sa.Select[int] | sa.CompoundSelect[int]:
    """``visible_plans`` of the person ``person_id`` (perhaps a bound parameter, in a statement built once),
    an active administrator when ``admin``."""
    if admin:
        return sa.select(Plan.id)
    member_of = sa.select(RoleAssignmentMember.plan_id).where(RoleAssignmentMember.person_id == person_id)
    return sa.union(sa.select(Plan.id).where(Plan.lead_id == person_id), member_of)


def plan_row_visible_to(person_id: int | sa.BindParameter[int], *, admin: bool) -> sa.ColumnElement[bool]:
    """Whether the ``Plan`` row of a statement is one of ``plans_visible_to``'s: the same plans, checked on the
    row. For a statement that reads each row's plan anyway (a task's zone, status and name), checking the row
    costs less than matching it against the set of visible plans, which PostgreSQL builds first (the union of a
    lead's 2,400 plans led and 2,400 taken part in, hashed on every execution). Statements that start from the
    visible plans (the plans list, the dashboard's plans) keep ``plans_visible_to``."""
    if admin:
        return sa.true()
    member_of = (
        sa.select(RoleAssignmentMember.plan_id)
        .where(RoleAssignmentMember.person_id == person_id, RoleAssignmentMember.plan_id == Plan.id)
        .exists()
    )
    return sa.or_(Plan.lead_id == person_id, member_of)


def visible_people(query: sa.Select[*Columns], actor: Person) -> sa.Select[*Columns]:
    """``query`` on ``Person`` narrowed to the people ``actor`` may see in the directory: everyone for leads,
    committees and administrators; for a partner, themselves and the people and leads of their plans."""
    if actor.role is not PersonRole.PARTNER:
        return query
    shared = sa.select(RoleAssignmentMember.person_id).where(RoleAssignmentMember.plan_id.in_(visible_plans(actor)))
    leads = sa.select(Plan.lead_id).where(Plan.id.in_(visible_plans(actor)))
    return query.where(sa.or_(Person.id == actor.id, Person.id.in_(shared), Person.id.in_(leads)))


def visible_organisations(query: sa.Select[*Columns], actor: Person) -> sa.Select[*Columns]:
    """``query`` on ``Organisation`` narrowed to the organisations ``actor`` may find by search: every one for
    those who see the whole directory's people (leads, committees, administrators); for a partner, their own
    organisation and those mapped to a role of the plans they see, as ``visible_people`` keeps them to the
    people of their plans."""
    if actor.role is not PersonRole.PARTNER:
        return query
    mapped = sa.select(RoleAssignment.organisation_id).where(RoleAssignment.plan_id.in_(visible_plans(actor)))
    own = Organisation.id == actor.organisation_id if actor.organisation_id is not None else sa.false()
    return query.where(sa.or_(own, Organisation.id.in_(mapped)))


def can_manage_directory(actor: Person) -> bool:
    """Whether ``actor`` may add and change organisations and add people (leads and administrators)."""
    return actor.role in (PersonRole.ADMIN, PersonRole.LEAD)


def can_edit_people(actor: Person) -> bool:
    """Whether ``actor`` may change other people's records (administrators only)."""
    return actor.role is PersonRole.ADMIN


def can_create_role(actor: Person, role: PersonRole) -> bool:
    """Whether ``actor`` may give a new person ``role``: only administrators create administrators."""
    return can_manage_directory(actor) and (role is not PersonRole.ADMIN or actor.role is PersonRole.ADMIN)


def require_directory_manager(actor: Person) -> None:
    """``PermissionDenied`` unless ``actor`` may keep the partners directory."""
    if not can_manage_directory(actor):
        raise PermissionDenied(Refusal.DIRECTORY_MANAGERS_ONLY)


def is_worker(person: Person, task: Task, access: PlanAccess) -> bool:
    """The assignee, or a member of the role that owns the task."""
    return task.assignee_id == person.id or task.owner_role in access.role_keys


def require(allowed: bool, refusal: Refusal) -> None:
    """Raise ``PermissionDenied`` with ``refusal`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(refusal)


def require_view(access: PlanAccess) -> None:
    """Someone who may not see a plan is told it does not exist (nothing leaks)."""
    if not access.can_view:
        raise NotFound(Refusal.NO_SUCH_PLAN)
