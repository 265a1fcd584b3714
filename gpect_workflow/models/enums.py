"""The closed sets of values stored in the database, named once for models, services and UI."""

from __future__ import annotations

from enum import StrEnum

from ..engine.states import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    Decision,
    PlanStatus,
    StageStatus,
    TaskStatus,
)

__all__ = [
    "FINISHED_TASK_STATUSES",
    "OPEN_TASK_STATUSES",
    "Decision",
    "Language",
    "OrganisationKind",
    "OrganisationScope",
    "OutboxStatus",
    "PersonRole",
    "PlanStatus",
    "ReminderMode",
    "StageStatus",
    "TaskStatus",
]


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


class OrganisationScope(StrEnum):
    """How far an organisation reaches: one territory, a whole region, or the whole country."""

    TERRITORY = "territory"
    REGION = "region"
    NATIONAL = "national"


class OutboxStatus(StrEnum):
    """Where an outgoing message is; ``captured`` is kept locally when no SMTP server is set."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CAPTURED = "captured"
