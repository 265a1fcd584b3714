"""Plans, their stages and tasks, and the committee's decisions."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from ...models import (
    Decision,
    PlanStatus,
    TaskStatus,
)
from ...services.tasks.texts import task_texts
from ...validation import MINUTES_MAX_LENGTH
from ..fields import (
    MAX_ID,
    Day,
    Note,
    PageArgsSchema,
    PageSchema,
    StrictBoolean,
    StrictSchema,
    Text,
    TextSchema,
    TimeZone,
    names,
)


class ProgressSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    total = fields.Integer(required=True)
    percent_done = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    days_late = fields.Integer(required=True)


class StageSchema(Schema):
    """A stage and its progress (``services.plans.detail.StageSummary``)."""

    id = fields.Integer(attribute="stage.id", required=True)
    key = fields.String(attribute="stage.stage_key", required=True)
    position = fields.Integer(attribute="stage.position", required=True)
    lever = fields.String(attribute="stage.lever", required=True)
    gate = fields.String(attribute="stage.gate", required=True)
    status = fields.String(attribute="stage.status", required=True)
    decision = fields.String(attribute="stage.decision", allow_none=True)
    planned_start = fields.Date(attribute="stage.planned_start_date", required=True)
    planned_end = fields.Date(attribute="stage.planned_end_date", required=True)
    opened_at = fields.AwareDateTime(attribute="stage.opened_dt", allow_none=True)
    closed_at = fields.AwareDateTime(attribute="stage.closed_dt", allow_none=True)
    progress = fields.Nested(ProgressSchema, required=True)


class PlanSummarySchema(Schema):
    """A plan and its progress (``services.plans.listing.PlanSummary``, or the ``PlanDetail`` of one plan)."""

    id = fields.Integer(attribute="plan.id", required=True)
    name = fields.String(attribute="plan.name", required=True)
    definition_key = fields.String(attribute="plan.definition_key", required=True)
    definition_version = fields.Integer(attribute="plan.definition_version", required=True)
    territory_id = fields.Integer(attribute="plan.territory_id", required=True)
    lead_id = fields.Integer(attribute="plan.lead_id", required=True)
    timezone = fields.String(attribute="plan.timezone", required=True)
    start_date = fields.Date(attribute="plan.start_date", required=True)
    status = fields.String(attribute="plan.status", required=True, validate=validate.OneOf(names(PlanStatus)))
    current_stage = fields.String(attribute="plan.current_stage_key", allow_none=True)
    version = fields.Integer(attribute="plan.version", required=True)
    created_at = fields.AwareDateTime(attribute="plan.created_dt", required=True)
    progress = fields.Nested(ProgressSchema, required=True)


class PlanListSchema(PageSchema):
    items = fields.List(fields.Nested(PlanSummarySchema), attribute="summaries", required=True)


class PlanSchema(PlanSummarySchema):
    stages = fields.List(fields.Nested(StageSchema), attribute="stage_summaries", required=True)


class PlanArgsSchema(PageArgsSchema):
    territory_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    definition = Text(validate=validate.Length(1, 64))
    status = fields.String(validate=validate.OneOf(names(PlanStatus)))
    stage = Text(validate=validate.Length(1, 64))
    late = fields.Boolean()


class RoleMappingSchema(StrictSchema):
    organisation_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))
    person_ids = fields.List(
        fields.Integer(validate=validate.Range(1, MAX_ID)), required=True, validate=validate.Length(1, 50)
    )


class PlanCreateSchema(StrictSchema):
    name = Text(required=True, validate=validate.Length(1, 200))
    definition_key = Text(required=True, validate=validate.Length(1, 64))
    definition_version = fields.Integer(validate=validate.Range(1, MAX_ID))
    territory_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))
    lead_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    start_date = Day(required=True)
    timezone = TimeZone()
    roles = fields.Dict(
        keys=Text(validate=validate.Length(1, 64)), values=fields.Nested(RoleMappingSchema), required=True
    )
    open_now = StrictBoolean(
        load_default=False,
        metadata={
            "description": "Open the first stage now although the start date is ahead; otherwise such a plan is"
            " created `scheduled` and opens on its start date."
        },
    )


class _TaskText(fields.Nested):
    """A task's title or description in both languages, from the definition its plan runs."""

    def __init__(self, part: str, **kwargs: Any) -> None:
        super().__init__(TextSchema, **kwargs)
        self.part = part

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return getattr(task_texts(obj), self.part)


class TaskSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    stage_id = fields.Integer(required=True)
    key = fields.String(attribute="task_key", required=True)
    title = _TaskText(
        "title",
        required=True,
        dump_only=True,
        metadata={"description": "What the task is called"},
    )
    description = _TaskText(
        "description", allow_none=True, dump_only=True, metadata={"description": "What the task asks, if said"}
    )
    one_off = fields.Boolean(
        attribute="is_one_off", required=True, metadata={"description": "Added by the lead, not in the definition"}
    )
    owner_role = fields.String(required=True)
    assignee_id = fields.Integer(allow_none=True)
    due_date = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(names(TaskStatus)))
    status_reason = fields.String(allow_none=True)
    weight = fields.Integer(required=True)
    required = fields.Boolean(attribute="is_required", required=True)
    started_at = fields.AwareDateTime(attribute="started_dt", allow_none=True)
    completed_at = fields.AwareDateTime(attribute="completed_dt", allow_none=True)
    updated_at = fields.AwareDateTime(attribute="updated_dt", required=True)
    version = fields.Integer(required=True)


class DeadlineChangeSchema(Schema):
    task_id = fields.Integer(required=True)
    old = fields.Date(required=True, metadata={"description": "The deadline before the move"})
    new = fields.Date(required=True, metadata={"description": "The deadline after the move"})


class StageChangeSchema(Schema):
    stage_id = fields.Integer(required=True)
    key = fields.String(required=True)
    old_start = fields.Date(required=True)
    new_start = fields.Date(required=True)
    old_end = fields.Date(required=True)
    new_end = fields.Date(required=True)
    extended_days = fields.Integer(
        attribute="extended_by",
        required=True,
        metadata={"description": "Days the stage now ends later because its own tasks run past its end"},
    )
    later_stages_shifted_days = fields.Integer(
        attribute="later_shifted_by",
        required=True,
        metadata={"description": "Days the stages after it move because of that (0 with the keep policy)"},
    )
    overlaps = fields.String(
        allow_none=True, metadata={"description": "Key of the next stage when this one now runs into it"}
    )


class TaskChangeSchema(TaskSchema):
    """A task once changed; when its deadline moved, every deadline and stage window the move changed."""

    moved_deadlines = fields.List(
        fields.Nested(DeadlineChangeSchema),
        required=True,
        metadata={
            "description": "The task's own deadline first, then its dependents and the tasks carried with "
            "a shifted stage; empty when the deadline did not change"
        },
    )
    stage_changes = fields.List(
        fields.Nested(StageChangeSchema),
        required=True,
        metadata={"description": "Stages whose planned start or end the deadline move changed"},
    )


class TaskListSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema), required=True)


class TaskUpdateSchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(names(TaskStatus)))
    assignee_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    due_date = Day()
    note = Note()
    override_dependencies = StrictBoolean(load_default=False)
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The version read; or If-Match"}
    )


class DecisionCreateSchema(StrictSchema):
    decision = fields.String(required=True, validate=validate.OneOf(names(Decision)))
    minutes = Text(validate=validate.Length(max=MINUTES_MAX_LENGTH))
    reopen = fields.List(Text(validate=validate.Length(1, 64)), load_default=list)
    due_dates = fields.Dict(
        keys=Text(validate=validate.Length(1, 64)),
        values=Day(),
        load_default=dict,
        metadata={
            "description": "Rework only: a new due date for some of the reopened tasks, by task key (from today on, "
            "not before the plan's start). A reopened task given none is due today plus the days its stage's "
            "schedule first gave it."
        },
    )


class DecisionSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    stage_id = fields.Integer(required=True)
    decision = fields.String(required=True)
    minutes = fields.String(allow_none=True)
    reopened = fields.List(fields.String(), attribute="reopened_task_keys", allow_none=True)
    due_dates = fields.Dict(
        keys=fields.String(),
        values=fields.Date(),
        required=True,
        metadata={"description": "The due date of each task reopened for rework, by task key (empty otherwise)"},
    )
    decided_by_id = fields.Integer(required=True)
    decided_at = fields.AwareDateTime(attribute="decided_dt", required=True)
