"""Every kind of mistake in a definition file is reported at the right line and path, with its reason.

Each ``tests/data/bad-<kind>.yaml`` is ``valid-minimal.yaml`` with one mistake, so each must report exactly
the problems listed here: no more (no knock-on errors), no fewer.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gpect_workflow.definitions import DefinitionError, WorkflowDefinition, load_definition_file, parse_definition
from gpect_workflow.definitions.errors import Problem, format_path
from gpect_workflow.definitions.schema import TaskSchema, WorkflowSchema

DATA_DIR = Path(__file__).resolve().parents[2] / "tests" / "data"

TOP_LEVEL_KEYS = "key, version, title, description, calendar, reminders, rescheduling, roles, stages, indicators"
TASK_KEYS = (
    "key, title, description, owner, due_days, due_working_days, due_date, due_from, depends_on, required, weight,"
    " reminders"
)
EXACTLY_ONE_DUE = "a task needs exactly one of due_days, due_working_days, due_date"

Expected = tuple[str, int, str]  # (format_path(path), line, substring of the reason)

BAD_FILES: dict[str, list[Expected]] = {
    # reading
    "bad-yaml-syntax.yaml": [("<root>", 3, "invalid YAML: mapping values are not allowed here")],
    "bad-empty.yaml": [("<root>", 1, "the file is empty")],
    "bad-not-mapping.yaml": [("<root>", 2, "a definition must be a mapping of keys to values")],
    "bad-duplicate-yaml-key.yaml": [("title", 7, "duplicate key 'title' (first on line 4)")],
    # structure
    "bad-unknown-top-level-key.yaml": [("colour", 4, f"unknown key 'colour'; allowed keys: {TOP_LEVEL_KEYS}")],
    "bad-unknown-task-key.yaml": [
        ("stages[0].tasks[0].colour", 30, f"unknown key 'colour'; allowed keys: {TASK_KEYS}")
    ],
    "bad-missing-required-key.yaml": [("stages[0].lever", 20, "is required")],
    "bad-missing-french-title.yaml": [("roles.partner.title.fr", 15, "the French text is missing")],
    "bad-missing-english-title.yaml": [("stages[1].title.en", 37, "the English text is missing")],
    "bad-unknown-lever.yaml": [
        ("stages[1].lever", 36, "must be one of: observe, experiment, adapt, articulate, lead_change (got 'review')")
    ],
    "bad-duration-zero.yaml": [("stages[1].duration_days", 38, "1 and 3650")],
    "bad-duration-string.yaml": [("stages[0].duration_days", 23, "must be a whole number")],
    "bad-send-hour.yaml": [("reminders.send_hour", 10, "must be HH:MM, 00:00 to 23:59 (got '8h30')")],
    "bad-rescheduling-stages.yaml": [("rescheduling.stages", 12, "must be one of: shift, keep (got 'sometimes')")],
    "bad-indicator-unit.yaml": [
        ("indicators[0].unit", 48, "must be one of: count, percent, euro, days, hours, people (got 'kg')")
    ],
    "bad-indicator-target-huge.yaml": [
        ("indicators[0].target", 49, "must be between -999999999999999 and 999999999999999")
    ],
    "bad-indicator-target-infinite.yaml": [("indicators[0].target", 49, "must be a finite number")],
    "bad-version-string.yaml": [("version", 3, "must be a whole number")],
    "bad-boolean-yes.yaml": [("roles.steering_committee.committee", 18, "must be true or false")],
    # rules across the document
    "bad-unknown-role.yaml": [
        ("stages[0].tasks[0].owner", 28, "unknown role 'companies'; roles: lead, partner, steering_committee")
    ],
    "bad-missing-lead-role.yaml": [("roles", 11, "the definition must name a 'lead' role")],
    "bad-committee-gate-without-committee-role.yaml": [
        ("stages[0].gate", 23, "a committee gate needs a role marked 'committee: true' to decide it")
    ],
    "bad-duplicate-stage-key.yaml": [("stages[1].key", 35, "duplicate key 'observe' (also at stages[0].key)")],
    "bad-duplicate-task-key.yaml": [
        ("stages[1].tasks[1].key", 45, "duplicate key 'report' (also at stages[0].tasks[1].key)")
    ],
    "bad-duplicate-indicator-key.yaml": [
        ("indicators[1].key", 51, "duplicate key 'companies-surveyed' (also at indicators[0].key)")
    ],
    "bad-unknown-dependency.yaml": [("stages[0].tasks[1].depends_on[1]", 34, "depends on unknown task 'missing'")],
    "bad-self-dependency.yaml": [("stages[0].tasks[1].depends_on[0]", 34, "task 'report' depends on itself")],
    "bad-later-stage-dependency.yaml": [
        ("stages[0].tasks[0].depends_on[0]", 30, "depends on 'action', a task of a later stage")
    ],
    "bad-dependency-cycle.yaml": [("stages[0].tasks[1].depends_on", 35, "dependency cycle: ")],
    "bad-due-days-beyond-stage.yaml": [
        ("stages[0].tasks[0].due_days", 29, "due_days 45 is beyond the stage's duration of 30 days")
    ],
    "bad-due-working-days-beyond-stage.yaml": [
        ("stages[0].tasks[1].due_working_days", 33, "due_working_days 23 is beyond the stage's duration of 30 days")
    ],
    "bad-plan-start-before-stage.yaml": [
        ("stages[1].tasks[0].due_days", 43, "due_days 10 from the plan start falls before the stage opens (day 30)")
    ],
    "bad-plan-start-after-stage.yaml": [
        ("stages[1].tasks[0].due_days", 44, "due_days 91 from the plan start falls after the stage ends (day 90)")
    ],
    "bad-no-due.yaml": [("stages[0].tasks[0]", 26, f"{EXACTLY_ONE_DUE}; it gives none")],
    "bad-two-dues.yaml": [("stages[0].tasks[0]", 26, f"{EXACTLY_ONE_DUE}; it gives due_days and due_date")],
    "bad-empty-stage.yaml": [("stages[1].tasks", 39, "stage 'act' is empty: it has no task")],
    "bad-no-stages.yaml": [("stages", 19, "the definition has no stage")],
    "bad-indicator-stage.yaml": [("indicators[0].stage", 50, "unknown stage 'nowhere'")],
    "bad-calendar-country.yaml": [("calendar", 7, "unknown holiday calendar: Country XX not available")],
    "bad-calendar-subdivision.yaml": [
        ("calendar", 7, "unknown holiday calendar: Entity `FR` does not have subdivision 99")
    ],
    # several problems in one file
    "bad-many.yaml": [
        ("colour", 7, f"unknown key 'colour'; allowed keys: {TOP_LEVEL_KEYS}"),
        ("roles.partner.title.en", 16, "the English text is missing"),
        ("stages[0].tasks[0].owner", 29, "unknown role 'companies'"),
        ("stages[0].tasks[1].depends_on[0]", 35, "task 'report' depends on itself"),
        ("stages[1].tasks[0].due_days", 45, "duplicate key 'due_days' (first on line 44)"),
        ("indicators[0].unit", 50, "(got 'kg')"),
    ],
}

LINE_FORMAT = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<path>\S+): (?P<reason>.+)$")


def _problems(name: str) -> list[Problem]:
    path = DATA_DIR / name
    with pytest.raises(DefinitionError) as caught:
        load_definition_file(path)
    return caught.value.problems


def test_the_table_covers_every_bad_file() -> None:
    on_disk = {path.name for path in DATA_DIR.glob("bad-*.yaml")}
    assert on_disk == set(BAD_FILES)


def test_every_data_file_says_what_is_wrong_on_its_first_line() -> None:
    for path in DATA_DIR.glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# "), path.name
        if path.name.startswith("bad-"):
            assert first.startswith("# bad: ") and len(first) > len("# bad: ") + 10, path.name


def test_the_minimal_file_is_valid() -> None:
    definition = load_definition_file(DATA_DIR / "valid-minimal.yaml")
    assert definition.key == "minimal"
    assert [stage.key for stage in definition.stages] == ["observe", "act"]
    assert [task.key for task in definition.tasks()] == ["survey", "report", "action"]
    assert definition.committee_roles == ("steering_committee",)


@pytest.mark.parametrize(("name", "expected"), sorted(BAD_FILES.items()), ids=sorted(BAD_FILES))
def test_bad_file_reports_exactly_its_problems(name: str, expected: list[Expected]) -> None:
    problems = _problems(name)
    found = [(format_path(problem.path), problem.line) for problem in problems]
    assert sorted(found) == sorted((path, line) for path, line, _ in expected), "\n".join(map(str, problems))
    by_place = {(format_path(problem.path), problem.line): problem for problem in problems}
    for path, line, reason in expected:
        problem = by_place[(path, line)]
        assert reason in problem.message, str(problem)
        assert problem.file == str(DATA_DIR / name)


def test_a_dependency_cycle_names_its_three_tasks_in_order() -> None:
    (problem,) = _problems("bad-dependency-cycle.yaml")
    cycle = problem.message.removeprefix("dependency cycle: ").split(" -> ")
    assert cycle[0] == cycle[-1]
    assert sorted(cycle[:-1]) == ["report", "review", "survey"]
    # survey depends on review, review on report, report on survey: each arrow goes from a task to its dependency
    following = {"survey": "review", "review": "report", "report": "survey"}
    assert all(following[a] == b for a, b in itertools.pairwise(cycle))


def test_a_file_with_many_problems_reports_them_all_at_once() -> None:
    problems = _problems("bad-many.yaml")
    assert len(problems) >= 4
    assert len({problem.message.split(" ")[0] for problem in problems}) >= 4  # different kinds, not one repeated
    assert [problem.line for problem in problems] == sorted(problem.line or 0 for problem in problems)


def test_the_error_text_has_one_line_per_problem_as_file_line_path_reason() -> None:
    path = DATA_DIR / "bad-many.yaml"
    with pytest.raises(DefinitionError) as caught:
        load_definition_file(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.problems)
    for line, problem in zip(lines, caught.value.problems, strict=True):
        match = LINE_FORMAT.match(line)
        assert match is not None, line
        assert match["file"] == str(path)
        assert int(match["line"]) == problem.line
        assert match["path"] == format_path(problem.path)
        assert match["reason"] == problem.message
    assert f"{path}:7: colour: unknown key 'colour'; allowed keys: {TOP_LEVEL_KEYS}" in lines


@pytest.mark.parametrize("name", ["bad-unknown-top-level-key.yaml", "bad-unknown-task-key.yaml"])
def test_unknown_key_errors_name_every_allowed_key(name: str) -> None:
    (problem,) = _problems(name)
    schema = WorkflowSchema if name == "bad-unknown-top-level-key.yaml" else TaskSchema
    allowed = problem.message.split("allowed keys: ", 1)[1].split(", ")
    assert allowed == list(schema().fields)


def test_an_unknown_key_in_a_nested_text_names_the_two_languages(
    minimal_text: str, problems_of: Callable[[str], list[Problem]]
) -> None:
    # The documented pitfall: a comma inside a one-line text starts a new key.
    text = minimal_text.replace("{fr: Partenaire, en: Partner}", "{fr: Partenaire, sécurité, en: Partner}")
    (problem,) = problems_of(text)
    assert format_path(problem.path) == "roles.partner.title.sécurité"
    assert problem.line == 15
    assert problem.message == "unknown key 'sécurité'; allowed keys: fr, en"


def test_a_missing_top_level_key_points_at_the_document(
    minimal_text: str, problems_of: Callable[[str], list[Problem]]
) -> None:
    (problem,) = problems_of(minimal_text.replace("version: 1\n", ""))
    assert (format_path(problem.path), problem.line, problem.message) == ("version", 2, "is required")


@pytest.mark.parametrize(
    ("offset", "valid"),
    [("due_days: 30", True), ("due_days: 31", False), ("due_working_days: 22", True), ("due_working_days: 23", False)],
)
def test_an_offset_may_reach_the_last_day_of_its_stage_but_not_beyond(
    minimal_text: str,
    offset: str,
    valid: bool,
    parse: Callable[[str], WorkflowDefinition],
    problems_of: Callable[[str], list[Problem]],
) -> None:
    # 22 working days can span as few as 30 calendar days (from a Sunday); 23 need at least 31.
    text = minimal_text.replace("        due_days: 20\n", f"        {offset}\n")
    if valid:
        assert parse(text).stages[0].tasks[0].key == "survey"
    else:
        (problem,) = problems_of(text)
        assert format_path(problem.path) == f"stages[0].tasks[0].{offset.split(':')[0]}"
        assert "beyond the stage's duration of 30 days" in problem.message


@pytest.mark.parametrize(("due_days", "valid"), [(29, False), (30, True), (90, True), (91, False)])
def test_a_plan_start_offset_must_fall_in_its_stage_window(
    minimal_text: str,
    due_days: int,
    valid: bool,
    parse: Callable[[str], WorkflowDefinition],
    problems_of: Callable[[str], list[Problem]],
) -> None:
    text = minimal_text.replace(
        "        due_days: 50\n", f"        due_days: {due_days}\n        due_from: plan_start\n"
    )
    if valid:
        assert parse(text).stages[1].tasks[0].due.counted_from == "plan_start"
    else:
        (problem,) = problems_of(text)
        assert format_path(problem.path) == "stages[1].tasks[0].due_days"
        assert "from the plan start falls" in problem.message


@pytest.mark.parametrize("text", ["---\n", "null\n", "~\n"])
def test_a_null_document_is_a_definition_error_not_a_crash(text: str) -> None:
    # The document is there but holds nothing (an explicit empty document, or null): like an empty file or a
    # document that is not a mapping, it must be reported as a problem, not escape as another exception.
    try:
        parse_definition(text, "null.yaml")
    except DefinitionError as error:
        (problem,) = error.problems
        assert (problem.file, format_path(problem.path), problem.line) == ("null.yaml", "<root>", 1)
        assert problem.message in ("the file is empty", "a definition must be a mapping of keys to values")
    except Exception as error:  # the bug this test guards against
        pytest.fail(f"{text!r} raised {type(error).__name__}: {error} instead of DefinitionError")
    else:  # pragma: no cover
        pytest.fail(f"{text!r} loaded as a definition")


def test_an_unreadable_file_is_a_definition_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(DefinitionError) as caught:
        load_definition_file(missing)
    (problem,) = caught.value.problems
    assert problem.file == str(missing)
    assert problem.line is None
    assert problem.message.startswith("cannot read the file")
    assert str(caught.value) == f"{missing}: <root>: {problem.message}"
