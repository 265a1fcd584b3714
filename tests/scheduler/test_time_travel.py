"""Every shipped definition run from start to completion while time moves, against a real SMTP server.

For each file of workflows/, a plan is created the day before its start date with every role mapped (one
person per role, distinct addresses, two committee members, an English speaker, a person in daily-digest
mode, a referent in the organisation of the partner who will be late): it waits, scheduled, and nobody
hears of it until the tick of its start date's morning opens it. Time then moves forward through
``flask gpect tick --at``
(the CLI, as cron or an operator would run it): at 08:31 Paris on the days something is due, once in a
while only in the afternoon, and at 15:00 after people acted. People act through the services on realistic
days, reacting to the emails they got: most partners finish a task the day after its first reminder,
some on the due date, the English speaker one task the day after its first overdue reminder, one partner
only after the lead was sent the escalation; the digest reader the day after a digest lists the task; the
committee approves each gate three days after the gate-awaiting email.

Checked: each tick queues exactly the reminders, escalations and digests predicted from the pure engine
(``task_slots`` + ``due_slots`` over the tick's window for the tasks then open in an open stage); every
outbox row reaches the SMTP server exactly once; reminders are in the recipient's language with their
links and calendar file; notices reach the right people once.

Then downtime: after the scheduler missed days, the one reminder sent must speak of the day it is sent
(docs/reminders.md: "its text is written from the task's state now"), and a weekly digest whose send
time fell in the gap must still leave.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from icalendar import Calendar

from gpect_workflow.clock import FrozenClock
from gpect_workflow.definitions import WorkflowDefinition, load_definition_file
from gpect_workflow.engine.reminders import ReminderKind
from gpect_workflow.models import (
    FINISHED_TASK_STATUSES,
    Decision,
    Language,
    OrganisationKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    Plan,
    PlanStage,
    PlanStatus,
    ReminderMode,
    StageStatus,
    Task,
    TaskDependency,
    TaskStatus,
)
from gpect_workflow.notifications.announcements import pending_announcements
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import change_task_status
from gpect_workflow.state import EXTENSION_NAME
from tests.conftest import WORKFLOWS
from tests.smtp_server import Received, SmtpServer
from tests.time_travel_support import (
    LINK,
    MAIL_DOMAIN,
    PARIS,
    ExpectedDigest,
    ExpectedReminder,
    Member,
    expected_message_id,
    mail_app,
    next_working_day,
    open_tasks,
    outbox_rows,
    paris,
    predict_daily_digest,
    predict_reminders,
    reminder_subject_ending,
)

DEFINITION_FILES = sorted(WORKFLOWS.glob("*.yaml"))
#: Tuesday 1 December 2026: plans are created the afternoon before and open at 08:30 that day.
PLAN_START = date(2026, 12, 1)
#: When the lead creates the plan: Monday 30 November 2026, 16:00 in Paris.
CREATED_AT = paris(PLAN_START - timedelta(days=1), 16, 0)
#: Every this many tick days, the morning tick is skipped and the day's only tick runs mid-afternoon.
AFTERNOON_ONLY_EVERY = 7
#: A dry run before every this many ticks, checked against the real tick that follows.
DRY_RUN_EVERY = 9
#: The committee decides this many days after the gate-awaiting email (then the next working day).
GATE_DELAY = timedelta(days=3)
MAX_TICK_DAYS = 400

QUEUED = re.compile(r"queued (\d+) reminder\(s\) and (\d+) digest\(s\)")
WOULD_QUEUE = re.compile(r"would queue (\d+) reminder\(s\) and (\d+) digest\(s\)")


@pytest.fixture
def app(database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    with mail_app(database_url, smtp.port) as app:
        yield app


# ----------------------------------------------------------------------------------------------------------------
# The cast
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class Cast:
    """The people of the plan and the roles they were given in the story."""

    lead: Member
    by_role: dict[str, Member]
    committee: list[Member]
    english: Member
    digest: Member
    late: Member
    referent: Member
    late_task_key: str
    overdue_task_key: str

    @property
    def people(self) -> dict[int, Member]:
        everyone = [*self.by_role.values(), *self.committee, self.referent]
        return {m.id: m for m in everyone}

    @property
    def referents(self) -> dict[int, int]:
        """Assignee id → the referent of their organisation (only the late partner's has one)."""
        return {self.late.id: self.referent.id}


def _member(person: Person) -> Member:
    return Member(person.id, person.email, person.name, person.language.value, person.reminder_mode, person.timezone)


def cast_and_start(definition: WorkflowDefinition, clock: FrozenClock) -> tuple[int, Cast]:
    """Create one person per role (two for the committee) and the plan, the day before PLAN_START: scheduled."""
    clock.set(CREATED_AT)
    domain = f"{definition.key}.example.org"
    territory = ensure_territory(f"t-{definition.key}"[:64], f"Territoire {definition.key}", "45")
    owners = {t.owner for t in definition.tasks()}
    stage_one = [t for t in definition.stages[0].tasks if t.required and t.owner != "lead"]
    late_task = stage_one[0]
    overdue_task = next(t for t in stage_one if t.owner != late_task.owner)
    workers = [r.key for r in definition.roles if r.key in owners and r.key != "lead"]
    digest_role = next(r for r in workers if r not in (late_task.owner, overdue_task.owner))
    people: dict[str, Person] = {}
    organisations = {}
    committee: list[Person] = []
    for role in definition.roles:
        organisation = ensure_organisation(f"Organisation {role.key}", OrganisationKind.OTHER, territory)
        organisations[role.key] = organisation
        local = role.key.replace("_", "-")
        if role.is_committee:
            committee = [
                create_person(
                    f"{local}-{n}@{domain}", PersonRole.COMMITTEE, f"Membre {n} du comité", organisation=organisation
                )
                for n in (1, 2)
            ]
            continue
        people[role.key] = create_person(
            f"{local}@{domain}",
            PersonRole.LEAD if role.key == "lead" else PersonRole.PARTNER,
            f"Personne {role.key}",
            organisation=organisation,
            language=Language.EN if role.key == overdue_task.owner else Language.FR,
            reminder_mode=ReminderMode.DAILY if role.key == digest_role else ReminderMode.IMMEDIATE,
        )
    referent = create_person(
        f"referent@{domain}",
        PersonRole.PARTNER,
        "Rita Référente",
        organisation=organisations[late_task.owner],
        is_referent=True,
    )
    lead = people["lead"]
    roles = {key: RoleMapping(organisations[key].id, [p.id]) for key, p in people.items()}
    for role in definition.roles:
        if role.is_committee:
            roles[role.key] = RoleMapping(organisations[role.key].id, [c.id for c in committee])
    plan = start_plan(
        lead,
        PlanRequest(
            f"Plan {definition.key}",
            definition.key,
            definition.version,
            territory.id,
            lead.id,
            PLAN_START,
            roles,
        ),
    )
    session().commit()
    by_role = {key: _member(p) for key, p in people.items()}
    cast = Cast(
        lead=by_role["lead"],
        by_role=by_role,
        committee=[_member(c) for c in committee],
        english=by_role[overdue_task.owner],
        digest=by_role[digest_role],
        late=by_role[late_task.owner],
        referent=_member(referent),
        late_task_key=late_task.key,
        overdue_task_key=overdue_task.key,
    )
    return plan.id, cast


# ----------------------------------------------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class Story:
    """Everything the run observed, to drive people's actions and for the final checks."""

    definition: WorkflowDefinition
    plan_id: int
    cast: Cast
    smtp: SmtpServer
    app: Flask
    clock: FrozenClock
    covered_until: datetime | None = None
    ticks: int = 0
    last_row_id: int = 0
    received_seen: int = 0
    problems: list[str] = field(default_factory=list)
    #: Outbox row id → the local day of the tick that queued and sent it.
    sent_on: dict[int, date] = field(default_factory=dict)
    rows_by_message_id: dict[str, OutboxMessage] = field(default_factory=dict)
    first_reminder: dict[int, date] = field(default_factory=dict)
    first_overdue: dict[int, date] = field(default_factory=dict)
    escalated: dict[int, date] = field(default_factory=dict)
    first_digest: dict[int, date] = field(default_factory=dict)
    ready_since: dict[int, date] = field(default_factory=dict)
    gate_decision_day: dict[int, date] = field(default_factory=dict)
    #: Task id → its key; every reminder and escalation predicted; outbox row id → the prediction it matched.
    task_keys: dict[int, str] = field(default_factory=dict)
    predicted: list[ExpectedReminder] = field(default_factory=list)
    matched: dict[int, ExpectedReminder] = field(default_factory=dict)

    # -- ticks -------------------------------------------------------------------------------------------------

    def tick(self, instant: datetime, *, dry_run_first: bool = False, opening: bool = False) -> str:
        """Run ``flask gpect tick --at instant`` after predicting what it must queue; check it did exactly that.

        ``opening``: the tick opens the scheduled plan first, so its first stage's tasks count. Returns the
        command's output.
        """
        session().commit()  # end the test's own transaction so the tick's process-like session sees everything
        since = self.covered_until or instant - timedelta(days=1)
        tasks = open_tasks({self.definition.key: self.definition}, self.cast.people, opening=opening)
        for task in tasks:
            self.task_keys[task.id] = task.task_key
        expected = predict_reminders(tasks, since, instant, self.cast.people, self.cast.referents)
        digest = predict_daily_digest(tasks, since, instant, self.cast.digest)
        runner = self.app.test_cli_runner()
        if dry_run_first:
            before = len(outbox_rows())
            dry = runner.invoke(args=["gpect", "tick", "--at", instant.isoformat(), "--dry-run"])
            assert dry.exit_code == 0, dry.output
            would = WOULD_QUEUE.search(dry.output)
            assert would, dry.output
            if (int(would[1]), int(would[2])) != (len(expected), int(digest is not None)):
                self.problems.append(f"{instant}: dry run says {would[0]!r}, predicted {len(expected)} + {digest}")
            assert len(outbox_rows()) == before, "a dry run wrote to the outbox"
        result = runner.invoke(args=["gpect", "tick", "--at", instant.isoformat()])
        assert result.exit_code == 0, result.output
        assert result.exception is None, result.exception
        assert "to retry 0, failed 0" in result.output, result.output
        self.ticks += 1
        self.covered_until = instant
        local_day = instant.astimezone(PARIS).date()
        new_rows = outbox_rows(self.last_row_id)
        if new_rows:
            self.last_row_id = new_rows[-1].id
        for row in new_rows:
            self.sent_on[row.id] = local_day
            self.rows_by_message_id[expected_message_id(row)] = row
        self._compare(instant, since, expected, digest, new_rows, result.output)
        self.predicted += expected
        self._read_new_mail(local_day)
        return result.output

    def _compare(
        self,
        instant: datetime,
        since: datetime,
        expected: list[ExpectedReminder],
        digest: ExpectedDigest | None,
        rows: list[OutboxMessage],
        output: str,
    ) -> None:
        """Record any difference between what the tick queued and what the engine predicted."""
        when = f"tick at {instant.isoformat()} (window from {since.isoformat()})"
        today = instant.astimezone(PARIS).date()
        queued = QUEUED.search(output)
        assert queued, output
        actual = [r for r in rows if r.kind in ("reminder", "escalation")]
        predicted = {(e.kind, e.task_id, e.recipient_id): e for e in expected}
        assert len(predicted) == len(expected), "the engine gave one task two reminders in one window"
        got = Counter((r.kind, r.task_id, r.recipient_id) for r in actual)
        if got != Counter(predicted.keys()):
            described = [(self.task_keys.get(e.task_id), e.kind, e.slot.kind.value, str(e.slot.day)) for e in expected]
            self.problems.append(
                f"{when}: queued {[(self.task_keys.get(r.task_id or 0), r.kind, r.recipient_email) for r in actual]}, "
                f"predicted {described}"
            )
        for row in actual:
            slot = predicted.get((row.kind, row.task_id, row.recipient_id))
            if slot is None:
                continue
            self.matched[row.id] = slot
            if slot.slot.occurrence not in row.idempotency_key:
                self.problems.append(f"{when}: {row.idempotency_key} is not for slot {slot.slot.occurrence}")
            if row.kind == "reminder":
                language = self.cast.people[row.recipient_id].language  # type: ignore[index]
                start, end = reminder_subject_ending(language, (slot.due - today).days)
                if not (row.subject.startswith(start) and row.subject.endswith(end)):
                    self.problems.append(f"{when}: subject {row.subject!r}, expected {start!r}…{end!r}")
        digests = [r for r in rows if r.kind == "digest"]
        if int(queued[1]) != len(actual) or int(queued[2]) != len(digests):
            self.problems.append(f"{when}: the tick says {queued[0]!r}, the outbox got {len(actual)} + {len(digests)}")
        if digest is None:
            if digests:
                self.problems.append(
                    f"{when}: unexpected digest(s) {[(r.recipient_email, r.subject) for r in digests]}"
                )
            return
        if len(digests) != 1 or digests[0].recipient_id != digest.recipient_id:
            self.problems.append(
                f"{when}: digests {[(r.recipient_email, r.subject) for r in digests]}, predicted {digest}"
            )
            return
        count = len(digest.task_ids)
        wanted = f"Votre récapitulatif du jour\u00a0: {count} tâche{'s' if count > 1 else ''}"
        if digest.overdue:
            wanted += f", dont {digest.overdue} en retard"
        if digests[0].subject != wanted:
            self.problems.append(f"{when}: digest subject {digests[0].subject!r}, expected {wanted!r}")

    def _read_new_mail(self, day: date) -> None:
        """What people learn from the emails that just arrived: reminders, escalations, digests, gates."""
        fresh = self.smtp.received[self.received_seen :]
        self.received_seen = len(self.smtp.received)
        digest_titles = {}
        for received in fresh:
            row = self.rows_by_message_id.get(received.message_id)
            if row is None:
                continue  # reported by the final checks
            kind = received.message["X-GPECT-Kind"]
            if kind == "reminder" and row.task_id is not None:
                self.first_reminder.setdefault(row.task_id, day)
                if received.subject.startswith(("En retard", "Overdue")):
                    self.first_overdue.setdefault(row.task_id, day)
            elif kind == "escalation" and row.task_id is not None:
                self.escalated.setdefault(row.task_id, day)
            elif kind == "digest":
                if not digest_titles:
                    digest_titles = self._digest_titles()
                for task_id, title in digest_titles.items():
                    if f"«\u00a0{title}\u00a0»" in received.text:
                        self.first_digest.setdefault(task_id, day)
            elif kind == "gate_awaiting" and received.recipients == [self.cast.committee[0].email]:
                for stage in self._stages():
                    if stage.status is StageStatus.AWAITING_DECISION:
                        self.gate_decision_day.setdefault(stage.id, next_working_day(day + GATE_DELAY))

    def _digest_titles(self) -> dict[int, str]:
        titles = {t.key: t.title.fr for t in self.definition.tasks()}
        query = sa.select(Task).where(Task.plan_id == self.plan_id, Task.assignee_id == self.cast.digest.id)
        return {t.id: titles[t.task_key] for t in session().scalars(query)}

    # -- people acting -----------------------------------------------------------------------------------------

    def _stages(self) -> list[PlanStage]:
        query = sa.select(PlanStage).where(PlanStage.plan_id == self.plan_id).order_by(PlanStage.position)
        return list(session().scalars(query))

    def notices_waiting(self) -> bool:
        """Whether what people did today announced notices (rendered by the next pass) or queued messages."""
        session().commit()
        query = sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.id > self.last_row_id)
        return bool(session().scalar(query)) or pending_announcements() > 0

    def plan_status(self) -> PlanStatus:
        plan = session().get(Plan, self.plan_id)
        assert plan is not None
        return plan.status

    def _open_tasks_in_open_stage(self) -> list[Task]:
        query = (
            sa.select(Task)
            .join(PlanStage, PlanStage.id == Task.stage_id)
            .where(
                Task.plan_id == self.plan_id,
                Task.status.in_([TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED]),
                PlanStage.status == StageStatus.OPEN,
            )
            .order_by(Task.id)
        )
        return list(session().scalars(query))

    def _ready_ids(self) -> set[int]:
        """Open tasks of the open stage whose prerequisites are all finished."""
        query = (
            sa.select(TaskDependency.task_id, Task.status)
            .join(Task, Task.id == TaskDependency.depends_on_id)
            .where(Task.plan_id == self.plan_id)
        )
        waiting = {task_id for task_id, status in session().execute(query) if status not in FINISHED_TASK_STATUSES}
        return {t.id for t in self._open_tasks_in_open_stage() if t.id not in waiting}

    def note_ready(self, day: date) -> None:
        """Remember the day each open task of an open stage could first be worked on."""
        for task_id in self._ready_ids():
            self.ready_since.setdefault(task_id, day)

    def planned_day(self, task: Task) -> date | None:
        """The day the assignee means to finish ``task``, from the emails they got (None: not yet known)."""
        if task.task_key == self.cast.late_task_key:
            seen = self.escalated.get(task.id)
        elif task.task_key == self.cast.overdue_task_key:
            seen = self.first_overdue.get(task.id)
        elif task.assignee_id == self.cast.digest.id:
            seen = self.first_digest.get(task.id)
        elif self._position(task.task_key) % 3 == 2:
            return next_working_day(task.due_date)
        else:
            seen = self.first_reminder.get(task.id)
        return None if seen is None else next_working_day(seen + timedelta(days=1))

    def _position(self, key: str) -> int:
        return [t.key for t in self.definition.tasks()].index(key)

    def action_day(self, task: Task) -> date | None:
        planned = self.planned_day(task)
        ready = self.ready_since.get(task.id)
        if planned is None or ready is None:
            return None
        return next_working_day(max(planned, ready + timedelta(days=1)))

    def act(self, day: date) -> int:
        """Partners finish the tasks they meant to finish today, the committee decides; returns actions taken."""
        actions = 0
        minute = 0
        progress = True
        while progress:  # a task finished may make another one ready, but only for tomorrow
            progress = False
            ready = self._ready_ids()
            for task in self._open_tasks_in_open_stage():
                when = self.action_day(task)
                if when is None or when > day or task.id not in ready:
                    continue
                self.clock.set(paris(day, 10, minute))
                minute += 1
                assignee = session().get(Person, task.assignee_id)
                assert assignee is not None
                change_task_status(assignee, task.id, TaskStatus.DONE, expected_version=task.version)
                session().commit()
                actions += 1
                progress = True
                break
        for stage in self._stages():
            when = self.gate_decision_day.get(stage.id)
            if stage.status is StageStatus.AWAITING_DECISION and when is not None and when <= day:
                self.clock.set(paris(day, 11, minute))
                minute += 1
                member = session().get(Person, self.cast.committee[0].id)
                assert member is not None
                decide_gate(member, stage.id, Decision.APPROVE, minutes="Validé en comité")
                session().commit()
                actions += 1
        self.note_ready(day)
        return actions

    def next_day(self, today: date) -> date | None:
        """The next day something happens: a reminder slot, a digest worth sending, an action, a decision."""
        candidates: list[date] = []
        tasks = open_tasks({self.definition.key: self.definition}, self.cast.people)
        assert self.covered_until is not None
        for task in tasks:
            future = [s.day for s in task.slots if s.at > self.covered_until]
            candidates += future[:1]
        mine = [t.due for t in tasks if t.assignee_id == self.cast.digest.id]
        if mine:  # every day, weekends and holidays included, so that a digest on a day off would show
            candidates.append(max(today + timedelta(days=1), min(mine) - timedelta(days=7)))
        ready = self._ready_ids()
        for task in self._open_tasks_in_open_stage():
            when = self.action_day(task)
            if when is not None and task.id in ready:
                candidates.append(max(when, today + timedelta(days=1)))
        for stage in self._stages():
            when = self.gate_decision_day.get(stage.id)
            if stage.status is StageStatus.AWAITING_DECISION and when is not None:
                candidates.append(max(when, today + timedelta(days=1)))
        candidates = [c for c in candidates if c > today]
        return min(candidates) if candidates else None


def run_story(story: Story) -> None:
    """Move time until the plan completes (or fail saying where it got stuck)."""
    day = PLAN_START
    open_on_its_start_date(story)
    story.note_ready(day)
    for tick_day in range(1, MAX_TICK_DAYS + 1):
        if story.plan_status() is PlanStatus.COMPLETED:
            return
        following = story.next_day(day)
        if following is None:
            stuck = [(t.task_key, t.status.value, t.due_date.isoformat()) for t in story._open_tasks_in_open_stage()]
            stages = [(s.stage_key, s.status.value) for s in story._stages()]
            pytest.fail(f"the plan is stuck on {day}: open tasks {stuck}, stages {stages}; {story.problems[:5]}")
        day = following
        afternoon_only = tick_day % AFTERNOON_ONLY_EVERY == 0
        if not afternoon_only:
            story.tick(paris(day, 8, 31), dry_run_first=tick_day % DRY_RUN_EVERY == 0)
        story.act(day)
        if afternoon_only:
            story.tick(paris(day, 14, 40))
        elif story.notices_waiting():  # what people did today queued notices: the afternoon tick sends them
            story.tick(paris(day, 15, 0))
    pytest.fail(f"the plan did not complete within {MAX_TICK_DAYS} tick days")


def open_on_its_start_date(story: Story) -> None:
    """The evening before, the scheduled plan is not opened and nobody is written to; the tick at 08:30 on its
    start date opens it and the first stage's assignees get their stage-opened email then."""
    evening = story.tick(paris(PLAN_START - timedelta(days=1), 19, 0))
    assert "opened 0 plan(s)" in evening, evening
    assert story.plan_status() is PlanStatus.SCHEDULED and story.smtp.received == [] and outbox_rows() == []
    just_before = story.tick(paris(PLAN_START, 8, 29))
    assert "opened 0 plan(s)" in just_before and story.smtp.received == [], just_before
    morning = story.tick(paris(PLAN_START, 8, 30), opening=True)
    assert f"opened 1 plan(s)\n  plan {story.plan_id} Plan {story.definition.key}\n" in morning, morning
    assert story.plan_status() is PlanStatus.ACTIVE
    first = story._stages()[0]
    assert first.status is not StageStatus.PENDING and first.opened_dt == paris(PLAN_START, 8, 30)
    opened = [m for m in story.smtp.received if m.message["X-GPECT-Kind"] == "stage_opened"]
    assignees = {
        story.cast.people[t.assignee_id].email if t.assignee_id in story.cast.people else story.cast.lead.email
        for t in session().scalars(sa.select(Task).where(Task.stage_id == first.id))
    }
    assert sorted(r for m in opened for r in m.recipients) == sorted(assignees), "one stage-opened email each"


# ----------------------------------------------------------------------------------------------------------------
# The test
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=[p.stem for p in DEFINITION_FILES])
def test_plan_runs_to_completion_with_each_email_once_and_as_predicted(
    app: Flask, smtp: SmtpServer, path: Path
) -> None:
    definition = load_definition_file(path)
    register_definitions([WORKFLOWS])
    session().commit()
    clock = app.extensions[EXTENSION_NAME].clock
    assert isinstance(clock, FrozenClock)
    plan_id, cast = cast_and_start(definition, clock)
    story = Story(definition, plan_id, cast, smtp, app, clock)
    run_story(story)
    completed_on = story.covered_until
    assert completed_on is not None
    # A week later, nothing is left to remind anyone of.
    story.tick(completed_on + timedelta(days=7))
    assert story.problems == [], "\n".join(story.problems[:15])

    rows = outbox_rows()
    check_delivery(rows, smtp.received)
    check_reminders(story, rows, smtp.received)
    check_digests(story, rows)
    check_notices(story, rows, smtp.received)
    check_subjects_intact(rows, smtp.received)


# ----------------------------------------------------------------------------------------------------------------
# Final checks
# ----------------------------------------------------------------------------------------------------------------


def check_delivery(rows: list[OutboxMessage], received: list[Received]) -> None:
    """Every outbox row sent, each reaching the SMTP server exactly once with its own Message-ID."""
    assert rows, "the run sent nothing"
    assert {r.status for r in rows} == {OutboxStatus.SENT}, Counter(r.status for r in rows)
    assert len({r.idempotency_key for r in rows}) == len(rows), "two messages share an idempotency key"
    ids = Counter(m.message_id for m in received)
    duplicated = {mid: n for mid, n in ids.items() if n > 1}
    assert not duplicated, f"delivered more than once: {duplicated}"
    expected = {expected_message_id(r): r for r in rows}
    assert set(ids) == set(expected), (
        f"received but not in the outbox: {set(ids) - set(expected)}; never received: "
        f"{[expected[m].idempotency_key for m in set(expected) - set(ids)]}"
    )
    for message in received:
        row = expected[message.message_id]
        assert message.recipients == [row.recipient_email]
        assert message.message["X-GPECT-Kind"] == row.kind
        assert row.attempts == 1


def check_subjects_intact(rows: list[OutboxMessage], received: list[Received]) -> None:
    """The subject a recipient reads is the one rendered: header encoding must not lose characters."""
    rendered = {expected_message_id(r): r.subject for r in rows}
    mangled = [(rendered[m.message_id], m.subject) for m in received if m.subject != rendered[m.message_id]]
    assert not mangled, f"{len(mangled)} of {len(received)} subjects changed on the way (rendered, received): " + (
        "; ".join(f"{a!r} → {b!r}" for a, b in mangled[:5])
    )


def check_reminders(story: Story, rows: list[OutboxMessage], received: list[Received]) -> None:
    """Reminders and escalations as received: each predicted one once, well-formed, never out of place."""
    by_id = {expected_message_id(r): r for r in rows}
    tasks = {t.id: t for t in session().scalars(sa.select(Task).where(Task.plan_id == story.plan_id))}
    cast = story.cast
    predicted = Counter((e.kind, e.task_id, e.recipient_id, e.slot.occurrence) for e in story.predicted)
    got: Counter[tuple[str, int, int, str]] = Counter()
    per_day: Counter[tuple[int, int, date]] = Counter()
    for message in received:
        row = by_id[message.message_id]
        if row.kind not in ("reminder", "escalation"):
            continue
        assert row.task_id is not None and row.recipient_id is not None
        match = story.matched.get(row.id)
        assert match is not None, f"{row.idempotency_key}: not predicted (see the per-tick problems)"
        got[(row.kind, row.task_id, row.recipient_id, match.slot.occurrence)] += 1
        task, sent_on = tasks[row.task_id], story.sent_on[row.id]
        if row.kind == "escalation":
            stage_def = next(s for s in story.definition.stages if task.task_key in {t.key for t in s.tasks})
            task_def = next(t for t in stage_def.tasks if t.key == task.task_key)
            after = story.definition.task_policy(stage_def, task_def).escalate_after_days
            assert after is not None and (sent_on - task.due_date).days >= after, (
                f"escalation of {task.task_key} on {sent_on}: due {task.due_date}, escalate_after_days {after}"
            )
            assert row.recipient_id in {cast.lead.id, cast.referents.get(task.assignee_id or 0, cast.lead.id)}
            continue
        per_day[(row.task_id, row.recipient_id, sent_on)] += 1
        recipient = cast.people[row.recipient_id]
        assert row.recipient_id == task.assignee_id
        assert recipient.mode is ReminderMode.IMMEDIATE, f"{recipient.email} reads digests but got {row.subject!r}"
        if match.slot.kind is ReminderKind.BEFORE_DUE:
            assert sent_on < task.due_date, f"before-due reminder {row.subject!r} on {sent_on}, due {task.due_date}"
        start, end = reminder_subject_ending(recipient.language, (task.due_date - sent_on).days)
        assert row.subject.startswith(start) and row.subject.endswith(end), (row.subject, start, end)
        assert f'lang="{recipient.language}"' in message.html
        assert {m[1] for m in LINK.finditer(message.text)} == {"open_task", "mark_done", "more_time", "digest_only"}
        assert {m[1] for m in LINK.finditer(message.html)} == {"open_task", "mark_done", "more_time", "digest_only"}
        events = Calendar.from_ical(message.attachment("echeances.ics")).walk("VEVENT")
        assert [str(e["uid"]) for e in events] == [f"gpect-task-{task.id}@{MAIL_DOMAIN}"]
        assert events[0].decoded("dtstart") == task.due_date
    assert got == predicted, f"received but not predicted {sorted(got - predicted)}; missing {sorted(predicted - got)}"
    twice = {k: n for k, n in per_day.items() if n > 1}
    assert not twice, f"two reminders for the same task on the same day: {twice}"
    # The story's turns happened: an escalation for the late partner, an overdue reminder in English.
    escalated = [r for r in rows if r.kind == "escalation"]
    assert {tasks[r.task_id].task_key for r in escalated if r.task_id} >= {cast.late_task_key}
    assert {r.recipient_id for r in escalated} >= {cast.lead.id, cast.referent.id}
    english = [r.subject for r in rows if r.kind == "reminder" and r.recipient_id == cast.english.id]
    assert any(s.startswith("Overdue:") for s in english) and any(s.startswith("Reminder:") for s in english)
    french = [r.subject for r in rows if r.kind == "reminder" and r.recipient_id != cast.english.id]
    assert any(s.startswith("En retard\u00a0:") for s in french) and any(s.startswith("Rappel\u00a0:") for s in french)


def check_digests(story: Story, rows: list[OutboxMessage]) -> None:
    """The digest reader got no individual reminder, and digests only on working days."""
    digest = story.cast.digest
    mine = [r for r in rows if r.recipient_id == digest.id]
    assert not [r for r in mine if r.kind == "reminder"], "the digest reader got individual reminders"
    digests = [r for r in mine if r.kind == "digest"]
    assert digests, "the digest reader never got a digest"
    assert all(r.kind == "digest" for r in rows if r.recipient_id == digest.id and r.task_id is not None)
    days = [story.sent_on[r.id] for r in digests]
    assert all(next_working_day(d) == d for d in days), f"digests on non-working days: {days}"
    assert len(set(days)) == len(days), "two digests the same day"
    assert not [r for r in rows if r.kind == "digest" and r.recipient_id != digest.id]


def check_notices(story: Story, rows: list[OutboxMessage], received: list[Received]) -> None:
    """Stage openings reach each assignee of the stage once with their deadlines; gates reach the committee;
    the plan-completed notice reaches everyone on the plan once."""
    cast = story.cast
    stages = story._stages()
    tasks = list(session().scalars(sa.select(Task).where(Task.plan_id == story.plan_id)))
    stage_of = {t.id: t.stage_id for t in tasks}
    by_id = {expected_message_id(r): r for r in rows}
    due = {t.id: t.due_date for t in tasks}
    opened: dict[tuple[int, int], list[set[int]]] = defaultdict(list)
    for message in received:
        row = by_id[message.message_id]
        if row.kind != "stage_opened":
            continue
        events = Calendar.from_ical(message.attachment("echeances.ics")).walk("VEVENT")
        dates = {_task_id(str(e["uid"])): e.decoded("dtstart") for e in events}
        ids = set(dates)
        assert len({stage_of[i] for i in ids}) == 1, f"one stage_opened email spans stages: {message.subject}"
        assert dates == {i: due[i] for i in ids}, f"{message.subject}: calendar dates {dates}"
        assert row.recipient_id is not None
        opened[(stage_of[next(iter(ids))], row.recipient_id)].append(ids)
    expected_opened = defaultdict(set)
    for task in tasks:
        expected_opened[(task.stage_id, task.assignee_id or cast.lead.id)].add(task.id)
    assert {k: [v] for k, v in expected_opened.items()} == dict(opened)
    assert all(s.status is StageStatus.CLOSED for s in stages)

    committee_stages = [s for s in stages if s.gate.value == "committee"]
    awaiting = Counter(r.recipient_id for r in rows if r.kind == "gate_awaiting")
    assert awaiting == {c.id: len(committee_stages) for c in cast.committee}

    decided = Counter(r.recipient_id for r in rows if r.kind == "gate_decided")
    expected_decided: Counter[int] = Counter()
    for stage in committee_stages:
        expected_decided.update({t.assignee_id for t in tasks if t.stage_id == stage.id} | {cast.lead.id})
    assert decided == expected_decided

    closed = Counter(r.recipient_id for r in rows if r.kind == "stage_closed")
    expected_closed: Counter[int] = Counter()
    for stage in stages[:-1]:
        expected_closed.update({t.assignee_id for t in tasks if t.stage_id == stage.id} | {cast.lead.id})
    assert closed == expected_closed

    status = [r for r in rows if r.kind == "plan_status"]
    everyone = {m.id for m in cast.by_role.values()} | {c.id for c in cast.committee}
    assert Counter(r.recipient_id for r in status) == {i: 1 for i in everyone}, "the plan-completed notice"
    for row in status:
        language = cast.people[row.recipient_id].language  # type: ignore[index]
        assert row.subject.startswith("Plan complete:" if language == "en" else "Plan achevé\u00a0:"), row.subject
    assert all(s.closed_dt is not None for s in stages)
    assert session().get(Plan, story.plan_id).status is PlanStatus.COMPLETED  # type: ignore[union-attr]


def _task_id(uid: str) -> int:
    match = re.fullmatch(rf"gpect-task-(\d+)@{re.escape(MAIL_DOMAIN)}", uid)
    assert match, f"calendar UID {uid!r} is not gpect-task-<id>@{MAIL_DOMAIN}"
    return int(match[1])


# ----------------------------------------------------------------------------------------------------------------
# Downtime: the scheduler misses days, then one tick covers the gap
# ----------------------------------------------------------------------------------------------------------------

FIVE_LEVERS = WORKFLOWS / "gpect-five-levers.yaml"


def _tick_cli(app: Flask, instant: datetime) -> None:
    session().commit()
    result = app.test_cli_runner().invoke(args=["gpect", "tick", "--at", instant.isoformat()])
    assert result.exit_code == 0, result.output


def _five_levers(app: Flask) -> tuple[int, Cast, FrozenClock]:
    register_definitions([WORKFLOWS])
    session().commit()
    clock = app.extensions[EXTENSION_NAME].clock
    assert isinstance(clock, FrozenClock)
    plan_id, cast = cast_and_start(load_definition_file(FIVE_LEVERS), clock)
    return plan_id, cast, clock


@pytest.mark.parametrize(
    ("back_at", "days_left"),
    [
        # Down from 1 to 28 December: the d-7 slot (24 December) passed unseen; due in 3 days.
        (paris(date(2026, 12, 28), 8, 31), 3),
        # Down from 30 December (after the d-1 reminder) to Saturday 2 January: the due-date slot passed
        # unseen, the first overdue one (Monday 4 January) has not come; the task is 2 days late.
        (paris(date(2027, 1, 2), 10, 0), -2),
    ],
    ids=["before-due", "late"],
)
def test_reminder_after_downtime_counts_days_from_the_day_it_is_sent(
    app: Flask, smtp: SmtpServer, back_at: datetime, days_left: int
) -> None:
    """docs/reminders.md: after downtime only the latest slot is sent, "its text is written from the task's
    state now". A reminder sent on 2 January for a task due on 31 December is late, not "due today"."""
    plan_id, cast, _ = _five_levers(app)
    data = session().scalar(sa.select(Task).where(Task.plan_id == plan_id, Task.task_key == "employment-data"))
    assert data is not None and data.due_date == date(2026, 12, 31)
    _tick_cli(app, paris(PLAN_START, 15, 0))
    if days_left < 0:
        _tick_cli(app, paris(date(2026, 12, 30), 8, 31))
    before = len(smtp.received)
    _tick_cli(app, back_at)
    (mail,) = [m for m in smtp.received[before:] if m.recipients == [cast.late.email]]
    assert (data.due_date - back_at.date()).days == days_left
    start, end = reminder_subject_ending("fr", days_left)
    assert mail.subject.startswith(start) and mail.subject.endswith(end), (
        f"sent on {back_at.date()} for a task due {data.due_date}: {mail.subject!r}, expected {start!r}…{end!r}"
    )


def test_weekly_digest_after_downtime_over_its_monday_still_leaves(app: Flask, smtp: SmtpServer) -> None:
    """A weekly digest replaces a week of reminders. If the scheduler is down on Monday and Tuesday, the
    Wednesday pass covers Monday's send time: the digest still makes sense and must leave then (as a reminder
    whose slot passed during downtime does), not a week later."""
    _, cast, _ = _five_levers(app)
    person = session().get(Person, cast.late.id)  # employment-data, due Thursday 31 December
    assert person is not None
    person.reminder_mode = ReminderMode.WEEKLY
    session().commit()
    _tick_cli(app, paris(PLAN_START, 15, 0))
    _tick_cli(app, paris(date(2026, 12, 14), 8, 31))  # Monday: nothing due within 14 days yet
    _tick_cli(app, paris(date(2026, 12, 20), 12, 0))  # Sunday; then down until Wednesday 23 December
    before = len(smtp.received)
    _tick_cli(app, paris(date(2026, 12, 23), 10, 0))
    digests = [m for m in smtp.received[before:] if m.message["X-GPECT-Kind"] == "digest"]
    assert [m.recipients for m in digests] == [[cast.late.email]], "Monday 21 December's weekly digest was lost"
