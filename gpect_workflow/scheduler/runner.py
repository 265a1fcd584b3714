"""Running the tick on a schedule with APScheduler: embedded in the served app, or as its own process.

The embedded scheduler starts with the first request a served app handles (CLI commands handle none, so
they never start it) and only in the one process that gets the instance's lock file, so several workers
of one installation do not each run one. Correctness never depends on that: the outbox queues each
message once whatever the number of schedulers.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from typing import IO, Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from ..services.context import state
from .jobs import announce_and_send, tick
from .waker import Waker
from .warmup import warm_up_logged

log = logging.getLogger(__name__)
JOB_ID = "gpect-tick"
_lock_handles: dict[int, IO[str]] = {}
#: The thread each embedded scheduler's app wakes to render its announcements and send them.
_announcers: dict[int, Waker] = {}


def run_tick(app: Flask) -> None:
    """The scheduled job: one tick inside the app's context; errors are logged, the next run retries."""
    with app.app_context():
        try:
            report = tick()
        except Exception:
            log.exception("GPECT tick failed; the next run covers the same window again")
            raise
        for level, line in report.log_lines():
            log.log(level, line)


def run_announcements(app: Flask) -> None:
    """The work a request wakes: render the pending announcements and send what is due; errors are logged."""
    with app.app_context():
        try:
            report = announce_and_send()
        except Exception:
            log.exception("GPECT announcement pass failed; the next tick renders them")
            raise
        log.info("announcements: %s; outbox: %s", report.announcements, report.sending)


def run_warm_up(app: Flask) -> None:
    """Prepare this process's first pass (``warmup.warm_up``) inside the app's context; never raises."""
    with app.app_context():
        warm_up_logged()


def warm_up_in_background(app: Flask) -> threading.Thread:
    """Run ``run_warm_up`` in a thread of its own: the request that started the embedded scheduler does not
    wait for it. (Not a one-off APScheduler job: a scheduler shut down while such a job runs fails to
    remove it afterwards.)"""
    thread = threading.Thread(target=run_warm_up, args=[app], name="gpect-warm-up", daemon=True)
    thread.start()
    return thread


def configure(scheduler: BaseScheduler, app: Flask) -> BaseScheduler:
    """Add the tick job: every ``SCHEDULER_INTERVAL_SECONDS``, missed runs coalesced into one, UTC."""
    interval = int(app.config["SCHEDULER_INTERVAL_SECONDS"])
    scheduler.add_job(
        run_tick,
        "interval",
        seconds=interval,
        args=[app],
        id=JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=interval,
    )
    return scheduler


def blocking_scheduler(app: Flask) -> BlockingScheduler:
    """The scheduler of ``flask gpect scheduler``, running in the foreground."""
    scheduler = configure(BlockingScheduler(timezone="UTC"), app)
    assert isinstance(scheduler, BlockingScheduler)
    return scheduler


def start_embedded(app: Flask) -> BackgroundScheduler | None:
    """Start the background scheduler in this process if no other process of the instance runs one."""
    if not _take_lock(app):
        return None
    scheduler = configure(BackgroundScheduler(timezone="UTC"), app)
    assert isinstance(scheduler, BackgroundScheduler)
    scheduler.start()
    warm_up_in_background(app)
    announcer = _announcers[id(app)] = Waker(lambda: run_announcements(app), "gpect-announcements").start()
    with app.app_context():
        state().wake_announcer = announcer.wake
    log.info("GPECT embedded scheduler started (every %s s)", app.config["SCHEDULER_INTERVAL_SECONDS"])
    return scheduler


def _take_lock(app: Flask) -> bool:
    os.makedirs(app.instance_path, exist_ok=True)
    handle = open(os.path.join(app.instance_path, "scheduler.lock"), "w")  # noqa: SIM115 - held for the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _lock_handles[id(app)] = handle
    return True


def install_embedded(app: Flask) -> None:
    """Start the embedded scheduler with the first request, when ``SCHEDULER_ENABLED`` is true."""
    started: dict[str, Any] = {}

    @app.before_request
    def _start_scheduler_once() -> None:
        if "scheduler" not in started:
            started["scheduler"] = start_embedded(app)


def stop_embedded(app: Flask, scheduler: BackgroundScheduler) -> None:
    """Stop an embedded scheduler and release the instance's lock (tests, orderly shutdowns)."""
    with app.app_context():
        state().wake_announcer = None
    scheduler.shutdown(wait=False)
    announcer = _announcers.pop(id(app), None)
    if announcer is not None and not announcer.stop():
        log.warning("GPECT announcements still running at shutdown; the next pass finishes them")
    handle = _lock_handles.pop(id(app), None)
    if handle is not None:
        handle.close()
