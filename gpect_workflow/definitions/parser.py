"""Turn a definition file into a ``WorkflowDefinition``, or report everything wrong with it at once.

Steps: safe YAML with line numbers -> structural load with the marshmallow schemas (unknown keys
rejected, allowed ones named) -> graph checks -> frozen objects.
"""

from __future__ import annotations

import hashlib
from datetime import date, time
from pathlib import Path as FilePath
from typing import Any

from marshmallow import Schema, ValidationError, fields

from .checks import check_definition
from .errors import DefinitionError, Path, Problem
from .model import (
    DEFAULT_REMINDER_POLICY,
    Calendar,
    DependentsPolicy,
    Due,
    DueFrom,
    Gate,
    IndicatorDef,
    IndicatorDirection,
    Lever,
    ReminderPolicy,
    Role,
    StageDef,
    StagesPolicy,
    TaskDef,
    Text,
    WorkflowDefinition,
)
from .reader import Document, read_document
from .schema import WorkflowSchema

_MESSAGES = {
    "Invalid input type.": "must be a mapping of keys to values",
    "Not a valid list.": "must be a list",
    "Not a valid mapping type.": "must be a mapping of keys to values",
    "Not a valid integer.": "must be a whole number",
    "Not a valid number.": "must be a number",
    "Not a valid boolean.": "must be true or false",
    "Not a valid string.": "must be text",
    "Not a valid date.": "must be a date, YYYY-MM-DD",
    "Missing data for required field.": "is required",
    "Field may not be null.": "must have a value",
}


def content_hash(text: str) -> str:
    """The SHA-256 of a definition's source, which tells a changed file from an unchanged one."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_definition_file(path: str | FilePath) -> WorkflowDefinition:
    """Read and validate the definition at ``path``; ``DefinitionError`` lists every problem."""
    file = str(path)
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem(file, (), None, f"cannot read the file: {exc}")]) from exc
    return parse_definition(text, file)


def parse_definition(text: str, file: str = "<string>") -> WorkflowDefinition:
    """Validate ``text`` (the contents of ``file``) and build the frozen definition."""
    document = read_document(text, file)
    problems = list(document.problems)
    loaded: dict[str, Any] = {}
    if not isinstance(document.data, dict):
        if not problems:
            where = document.lines.get((), 1)
            problems.append(Problem(file, (), where, "a definition must be a mapping of keys to values"))
    else:
        loaded, structure = _load_structure(document)
        problems.extend(structure)
        problems.extend(
            Problem(file, path, document.line_of(path), reason) for path, reason in check_definition(document.data)
        )
    if problems:
        raise DefinitionError(problems)
    return _build(loaded, text)


def _load_structure(document: Document) -> tuple[dict[str, Any], list[Problem]]:
    """The structurally loaded document, or the problems the schemas found (loaded once)."""
    try:
        return WorkflowSchema().load(document.data), []
    except ValidationError as error:
        found: list[tuple[Path, str]] = []
        _flatten(error.messages, WorkflowSchema(), (), found)
        return {}, [Problem(document.file, path, document.line_of(path), reason) for path, reason in found]


def _flatten(messages: Any, where: Schema | fields.Field[Any], path: Path, out: list[tuple[Path, str]]) -> None:
    if isinstance(messages, list | str):
        for message in [messages] if isinstance(messages, str) else messages:
            if isinstance(message, dict):
                _flatten(message, where, path, out)
            else:
                out.append((path, _MESSAGES.get(str(message), str(message))))
        return
    if isinstance(where, fields.Nested):
        _flatten(messages, where.schema, path, out)
    elif isinstance(where, Schema):
        _flatten_schema(messages, where, path, out)
    elif isinstance(where, fields.List):
        for index, sub in messages.items():
            _flatten(sub, where.inner, (*path, index), out)
    elif isinstance(where, fields.Dict):
        for key, sub in messages.items():
            if "key" in sub:
                _flatten(sub["key"], fields.String(), (*path, key), out)
            if "value" in sub and where.value_field is not None:
                _flatten(sub["value"], where.value_field, (*path, key), out)


def _flatten_schema(messages: dict[Any, Any], schema: Schema, path: Path, out: list[tuple[Path, str]]) -> None:
    for key, sub in messages.items():
        field = schema.fields.get(key)
        if key == "_schema":
            _flatten(sub, fields.Raw(), path, out)
        elif field is None:
            allowed = ", ".join(schema.fields)
            out.append(((*path, key), f"unknown key '{key}'; allowed keys: {allowed}"))
        else:
            _flatten(sub, field, (*path, key), out)


def _text(value: dict[str, str] | None) -> Text | None:
    return Text(fr=value["fr"], en=value["en"]) if value else None


def _policy(value: dict[str, Any] | None) -> ReminderPolicy:
    value = dict(value or {})
    if "before_days" in value:
        value["before_days"] = tuple(sorted(set(value["before_days"]), reverse=True))
    if "send_hour" in value:
        hours, minutes = value["send_hour"].split(":")
        value["send_hour"] = time(int(hours), int(minutes))
    return ReminderPolicy(**value)


def _task(value: dict[str, Any], stage_due_from: DueFrom) -> TaskDef:
    due_on: date | None = value.get("due_date")
    due = Due(
        days=value.get("due_days"),
        working_days=value.get("due_working_days"),
        on=due_on,
        counted_from=DueFrom(value.get("due_from", stage_due_from)),
    )
    return TaskDef(
        key=value["key"],
        title=_text(value["title"]) or Text("", ""),
        owner=value["owner"],
        due=due,
        description=_text(value.get("description")),
        depends_on=tuple(value.get("depends_on", ())),
        required=value.get("required", True),
        weight=value.get("weight", 1),
        reminders=_policy(value.get("reminders")),
    )


def _stage(value: dict[str, Any]) -> StageDef:
    due_from = DueFrom(value.get("due_from", DueFrom.STAGE_OPENING))
    return StageDef(
        key=value["key"],
        lever=Lever(value["lever"]),
        title=_text(value["title"]) or Text("", ""),
        duration_days=value["duration_days"],
        gate=Gate(value.get("gate", Gate.AUTO)),
        tasks=tuple(_task(task, due_from) for task in value["tasks"]),
        description=_text(value.get("description")),
        due_from=due_from,
        reminders=_policy(value.get("reminders")),
    )


def _indicator(value: dict[str, Any]) -> IndicatorDef:
    return IndicatorDef(
        key=value["key"],
        title=_text(value["title"]) or Text("", ""),
        unit=value["unit"],
        direction=IndicatorDirection(value.get("direction", IndicatorDirection.INCREASE)),
        target=value.get("target"),
        stage=value.get("stage"),
    )


def _build(data: dict[str, Any], text: str) -> WorkflowDefinition:
    calendar = data.get("calendar", {})
    roles = tuple(
        Role(
            key=key,
            title=_text(role["title"]) or Text("", ""),
            description=_text(role.get("description")),
            is_committee=role.get("committee", False),
        )
        for key, role in data["roles"].items()
    )
    return WorkflowDefinition(
        key=data["key"],
        version=data["version"],
        title=_text(data["title"]) or Text("", ""),
        description=_text(data.get("description")),
        roles=roles,
        stages=tuple(_stage(stage) for stage in data["stages"]),
        calendar=Calendar(country=calendar.get("country", "FR"), subdivision=calendar.get("subdivision")),
        reminders=_policy(data.get("reminders")).merged_over(DEFAULT_REMINDER_POLICY),
        dependents_policy=DependentsPolicy(data.get("rescheduling", {}).get("dependents", DependentsPolicy.SHIFT)),
        stages_policy=StagesPolicy(data.get("rescheduling", {}).get("stages", StagesPolicy.SHIFT)),
        indicators=tuple(_indicator(indicator) for indicator in data.get("indicators", [])),
        source=text,
        content_hash=content_hash(text),
    )
