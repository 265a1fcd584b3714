"""Merging duplicates of the directory: an organisation or a person entered twice, by administrators.

Merging *source* into *target* moves every reference to the source onto the target, then deletes the
source, in one transaction. Every column that refers to an organisation or a person is listed here
(``ORGANISATION_REFERENCES``, ``PERSON_REFERENCES``; a test holds the lists to the tables' foreign keys, so a
column added later cannot be forgotten). Both rows are locked first (``SELECT ... FOR UPDATE`` on
PostgreSQL): a second merge of the same records waits, then finds the source gone and is told so, and a
change that would point at the source meanwhile waits too, then fails rather than being lost.

Each plan whose rows change gets one journal event (``organisation_merged`` or ``person_merged``) naming
both records, so its journal still says who was who.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from ...errors import NotFound, PermissionDenied, StaleObject, ValidationError
from ...models import (
    ApiToken,
    Comment,
    CommitteeDecision,
    DelayRequest,
    Event,
    EvidenceFile,
    InboxEntry,
    Indicator,
    Measurement,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    Person,
    Plan,
    RoleAssignment,
    RoleAssignmentMember,
    Task,
    UsedLink,
)
from ...refusals import Refusal
from ..access import is_active_admin
from ..context import now, session
from ..journal import record
from ..loading import hold_write_lock

#: Every column referring to an organisation: all of them move to the target of a merge.
ORGANISATION_REFERENCES: tuple[InstrumentedAttribute[Any], ...] = (
    RoleAssignment.organisation_id,
    Person.organisation_id,
)

#: Every column referring to a person: all of them move to the target of a merge.
PERSON_REFERENCES: tuple[InstrumentedAttribute[Any], ...] = (
    RoleAssignmentMember.person_id,
    Task.assignee_id,
    Plan.lead_id,
    CommitteeDecision.decided_by_id,
    Measurement.recorded_by_id,
    Event.actor_id,
    EvidenceFile.uploaded_by_id,
    DelayRequest.requester_id,
    DelayRequest.answered_by_id,
    ApiToken.person_id,
    UsedLink.person_id,
    OutboxMessage.recipient_id,
    InboxEntry.person_id,
    Comment.author_id,
)

#: Ids are 32-bit database integers: a larger number names nothing (and would not reach the database).
_MAX_ID = 2**31 - 1

#: Bulk changes leave the session's objects as they were: they are expired once the merge is done.
_BULK = {"synchronize_session": False}


def _fingerprint(merge: OrganisationMerge | PersonMerge) -> str:
    """A digest of everything a preview counted: another value at confirmation means the records changed."""
    counted = {field.name: getattr(merge, field.name) for field in fields(merge) if field.name != "target"}
    text = f"{counted!r}|{merge.target.id}:{merge.target.name}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_seen(merge: OrganisationMerge | PersonMerge, seen: str | None) -> None:
    """``StaleObject`` when the confirmation names a preview other than what the merge would now move."""
    if seen is not None and seen != merge.fingerprint:
        raise StaleObject(Refusal.MERGE_CHANGED_SINCE_PREVIEW)


@dataclass(frozen=True, slots=True)
class OrganisationMerge:
    """What merging one organisation into another moves (the preview), or moved (the result)."""

    source_id: int
    source_name: str
    target: Organisation
    #: Plans one of whose roles the source plays.
    plans: int
    #: Role mappings of plans to the source.
    mappings: int
    #: People of the source.
    people: int
    #: The source's referent, who stops being one because the target has its own.
    dropped_referent: str | None

    @property
    def fingerprint(self) -> str:
        """What the preview showed, for its confirmation to carry back (``seen``)."""
        return _fingerprint(self)


@dataclass(frozen=True, slots=True)
class PersonMerge:
    """What merging one person into another moves (the preview), or moved (the result)."""

    source_id: int
    source_name: str
    source_email: str
    target: Person
    #: Plans whose rows name the source (leads, roles, tasks, decisions, measurements, journal, emails).
    plans: int
    #: Plan roles the source plays; ``duplicate_memberships`` of them the target plays already.
    memberships: int
    duplicate_memberships: int
    #: Tasks assigned to the source.
    tasks: int
    #: Plans the source leads.
    plans_led: int
    #: Gate decisions and indicator values the source recorded.
    decisions: int
    measurements: int
    #: Journal events the source made.
    events: int
    #: The source's API tokens.
    tokens: int
    #: Emails to the source not sent yet: they go to the target's address.
    pending_messages: int
    #: Whether the source was its organisation's referent and the target, of the same one, takes over.
    referent_passes: bool

    @property
    def fingerprint(self) -> str:
        """What the preview showed, for its confirmation to carry back (``seen``)."""
        return _fingerprint(self)


# --- Organisations ---------------------------------------------------------------------------------------------


def organisation_merge_preview(actor: Person, source_id: int, target_id: int) -> OrganisationMerge:
    """What merging organisation ``source_id`` into ``target_id`` would move (administrators)."""
    source, target = _organisations(actor, source_id, target_id, lock=False)
    return _organisation_counts(source, target)


def merge_organisations(actor: Person, source_id: int, target_id: int, seen: str | None = None) -> OrganisationMerge:
    """Move every role mapping and person of organisation ``source_id`` to ``target_id``, then delete the
    source (administrators). When both have a referent, the target's stays and the source's loses the flag.
    ``seen``: the ``fingerprint`` of the preview confirmed, refused when the records changed since."""
    source, target = _organisations(actor, source_id, target_id, lock=True)
    merged = _organisation_counts(source, target)
    _check_seen(merged, seen)
    plans = _plans(sa.select(RoleAssignment.plan_id).where(RoleAssignment.organisation_id == source.id))
    if merged.dropped_referent is not None:
        _execute(sa.update(Person).where(Person.organisation_id == source.id).values(is_referent=False))
    for column in ORGANISATION_REFERENCES:
        _execute(sa.update(column.class_).where(column == source.id).values({column.key: target.id}))
    data = {"from_id": source.id, "from_name": source.name, "into_id": target.id, "into_name": target.name}
    for plan in plans:
        record(plan, "organisation_merged", actor, str(source.id), str(target.id), data=data)
    _delete(source)
    return merged


def _organisations(actor: Person, source_id: int, target_id: int, *, lock: bool) -> tuple[Organisation, Organisation]:
    _require_admin(actor)
    if source_id == target_id:
        raise ValidationError(Refusal.MERGE_INTO_ITSELF)
    found = {row.id: row for row in _rows(Organisation, source_id, target_id, lock)}
    if source_id not in found or target_id not in found:
        raise NotFound(Refusal.NO_SUCH_ORGANISATION)
    return found[source_id], found[target_id]


def _organisation_counts(source: Organisation, target: Organisation) -> OrganisationMerge:
    mapped = sa.select(sa.func.count(), sa.func.count(sa.distinct(RoleAssignment.plan_id))).where(
        RoleAssignment.organisation_id == source.id
    )
    mappings, plans = session().execute(mapped).one()
    people = session().scalar(sa.select(sa.func.count()).where(Person.organisation_id == source.id)) or 0
    query = sa.select(Person.organisation_id, Person.name).where(
        Person.organisation_id.in_([source.id, target.id]), Person.is_referent.is_(True)
    )
    referents = {organisation_id: name for organisation_id, name in session().execute(query)}
    dropped = referents.get(source.id) if target.id in referents else None
    return OrganisationMerge(source.id, source.name, target, plans, mappings, people, dropped)


# --- People ----------------------------------------------------------------------------------------------------


def person_merge_preview(actor: Person, source_id: int, target_id: int) -> PersonMerge:
    """What merging person ``source_id`` into ``target_id`` would move (administrators)."""
    source, target = _people(actor, source_id, target_id, lock=False)
    return _person_counts(source, target)


def merge_people(actor: Person, source_id: int, target_id: int, seen: str | None = None) -> PersonMerge:
    """Move every reference to person ``source_id`` (plan roles, tasks, plans led, decisions, indicator values,
    journal, API tokens, emails) to ``target_id``, then delete the source (administrators; not their own
    account). The target keeps its own address, role and settings. ``seen``: as for ``merge_organisations``."""
    source, target = _people(actor, source_id, target_id, lock=True)
    merged = _person_counts(source, target)
    _check_seen(merged, seen)
    plans = _plans(_plans_naming(source.id))
    _move_person_rows(source, target)
    if source.is_referent:
        _execute(sa.update(Person).where(Person.id == source.id).values(is_referent=False))
        if merged.referent_passes:
            _execute(sa.update(Person).where(Person.id == target.id).values(is_referent=True))
    data = {"from_id": source.id, "from_name": source.name, "into_id": target.id, "into_name": target.name}
    for plan in plans:
        record(plan, "person_merged", actor, str(source.id), str(target.id), data=data)
    _delete(source)
    return merged


def _people(actor: Person, source_id: int, target_id: int, *, lock: bool) -> tuple[Person, Person]:
    _require_admin(actor)
    if source_id == target_id:
        raise ValidationError(Refusal.MERGE_INTO_ITSELF)
    if source_id == actor.id:
        raise PermissionDenied(Refusal.MERGE_OWN_ACCOUNT)
    found = {row.id: row for row in _rows(Person, source_id, target_id, lock)}
    if source_id not in found or target_id not in found:
        raise NotFound(Refusal.NO_SUCH_PERSON)
    return found[source_id], found[target_id]


def _move_person_rows(source: Person, target: Person) -> None:
    """Every row naming ``source`` names ``target`` instead; tasks and plans changed count as changed."""
    both = sa.select(RoleAssignmentMember.assignment_id).where(RoleAssignmentMember.person_id == target.id)
    _execute(
        sa.delete(RoleAssignmentMember).where(
            RoleAssignmentMember.person_id == source.id, RoleAssignmentMember.assignment_id.in_(both)
        )
    )
    changed = {"version": Task.version + 1, "updated_dt": now()}
    _execute(sa.update(Task).where(Task.assignee_id == source.id).values(assignee_id=target.id, **changed))
    changed = {"version": Plan.version + 1, "updated_dt": now()}
    _execute(sa.update(Plan).where(Plan.lead_id == source.id).values(lead_id=target.id, **changed))
    waiting = OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED])
    pending = sa.and_(OutboxMessage.recipient_id == source.id, waiting)
    _execute(sa.update(OutboxMessage).where(pending).values(recipient_email=target.email))
    for state in (Event.from_state, Event.to_state):  # a reassignment names the people by id
        reassigned = sa.and_(Event.kind == "task_reassigned", state == str(source.id))
        _execute(sa.update(Event).where(reassigned).values({state.key: str(target.id)}))
    for column in PERSON_REFERENCES:
        _execute(sa.update(column.class_).where(column == source.id).values({column.key: target.id}))


def _plans_naming(person_id: int) -> sa.CompoundSelect[Any]:
    """Ids of the plans one of whose rows names the person."""
    return sa.union(
        sa.select(Plan.id).where(Plan.lead_id == person_id),
        sa.select(RoleAssignment.plan_id)
        .join(RoleAssignmentMember, RoleAssignmentMember.assignment_id == RoleAssignment.id)
        .where(RoleAssignmentMember.person_id == person_id),
        sa.select(Task.plan_id).where(Task.assignee_id == person_id),
        sa.select(CommitteeDecision.plan_id).where(CommitteeDecision.decided_by_id == person_id),
        sa.select(Indicator.plan_id)
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(Measurement.recorded_by_id == person_id),
        sa.select(Event.plan_id).where(Event.actor_id == person_id),
        sa.select(Comment.plan_id).where(Comment.author_id == person_id),
        sa.select(OutboxMessage.plan_id).where(
            OutboxMessage.recipient_id == person_id, OutboxMessage.plan_id.is_not(None)
        ),
    )


def _person_counts(source: Person, target: Person) -> PersonMerge:
    def count(*where: Any, of: Any = None) -> int:
        query = sa.select(sa.func.count()).select_from(of) if of is not None else sa.select(sa.func.count())
        return int(session().scalar(query.where(*where)) or 0)

    target_roles = sa.select(RoleAssignmentMember.assignment_id).where(RoleAssignmentMember.person_id == target.id)
    waiting = OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED])
    plans = count(of=_plans_naming(source.id).subquery())
    return PersonMerge(
        source_id=source.id,
        source_name=source.name,
        source_email=source.email,
        target=target,
        plans=plans,
        memberships=count(RoleAssignmentMember.person_id == source.id),
        duplicate_memberships=count(
            RoleAssignmentMember.person_id == source.id, RoleAssignmentMember.assignment_id.in_(target_roles)
        ),
        tasks=count(Task.assignee_id == source.id),
        plans_led=count(Plan.lead_id == source.id),
        decisions=count(CommitteeDecision.decided_by_id == source.id),
        measurements=count(Measurement.recorded_by_id == source.id),
        events=count(Event.actor_id == source.id),
        tokens=count(ApiToken.person_id == source.id),
        pending_messages=count(OutboxMessage.recipient_id == source.id, waiting),
        referent_passes=bool(
            source.is_referent
            and source.organisation_id is not None
            and source.organisation_id == target.organisation_id
            and not target.is_referent
        ),
    )


# --- Shared ----------------------------------------------------------------------------------------------------


def _require_admin(actor: Person) -> None:
    if not is_active_admin(actor):
        raise PermissionDenied(Refusal.ADMINISTRATORS_MERGE)


def _rows(model: type[Organisation] | type[Person], first: int, second: int, lock: bool) -> list[Any]:
    """Both rows, read afresh; locked in id order when ``lock`` (two merges never wait for each other)."""
    ids = [value for value in (first, second) if 1 <= value <= _MAX_ID]
    query = sa.select(model).where(model.id.in_(ids)).order_by(model.id)
    if lock:
        hold_write_lock()
        query = query.with_for_update()
    return list(session().scalars(query.execution_options(populate_existing=True)))


def _plans(ids: sa.Select[Any] | sa.CompoundSelect[Any]) -> list[Plan]:
    """The plans of ``ids`` (read before the references move), by id."""
    wanted = ids.subquery()
    return list(session().scalars(sa.select(Plan).where(Plan.id.in_(sa.select(wanted.c[0]))).order_by(Plan.id)))


def _execute(statement: Any) -> None:
    session().execute(statement, execution_options=_BULK)


def _delete(row: Organisation | Person) -> None:
    """Delete the merged row (nothing names it any more), and forget what the session read before the bulk
    changes."""
    model = type(row)
    session().expunge(row)
    _execute(sa.delete(model).where(model.id == row.id))
    session().expire_all()
