"""The closed sets of values stored in the database, named once for models, services and UI."""

from __future__ import annotations

from enum import StrEnum


class PersonRole(StrEnum):
    """What a person may do across the application (plan roles come from definitions)."""

    ADMIN = "admin"
    LEAD = "lead"
    PARTNER = "partner"
    COMMITTEE = "committee"


class ReminderMode(StrEnum):
    """How a person wants to hear about their deadlines."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    NONE = "none"


class Language(StrEnum):
    """The languages the UI and emails speak."""

    FR = "fr"
    EN = "en"


class OrganisationKind(StrEnum):
    """The kinds of partner found in a territorial jobs-and-skills approach."""

    LOCAL_AUTHORITY = "local_authority"
    EMPLOYMENT_HOUSE = "employment_house"
    EMPLOYMENT_SERVICE = "employment_service"
    REGION = "region"
    STATE_SERVICE = "state_service"
    CHAMBER = "chamber"
    EMPLOYERS_GROUP = "employers_group"
    CLUSTER = "cluster"
    TRAINING_BODY = "training_body"
    COMPANY = "company"
    YOUTH_SERVICE = "youth_service"
    OTHER = "other"


class PlanStatus(StrEnum):
    """Where an action plan is in its life."""

    DRAFT = "draft"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StageStatus(StrEnum):
    """Where a stage of a plan is: not yet opened, open, waiting at its gate, or closed."""

    PENDING = "pending"
    OPEN = "open"
    AWAITING_DECISION = "awaiting_decision"
    CLOSED = "closed"


class TaskStatus(StrEnum):
    """A task's state; ``done`` and ``skipped`` let a stage close."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    SKIPPED = "skipped"


#: Statuses of tasks that still need work: what reminders and "overdue" look at.
OPEN_TASK_STATUSES: tuple[TaskStatus, ...] = (TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)


class Decision(StrEnum):
    """A steering committee's decision at a stage gate."""

    APPROVE = "approve"
    REWORK = "rework"
    HOLD = "hold"


class OutboxStatus(StrEnum):
    """Where an outgoing message is; ``captured`` is kept locally when no SMTP server is set."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CAPTURED = "captured"
