"""The structural rules of a definition file, as marshmallow schemas.

These schemas are the single statement of which keys exist, which are required and which values they
take. The parser loads files with them and the JSON Schema published for editors is generated from them
(``json_schema``), so the two cannot drift apart.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, fields, validate

from ..validation import NUMBER_LIMIT
from .model import DependentsPolicy, DueFrom, Gate, IndicatorDirection, Lever, StagesPolicy

KEY_PATTERN = r"^[a-z][a-z0-9]*([_-][a-z0-9]+)*$"
HOUR_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
UNITS = ("count", "percent", "euro", "days", "hours", "people")

_key = validate.Regexp(KEY_PATTERN, error="must be lower-case letters, digits, '-' or '_' (got {input!r})")


def _range(low: int, high: int | None = None) -> validate.Range:
    text = f"must be between {low} and {high}" if high is not None else f"must be at least {low}"
    return validate.Range(low, high, error=text + " (got {input})")


def _choice(values: Any) -> validate.OneOf:
    allowed = [str(value) for value in values]
    return validate.OneOf(allowed, error="must be one of: " + ", ".join(allowed) + " (got {input!r})")


class StrictBoolean(fields.Boolean):
    """A YAML boolean only: ``"yes"`` as a string or ``1`` is refused, as the JSON Schema does."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictInteger(fields.Integer):
    """An integer only: ``true`` (a YAML boolean) and ``"3"`` are refused."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return int(super()._deserialize(value, attr, data, **kwargs))


class StrictNumber(fields.Float):
    """A finite number only (integer or decimal), never a string, a boolean, infinity or NaN (YAML's
    ``.inf`` and ``.nan`` are floats)."""

    #: marshmallow merges the classes' messages; this one replaces its "Special numeric values" sentence.
    default_error_messages = {"special": "must be a finite number"}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        number = float(value)
        if not math.isfinite(number):
            raise self.make_error("special")
        return number


class DefinitionSchema(Schema):
    """Base: unknown keys are errors, and required keys say which language or field is missing."""

    #: Groups of keys of which exactly one must be given (checked in ``checks``, exported to JSON Schema).
    exactly_one_of: ClassVar[tuple[tuple[str, ...], ...]] = ()

    class Meta:
        unknown = RAISE
        ordered = True


def _text(language: str) -> fields.String:
    name = {"fr": "French", "en": "English"}[language]
    return fields.String(
        required=True,
        validate=validate.Length(min=1, error=f"the {name} text is empty"),
        error_messages={"required": f"the {name} text is missing"},
        metadata={"description": f"{name} text"},
    )


class TextSchema(DefinitionSchema):
    """A text in French and English, both required."""

    fr = _text("fr")
    en = _text("en")


def _title(description: str, required: bool = True) -> fields.Nested:
    return fields.Nested(
        TextSchema,
        required=required,
        error_messages={"required": "the title (fr and en) is missing"},
        metadata={"description": description},
    )


class ReminderPolicySchema(DefinitionSchema):
    """When reminders go out; every key is optional and inherits from the enclosing level."""

    before_days = fields.List(
        StrictInteger(validate=_range(1, 365)),
        metadata={"description": "Days before the due date on which to remind the assignee"},
    )
    on_due = StrictBoolean(metadata={"description": "Remind on the due date"})
    overdue_every_days = StrictInteger(
        validate=_range(1, 90), metadata={"description": "Repeat an overdue reminder every N days"}
    )
    overdue_max = StrictInteger(validate=_range(0, 50), metadata={"description": "At most this many overdue reminders"})
    escalate_after_days = StrictInteger(
        validate=_range(1, 365),
        metadata={"description": "Days overdue after which the plan lead (and referent) is told"},
    )
    send_hour = fields.String(
        validate=validate.Regexp(HOUR_PATTERN, error="must be HH:MM, 00:00 to 23:59 (got {input!r})"),
        metadata={"description": "Local hour at which reminders leave, HH:MM"},
    )
    working_days_only = StrictBoolean(
        metadata={"description": "Send reminders on working days only (weekends and public holidays skipped)"}
    )


class RoleSchema(DefinitionSchema):
    """A partner role: its titles, and whether its members sit on the steering committee."""

    title = _title("Role name")
    description = _title("What the role does", required=False)
    committee = StrictBoolean(metadata={"description": "Members of this role are steering committee members"})


class TaskSchema(DefinitionSchema):
    """A task template of a stage."""

    exactly_one_of = (("due_days", "due_working_days", "due_date"),)

    key = fields.String(required=True, validate=_key, metadata={"description": "Unique task key"})
    title = _title("Task title")
    description = _title("What is expected", required=False)
    owner = fields.String(required=True, validate=_key, metadata={"description": "Key of the owning role"})
    due_days = StrictInteger(
        validate=_range(0, 3650), metadata={"description": "Due this many calendar days after due_from"}
    )
    due_working_days = StrictInteger(
        validate=_range(0, 2600), metadata={"description": "Due this many working days after due_from"}
    )
    due_date = fields.Date(metadata={"description": "Absolute due date, YYYY-MM-DD"})
    due_from = fields.String(
        validate=_choice(DueFrom), metadata={"description": "Count the offset from the plan start or the stage opening"}
    )
    depends_on = fields.List(
        fields.String(validate=_key), metadata={"description": "Keys of tasks that must be done first"}
    )
    required = StrictBoolean(metadata={"description": "The stage cannot close before this task is done or skipped"})
    weight = StrictInteger(validate=_range(1, 100), metadata={"description": "Weight in progress"})
    reminders = fields.Nested(ReminderPolicySchema, metadata={"description": "Reminder policy for this task"})


class StageSchema(DefinitionSchema):
    """A stage: one lever, a planned duration, tasks, and how it is left."""

    key = fields.String(required=True, validate=_key, metadata={"description": "Unique stage key"})
    lever = fields.String(required=True, validate=_choice(Lever), metadata={"description": "GPECT lever"})
    title = _title("Stage title")
    description = _title("What the stage is for", required=False)
    duration_days = StrictInteger(
        required=True, validate=_range(1, 3650), metadata={"description": "Planned duration in days"}
    )
    gate = fields.String(
        validate=_choice(Gate), metadata={"description": "auto: closes when its tasks are done; committee: a decision"}
    )
    due_from = fields.String(validate=_choice(DueFrom), metadata={"description": "Default for the stage's tasks"})
    reminders = fields.Nested(ReminderPolicySchema, metadata={"description": "Reminder policy for this stage"})
    tasks = fields.List(fields.Nested(TaskSchema), required=True, metadata={"description": "Tasks of the stage"})


class IndicatorSchema(DefinitionSchema):
    """A quantity measured during the plan, compared with its target."""

    key = fields.String(required=True, validate=_key, metadata={"description": "Unique indicator key"})
    title = _title("Indicator name")
    unit = fields.String(required=True, validate=_choice(UNITS), metadata={"description": "Unit of measure"})
    target = StrictNumber(
        validate=validate.Range(
            min=-NUMBER_LIMIT, max=NUMBER_LIMIT, error=f"must be between -{NUMBER_LIMIT} and {NUMBER_LIMIT}"
        ),
        metadata={"description": "Target value"},
    )
    direction = fields.String(
        validate=_choice(IndicatorDirection), metadata={"description": "Whether higher or lower is better"}
    )
    stage = fields.String(validate=_key, metadata={"description": "Key of the stage that measures it"})


class CalendarSchema(DefinitionSchema):
    """The public holidays that working-day arithmetic skips."""

    country = fields.String(
        validate=validate.Regexp(r"^[A-Z]{2}$", error="must be an ISO 3166 country code such as FR"),
        metadata={"description": "Country whose public holidays are skipped"},
    )
    subdivision = fields.String(metadata={"description": "Subdivision (e.g. 57 for Moselle)"})


class ReschedulingSchema(DefinitionSchema):
    """What moving a deadline does to the tasks that depend on it, and to the later stages."""

    dependents = fields.String(
        validate=_choice(DependentsPolicy),
        metadata={"description": "shift dependents that would fall due first, or keep"},
    )
    stages = fields.String(
        validate=_choice(StagesPolicy),
        metadata={
            "description": "when moved tasks run past their stage's planned end: shift the later stages by as "
            "many days, or keep them where they are"
        },
    )


class WorkflowSchema(DefinitionSchema):
    """A whole workflow definition file."""

    key = fields.String(required=True, validate=_key, metadata={"description": "Definition key"})
    version = StrictInteger(required=True, validate=_range(1), metadata={"description": "Raise on change"})
    title = _title("Definition title")
    description = _title("What the approach is for", required=False)
    calendar = fields.Nested(CalendarSchema, metadata={"description": "Working-day calendar"})
    reminders = fields.Nested(ReminderPolicySchema, metadata={"description": "Default reminder policy"})
    rescheduling = fields.Nested(ReschedulingSchema, metadata={"description": "Deadline move policy"})
    roles = fields.Dict(
        keys=fields.String(validate=_key),
        values=fields.Nested(RoleSchema),
        required=True,
        metadata={"description": "Partner roles by key"},
    )
    stages = fields.List(fields.Nested(StageSchema), required=True, metadata={"description": "Ordered stages"})
    indicators = fields.List(fields.Nested(IndicatorSchema), metadata={"description": "Indicators"})
