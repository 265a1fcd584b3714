"""Progress of a stage or a plan (``gpect_workflow.engine.progress``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpect_workflow.engine.progress import Progress, TaskProgressFacts, progress
from gpect_workflow.engine.states import FINISHED_TASK_STATUSES, OPEN_TASK_STATUSES, TaskStatus

T = TaskStatus
TODAY = date(2026, 12, 15)


def task(status: TaskStatus, weight: int = 1, due_in: int = 10) -> TaskProgressFacts:
    return TaskProgressFacts(status, weight, TODAY + timedelta(days=due_in))


def test_no_tasks() -> None:
    result = progress([], TODAY)
    assert result == Progress(counts={}, total=0, weight_total=0, weight_finished=0, overdue=0, days_late=0)
    assert result.percent_done == 0


def test_counts_by_status_only_for_statuses_present() -> None:
    tasks = [task(T.TODO), task(T.TODO), task(T.DONE), task(T.BLOCKED), task(T.SKIPPED), task(T.TODO)]
    result = progress(tasks, TODAY)
    assert result.counts == {T.TODO: 3, T.DONE: 1, T.BLOCKED: 1, T.SKIPPED: 1}
    assert result.total == 6


def test_accepts_any_iterable() -> None:
    result = progress(iter([task(T.DONE, 2), task(T.TODO, 3)]), TODAY)
    assert (result.total, result.weight_total, result.weight_finished) == (2, 5, 2)


def test_percent_is_weighted() -> None:
    result = progress([task(T.DONE, 3), task(T.TODO, 1)], TODAY)
    assert (result.weight_total, result.weight_finished, result.percent_done) == (4, 3, 75)


@pytest.mark.parametrize(
    ("finished", "total", "percent"),
    [(1, 6, 16), (5, 6, 83), (2, 3, 66), (1, 3, 33), (199, 200, 99), (0, 5, 0), (7, 7, 100)],
)
def test_percent_is_rounded_down(finished: int, total: int, percent: int) -> None:
    tasks = [task(T.DONE)] * finished + [task(T.IN_PROGRESS)] * (total - finished)
    assert progress(tasks, TODAY).percent_done == percent


def test_one_unfinished_task_keeps_the_percent_below_100() -> None:
    tasks = [task(T.DONE, 100)] * 50 + [task(T.TODO, 1)]
    assert progress(tasks, TODAY).percent_done == 99


@pytest.mark.parametrize("status", list(FINISHED_TASK_STATUSES), ids=str)
def test_done_and_skipped_count_as_finished(status: TaskStatus) -> None:
    result = progress([task(status, 2), task(T.TODO, 2)], TODAY)
    assert result.weight_finished == 2
    assert result.percent_done == 50


def test_all_skipped_is_100() -> None:
    assert progress([task(T.SKIPPED), task(T.SKIPPED, 4)], TODAY).percent_done == 100


@pytest.mark.parametrize("status", list(OPEN_TASK_STATUSES), ids=str)
def test_open_task_due_before_today_is_overdue(status: TaskStatus) -> None:
    result = progress([task(status, due_in=-1)], TODAY)
    assert (result.overdue, result.days_late) == (1, 1)


@pytest.mark.parametrize("status", list(OPEN_TASK_STATUSES), ids=str)
def test_open_task_due_today_or_later_is_not_overdue(status: TaskStatus) -> None:
    result = progress([task(status, due_in=0), task(status, due_in=3)], TODAY)
    assert (result.overdue, result.days_late) == (0, 0)


@pytest.mark.parametrize("status", list(FINISHED_TASK_STATUSES), ids=str)
def test_finished_task_is_never_overdue(status: TaskStatus) -> None:
    result = progress([task(status, due_in=-30)], TODAY)
    assert (result.overdue, result.days_late) == (0, 0)


def test_days_late_is_the_largest_lateness_of_open_tasks() -> None:
    tasks = [
        task(T.TODO, due_in=-3),
        task(T.BLOCKED, due_in=-12),
        task(T.IN_PROGRESS, due_in=-1),
        task(T.DONE, due_in=-40),
        task(T.TODO, due_in=0),
        task(T.TODO, due_in=5),
    ]
    result = progress(tasks, TODAY)
    assert (result.overdue, result.days_late) == (3, 12)


statuses = st.sampled_from(list(TaskStatus))
facts = st.builds(
    TaskProgressFacts,
    status=statuses,
    weight=st.integers(1, 100),
    due_date=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
)


@settings(max_examples=500, database=None)
@given(tasks=st.lists(facts, max_size=30), today=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)))
def test_property_progress(tasks: list[TaskProgressFacts], today: date) -> None:
    result = progress(tasks, today)
    finished = [t for t in tasks if t.status in FINISHED_TASK_STATUSES]
    late = [(today - t.due_date).days for t in tasks if t.status in OPEN_TASK_STATUSES and t.due_date < today]
    assert sum(result.counts.values()) == result.total == len(tasks)
    assert 0 <= result.percent_done <= 100
    assert (result.percent_done == 100) == (bool(tasks) and len(finished) == len(tasks))
    assert result.percent_done == (
        100 * sum(t.weight for t in finished) // sum(t.weight for t in tasks) if tasks else 0
    )
    assert result.overdue == len(late)
    assert result.days_late == max(late, default=0)
    assert result.days_late >= 0
