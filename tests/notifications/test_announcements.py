"""Announcements: recorded with the user's change, rendered once by the scheduler's pass, whatever happens.

A process killed right after the commit loses nothing; two passes never render one announcement together,
and one whose claim expired is taken again; an announcement whose data went bad fails alone, visibly; a
request wakes the embedded scheduler only once its change is committed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import (
    Announcement,
    OutboxMessage,
    Person,
    PersonRole,
    Plan,
    PlanStage,
    StageStatus,
    Task,
)
from gpect_workflow.notifications.announcements import (
    DONE_KEPT,
    AnnouncementReport,
    _claim,
    _deliver,
    announce,
    deliver_announcements,
)
from gpect_workflow.notifications.outbox import claim_ttl, new_claim_token
from gpect_workflow.scheduler.jobs import tick
from gpect_workflow.scheduler.runner import start_embedded, stop_embedded
from gpect_workflow.services.context import session, state
from gpect_workflow.services.unit_of_work import commit, rollback
from tests.conftest import REPO
from tests.plan_helpers import map_every_role, start_five_levers_plan
from tests.process_support import gpect_env


def stage_opened_recipients(plan_id: int) -> list[int | None]:
    query = sa.select(OutboxMessage.recipient_id).where(
        OutboxMessage.plan_id == plan_id, OutboxMessage.kind == "stage_opened"
    )
    return sorted(session().scalars(query))


def first_stage_assignees(plan_id: int) -> list[int | None]:
    first = (
        sa.select(PlanStage.id).where(PlanStage.plan_id == plan_id, PlanStage.status == StageStatus.OPEN)
    ).scalar_subquery()
    return sorted(set(session().scalars(sa.select(Task.assignee_id).where(Task.stage_id == first))))


def pending() -> list[Announcement]:
    query = sa.select(Announcement).where(Announcement.done_dt.is_(None), Announcement.failed_dt.is_(None))
    return list(session().scalars(query))


CHILD = """
import json, os, signal, sys
from datetime import date
from wsgi import app
from gpect_workflow.models import Person
from gpect_workflow.services.context import session
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from gpect_workflow.services.unit_of_work import commit

lead_id, territory_id, roles = json.loads(sys.argv[1])
with app.app_context():
    lead = session().get(Person, lead_id)
    mapping = {key: RoleMapping(organisation, people) for key, (organisation, people) in roles.items()}
    request = PlanRequest("Plan tué", "gpect-five-levers", 1, territory_id, lead_id, date(2026, 12, 1), mapping,
                          open_now=True)
    start_plan(lead, request)
    commit()
    os.kill(os.getpid(), signal.SIGKILL)  # the process dies the instant its change is stored
"""


def test_a_process_killed_right_after_the_commit_loses_no_notice(
    app: Flask, definitions: None, dummy_lead: Person, database_url: str
) -> None:
    territory_id = dummy_lead.organisation.territory_id  # type: ignore[union-attr]
    mapping = map_every_role("gpect-five-levers", 1, territory_id)  # type: ignore[arg-type]
    roles = {key: (m.organisation_id, list(m.person_ids)) for key, m in mapping.items()}
    session().commit()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([dummy_lead.id, territory_id, roles])],
        cwd=REPO,
        env=gpect_env(database_url, 1),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    session().expire_all()
    plan_id = session().scalar(sa.select(Plan.id).where(Plan.name == "Plan tué"))
    assert plan_id is not None
    assert [a.kind for a in pending()] == ["stage_opened"], "the notice is stored with the change"
    assert stage_opened_recipients(plan_id) == []

    report = tick()

    assert report.announcements is not None and report.announcements.rendered == 1
    assert stage_opened_recipients(plan_id) == first_stage_assignees(plan_id) != []
    assert pending() == []
    tick()
    assert stage_opened_recipients(plan_id) == first_stage_assignees(plan_id), "rendered once"


def test_a_claimed_announcement_waits_for_its_claim_then_is_rendered_once(
    app: Flask, definitions: None, dummy_lead: Person, clock: FrozenClock
) -> None:
    plan = start_five_levers_plan(dummy_lead)
    session().commit()
    plan_id = plan.id
    (held,) = _claim(10, new_claim_token())  # a pass claims it ... and dies before rendering
    session().commit()

    assert deliver_announcements().rendered == 0, "another pass leaves an announcement under a valid claim"
    assert stage_opened_recipients(plan_id) == []

    clock.advance(claim_ttl() + timedelta(seconds=1))
    report = deliver_announcements()
    assert report.rendered == 1 and report.messages == len(first_stage_assignees(plan_id))
    assert stage_opened_recipients(plan_id) == first_stage_assignees(plan_id)
    done = session().get(Announcement, held.id)
    assert done is not None and done.done_dt is not None and done.claim_token is None


def test_a_pass_whose_claim_was_taken_over_marks_nothing_and_queues_nothing_twice(
    app: Flask, definitions: None, dummy_lead: Person, clock: FrozenClock
) -> None:
    plan = start_five_levers_plan(dummy_lead)
    session().commit()
    slow = _claim(10, new_claim_token())
    session().commit()
    clock.advance(claim_ttl() + timedelta(seconds=1))
    assert deliver_announcements().rendered == 1  # the other pass, once the slow one's claim expired
    queued = stage_opened_recipients(plan.id)

    late = AnnouncementReport()
    _deliver(slow[0], "a-token-no-row-carries-any-more", late)  # the slow pass wakes up and finishes
    assert late.taken_over == 1 and late.rendered == 0
    assert stage_opened_recipients(plan.id) == queued


def test_passes_delete_announcements_done_a_month_ago_and_keep_the_rest(
    app: Flask, definitions: None, dummy_lead: Person, clock: FrozenClock
) -> None:
    """A pass that renders announcements deletes those done more than ``DONE_KEPT`` ago, the oldest first and
    at most as many as it may render; recent done ones, failed ones (the outbox page lists them) and pending
    ones stay, and the emails already queued stay in the outbox."""
    plan = start_five_levers_plan(dummy_lead)
    announce("stage_closed", plan, {"closed": ""})  # fails: no stage id
    session().commit()
    first = tick().announcements
    assert first is not None and first.rendered == 1 and len(first.failed) == 1 and first.forgotten == 0
    old_messages = stage_opened_recipients(plan.id)
    assert old_messages
    for _ in range(3):  # three more, done on days 10, 20 and 30
        clock.advance(timedelta(days=10))
        announce("plan_status", plan, {"status": "on_hold", "note": "attente", "stamp": clock.now().isoformat()})
        session().commit()
        tick()
    clock.advance(timedelta(days=DONE_KEPT.days - 10, minutes=1))  # day 50: done on days 0, 10, 20 are old
    announce("plan_status", plan, {"status": "resumed", "note": None, "stamp": clock.now().isoformat()})  # pending
    session().commit()

    report = deliver_announcements(limit=2)

    assert report.rendered == 1 and report.forgotten == 2, report
    kept = session().execute(sa.select(Announcement.kind, Announcement.done_dt, Announcement.failed_dt)).all()
    assert sorted((kind, done is None, failed is None) for kind, done, failed in kept) == [
        ("plan_status", False, True),  # done on day 20: older than a month, left by the limit
        ("plan_status", False, True),  # done on day 30, within the month
        ("plan_status", False, True),  # the one this pass rendered
        ("stage_closed", True, False),  # failed: the outbox page lists it
    ], "the stage opened with the plan and the first status change, the oldest done, deleted (the limit is 2)"
    assert stage_opened_recipients(plan.id) == old_messages, "their emails stay in the outbox"
    assert "deleted 2 done more than 30 days ago" in str(report)
    assert deliver_announcements().forgotten == 1
    assert deliver_announcements().forgotten == 0, "the one done within the month stays"


def test_an_announcement_with_bad_data_fails_alone_and_says_why(
    app: Flask, definitions: None, dummy_lead: Person
) -> None:
    plan = start_five_levers_plan(dummy_lead)
    announce("stage_opened", plan, {"stage_id": 10**9, "opened": ""})  # a stage that does not exist
    announce("stage_closed", plan, {"closed": ""})  # no stage id at all
    session().commit()

    report = tick()

    assert report.announcements is not None and report.announcements.rendered == 1
    assert [kind for _, kind, _ in report.announcements.failed] == ["stage_opened", "stage_closed"]
    assert stage_opened_recipients(plan.id) == first_stage_assignees(plan.id), "the good one went on"
    failed = (
        session()
        .scalars(sa.select(Announcement).where(Announcement.failed_dt.is_not(None)).order_by(Announcement.id))
        .all()
    )
    assert [(a.kind, a.done_dt) for a in failed] == [("stage_opened", None), ("stage_closed", None)]
    assert "stage 1000000000 not found" in (failed[0].last_error or "")
    assert "KeyError" in (failed[1].last_error or "")
    lines = "\n".join(report.lines())
    assert f"failed: announcement {failed[0].id} (stage_opened)" in lines
    assert pending() == []
    assert tick().announcements is None, "a failed announcement is not retried by every pass"


def test_the_administrators_are_told_of_failed_notices_once_an_hour(
    app: Flask, definitions: None, dummy_lead: Person, create_user: Any, clock: FrozenClock
) -> None:
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Ada Admin")
    plan = start_five_levers_plan(dummy_lead)
    deliver_announcements()
    announce("stage_opened", plan, {"stage_id": 10**9, "opened": ""})
    announce("stage_closed", plan, {"closed": ""})
    session().commit()

    deliver_announcements()
    (notice,) = admin_notices()
    assert notice.recipient_id == admin.id  # in their language: French by default
    assert notice.subject == "2 notifications n'ont pas pu être rédigées\u00a0: des personnes n'ont pas été prévenues"
    assert f"ouverture d’étape, plan «\u00a0{plan.name}\u00a0»" in notice.body_text
    assert "LookupError: stage 1000000000 not found" in notice.body_text and "KeyError" in notice.body_text
    assert "/outbox#failed-notices" in notice.body_text

    announce("stage_closed", plan, {"closed": ""})
    session().commit()
    deliver_announcements()
    assert len(admin_notices()) == 1, "one email an hour"
    clock.advance(timedelta(hours=1))
    announce("stage_closed", plan, {"closed": ""})
    session().commit()
    deliver_announcements()
    latest = admin_notices()[-1]
    assert len(admin_notices()) == 2 and latest.subject.startswith("Une notification n'a pas pu être rédigée")


def admin_notices() -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == "notice_failures").order_by(OutboxMessage.id)
    return list(session().scalars(query))


def test_a_request_wakes_the_embedded_scheduler_only_once_committed(
    app: Flask, definitions: None, dummy_lead: Person
) -> None:
    session().commit()  # the lead and the definitions, stored before the requests
    woken: list[str] = []
    state().wake_announcer = lambda: woken.append("woken")
    try:
        plan = start_five_levers_plan(dummy_lead)
        assert woken == [], "not before the change is stored"
        rollback()
        assert woken == [] and pending() == []
        plan = start_five_levers_plan(dummy_lead)
        commit()
        assert woken == ["woken"] and [a.plan_id for a in pending()] == [plan.id]
    finally:
        state().wake_announcer = None


def test_the_embedded_scheduler_woken_by_a_request_renders_its_notices_within_seconds(
    app: Flask, definitions: None, dummy_lead: Person, tmp_path: Path
) -> None:
    app.config["SCHEDULER_INTERVAL_SECONDS"] = 3600  # no tick of its own during the test
    instance, app.instance_path = app.instance_path, str(tmp_path)
    session().commit()
    scheduler = start_embedded(app)
    try:
        assert scheduler is not None
        plan = start_five_levers_plan(dummy_lead)
        commit()  # the request's unit of work ends: the woken scheduler renders and sends (captures) at once
        deadline = time.monotonic() + 20
        while not stage_opened_recipients(plan.id) and time.monotonic() < deadline:
            session().rollback()  # read what the scheduler's thread committed
            time.sleep(0.1)
        assert stage_opened_recipients(plan.id) == first_stage_assignees(plan.id)
        assert pending() == []
    finally:
        if scheduler is not None:
            stop_embedded(app, scheduler)
        app.instance_path = instance
