"""The embedded scheduler's announcements thread: a wake-up during a run is not lost, several make one run,
a failing run does not end the thread, and stopping waits for the run in progress, with nothing logged."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from gpect_workflow.scheduler import runner
from gpect_workflow.scheduler.runner import start_embedded, stop_embedded
from gpect_workflow.scheduler.waker import Waker
from gpect_workflow.services.context import state


class Work:
    """Work that counts its runs; the first one waits until ``release`` (a run in progress)."""

    def __init__(self, fail_first: bool = False) -> None:
        self.runs = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail_first = fail_first

    def __call__(self) -> None:
        self.runs += 1
        self.started.set()
        if self.runs == 1:
            self.release.wait(10)
            if self.fail_first:
                raise RuntimeError("the first run fails")


def wait_for(condition: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


def test_wake_ups_during_a_run_make_one_more_run_afterwards() -> None:
    work = Work()
    waker = Waker(work, "test-waker").start()
    try:
        waker.wake()
        assert work.started.wait(10)
        for _ in range(3):  # a request recorded announcements while the pass runs: not lost, coalesced
            waker.wake()
        work.release.set()
        wait_for(lambda: work.runs == 2)
        time.sleep(0.2)
        assert work.runs == 2
    finally:
        assert waker.stop()


def test_a_failing_run_leaves_the_thread_ready_for_the_next_wake_up() -> None:
    work = Work(fail_first=True)
    waker = Waker(work, "test-waker").start()
    try:
        waker.wake()
        assert work.started.wait(10)
        work.release.set()
        time.sleep(0.2)  # the first run raises
        assert waker.alive
        waker.wake()
        wait_for(lambda: work.runs == 2)
        assert work.runs == 2
    finally:
        assert waker.stop()


def test_stopping_lets_the_run_in_progress_finish_and_runs_no_other() -> None:
    work = Work()
    waker = Waker(work, "test-waker").start()
    waker.wake()
    assert work.started.wait(10)
    waker.wake()  # asked for, but the thread stops first
    stopped: list[bool] = []
    stopper = threading.Thread(target=lambda: stopped.append(waker.stop()))
    stopper.start()
    time.sleep(0.1)
    assert stopped == [], "stop waits for the run in progress"
    work.release.set()
    stopper.join(10)
    assert stopped == [True] and not waker.alive and work.runs == 1


def test_the_embedded_scheduler_stops_its_announcements_thread_with_nothing_logged(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Stopped right after a request woke it, the embedded scheduler ends its announcements thread and logs no
    error (the one-off APScheduler job it replaced logged a ``JobLookupError`` when shut down mid-run)."""
    from tests.conftest import make_app

    served = make_app(database_url, SCHEDULER_INTERVAL_SECONDS=3600)
    served.instance_path = str(tmp_path)
    caplog.set_level(logging.INFO)
    scheduler = start_embedded(served)
    assert scheduler is not None
    announcer = runner._announcers[id(served)]
    try:
        assert [job.id for job in scheduler.get_jobs()] == [runner.JOB_ID], "no job of its own"
        with served.app_context():
            wake = state().wake_announcer
        assert wake is not None
        wake()
        wait_for(lambda: "announcements:" in caplog.text)
        wake()
    finally:
        stop_embedded(served, scheduler)
    assert not announcer.alive and id(served) not in runner._announcers
    assert "announcements:" in caplog.text, "the woken thread rendered and sent"
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []
