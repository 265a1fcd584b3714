"""Two people changing the same plan at the same moment, each in their own session, on both databases.

Services lock the plan before reading what they change (``services/loading.py``): a row lock
(``SELECT ... FOR UPDATE``) on PostgreSQL, the database's one write lock (``BEGIN IMMEDIATE``) on SQLite,
which has no row locks and would otherwise let a change read what another one is about to change. So
changes to one plan happen one at a time: of two changes to the same task made from the same version, one
commits and the other is refused as stale; two partners finishing the last two required tasks of an
``auto`` stage close it exactly once and open the next stage exactly once; two files sent at once for the
last free place of a task leave one stored and the other refused; a delay request accepted by the lead as
its requester withdraws it is either accepted or withdrawn, never both; a file deleted twice at once is
deleted once; two corrections of one measured value at once each journal the value the other left; a plan
confirmed twice at once (a double click) is started once.

Each worker runs in a thread with its own app (its own engine and session), loads what it acts on,
waits at a barrier with the other, then calls the service. Every scenario is repeated on fresh plans
so that the race is actually run, not just possible.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.errors import InvalidTransition, NotFound, StaleObject, ValidationError
from gpect_workflow.models import (
    DelayRequest,
    DelayStatus,
    Event,
    EvidenceFile,
    Indicator,
    Person,
    Plan,
    PlanStatus,
    StageStatus,
    Task,
    TaskStatus,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.evidence.files import add_task_file, delete_file
from gpect_workflow.services.indicators.measurements import correct_measurement, record_measurement
from gpect_workflow.services.plans.starting import PlanRequest, start_plan
from gpect_workflow.services.plans.wizard import just_started
from gpect_workflow.services.tasks.changes import change_task_status, move_deadline
from gpect_workflow.services.tasks.delay_requests import accept_delay_request, ask_for_delay, withdraw_delay_request
from gpect_workflow.state import EXTENSION_NAME
from tests.conftest import PLAN_START, database_kind, make_app
from tests.evidence_support import CSV, evidence_dir_fixture, stored_files  # noqa: F401 (fixture)
from tests.plan_helpers import start_five_levers_plan
from tests.property_support import (
    PeopleCache,
    PlanPeople,
    check_plan_invariants,
    plan_request_on,
    read_plan,
    register_definition_text,
    start_plan_on,
)

#: How many times each race is run, on a fresh plan each time.
ROUNDS = 6
#: A worker that waits longer than this for a lock fails instead of hanging the suite (PostgreSQL; SQLite
#: waits up to its busy timeout, 10 s).
LOCK_TIMEOUT = "15s"
#: Seconds a worker paused before a statement waits for the others (``run_together``'s ``pause_before``).
PAUSE = 1.5

#: Two partners each own one required task of an ``auto`` stage; a second stage follows.
TWO_PARTNERS = """\
key: concurrency-two-partners
version: 1
title: {fr: Deux partenaires en même temps, en: Two partners at once}
roles:
  lead: {title: {fr: Chef de projet, en: Project lead}}
  partner-a: {title: {fr: Partenaire A, en: Partner A}}
  partner-b: {title: {fr: Partenaire B, en: Partner B}}
  committee: {title: {fr: Comité, en: Committee}, committee: true}
stages:
  - key: first
    lever: observe
    title: {fr: Première étape, en: First stage}
    duration_days: 30
    gate: auto
    tasks:
      - {key: task-a, title: {fr: Tâche A, en: Task A}, owner: partner-a, due_days: 10}
      - {key: task-b, title: {fr: Tâche B, en: Task B}, owner: partner-b, due_days: 12}
  - key: second
    lever: experiment
    title: {fr: Deuxième étape, en: Second stage}
    duration_days: 30
    gate: committee
    tasks:
      - {key: task-c, title: {fr: Tâche C, en: Task C}, owner: lead, due_days: 20, depends_on: [task-a, task-b]}
"""


@dataclass
class Outcome:
    """What one worker got: ``ok`` (committed), ``stale`` (StaleObject), ``refused`` (ValidationError,
    InvalidTransition or NotFound), or the unexpected exception."""

    name: str
    result: str = "not run"
    error: BaseException | None = None


def run_together(
    database_url: str,
    workers: dict[str, Callable[[], Callable[[], Any]]],
    config: dict[str, Any] | None = None,
    pause_before: str | None = None,
) -> dict[str, Outcome]:
    """Run each worker in its own thread, app and session; all call their service at the same moment.

    A worker is called inside its app context to load what it needs and returns the call to make once
    every worker is ready. A success is committed, a refusal rolled back; the engine is disposed in all cases.
    Each app is built with ``config``. With ``pause_before``, a statement starting with it waits up to
    ``PAUSE`` seconds for the other workers to reach it too: two changes that both get there unserialised
    then run it together, and a worker serialised behind another never gets there during the pause.
    """
    barrier = threading.Barrier(len(workers), timeout=30)
    outcomes = {name: Outcome(name) for name in workers}
    # Apps are built here, one after the other: building one compiles URL rules with ``ast``, which CPython
    # 3.11 does not do safely in two threads at once ("AST constructor recursion depth mismatch").
    apps = {name: make_app(database_url, **(config or {})) for name in workers}
    meeting = threading.Barrier(len(workers), timeout=PAUSE)

    def pause(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if pause_before is not None and statement.startswith(pause_before):
            with contextlib.suppress(threading.BrokenBarrierError):  # the others are held elsewhere: go on alone
                meeting.wait()

    def run(name: str, prepare: Callable[[], Callable[[], Any]]) -> None:
        outcome = outcomes[name]
        app = apps[name]
        db = app.extensions[EXTENSION_NAME].db
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", pause)
            try:
                if database_kind() == "postgres":
                    session().execute(sa.text(f"SET lock_timeout = '{LOCK_TIMEOUT}'"))
                call = prepare()
                barrier.wait()
                call()
                session().commit()
                outcome.result = "ok"
            except StaleObject as exc:
                session().rollback()
                outcome.result, outcome.error = "stale", exc
            except (ValidationError, InvalidTransition, NotFound) as exc:
                session().rollback()
                outcome.result, outcome.error = "refused", exc
            except BaseException as exc:
                session().rollback()
                outcome.result, outcome.error = "error", exc
                barrier.abort()
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=run, args=item, name=f"worker-{item[0]}") for item in workers.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker is still running after 60 seconds"
    for outcome in outcomes.values():
        if outcome.result == "error":
            raise AssertionError(f"worker {outcome.name} failed") from outcome.error
    return outcomes


@pytest.fixture
def two_partners(app: Flask, dummy_lead: Person, tmp_path: Path) -> Callable[[], tuple[int, PlanPeople]]:
    """Factory: a new committed plan of the two-partner definition; returns its id and people."""
    register_definition_text(TWO_PARTNERS, tmp_path)

    def start() -> tuple[int, PlanPeople]:
        plan, people = start_plan_on(dummy_lead, "concurrency-two-partners", 1, PLAN_START)
        session().commit()
        return plan.id, people

    return start


def task_id(plan_id: int, key: str) -> int:
    found = session().scalar(sa.select(Task.id).where(Task.plan_id == plan_id, Task.task_key == key))
    assert found is not None
    return found


def events(plan_id: int, kind: str, **where: Any) -> list[Event]:
    query = sa.select(Event).where(Event.plan_id == plan_id, Event.kind == kind)
    for column, value in where.items():
        query = query.where(getattr(Event, column) == value)
    return list(session().scalars(query.order_by(Event.id)))


def status_changer(
    person_id: int, task: int, version: int, target: TaskStatus, note: str | None = None
) -> Callable[[], Callable[[], Any]]:
    """A worker: ``person_id`` moves ``task`` (seen at ``version``) to ``target``."""

    def prepare() -> Callable[[], Any]:
        actor = session().get(Person, person_id)
        assert session().get(Task, task).version == version  # type: ignore[union-attr]
        return lambda: change_task_status(actor, task, target, note=note, expected_version=version)  # type: ignore[arg-type]

    return prepare


def deadline_mover(person_id: int, task: int, version: int, new_due: date) -> Callable[[], Callable[[], Any]]:
    """A worker: ``person_id`` moves the deadline of ``task`` (seen at ``version``) to ``new_due``."""

    def prepare() -> Callable[[], Any]:
        actor = session().get(Person, person_id)
        assert session().get(Task, task).version == version  # type: ignore[union-attr]
        return lambda: move_deadline(actor, task, new_due, note="replanned", expected_version=version)  # type: ignore[arg-type]

    return prepare


def fresh_task(task: int) -> Task:
    session().rollback()
    found = session().get(Task, task)
    assert found is not None
    return found


def test_same_task_same_version_one_status_change_wins(
    database_url: str, two_partners: Callable[[], tuple[int, PlanPeople]]
) -> None:
    for _ in range(ROUNDS):
        plan_id, people = two_partners()
        task = fresh_task(task_id(plan_id, "task-a"))
        version, assignee = task.version, task.assignee_id
        assert assignee is not None
        targets = {"assignee": TaskStatus.IN_PROGRESS, "lead": TaskStatus.BLOCKED}
        outcomes = run_together(
            database_url,
            {
                "assignee": status_changer(assignee, task.id, version, targets["assignee"]),
                "lead": status_changer(people.lead_id, task.id, version, targets["lead"], note="waiting for data"),
            },
        )
        results = sorted(outcome.result for outcome in outcomes.values())
        assert results == ["ok", "stale"], f"expected one commit and one stale refusal, got {outcomes}"
        winner = next(name for name, outcome in outcomes.items() if outcome.result == "ok")
        task = fresh_task(task.id)
        assert task.status is targets[winner] and task.version == version + 1
        changes = events(plan_id, "task_status_changed", task_id=task.id)
        assert [(e.from_state, e.to_state) for e in changes] == [(TaskStatus.TODO, targets[winner])]
        check_plan_invariants(read_plan(plan_id))


def test_same_task_same_version_one_deadline_move_wins(
    database_url: str, two_partners: Callable[[], tuple[int, PlanPeople]]
) -> None:
    for _ in range(ROUNDS):
        plan_id, people = two_partners()
        task = fresh_task(task_id(plan_id, "task-b"))
        version, due = task.version, task.due_date
        dates = {"lead-desk": due + timedelta(days=3), "lead-phone": due + timedelta(days=9)}
        outcomes = run_together(
            database_url,
            {name: deadline_mover(people.lead_id, task.id, version, new_due) for name, new_due in dates.items()},
        )
        results = sorted(outcome.result for outcome in outcomes.values())
        assert results == ["ok", "stale"], f"expected one commit and one stale refusal, got {outcomes}"
        winner = next(name for name, outcome in outcomes.items() if outcome.result == "ok")
        task = fresh_task(task.id)
        assert task.due_date == dates[winner] and task.version == version + 1
        moves = events(plan_id, "deadline_moved", task_id=task.id)
        assert [(m.from_state, m.to_state) for m in moves] == [(due.isoformat(), dates[winner].isoformat())]
        check_plan_invariants(read_plan(plan_id))


def test_last_two_required_tasks_finished_at_once_close_the_stage_once(
    database_url: str, two_partners: Callable[[], tuple[int, PlanPeople]]
) -> None:
    for _ in range(ROUNDS):
        plan_id, _people = two_partners()
        first, second = fresh_task(task_id(plan_id, "task-a")), fresh_task(task_id(plan_id, "task-b"))
        assert first.assignee_id is not None and second.assignee_id is not None
        outcomes = run_together(
            database_url,
            {
                "partner-a": status_changer(first.assignee_id, first.id, first.version, TaskStatus.DONE),
                "partner-b": status_changer(second.assignee_id, second.id, second.version, TaskStatus.DONE),
            },
        )
        assert {outcome.result for outcome in outcomes.values()} == {"ok"}, f"both must commit: {outcomes}"
        session().rollback()
        view = read_plan(plan_id)
        statuses = {stage.key: stage.status for stage in view.stages}
        assert statuses == {"first": StageStatus.CLOSED, "second": StageStatus.OPEN}, statuses
        assert view.status is PlanStatus.ACTIVE and view.current_stage_key == "second"
        assert {t.key: t.status for t in view.tasks.values()} == {
            "task-a": TaskStatus.DONE,
            "task-b": TaskStatus.DONE,
            "task-c": TaskStatus.TODO,
        }
        stage_ids = {stage.key: stage.id for stage in view.stages}
        assert len(events(plan_id, "stage_closed", stage_id=stage_ids["first"])) == 1
        assert len(events(plan_id, "stage_entered", stage_id=stage_ids["second"])) == 1
        assert len(events(plan_id, "task_status_changed")) == 2
        check_plan_invariants(view)


def file_sender(person_id: int, task: int, name: str) -> Callable[[], Callable[[], Any]]:
    """A worker: ``person_id`` attaches a small CSV file called ``name`` to ``task``."""

    def prepare() -> Callable[[], Any]:
        actor = session().get(Person, person_id)
        assert actor is not None
        return lambda: add_task_file(actor, task, name, io.BytesIO(CSV))

    return prepare


def test_two_files_sent_at_once_for_a_task_s_last_free_place_store_one(
    database_url: str, two_partners: Callable[[], tuple[int, PlanPeople]], app: Flask, evidence_dir: Path
) -> None:
    """Each upload counts the task's files, then writes its row: unserialised, both count one free place
    and both write. The pause before the row's ``INSERT`` makes both reach it whenever they are not
    serialised, so the race is run every round, not left to timing."""
    limit = 2
    config = {"EVIDENCE_DIR": str(evidence_dir), "EVIDENCE_MAX_FILES": limit}
    app.config.update(config)
    for round_ in range(3):
        plan_id, people = two_partners()
        task = fresh_task(task_id(plan_id, "task-a"))
        assignee = task.assignee_id
        assert assignee is not None
        add_task_file(session().get(Person, assignee), task.id, "first.csv", io.BytesIO(CSV))  # type: ignore[arg-type]
        session().commit()
        outcomes = run_together(
            database_url,
            {
                "partner": file_sender(assignee, task.id, f"partner-{round_}.csv"),
                "lead": file_sender(people.lead_id, task.id, f"lead-{round_}.csv"),
            },
            config=config,
            pause_before="INSERT INTO gpect_evidence_files",
        )
        results = sorted(outcome.result for outcome in outcomes.values())
        assert results == ["ok", "refused"], f"expected one file stored and one refused, got {outcomes}"
        session().rollback()
        names = session().scalars(sa.select(EvidenceFile.display_name).where(EvidenceFile.task_id == task.id))
        winner = next(name for name, outcome in outcomes.items() if outcome.result == "ok")
        assert sorted(names) == sorted(["first.csv", f"{winner}-{round_}.csv"])
        assert len(events(plan_id, "evidence_added", task_id=task.id)) == limit
        assert len(stored_files(evidence_dir)) == limit * (round_ + 1), "the refused file's bytes are removed"


def request_answerer(person_id: int, request_id: int, answer: str) -> Callable[[], Callable[[], Any]]:
    """A worker: ``person_id`` accepts (the lead) or withdraws (the requester) the delay request."""

    def prepare() -> Callable[[], Any]:
        actor = session().get(Person, person_id)
        assert actor is not None
        if answer == "accept":
            return lambda: accept_delay_request(actor, request_id)
        return lambda: withdraw_delay_request(actor, request_id)

    return prepare


def test_a_delay_request_accepted_as_it_is_withdrawn_is_answered_once(
    database_url: str, two_partners: Callable[[], tuple[int, PlanPeople]]
) -> None:
    """Both load the request waiting, the second waits for the plan's lock behind the first: it must then see
    the first's answer and be refused, not accept a withdrawn request (moving its deadline) or withdraw an
    accepted one. The pause before the request's ``UPDATE`` makes both get there whenever they are not
    serialised."""
    for _ in range(3):
        plan_id, people = two_partners()
        task = fresh_task(task_id(plan_id, "task-a"))
        requester, due = task.assignee_id, task.due_date
        assert requester is not None
        asked = ask_for_delay(session().get(Person, requester), task.id, due + timedelta(days=5), "data late")  # type: ignore[arg-type]
        request_id = asked.id
        session().commit()
        outcomes = run_together(
            database_url,
            {
                "accept": request_answerer(people.lead_id, request_id, "accept"),
                "withdraw": request_answerer(requester, request_id, "withdraw"),
            },
            pause_before="UPDATE gpect_delay_requests",
        )
        results = sorted(outcome.result for outcome in outcomes.values())
        assert results == ["ok", "refused"], f"expected one answer and one refusal, got {outcomes}"
        winner = next(name for name, outcome in outcomes.items() if outcome.result == "ok")
        session().rollback()
        request = session().get(DelayRequest, request_id)
        assert request is not None
        expected = {"accept": DelayStatus.ACCEPTED, "withdraw": DelayStatus.WITHDRAWN}[winner]
        assert request.status is expected
        moved = due + timedelta(days=5) if winner == "accept" else due
        assert fresh_task(task.id).due_date == moved
        answers = [e.kind for e in events(plan_id, "delay_accepted")] + [
            e.kind for e in events(plan_id, "delay_withdrawn")
        ]
        assert len(answers) == 1, answers


def file_deleter(person_id: int, file_id: int) -> Callable[[], Callable[[], Any]]:
    def prepare() -> Callable[[], Any]:
        actor = session().get(Person, person_id)
        assert actor is not None
        return lambda: delete_file(actor, file_id)

    return prepare


def test_a_file_deleted_twice_at_once_is_deleted_once(
    database_url: str, two_partners: Callable[[], tuple[int, PlanPeople]], evidence_dir: Path
) -> None:
    """The uploader and the lead delete the same file at the same moment (two tabs, a double click): one
    deletes it and journals it, the other is told it is gone."""
    config = {"EVIDENCE_DIR": str(evidence_dir)}
    for _ in range(3):
        plan_id, people = two_partners()
        task = fresh_task(task_id(plan_id, "task-a"))
        uploader = task.assignee_id
        assert uploader is not None
        file_id = add_task_file(session().get(Person, uploader), task.id, "a.csv", io.BytesIO(CSV)).id  # type: ignore[arg-type]
        session().commit()
        outcomes = run_together(
            database_url,
            {"uploader": file_deleter(uploader, file_id), "lead": file_deleter(people.lead_id, file_id)},
            config=config,
            pause_before="DELETE FROM gpect_evidence_files",
        )
        results = sorted(outcome.result for outcome in outcomes.values())
        assert results == ["ok", "refused"], f"expected one deletion and one refusal, got {outcomes}"
        session().rollback()
        assert session().get(EvidenceFile, file_id) is None
        assert len(events(plan_id, "evidence_deleted", task_id=task.id)) == 1


def value_corrector(
    person_id: int, indicator_id: int, measurement_id: int, value: float
) -> Callable[[], Callable[[], Any]]:
    def prepare() -> Callable[[], Any]:
        actor = session().get(Person, person_id)
        assert actor is not None
        return lambda: correct_measurement(actor, indicator_id, measurement_id, value, date(2026, 11, 20), "Enquête")

    return prepare


def test_two_corrections_of_one_value_at_once_journal_each_the_value_the_other_left(
    database_url: str, definitions: None, dummy_lead: Person
) -> None:
    """The lead corrects a mistyped 1 200 to 12 in one tab and to 120 in another at the same moment: both
    corrections are kept in order, the second's "before" being the first's "after", never 1 200 twice."""
    for _ in range(2):
        plan = start_five_levers_plan(dummy_lead, date(2026, 11, 2))
        session().commit()
        surveyed = session().scalar(
            sa.select(Indicator).where(Indicator.plan_id == plan.id, Indicator.key == "companies-surveyed")
        )
        assert surveyed is not None
        mistyped = record_measurement(dummy_lead, surveyed.id, 1200, date(2026, 11, 20), "Enquête CCI")
        session().commit()
        outcomes = run_together(
            database_url,
            {str(value): value_corrector(dummy_lead.id, surveyed.id, mistyped.id, value) for value in (12.0, 120.0)},
            pause_before="UPDATE gpect_measurements",
        )
        assert {outcome.result for outcome in outcomes.values()} == {"ok"}, f"both must commit: {outcomes}"
        session().rollback()
        corrections = [event.data for event in events(plan.id, "measurement_corrected")]
        values = [(data["before"]["value"], data["after"]["value"]) for data in corrections]  # type: ignore[index]
        assert len(values) == 2 and values[0][0] == 1200 and values[1][0] == values[0][1], values


def plan_confirmer(lead_id: int, request: PlanRequest) -> Callable[[], Callable[[], Any]]:
    """A worker: the wizard's confirmation (``web.plans.wizard._confirm``): the plan this request started a
    moment ago, or a new one."""

    def prepare() -> Callable[[], Any]:
        lead = session().get(Person, lead_id)
        assert lead is not None
        return lambda: just_started(request) or start_plan(lead, request)

    return prepare


def test_a_plan_confirmed_twice_at_once_is_started_once(
    database_url: str, two_partners: Callable[[], tuple[int, PlanPeople]], dummy_lead: Person
) -> None:
    """A double click on "start the plan": both requests look for the plan just started, find none unless
    serialised, and each start one (every partner then told twice that the first stage opened)."""
    two_partners()  # registers the definition
    cache: PeopleCache = {}
    for round_ in range(3):
        request = plan_request_on(dummy_lead, "concurrency-two-partners", 1, PLAN_START, 2, cache)
        request = dataclasses.replace(request, name=f"Plan confirmé deux fois {round_}")
        session().commit()
        outcomes = run_together(
            database_url,
            {name: plan_confirmer(dummy_lead.id, request) for name in ("click", "double-click")},
            pause_before="INSERT INTO gpect_plans",
        )
        assert {outcome.result for outcome in outcomes.values()} == {"ok"}, outcomes
        session().rollback()
        started = session().scalars(sa.select(Plan.id).where(Plan.name == request.name)).all()
        assert len(started) == 1, started
