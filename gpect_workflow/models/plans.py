"""Action plans, the mapping of their roles to partners, and their stages."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..definitions.model import Gate, Lever
from .base import Base, enum_column
from .enums import Decision, PlanStatus, StageStatus
from .partners import Organisation, Person, Territory

if TYPE_CHECKING:
    from .tasks import Task

#: The stages where work goes on: open, or waiting for the committee's decision at their gate.
_WORKING = f"status IN ('{StageStatus.OPEN.value}', '{StageStatus.AWAITING_DECISION.value}')"


class Plan(Base):
    """An instance of a definition version on a territory, led by one person."""

    __tablename__ = "gpect_plans"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["definition_key", "definition_version"],
            ["gpect_definitions.key", "gpect_definitions.version"],
            name="fk_gpect_plans_definition_gpect_definitions",
        ),
        sa.Index("ix_gpect_plans_definition", "definition_key", "definition_version"),
        # The plans list and the dashboard show plans newest first, a page at a time.
        sa.Index("ix_gpect_plans_created", "created_dt", "id"),
        # The committee page shows plans by name, a page at a time (an administrator's: every plan).
        sa.Index("ix_gpect_plans_name", "name", "id"),
        # Plans by status (the plans list's filter), each status newest first (an administrator's dashboard).
        sa.Index("ix_gpect_plans_status_created", "status", "created_dt", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Name given by the lead, e.g. « Agents de fabrication cosmétique 2027 ».
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Key of the definition the plan runs.
    definition_key: Mapped[str] = mapped_column(sa.String(64))
    #: Version of that definition, kept for the plan's whole life.
    definition_version: Mapped[int]
    #: Territory the plan runs on.
    territory_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_territories.id"), index=True)
    #: Project lead.
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_people.id"), index=True)
    #: IANA time zone in which deadlines fall (indexed: the lists that take "today" in each plan's zone read
    #: the distinct zones through it).
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Paris", index=True)
    #: First day of the plan, in its time zone.
    start_date: Mapped[date]
    #: Life-cycle status.
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus, "plan_status"))
    #: Key of the open stage (``None`` before start and after completion).
    current_stage_key: Mapped[str | None] = mapped_column(sa.String(64))
    #: When the plan was put on hold, to shift deadlines on resume.
    on_hold_since_dt: Mapped[datetime | None]
    #: Optimistic-locking counter: a stale update fails instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)
    #: When the plan was created (UTC).
    created_dt: Mapped[datetime]
    #: When the plan last changed (UTC).
    updated_dt: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}

    territory: Mapped[Territory] = relationship()
    lead: Mapped[Person] = relationship()
    stages: Mapped[list[PlanStage]] = relationship(back_populates="plan", order_by="PlanStage.position")
    role_assignments: Mapped[list[RoleAssignment]] = relationship(back_populates="plan")


class RoleAssignment(Base):
    """A definition role mapped, for one plan, to an organisation."""

    __tablename__ = "gpect_role_assignments"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "role_key"),
        # What a member's foreign key points to: the assignment and its plan, so a member's plan is its role's.
        sa.UniqueConstraint("id", "plan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Plan the mapping belongs to.
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"))
    #: Role key from the definition.
    role_key: Mapped[str] = mapped_column(sa.String(64))
    #: Organisation that plays the role.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_organisations.id"), index=True)

    plan: Mapped[Plan] = relationship(back_populates="role_assignments")
    organisation: Mapped[Organisation] = relationship()
    members: Mapped[list[RoleAssignmentMember]] = relationship(back_populates="assignment")


class RoleAssignmentMember(Base):
    """A person acting in a plan role; one or more per role."""

    __tablename__ = "gpect_role_assignment_members"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["assignment_id", "plan_id"],
            ["gpect_role_assignments.id", "gpect_role_assignments.plan_id"],
            ondelete="CASCADE",
        ),
        # "The plans I take part in" (every list's visibility, ``access.visible_plans``), "the plans whose
        # committee I sit on" and "do I hold the task's role" read from this index alone, without joining the
        # 70,000 role assignments of 10,000 plans.
        sa.Index("ix_gpect_role_assignment_members_person_plan_role", "person_id", "plan_id", "role_key"),
    )

    #: The role mapping.
    assignment_id: Mapped[int] = mapped_column(primary_key=True)
    #: The person.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_people.id"), primary_key=True)
    #: The plan of the role mapping, kept beside it (the foreign key makes it the assignment's plan); set from
    #: ``assignment`` when a member is added.
    plan_id: Mapped[int]
    #: The key of the member's role, copied by the database (migration 0023's triggers) whoever writes the
    #: member or renames the role, so that the index above answers committee and task-role questions alone.
    #: The app never writes it; queries compare it, Python reads ``assignment.role_key``.
    role_key: Mapped[str] = mapped_column(sa.String(64), server_default="", deferred=True)

    assignment: Mapped[RoleAssignment] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()


class PlanStage(Base):
    """One stage (lever) of a plan: its planned window, its state and how it was left."""

    __tablename__ = "gpect_plan_stages"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "stage_key"),
        sa.UniqueConstraint("plan_id", "position"),
        # The scheduler pass, the committee pages and the dashboard look up the open stages and the gates
        # awaiting a decision among every stage ever run.
        sa.Index("ix_gpect_plan_stages_status_plan", "status", "plan_id"),
        # Open tasks are joined to their working stage (reminders, digests, lateness): this small index
        # answers the join alone, without reading the stages' rows.
        sa.Index(
            "ix_gpect_plan_stages_working",
            "status",
            "id",
            "stage_key",
            sqlite_where=sa.text(_WORKING),
            postgresql_where=sa.text(_WORKING),
        ),
        # Committee health: the working stages past their planned end.
        sa.Index(
            "ix_gpect_plan_stages_working_end",
            "planned_end_date",
            sqlite_where=sa.text(_WORKING),
            postgresql_where=sa.text(_WORKING),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Plan the stage belongs to.
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"))
    #: Stage key from the definition.
    stage_key: Mapped[str] = mapped_column(sa.String(64))
    #: Order in the plan, from 0.
    position: Mapped[int]
    #: Lever the stage works.
    lever: Mapped[Lever] = mapped_column(enum_column(Lever, "lever"))
    #: How the stage is left.
    gate: Mapped[Gate] = mapped_column(enum_column(Gate, "gate"))
    #: Life-cycle status.
    status: Mapped[StageStatus] = mapped_column(enum_column(StageStatus, "stage_status"))
    #: Planned first day, in the plan's time zone.
    planned_start_date: Mapped[date]
    #: Planned last day, in the plan's time zone.
    planned_end_date: Mapped[date]
    #: When the stage actually opened (UTC).
    opened_dt: Mapped[datetime | None]
    #: When it closed (UTC).
    closed_dt: Mapped[datetime | None]
    #: The committee's last decision at the gate, if any.
    decision: Mapped[Decision | None] = mapped_column(enum_column(Decision, "stage_decision"))

    plan: Mapped[Plan] = relationship(back_populates="stages")
    tasks: Mapped[list[Task]] = relationship(back_populates="stage", order_by="(Task.due_date, Task.id)")
