"""Benchmark of the scheduler tick on PostgreSQL at 1,000 / 10,000 / 100,000 plans of 20 tasks.

DESIGN.md §8: the tick sends the same number of queries at every size (at most 20); its time grows with
the reminders due, not with the plans; at 100,000 plans it takes under 2 s and 300 MB.

The benchmark uses its own database, ``gpect_bench`` on 127.0.0.1:5432 (user ``postgres``, trust
authentication; ``--url`` to change), created when missing and migrated with the shipped migrations.
It registers the shipped definitions and a benchmark definition of 20 tasks in 5 stages, then loads plans
with bulk ``INSERT ... SELECT generate_series(...)`` statements (never through ``start_plan``), growing
the same database from one size to the next. Every plan is active and runs on schedule (a task due every
18 days) from a start date spread over the year before the benchmark instant (Monday 8 March 2027): its
due dates span a year around that instant; stages before the current one are closed with their tasks
done, the current one is open, later ones are pending. Partners are mostly on time (see ``LATE_EVERY``),
so that about one message in 20 plans falls due at the 08:30 send hour (5,000 at 100,000 plans). 35
people in 7 organisations do the work (two of them take digests instead of immediate reminders).

At each size two ticks are measured, each over a one-minute window (``gpect_scheduler_runs`` is reset
to ``instant - 60 s`` and the outbox emptied before each):

(a) 10:00 Paris: no send hour in the window, nothing is due;
(b) 08:30 Paris: the send hour of reminders and digests; emails are rendered, queued and captured
    (no ``MAIL_SERVER``), as ``gpect tick`` does. A pass renders at most ``REMINDERS_PER_PASS`` (1,000)
    reminders; when more are due, the passes of the next minutes queue the rest, and the benchmark runs
    them too and prints them (passes, statements, the slowest pass, the total).

Each tick is run twice on the same state (``--no-tracemalloc`` skips the second run): once for
statements (a ``before_cursor_execute`` listener), time (``perf_counter``, and this process's CPU time)
and the peak RSS of the process during the tick (Linux ``VmHWM`` after ``clear_refs``), once under
``tracemalloc`` for the peak of Python allocations (slower, so not timed). The functions the tick
calls (opening scheduled plans, rendering reminders, digests and committee digests, inserting them, sending)
are wrapped, in this process only, to time each phase.
The exit status is 1 when a check fails: in (a), the statement count must be the same at every size and
at most 20. ``--strict`` also checks the other targets (statements in (b), time and memory).

Run: ``.venv/bin/python benchmarks/tick.py [--sizes 1000,10000,100000]``; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import _common  # puts the repository on sys.path: keep before gpect_workflow
import _tick_data as data
import sqlalchemy as sa
from flask import Flask

from gpect_workflow import create_app
from gpect_workflow.clock import FrozenClock
from gpect_workflow.heap import set_aside_long_lived_objects
from gpect_workflow.scheduler import jobs
from gpect_workflow.scheduler.jobs import TickReport, tick
from gpect_workflow.scheduler.warmup import warm_up
from gpect_workflow.services.context import session
from gpect_workflow.services.scheduler_runs import TICK
from gpect_workflow.state import EXTENSION_NAME

DATABASE = "gpect_bench"
DEFAULT_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
PARIS = ZoneInfo("Europe/Paris")
#: (a) no send hour in the window; (b) the window holds the 08:30 send hour.
QUIET = datetime(2027, 3, 8, 10, 0, tzinfo=PARIS).astimezone(UTC)
SEND_HOUR = datetime(2027, 3, 8, 8, 30, tzinfo=PARIS).astimezone(UTC)
WINDOW = timedelta(seconds=60)
MAX_QUERIES = 20
TARGET_SECONDS = 2.0
TARGET_MB = 300.0
TARGET_SIZE = 100_000


def make_app(url: str) -> Flask:
    app = create_app(
        {
            "SECRET_KEY": _common.SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": "https://gpect.example.org",
            "MAIL_SERVER": None,
            "SCHEDULER_ENABLED": False,
        }
    )
    app.extensions[EXTENSION_NAME].clock = FrozenClock(SEND_HOUR)
    return app


def engine_of(app: Flask) -> sa.Engine:
    with app.app_context():
        return app.extensions[EXTENSION_NAME].db.engine  # type: ignore[no-any-return]


# --- measuring ------------------------------------------------------------------------------------------


@dataclass
class Measure:
    """One measured tick."""

    queries: int
    seconds: float
    cpu_seconds: float
    reminders: int
    digests: int
    captured: int
    traced_mb: float | None
    rss_peak_mb: float | None
    rss_before_mb: float | None
    shapes: list[tuple[str, int]]
    phases: dict[str, tuple[float, int]]
    #: The passes after this one, a minute apart, that queued the reminders it left (``REMINDERS_PER_PASS``).
    later: list[Pass]


@dataclass
class Pass:
    """A later pass of the same send hour: messages queued, statements, seconds."""

    queued: int
    queries: int
    seconds: float


def reset(engine: sa.Engine, instant: datetime) -> None:
    """An empty outbox and a scheduler that covered up to one minute before ``instant``."""
    with engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE gpect_outbox_messages")
        connection.execute(
            sa.text(
                "INSERT INTO gpect_scheduler_runs (name, covered_until_dt, ran_dt) VALUES (:name, :covered, :covered) "
                "ON CONFLICT (name) DO UPDATE SET covered_until_dt = :covered, ran_dt = :covered,"
                " reminders_covered_until_dt = NULL"
            ),
            {"name": TICK, "covered": instant - WINDOW},
        )


def run_tick(app: Flask, instant: datetime) -> TickReport:
    with app.app_context():
        clock = app.extensions[EXTENSION_NAME].clock
        clock.set(instant)
        try:
            return tick()
        finally:
            session().remove()


#: What ``tick()`` calls, timed separately (wrapped in this process only; the package is untouched).
PHASES = (
    "open_due_plans",
    "due_reminder_messages",
    "digest_messages",
    "committee_digest_messages",
    "enqueue",
    "send_pending",
)


@contextmanager
def timed_phases(log: _common.QueryLog) -> Iterator[dict[str, tuple[float, int]]]:
    """Seconds and statements of each phase of the tick, by wrapping the functions ``jobs`` calls."""
    phases: dict[str, tuple[float, int]] = {}
    originals = {name: getattr(jobs, name) for name in PHASES}

    def wrap(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            queries, start = log.count, time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                phases[name] = (time.perf_counter() - start, log.count - queries)

        return wrapper

    for name, function in originals.items():
        setattr(jobs, name, wrap(name, function))
    try:
        yield phases
    finally:
        for name, function in originals.items():
            setattr(jobs, name, function)


def measure(app: Flask, instant: datetime, *, traced: bool) -> Measure:
    """Time and count one tick; then, with ``traced``, run it again on the same state under tracemalloc."""
    engine = engine_of(app)
    reset(engine, instant)
    gc.collect()
    rss_before = _common.rss_mb()
    has_peak = _common.reset_rss_peak()
    with _common.count_queries(engine) as log, timed_phases(log) as phases:
        start, cpu_start = time.perf_counter(), time.process_time()
        report = run_tick(app, instant)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    rss_peak = _common.rss_peak_mb() if has_peak else None
    if report.since != instant - WINDOW:
        raise SystemExit(f"the tick covered {report.since} → {report.until}, not a one-minute window")
    later, left, at = [], report.reminders_left, instant
    while left:
        at += WINDOW
        with _common.count_queries(engine) as pass_log:
            pass_start = time.perf_counter()
            next_report = run_tick(app, at)
            later.append(Pass(len(next_report.reminders), pass_log.count, time.perf_counter() - pass_start))
        if next_report.reminders_left >= left:
            raise SystemExit(f"the pass at {at} left {next_report.reminders_left} reminders, no fewer than before")
        left = next_report.reminders_left
    traced_mb = None
    if traced:
        reset(engine, instant)
        gc.collect()
        tracemalloc.start()
        try:
            run_tick(app, instant)
            traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    return Measure(
        queries=log.count,
        seconds=seconds,
        cpu_seconds=cpu,
        reminders=len(report.reminders),
        digests=len(report.digests),
        captured=report.sending.captured if report.sending else 0,
        traced_mb=traced_mb,
        rss_peak_mb=None if rss_peak is None or rss_before is None else rss_peak - rss_before,
        rss_before_mb=rss_before,
        shapes=log.top(),
        phases=phases,
        later=later,
    )


@dataclass
class SizeResult:
    plans: int
    tasks: int
    open_tasks: int
    load_seconds: float
    quiet: Measure
    send: Measure


# --- report ---------------------------------------------------------------------------------------------


def _per_message(m: Measure) -> float | None:
    messages = m.reminders + m.digests
    return m.seconds / messages if messages else None


def print_table(results: list[SizeResult]) -> None:
    fmt = _common.fmt
    header = (
        f"{'plans':>8} {'tasks':>10} {'open tasks':>10} │ {'queued':>7} {'digests':>7} {'queries':>7} {'seconds':>8}"
        f" {'CPU s':>7} {'ms/msg':>7} {'peak MB':>8} {'ΔRSS MB':>8} {'RSS MB':>7}"
    )
    for label, attribute in (
        ("(a) 10:00 Paris, no send hour in the window", "quiet"),
        ("(b) 08:30 Paris, the send hour in the window", "send"),
    ):
        print()
        print(f"tick {label}")
        print(header)
        for r in results:
            m: Measure = getattr(r, attribute)
            per = _per_message(m)
            print(
                f"{r.plans:>8,} {r.tasks:>10,} {r.open_tasks:>10,} │ {m.reminders:>7,} {m.digests:>7,} {m.queries:>7,}"
                f" {m.seconds:>8.3f} {m.cpu_seconds:>7.3f} {fmt(None if per is None else 1000 * per, '.2f'):>7}"
                f" {fmt(m.traced_mb):>8} {fmt(m.rss_peak_mb):>8} {fmt(m.rss_before_mb, '.0f'):>7}"
            )
    print(
        "  queued: reminders and escalations queued; seconds: wall clock (perf_counter); CPU s: this process's CPU\n"
        "  time (the database server's is not in it); ms/msg: wall ms per message queued; peak MB: tracemalloc peak\n"
        "  (a separate, untimed run of the same tick); ΔRSS MB: peak RSS during the tick above the RSS before it\n"
        "  (Linux VmHWM); RSS MB: the process's RSS before the tick."
    )
    print(f"  process max RSS (getrusage): {_common.max_rss_mb():.0f} MB")
    if len(results) < 2:
        return

    def ratio(x: float | None, y: float | None) -> str:
        return f"{y / x:.2f}" if x and y is not None else "-"

    print()
    print(
        f"{'ratios':>19} │ {'plans':>6} │ {'(a) queries':>11} {'(a) time':>9} │ {'(b) queued':>10}"
        f" {'(b) queries':>11} {'(b) time':>9} {'(b) time/msg':>12}"
    )
    for small, big in itertools.pairwise(results):
        sa_, sb_ = small.quiet, small.send
        ba_, bb_ = big.quiet, big.send
        print(
            f"{small.plans:>8,} → {big.plans:>8,} │ {ratio(small.plans, big.plans):>6} │"
            f" {ratio(sa_.queries, ba_.queries):>11} {ratio(sa_.seconds, ba_.seconds):>9} │"
            f" {ratio(sb_.reminders + sb_.digests, bb_.reminders + bb_.digests):>10}"
            f" {ratio(sb_.queries, bb_.queries):>11} {ratio(sb_.seconds, bb_.seconds):>9}"
            f" {ratio(_per_message(sb_), _per_message(bb_)):>12}"
        )


def print_passes(results: list[SizeResult]) -> None:
    """The whole send hour: the first pass and the later ones that queued what it left."""
    print()
    print("the send hour (b) pass after pass, a minute apart, until every reminder due is queued")
    print(
        f"{'plans':>8} │ {'passes':>6} {'queued':>7} {'statements per pass':>20} {'slowest pass s':>14}"
        f" {'all passes s':>12} {'last queued':>11}"
    )
    for r in results:
        b = r.send
        passes = [Pass(b.reminders + b.digests, b.queries, b.seconds), *b.later]
        statements = sorted({p.queries for p in passes})
        print(
            f"{r.plans:>8,} │ {len(passes):>6} {sum(p.queued for p in passes):>7,}"
            f" {', '.join(str(n) for n in statements):>20} {max(p.seconds for p in passes):>14.3f}"
            f" {sum(p.seconds for p in passes):>12.3f} {f'+{len(passes) - 1} min':>11}"
        )


def print_phases(results: list[SizeResult]) -> None:
    print()
    print("tick (b) by phase: seconds and statements at each size")
    print(f"{'phase':<28} │ " + " │ ".join(f"{f'{r.plans:,} plans':^20}" for r in results))
    for name in (*PHASES, "other (lock, commit, ...)"):
        cells = []
        for r in results:
            if name in PHASES:
                seconds, queries = r.send.phases.get(name, (0.0, 0))
            else:
                seconds = r.send.seconds - sum(seconds for seconds, _ in r.send.phases.values())
                queries = r.send.queries - sum(queries for _, queries in r.send.phases.values())
            cells.append(f"{seconds:>8.3f} s {queries:>5,} q ")
        print(f"{name:<28} │ " + " │ ".join(cells))


def print_statements(results: list[SizeResult], everything: bool) -> None:
    for label, attribute in (("(a)", "quiet"), ("(b)", "send")):
        measures = [getattr(r, attribute) for r in results]
        if not everything and len({m.queries for m in measures}) == 1 and measures[-1].queries <= MAX_QUERIES:
            continue
        last = results[-1]
        print(f"\nstatements of tick {label} at {last.plans:,} plans, by kind (most frequent first):")
        for shape, count in getattr(last, attribute).shapes:
            print(f"  {count:>7,}  {shape}")


def checks(results: list[SizeResult], strict: bool) -> list[str]:
    failures = []
    quiet = [r.quiet.queries for r in results]
    if len(set(quiet)) > 1:
        failures.append(f"(a) statement count differs between sizes: {quiet}")
    if max(quiet) > MAX_QUERIES:
        failures.append(f"(a) more than {MAX_QUERIES} statements: {max(quiet)}")
    if strict:
        send = [r.send.queries for r in results]
        later = {p.queries for r in results for p in r.send.later}
        if later and max(later) > MAX_QUERIES:
            failures.append(f"(b) later passes ran {sorted(later)} statements: above {MAX_QUERIES}")
        if len(set(send)) > 1 or max(send) > MAX_QUERIES:
            failures.append(f"(b) statement counts {send}: not the same at every size, or above {MAX_QUERIES}")
        for r in results:
            if r.plans < TARGET_SIZE:
                continue
            slowest_later = max((p.seconds for p in r.send.later), default=0.0)
            if slowest_later >= TARGET_SECONDS:
                failures.append(
                    f"(b) a later pass at {r.plans:,} plans: {slowest_later:.2f} s (target < {TARGET_SECONDS} s)"
                )
            for label, m in (("(a)", r.quiet), ("(b)", r.send)):
                if m.seconds >= TARGET_SECONDS:
                    failures.append(f"{label} at {r.plans:,} plans: {m.seconds:.2f} s (target < {TARGET_SECONDS} s)")
                memory = max(x for x in (m.traced_mb, m.rss_peak_mb, 0.0) if x is not None)
                if memory >= TARGET_MB:
                    failures.append(f"{label} at {r.plans:,} plans: {memory:.0f} MB peak (target < {TARGET_MB:.0f} MB)")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="plan counts, ascending (default %(default)s)")
    parser.add_argument("--url", default=DEFAULT_URL, help="database URL (created if missing; default %(default)s)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the tracemalloc runs (faster)")
    parser.add_argument("--strict", action="store_true", help="also fail on (b) statements, time and memory targets")
    parser.add_argument("--statements", action="store_true", help="list the statements of the largest size's ticks")
    parser.add_argument(
        "--send-count",
        type=int,
        default=10_000,
        help="then send this many messages beside raw smtplib, in the same run (0: skip)",
    )
    args = parser.parse_args(argv)
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    if not sizes or sizes != sorted(set(sizes)) or sizes[0] <= 0:
        parser.error("--sizes must be positive plan counts in increasing order, e.g. 1000,10000,100000")

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]  # progress shows when piped
    print(_common.machine_line())
    began = time.perf_counter()
    url = sa.make_url(args.url)
    data.ensure_database(url)
    app = make_app(url.render_as_string(hide_password=False))
    definition = data.prepare(app)
    layout = data.layout_of(definition)
    engine = engine_of(app)
    print(
        f"database {url.database}: definition {definition.key} v{definition.version}, "
        f"{layout.tasks_per_plan} tasks in {layout.stages_per_plan} stages per plan; instant {data.BENCH_DAY} (Monday)"
    )

    # Warm up as a scheduler process does when it starts (templates compiled, definitions parsed, holidays
    # loaded), then as the passes of the minutes before a send hour do, on a small plan set (statements built).
    with app.app_context():
        print(f"warm-up: {warm_up()}")
    print(f"{set_aside_long_lived_objects():,} long-lived objects set aside from the garbage collector")
    data.load_plans(engine, layout, definition, 0, min(sizes[0], 100))
    for instant in (QUIET, SEND_HOUR):
        reset(engine, instant)
        run_tick(app, instant)

    results: list[SizeResult] = []
    loaded = min(sizes[0], 100)
    for size in sizes:
        start = time.perf_counter()
        data.load_plans(engine, layout, definition, loaded, size)
        loaded = size
        counts = data.check_data(engine, layout, size)
        load_seconds = time.perf_counter() - start
        print(
            f"loaded {size:,} plans ({counts['tasks']:,} tasks, {counts['open tasks']:,} open) in {load_seconds:.1f} s;"
            " ticking...",
            flush=True,
        )
        quiet = measure(app, QUIET, traced=not args.no_tracemalloc)
        send = measure(app, SEND_HOUR, traced=not args.no_tracemalloc)
        results.append(SizeResult(size, counts["tasks"], counts["open tasks"], load_seconds, quiet, send))

    print_table(results)
    print_passes(results)
    print_phases(results)
    print_statements(results, args.statements)
    failures = checks(results, args.strict)
    print()
    print(
        f"targets (DESIGN.md §8): same statements at every size and ≤ {MAX_QUERIES}; time follows the reminders due;"
        f" < {TARGET_SECONDS:.0f} s and < {TARGET_MB:.0f} MB at {TARGET_SIZE:,} plans"
    )
    for r in results:
        if r.plans >= TARGET_SIZE:
            for label, m in (("(a)", r.quiet), ("(b)", r.send)):
                memory = max(x for x in (m.traced_mb, m.rss_peak_mb, 0.0) if x is not None)
                ok = m.seconds < TARGET_SECONDS and memory < TARGET_MB
                print(
                    f"  {label} at {r.plans:,} plans: {m.seconds:.2f} s, {memory:.0f} MB peak"
                    f" → {'met' if ok else 'NOT met'}"
                )
    send_counts = [r.send.queries for r in results]
    print(
        f"  (b) statements per size: {send_counts}"
        f" → {'met' if len(set(send_counts)) == 1 and max(send_counts) <= MAX_QUERIES else 'NOT met'}"
        f"{'' if args.strict else ' (checked with --strict)'}"
    )
    if args.send_count:
        import send  # the sending benchmark, run in the same process and run

        print(f"\n== sending {args.send_count:,} messages to a local SMTP server, beside raw smtplib")
        if send.main(["--count", str(args.send_count)]) != 0 and args.strict:
            failures.append("sending throughput below its target (see above)")
    print(f"total run time {time.perf_counter() - began:.0f} s")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("OK: (a) statement count constant across sizes and within the limit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
