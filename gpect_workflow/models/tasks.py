"""Tasks of a plan and the dependencies between them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column
from .enums import OPEN_TASK_STATUSES, StageStatus, TaskStatus
from .partners import Person
from .plans import Plan, PlanStage

_OPEN = "status IN ({})".format(", ".join(f"'{status.value}'" for status in OPEN_TASK_STATUSES))


class Task(Base):
    """Work owned by a plan role and assigned to a person, due on a date in the plan's time zone."""

    __tablename__ = "gpect_tasks"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "task_key"),
        sa.CheckConstraint("weight >= 1", name="weight_positive"),
        # The reminder tick and "overdue" lists scan open tasks by due date.
        sa.Index(
            "ix_gpect_tasks_open_due_date", "due_date", sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN)
        ),
        # "My tasks" pages look tasks up by assignee and status: the open ones in open stages (the dashboard's
        # only those due by a date), the finished ones since a date. On PostgreSQL the indexes carry what the
        # pages read of each task before choosing their page, so no table row is visited (migration 0029).
        sa.Index(
            "ix_gpect_tasks_assignee_status_completed",
            "assignee_id",
            "status",
            "completed_dt",
            postgresql_include=["plan_id", "id", "due_date"],
        ),
        sa.Index(
            "ix_gpect_tasks_assignee_stage_status_due",
            "assignee_id",
            "stage_status",
            "status",
            "due_date",
            postgresql_include=["plan_id", "id"],
        ),
        # The unassigned ones are every member's of their owner role: looked up by plan and role from the
        # person's memberships (migration 0028).
        sa.Index(
            "ix_gpect_tasks_unassigned_plan_role",
            "plan_id",
            "owner_role",
            "status",
            sqlite_where=sa.text("assignee_id IS NULL"),
            postgresql_where=sa.text("assignee_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Plan the task belongs to.
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"))
    #: Stage the task belongs to.
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plan_stages.id", ondelete="CASCADE"), index=True)
    #: Task key from the definition; ``oneoff-<n>`` for a one-off task.
    task_key: Mapped[str] = mapped_column(sa.String(64))
    #: Whether the lead added the task to the running plan (it is not in the definition).
    is_one_off: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: A one-off task's French title (the definition gives the others').
    title_fr: Mapped[str | None] = mapped_column(sa.String(200))
    #: A one-off task's English title.
    title_en: Mapped[str | None] = mapped_column(sa.String(200))
    #: A one-off task's description.
    description: Mapped[str | None] = mapped_column(sa.Text)
    #: Role that owns the task.
    owner_role: Mapped[str] = mapped_column(sa.String(64))
    #: Person who does it; ``None`` until someone of the owning role is chosen.
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_people.id"))
    #: Deadline, a calendar day in the plan's time zone.
    due_date: Mapped[date]
    #: Life-cycle status.
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus, "task_status"))
    #: The status of the task's stage, copied by the database (migration 0022's triggers) whenever the stage's
    #: status changes and when the task is added, so that "my open tasks of open stages" is read from one index
    #: instead of looking up the stage of each of a lead's thousands of tasks. The app never writes it, and a
    #: task loaded before its stage changed holds the former value: compare it in queries, read the stage's
    #: status in Python.
    stage_status: Mapped[StageStatus] = mapped_column(
        enum_column(StageStatus, "stage_status", checked=False),
        server_default=StageStatus.PENDING.value,
        deferred=True,
    )
    #: Weight in progress percentages.
    weight: Mapped[int] = mapped_column(default=1)
    #: Whether the stage may close before it is done or skipped.
    is_required: Mapped[bool] = mapped_column(default=True)
    #: Why it is blocked, skipped or reopened.
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: When work started (UTC).
    started_dt: Mapped[datetime | None]
    #: When it was done or skipped (UTC).
    completed_dt: Mapped[datetime | None]
    #: Optimistic-locking counter.
    version: Mapped[int] = mapped_column(default=1)
    #: When the task last changed (UTC).
    updated_dt: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship()
    stage: Mapped[PlanStage] = relationship(back_populates="tasks")
    assignee: Mapped[Person | None] = relationship()


class TaskDependency(Base):
    """``task`` cannot start before ``depends_on`` is done (unless the lead overrides it)."""

    __tablename__ = "gpect_task_dependencies"
    __table_args__ = (sa.CheckConstraint("task_id <> depends_on_id", name="not_self"),)

    #: The dependent task.
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_tasks.id", ondelete="CASCADE"), primary_key=True)
    #: The task it waits for.
    depends_on_id: Mapped[int] = mapped_column(
        sa.ForeignKey("gpect_tasks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
