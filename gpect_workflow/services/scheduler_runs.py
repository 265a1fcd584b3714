"""How far the scheduler's passes have covered: the tick's row of ``gpect_scheduler_runs``, its cursor.

Each pass covers the time since the previous one. The row is locked for the pass (so two processes
ticking together take turns) and moved forward in the pass's transaction, so a pass that fails covers
nothing and the next covers the same window again.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..models import Announcement, SchedulerRun
from .context import session

TICK = "tick"
#: What a job that never ran has covered.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def lock_run(name: str = TICK) -> tuple[datetime, datetime | None, bool]:
    """Lock the job's row (created on its first pass); return how far the passes have covered, how far
    the reminders have when a pass left some for the next, and whether announcements wait to be rendered.

    One statement: the upsert's ``DO UPDATE`` takes the row lock on PostgreSQL, so a second process
    waits here until the first commits, then sees what it covered. The announcements waiting are read by
    the same statement, so that a pass with none to render spends no statement claiming them.
    """
    waiting = (
        sa.select(Announcement.id)
        .where(Announcement.done_dt.is_(None), Announcement.failed_dt.is_(None))
        .limit(1)
        .scalar_subquery()
    )
    dialect = session().get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SchedulerRun)
    statement = (
        insert.values(name=name, covered_until_dt=NEVER, ran_dt=NEVER)
        .on_conflict_do_update(index_elements=[SchedulerRun.name], set_={"name": insert.excluded.name})
        .returning(SchedulerRun.covered_until_dt, SchedulerRun.reminders_covered_until_dt, waiting)
    )
    row = session().execute(statement).one()
    return row.covered_until_dt, row.reminders_covered_until_dt, row[2] is not None


def mark_covered(until: datetime, reminders_until: datetime | None, name: str = TICK) -> None:
    """Record that the passes covered up to ``until`` (the reminders up to ``reminders_until`` when the pass
    left some for the next; ``None`` when it queued them all)."""
    statement = (
        sa.update(SchedulerRun)
        .where(SchedulerRun.name == name)
        .values(covered_until_dt=until, ran_dt=until, reminders_covered_until_dt=reminders_until)
        .execution_options(synchronize_session=False)
    )
    session().execute(statement)
