"""SQLAlchemy models of GPECT Workflow; importing this package registers every table on ``Base``."""

from .announcements import Announcement
from .base import Base, UTCDateTime
from .comments import Comment
from .committee import CommitteeDecision
from .definitions import DefinitionRecord
from .delays import DelayRequest, DelayStatus
from .enums import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    Decision,
    Language,
    OrganisationKind,
    OrganisationScope,
    OutboxStatus,
    PersonRole,
    PlanStatus,
    ReminderMode,
    StageStatus,
    TaskStatus,
)
from .events import Event
from .evidence import EvidenceFile
from .inbox import InboxEntry
from .indicators import Indicator, Measurement
from .outbox import OutboxMessage, SchedulerRun, UsedLink
from .partners import Organisation, Person, Territory
from .plans import Plan, PlanStage, RoleAssignment, RoleAssignmentMember
from .tasks import Task, TaskDependency
from .tokens import ApiToken

__all__ = [
    "FINISHED_TASK_STATUSES",
    "OPEN_TASK_STATUSES",
    "Announcement",
    "ApiToken",
    "Base",
    "Comment",
    "CommitteeDecision",
    "Decision",
    "DefinitionRecord",
    "DelayRequest",
    "DelayStatus",
    "Event",
    "EvidenceFile",
    "InboxEntry",
    "Indicator",
    "Language",
    "Measurement",
    "Organisation",
    "OrganisationKind",
    "OrganisationScope",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PersonRole",
    "Plan",
    "PlanStage",
    "PlanStatus",
    "ReminderMode",
    "RoleAssignment",
    "RoleAssignmentMember",
    "SchedulerRun",
    "StageStatus",
    "Task",
    "TaskDependency",
    "TaskStatus",
    "Territory",
    "UTCDateTime",
    "UsedLink",
]
