"""Frozen objects a workflow definition is turned into once it has been validated.

They are plain data: the engine and the services read them, nothing changes them at run time, and a
plan keeps referring to the version it started on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum


class Lever(StrEnum):
    """The five levers of a territorial GPEC approach; each stage works one of them."""

    OBSERVE = "observe"
    EXPERIMENT = "experiment"
    ADAPT = "adapt"
    ARTICULATE = "articulate"
    LEAD_CHANGE = "lead_change"


class Gate(StrEnum):
    """How a stage is left: by itself when its tasks are done, or by a committee decision."""

    AUTO = "auto"
    COMMITTEE = "committee"


class DueFrom(StrEnum):
    """What a relative due date counts from."""

    PLAN_START = "plan_start"
    STAGE_OPENING = "stage_opening"


class DependentsPolicy(StrEnum):
    """What happens to dependent tasks when a deadline moves later than theirs."""

    SHIFT = "shift"
    KEEP = "keep"


class StagesPolicy(StrEnum):
    """What happens to the later stages when moved deadlines make a stage run past its planned end.

    The stage's own planned end always follows its latest task. ``shift`` moves the later stages (and the
    deadlines of their tasks still to do) by as many days; ``keep`` leaves them where they are, the
    stage then overlapping the next one.
    """

    SHIFT = "shift"
    KEEP = "keep"


class IndicatorDirection(StrEnum):
    """Whether a higher or a lower value is the better one."""

    INCREASE = "increase"
    DECREASE = "decrease"


LANGUAGES: tuple[str, ...] = ("fr", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """A text in the two languages the product speaks."""

    fr: str
    en: str

    def get(self, language: str) -> str:
        """The text in ``language``, French when the language is not one we speak."""
        return self.en if language == "en" else self.fr


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """When partners are reminded of a task; ``None`` fields inherit from the enclosing level."""

    before_days: tuple[int, ...] | None = None
    on_due: bool | None = None
    overdue_every_days: int | None = None
    overdue_max: int | None = None
    escalate_after_days: int | None = None
    send_hour: time | None = None
    working_days_only: bool | None = None

    def merged_over(self, base: ReminderPolicy) -> ReminderPolicy:
        """This policy's values where set, ``base``'s elsewhere (task over stage over plan)."""
        values = {
            name: getattr(self, name) if getattr(self, name) is not None else getattr(base, name)
            for name in self.__slots__
        }
        return ReminderPolicy(**values)


#: The policy every definition starts from before its own ``reminders`` block. ``send_hour`` stays unset
#: so that the application's ``REMINDER_SEND_HOUR`` applies where no definition names an hour.
DEFAULT_REMINDER_POLICY = ReminderPolicy(
    before_days=(7, 1),
    on_due=True,
    overdue_every_days=3,
    overdue_max=3,
    escalate_after_days=7,
    send_hour=None,
    working_days_only=True,
)


@dataclass(frozen=True, slots=True)
class Role:
    """A partner role named by a definition and mapped to an organisation and people by each plan."""

    key: str
    title: Text
    description: Text | None = None
    is_committee: bool = False


@dataclass(frozen=True, slots=True)
class Due:
    """A task's deadline: an absolute date, or an offset in calendar or working days."""

    days: int | None = None
    working_days: int | None = None
    on: date | None = None
    counted_from: DueFrom = DueFrom.STAGE_OPENING


@dataclass(frozen=True, slots=True)
class TaskDef:
    """A task template: who owns it, when it is due, what must be done first."""

    key: str
    title: Text
    owner: str
    due: Due
    description: Text | None = None
    depends_on: tuple[str, ...] = ()
    required: bool = True
    weight: int = 1
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)


@dataclass(frozen=True, slots=True)
class StageDef:
    """One lever worked during a planned number of days, left by its gate."""

    key: str
    lever: Lever
    title: Text
    duration_days: int
    gate: Gate
    tasks: tuple[TaskDef, ...]
    description: Text | None = None
    due_from: DueFrom = DueFrom.STAGE_OPENING
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)


@dataclass(frozen=True, slots=True)
class IndicatorDef:
    """A measured quantity with its unit and target, reviewed by the steering committee."""

    key: str
    title: Text
    unit: str
    direction: IndicatorDirection
    target: float | None = None
    stage: str | None = None


@dataclass(frozen=True, slots=True)
class Calendar:
    """Which days count as working days for this definition's deadlines and reminders."""

    country: str = "FR"
    subdivision: str | None = None


@dataclass(frozen=True, slots=True)
class WorkflowDefinition:
    """A validated workflow definition: a versioned, ordered set of stages run by partner roles."""

    key: str
    version: int
    title: Text
    roles: tuple[Role, ...]
    stages: tuple[StageDef, ...]
    description: Text | None = None
    calendar: Calendar = field(default_factory=Calendar)
    reminders: ReminderPolicy = DEFAULT_REMINDER_POLICY
    dependents_policy: DependentsPolicy = DependentsPolicy.SHIFT
    stages_policy: StagesPolicy = StagesPolicy.SHIFT
    indicators: tuple[IndicatorDef, ...] = ()
    source: str = ""
    content_hash: str = ""

    def role(self, key: str) -> Role:
        """The role named ``key``; ``KeyError`` when the definition has none."""
        for role in self.roles:
            if role.key == key:
                return role
        raise KeyError(key)

    def stage(self, key: str) -> StageDef:
        """The stage named ``key``; ``KeyError`` when the definition has none."""
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(key)

    def tasks(self) -> tuple[TaskDef, ...]:
        """Every task of every stage, in stage order."""
        return tuple(task for stage in self.stages for task in stage.tasks)

    def task_policy(self, stage: StageDef, task: TaskDef) -> ReminderPolicy:
        """The reminder policy that applies to ``task``: task over stage over definition."""
        return task.reminders.merged_over(stage.reminders.merged_over(self.reminders))

    @property
    def committee_roles(self) -> tuple[str, ...]:
        """Keys of the roles whose members sit on the plan's steering committee."""
        return tuple(role.key for role in self.roles if role.is_committee)
