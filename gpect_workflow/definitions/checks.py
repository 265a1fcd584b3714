"""Graph checks that structure alone cannot express: references, duplicates, cycles, offsets.

They run on the loaded data even when some structural errors were found, and tolerate missing or
malformed parts, so that every problem of a file is reported in one pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import holidays

from .errors import Path, format_path
from .schema import TaskSchema

Finding = tuple[Path, str]


def check_definition(data: dict[str, Any]) -> list[Finding]:
    """Every graph problem of a definition document, as (path, reason) pairs."""
    stages = _list(data.get("stages"))
    roles: dict[str, Any] = data["roles"] if isinstance(data.get("roles"), dict) else {}
    findings: list[Finding] = []
    for check in (_check_roles, _check_stages, _check_tasks, _check_dependencies, _check_offsets):
        findings.extend(check(data, stages, roles))
    findings.extend(_check_indicators(data, stages))
    findings.extend(_check_calendar(data))
    return findings


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _tasks(stages: list[Any]) -> Iterator[tuple[int, int, dict[str, Any]]]:
    for stage_index, stage in enumerate(stages):
        if isinstance(stage, dict):
            for task_index, task in enumerate(_list(stage.get("tasks"))):
                if isinstance(task, dict):
                    yield stage_index, task_index, task


def _task_path(stage_index: int, task_index: int, *rest: str | int) -> Path:
    return ("stages", stage_index, "tasks", task_index, *rest)


def _check_roles(data: dict[str, Any], stages: list[Any], roles: dict[str, Any]) -> Iterator[Finding]:
    if isinstance(data.get("roles"), dict) and "lead" not in roles:
        yield ("roles",), "the definition must name a 'lead' role (the project lead's organisation)"
    gates = [i for i, stage in enumerate(stages) if isinstance(stage, dict) and stage.get("gate") == "committee"]
    # A malformed value (``committee: yes``) is reported by the structure check; count it as meant here.
    has_committee = any(
        isinstance(role, dict) and role.get("committee") not in (None, False) for role in roles.values()
    )
    for index in gates if not has_committee else []:
        yield ("stages", index, "gate"), "a committee gate needs a role marked 'committee: true' to decide it"


def _check_stages(data: dict[str, Any], stages: list[Any], roles: dict[str, Any]) -> Iterator[Finding]:
    if "stages" in data and isinstance(data["stages"], list) and not stages:
        yield ("stages",), "the definition has no stage"
    yield from _duplicates((("stages", i, "key"), s.get("key")) for i, s in enumerate(stages) if isinstance(s, dict))
    for index, stage in enumerate(stages):
        if isinstance(stage, dict) and isinstance(stage.get("tasks"), list) and not stage["tasks"]:
            yield ("stages", index, "tasks"), f"stage '{stage.get('key')}' is empty: it has no task"


def _duplicates(keyed: Iterator[tuple[Path, Any]]) -> Iterator[Finding]:
    seen: dict[str, Path] = {}
    for path, key in keyed:
        if not isinstance(key, str):
            continue
        if key in seen:
            yield path, f"duplicate key '{key}' (also at {_where(seen[key])})"
        else:
            seen[key] = path


def _where(path: Path) -> str:
    return format_path(path)


def _check_tasks(data: dict[str, Any], stages: list[Any], roles: dict[str, Any]) -> Iterator[Finding]:
    yield from _duplicates((_task_path(s, t, "key"), task.get("key")) for s, t, task in _tasks(stages))
    due_keys = TaskSchema.exactly_one_of[0]
    for stage_index, task_index, task in _tasks(stages):
        owner = task.get("owner")
        if isinstance(owner, str) and roles and owner not in roles:
            allowed = ", ".join(sorted(roles))
            yield _task_path(stage_index, task_index, "owner"), f"unknown role '{owner}'; roles: {allowed}"
        given = [key for key in due_keys if key in task]
        if len(given) != 1:
            reason = "gives none" if not given else "gives " + " and ".join(given)
            yield _task_path(stage_index, task_index), f"a task needs exactly one of {', '.join(due_keys)}; it {reason}"


def _check_dependencies(data: dict[str, Any], stages: list[Any], roles: dict[str, Any]) -> Iterator[Finding]:
    stage_of = {task["key"]: s for s, _, task in _tasks(stages) if isinstance(task.get("key"), str)}
    graph: dict[str, list[str]] = {}
    for stage_index, task_index, task in _tasks(stages):
        key = task.get("key")
        for dep_index, dependency in enumerate(_list(task.get("depends_on"))):
            path = _task_path(stage_index, task_index, "depends_on", dep_index)
            if not isinstance(dependency, str):
                continue
            if dependency not in stage_of:
                yield path, f"depends on unknown task '{dependency}'"
            elif dependency == key:
                yield path, f"task '{key}' depends on itself"
            elif stage_of[dependency] > stage_index:
                yield path, f"depends on '{dependency}', a task of a later stage"
            elif isinstance(key, str):
                graph.setdefault(key, []).append(dependency)
    yield from _cycles(graph, stages)


def _cycles(graph: dict[str, list[str]], stages: list[Any]) -> Iterator[Finding]:
    where = {task.get("key"): _task_path(s, t, "depends_on") for s, t, task in _tasks(stages)}
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(node: str, trail: list[str]) -> Iterator[Finding]:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    yield where[node], "dependency cycle: " + " -> ".join(cycle)
            elif state.get(nxt) is None:
                yield from visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in list(graph):
        if state.get(start) is None:
            yield from visit(start, [start])


def _min_calendar_days(working_days: int) -> int:
    """The fewest calendar days that ``working_days`` working days can span (weekends only)."""
    return working_days + 2 * ((working_days - 1) // 5) if working_days > 0 else 0


def _check_offsets(data: dict[str, Any], stages: list[Any], roles: dict[str, Any]) -> Iterator[Finding]:
    opening = 0
    for stage_index, stage in enumerate(stages):
        if not isinstance(stage, dict):
            continue
        duration = stage.get("duration_days")
        if not isinstance(duration, int) or isinstance(duration, bool):
            continue
        for task_index, task in enumerate(_list(stage.get("tasks"))):
            if isinstance(task, dict):
                yield from _check_offset(task, stage, _task_path(stage_index, task_index), opening, duration)
        opening += duration


def _check_offset(
    task: dict[str, Any], stage: dict[str, Any], path: Path, opening: int, duration: int
) -> Iterator[Finding]:
    for key, to_days in (("due_days", lambda n: n), ("due_working_days", _min_calendar_days)):
        offset = task.get(key)
        if not isinstance(offset, int) or isinstance(offset, bool):
            continue
        days = to_days(offset)
        if task.get("due_from", stage.get("due_from", "stage_opening")) == "plan_start":
            if days > opening + duration:
                yield (
                    (*path, key),
                    f"{key} {offset} from the plan start falls after the stage ends (day {opening + duration})",
                )
            elif days < opening:
                yield (*path, key), f"{key} {offset} from the plan start falls before the stage opens (day {opening})"
        elif days > duration:
            yield (*path, key), f"{key} {offset} is beyond the stage's duration of {duration} days"


def _check_indicators(data: dict[str, Any], stages: list[Any]) -> Iterator[Finding]:
    indicators = _list(data.get("indicators"))
    yield from _duplicates(
        (("indicators", i, "key"), d.get("key")) for i, d in enumerate(indicators) if isinstance(d, dict)
    )
    stage_keys = {stage.get("key") for stage in stages if isinstance(stage, dict)}
    for index, indicator in enumerate(indicators):
        stage = indicator.get("stage") if isinstance(indicator, dict) else None
        if isinstance(stage, str) and stage not in stage_keys:
            yield ("indicators", index, "stage"), f"unknown stage '{stage}'"


def _check_calendar(data: dict[str, Any]) -> Iterator[Finding]:
    calendar = data.get("calendar")
    if not isinstance(calendar, dict) or not isinstance(calendar.get("country", "FR"), str):
        return
    try:
        holidays.country_holidays(calendar.get("country", "FR"), subdiv=calendar.get("subdivision"))
    except NotImplementedError as exc:
        yield ("calendar",), f"unknown holiday calendar: {exc}"
