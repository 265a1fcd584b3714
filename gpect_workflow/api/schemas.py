"""Marshmallow schemas of the API: what goes in and out, documented in the OpenAPI spec."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from ..models import (
    Decision,
    DelayStatus,
    Language,
    OrganisationKind,
    OrganisationScope,
    OutboxStatus,
    PersonRole,
    PlanStatus,
    ReminderMode,
    TaskStatus,
)
from ..notifications.problems import DeliveryProblem
from ..services.indicators.status import IndicatorStatus, TargetComparison, status_of, target_comparison
from ..services.search.terms import MAX_QUERY_LENGTH
from ..services.tasks.texts import task_texts
from ..validation import MINUTES_MAX_LENGTH
from .fields import (
    MAX_ID,
    CommentBody,
    Day,
    EmailAddress,
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

# --- Workflows ------------------------------------------------------------------------------------------------


class WorkflowSummarySchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.Nested(TextSchema, required=True)


class WorkflowListSchema(Schema):
    items = fields.List(fields.Nested(WorkflowSummarySchema), required=True)


class RoleSchema(Schema):
    key = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    committee = fields.Boolean(attribute="is_committee", required=True)


class WorkflowTaskSchema(Schema):
    key = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    owner = fields.String(required=True)
    depends_on = fields.List(fields.String(), required=True)
    required = fields.Boolean(required=True)
    weight = fields.Integer(required=True)
    due_days = fields.Integer(attribute="due.days", allow_none=True)
    due_working_days = fields.Integer(attribute="due.working_days", allow_none=True)
    due_date = fields.Date(attribute="due.on", allow_none=True)
    due_from = fields.String(attribute="due.counted_from", required=True)


class WorkflowStageSchema(Schema):
    key = fields.String(required=True)
    lever = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    duration_days = fields.Integer(required=True)
    gate = fields.String(required=True)
    tasks = fields.List(fields.Nested(WorkflowTaskSchema), required=True)


class WorkflowIndicatorSchema(Schema):
    key = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    unit = fields.String(required=True)
    target = fields.Float(allow_none=True)
    direction = fields.String(required=True)


class WorkflowSchema(WorkflowSummarySchema):
    roles = fields.List(fields.Nested(RoleSchema), required=True)
    stages = fields.List(fields.Nested(WorkflowStageSchema), required=True)
    indicators = fields.List(fields.Nested(WorkflowIndicatorSchema), required=True)


# --- Partners -------------------------------------------------------------------------------------------------


class TerritorySchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    department = fields.String(allow_none=True)
    region = fields.String(allow_none=True)


class TerritoryListSchema(Schema):
    items = fields.List(fields.Nested(TerritorySchema), required=True)


class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(names(OrganisationKind)))
    scope = fields.String(
        required=True,
        validate=validate.OneOf(names(OrganisationScope)),
        metadata={"description": "Where it acts: its territory, a whole region (`region`), or the country."},
    )
    territory_id = fields.Integer(allow_none=True)
    region = fields.String(allow_none=True, metadata={"description": "The region served (scope `region`)."})
    email = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(attribute="created_dt", required=True)


class OrganisationListSchema(Schema):
    items = fields.List(fields.Nested(OrganisationSchema), required=True)


class OrganisationArgsSchema(StrictSchema):
    territory_id = fields.Integer(validate=validate.Range(1, MAX_ID))


_SCOPE_HELP = (
    "`territory` (needs `territory_id`), `region` (needs `region`, a region some territory lies in) or "
    "`national`; left out: `territory` with a `territory_id`, else `national`."
)
_SIMILAR_HELP = "Add it although its name is like that of an organisation acting on the same place."


class OrganisationCreateSchema(StrictSchema):
    name = Text(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(names(OrganisationKind)))
    scope = fields.String(validate=validate.OneOf(names(OrganisationScope)), metadata={"description": _SCOPE_HELP})
    territory_id = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_ID))
    region = Text(allow_none=True, validate=validate.Length(1, 100))
    email = EmailAddress(allow_none=True)
    allow_similar = StrictBoolean(metadata={"description": _SIMILAR_HELP})


class OrganisationUpdateSchema(StrictSchema):
    name = Text(validate=validate.Length(1, 200))
    kind = fields.String(validate=validate.OneOf(names(OrganisationKind)))
    scope = fields.String(validate=validate.OneOf(names(OrganisationScope)), metadata={"description": _SCOPE_HELP})
    territory_id = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_ID))
    region = Text(allow_none=True, validate=validate.Length(1, 100))
    email = EmailAddress(allow_none=True)
    allow_similar = StrictBoolean(metadata={"description": _SIMILAR_HELP})


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(names(PersonRole)))
    organisation_id = fields.Integer(allow_none=True)
    language = fields.String(required=True, validate=validate.OneOf(names(Language)))
    timezone = fields.String(required=True)
    reminder_mode = fields.String(required=True, validate=validate.OneOf(names(ReminderMode)))
    is_referent = fields.Boolean(required=True)
    is_active = fields.Boolean(required=True)


class PersonListSchema(Schema):
    items = fields.List(fields.Nested(PersonSchema), required=True)


class PersonArgsSchema(StrictSchema):
    organisation_id = fields.Integer(validate=validate.Range(1, MAX_ID))


class PersonCreateSchema(StrictSchema):
    email = EmailAddress(required=True)
    name = Text(validate=validate.Length(1, 200))
    role = fields.String(required=True, validate=validate.OneOf(names(PersonRole)))
    organisation_id = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_ID))
    language = fields.String(validate=validate.OneOf(names(Language)))
    timezone = TimeZone()
    reminder_mode = fields.String(validate=validate.OneOf(names(ReminderMode)))
    is_referent = StrictBoolean()
    allow_similar = StrictBoolean(
        metadata={"description": "Add them although someone of the organisation has a name like theirs."}
    )


class PersonUpdateSchema(StrictSchema):
    name = Text(validate=validate.Length(1, 200))
    role = fields.String(validate=validate.OneOf(names(PersonRole)))
    organisation_id = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_ID))
    language = fields.String(validate=validate.OneOf(names(Language)))
    timezone = TimeZone()
    reminder_mode = fields.String(validate=validate.OneOf(names(ReminderMode)))
    is_referent = StrictBoolean()
    is_active = StrictBoolean()


# --- Plans, stages, tasks -------------------------------------------------------------------------------------


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


# --- Comments -------------------------------------------------------------------------------------------------


class CommentSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    task_id = fields.Integer(allow_none=True, metadata={"description": "The task commented on; null on a gate"})
    stage_id = fields.Integer(
        allow_none=True, metadata={"description": "The stage whose gate review is commented on; null on a task"}
    )
    author_id = fields.Integer(required=True)
    author_name = fields.String(attribute="author.name", required=True)
    body = fields.Method(
        "_body", required=True, allow_none=True, metadata={"description": "The text; null once deleted"}
    )
    deleted = fields.Boolean(attribute="is_deleted", required=True)
    created_at = fields.AwareDateTime(attribute="created_dt", required=True)
    edited_at = fields.AwareDateTime(attribute="edited_dt", allow_none=True)
    deleted_at = fields.AwareDateTime(attribute="deleted_dt", allow_none=True)
    version = fields.Integer(required=True)

    def _body(self, comment: Any) -> str | None:
        return None if comment.is_deleted else str(comment.body)


class CommentListSchema(PageSchema):
    items = fields.List(fields.Nested(CommentSchema), required=True)


class CommentCreateSchema(StrictSchema):
    body = CommentBody(required=True)


class CommentUpdateSchema(StrictSchema):
    body = CommentBody(required=True)
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The version read; or If-Match"}
    )


class CommentDeleteArgsSchema(StrictSchema):
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The version read; or If-Match"}
    )


# --- Indicators, outbox ---------------------------------------------------------------------------------------


class MeasurementSchema(Schema):
    id = fields.Integer(required=True)
    indicator_id = fields.Integer(required=True)
    value = fields.Float(required=True)
    measured_on = fields.Date(required=True)
    source = fields.String(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    recorded_at = fields.AwareDateTime(attribute="recorded_dt", required=True)


class MeasurementListSchema(Schema):
    items = fields.List(fields.Nested(MeasurementSchema), required=True)


class MeasurementCreateSchema(StrictSchema):
    value = fields.Float(required=True, allow_nan=False)
    measured_on = Day(required=True)
    source = Text(validate=validate.Length(max=300))


class MeasurementUpdateSchema(StrictSchema):
    """A correction: only the fields given change; ``source`` null or empty clears it."""

    value = fields.Float(allow_nan=False)
    measured_on = Day()
    source = Text(allow_none=True, validate=validate.Length(max=300))


class IndicatorSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    key = fields.String(required=True)
    title = fields.Method("_title", required=True)
    unit = fields.String(required=True)
    target = fields.Float(allow_none=True)
    direction = fields.String(required=True)
    status = fields.Method(
        "_status",
        required=True,
        metadata={
            "type": "string",
            "enum": [status.value for status in IndicatorStatus],
            "description": "The latest measurement against the target, following the direction: `on_target` "
            "(reached: at or above it for `increase`, at or below it for `decrease`), `off_target` (behind it), "
            "`no_target` (measured, no target set) or `no_measurement`.",
        },
    )
    comparison = fields.Method(
        "_comparison",
        required=True,
        metadata={
            "type": "string",
            "enum": [comparison.value for comparison in TargetComparison],
            "description": "How a value reaches the target: `at_least` (≥, for `increase`) or `at_most` "
            "(≤, for `decrease`).",
        },
    )
    measurements = fields.List(fields.Nested(MeasurementSchema), required=True)

    def _title(self, indicator: Any) -> dict[str, str]:
        return {"fr": indicator.title_fr, "en": indicator.title_en}

    def _status(self, indicator: Any) -> str:
        return status_of(indicator).value

    def _comparison(self, indicator: Any) -> str:
        return target_comparison(indicator.direction).value


class IndicatorListSchema(Schema):
    items = fields.List(fields.Nested(IndicatorSchema), required=True)


class OutboxMessageSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(names(OutboxStatus)))
    recipient_email = fields.String(required=True)
    subject = fields.String(required=True)
    attempts = fields.Integer(required=True)
    failure_code = fields.String(
        allow_none=True,
        validate=validate.OneOf(names(DeliveryProblem)),
        metadata={"description": "Why the message failed or waits, as a stable code (see docs/reminders.md)."},
    )
    last_error = fields.String(
        allow_none=True, metadata={"description": "The technical detail: the relay's answer or the error."}
    )
    plan_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(attribute="created_dt", required=True)
    next_attempt_at = fields.AwareDateTime(attribute="next_attempt_dt", required=True)
    sent_at = fields.AwareDateTime(attribute="sent_dt", allow_none=True)


class OutboxListSchema(PageSchema):
    items = fields.List(fields.Nested(OutboxMessageSchema), required=True)


class OutboxArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(names(OutboxStatus)))


class InboxEntrySchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "The kind of email it repeats (`reminder`, ...)."})
    title = fields.String(required=True, metadata={"description": "The email's subject, in your language."})
    link_path = fields.String(
        allow_none=True,
        metadata={"description": "The page of the web UI it is about (`/tasks/12`), under the UI's address."},
    )
    plan_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    at = fields.AwareDateTime(
        attribute="visible_from_dt", required=True, metadata={"description": "When it reached the inbox."}
    )
    read_at = fields.AwareDateTime(attribute="read_dt", allow_none=True)


class InboxListSchema(PageSchema):
    items = fields.List(fields.Nested(InboxEntrySchema), required=True)
    unread = fields.Integer(
        required=True, metadata={"description": "Unread notifications, counted up to 100 (100 means 100 or more)."}
    )


class InboxArgsSchema(PageArgsSchema):
    pass


class InboxReadAllSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "How many notifications were unread."})


class HealthSchema(Schema):
    status = fields.String(required=True)
    database = fields.String(required=True)


# --- Changes to a running plan --------------------------------------------------------------------------------


class PlanUpdateSchema(StrictSchema):
    name = Text(required=True, validate=validate.Length(1, 200))
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The plan's version read; or If-Match"}
    )


class RoleRemapSchema(StrictSchema):
    organisation_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))
    person_ids = fields.List(
        fields.Integer(validate=validate.Range(1, MAX_ID)),
        required=True,
        validate=validate.Length(1, 50),
        metadata={"description": "The role's people in order: the first picks up the tasks returned to the role"},
    )
    open_tasks_to = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(1, MAX_ID),
        metadata={
            "description": "Who takes the open tasks of the people who leave the role (one of person_ids);"
            " null: back to the role, its first person"
        },
    )
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The plan's version read; or If-Match"}
    )


class RoleAssignmentSchema(Schema):
    role_key = fields.String(required=True)
    organisation_id = fields.Integer(required=True)
    person_ids = fields.List(fields.Integer(), required=True)
    plan_version = fields.Integer(required=True)


class OneOffTaskCreateSchema(StrictSchema):
    stage_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))
    title_fr = Text(load_default="", validate=validate.Length(0, 200))
    title_en = Text(load_default="", validate=validate.Length(0, 200))
    description = Text(load_default="", validate=validate.Length(0, 2000))
    owner_role = Text(required=True, validate=validate.Length(1, 64))
    due_date = Day(required=True)
    depends_on = fields.List(
        fields.Integer(validate=validate.Range(1, MAX_ID)), load_default=list, validate=validate.Length(0, 50)
    )
    weight = fields.Integer(load_default=1, validate=validate.Range(1, 100))
    required = StrictBoolean(load_default=True)
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The plan's version read; or If-Match"}
    )


class PlanVersionArgsSchema(StrictSchema):
    version = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "The plan's version read; or If-Match"}
    )


# --- Evidence files -------------------------------------------------------------------------------------------


class EvidenceUploadSchema(Schema):
    file = Upload(
        required=True,
        metadata={
            "description": "The file (multipart/form-data). PDF, office document, image, CSV or UTF-8 text, by "
            "content; at most EVIDENCE_MAX_BYTES (20 MB by default)."
        },
    )


class EvidenceFileSchema(Schema):
    id = fields.Integer(attribute="file.id", required=True)
    name = fields.String(attribute="file.display_name", required=True)
    content_type = fields.String(
        attribute="file.content_type", required=True, metadata={"description": "Found in the content"}
    )
    size = fields.Integer(attribute="file.size_bytes", required=True, metadata={"description": "Bytes"})
    sha256 = fields.String(attribute="file.sha256", required=True)
    plan_id = fields.Integer(attribute="file.plan_id", required=True)
    stage_id = fields.Integer(attribute="file.stage_id", required=True)
    task_id = fields.Integer(
        attribute="file.task_id", allow_none=True, required=True, metadata={"description": "Null: the gate review's"}
    )
    uploaded_by_id = fields.Integer(attribute="file.uploaded_by_id", allow_none=True, required=True)
    uploaded_by = fields.String(attribute="uploader", allow_none=True, required=True)
    uploaded_at = fields.AwareDateTime(attribute="file.uploaded_dt", required=True)
    can_delete = fields.Boolean(required=True)
    download_url = fields.String(required=True)


class EvidenceListSchema(Schema):
    items = fields.List(fields.Nested(EvidenceFileSchema), required=True)
    max_bytes = fields.Integer(required=True, metadata={"description": "Largest file accepted"})
    can_add = fields.Boolean(required=True)


# --- Delay requests ---------------------------------------------------------------------------------------------


class DelayRequestSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    requester_id = fields.Integer(required=True)
    current_due_date = fields.Date(required=True, metadata={"description": "The task's deadline when asked"})
    due_date = fields.Date(required=True, metadata={"description": "The deadline asked for"})
    reason = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(names(DelayStatus)))
    answered_by_id = fields.Integer(allow_none=True)
    answer_reason = fields.String(
        allow_none=True, metadata={"description": "Why refused, or the note of an acceptance"}
    )
    created_at = fields.AwareDateTime(attribute="created_dt", required=True)
    answered_at = fields.AwareDateTime(attribute="answered_dt", allow_none=True)


class DelayRequestListSchema(PageSchema):
    items = fields.List(fields.Nested(DelayRequestSchema), required=True)


class DelayListArgsSchema(PageArgsSchema):
    status = fields.String(load_default="pending", validate=validate.OneOf([*names(DelayStatus), "all"]))


class DelayRequestCreateSchema(StrictSchema):
    due_date = Day(required=True)
    reason = Note(required=True, metadata={"description": "Why more time is needed (required, up to 2000 characters)"})


class DelayAcceptSchema(StrictSchema):
    note = Note()


class DelayRefuseSchema(StrictSchema):
    reason = Note(required=True, metadata={"description": "Why the request is refused; the requester reads it"})


class DelayPreviewSchema(Schema):
    moved_deadlines = fields.List(
        fields.Nested(DeadlineChangeSchema),
        required=True,
        metadata={"description": "The task's deadline first, then its dependents and tasks carried with a stage"},
    )
    stage_changes = fields.List(fields.Nested(StageChangeSchema), required=True)


class DelayAnswerSchema(DelayPreviewSchema):
    request = fields.Nested(DelayRequestSchema, required=True)


# --- Search ---------------------------------------------------------------------------------------------------


class SearchArgsSchema(PageArgsSchema):
    q = Text(
        required=True,
        validate=validate.Length(1, MAX_QUERY_LENGTH),
        metadata={"description": "Words to find, all of them, as the start of words; accents and case ignored."},
    )
    kind = fields.String(
        validate=validate.OneOf(("plans", "tasks", "comments", "organisations")),
        metadata={"description": "One kind of result, a page at a time; left out: the first hits of every kind."},
    )


class SearchHitSchema(Schema):
    kind = fields.String(required=True)
    id = fields.Integer(required=True)
    title = fields.Nested(TextSchema, required=True)
    excerpt = fields.Nested(TextSchema, allow_none=True, required=True)
    plan_id = fields.Integer(allow_none=True, required=True)
    plan_name = fields.String(allow_none=True, required=True)
    task_id = fields.Integer(allow_none=True, required=True)
    stage_id = fields.Integer(allow_none=True, required=True)
    place = fields.String(allow_none=True, required=True)


class SearchGroupSchema(PageSchema):
    kind = fields.String(required=True)
    items = fields.List(fields.Nested(SearchHitSchema), required=True)


class SearchResultsSchema(Schema):
    q = fields.String(required=True, attribute="text")
    terms = fields.List(
        fields.String(),
        required=True,
        attribute="terms.words",
        metadata={"description": "The words searched for, lower case and without accents."},
    )
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    groups = fields.List(fields.Nested(SearchGroupSchema), required=True)
