"""Benchmark of the pages (dashboard, plans list, plan page) on PostgreSQL at 10 and 10,000 plans.

DESIGN.md §8: the pages run the same number of queries at 10 and at 10,000 plans; under load from a
second process, their p95 latency is within 3× of a bare Flask page served the same way.

The benchmark uses its own database, ``gpect_bench_pages`` on 127.0.0.1:5432 (user ``postgres``, trust
authentication; ``--url`` to change), created at the start and dropped at the end (``--keep`` keeps it),
migrated with the shipped migrations and filled by the tick benchmark's bulk loader (``_tick_data``:
plans of 20 tasks in 5 stages, 35 people in 7 organisations), plus one administrator. The same database
grows from one size to the next. The app's clock is frozen at Monday 8 March 2027, 10:00 Paris.

Two readers: the lead ``lead.0`` (person 1, who leads a quarter of the plans and owns their lead tasks)
and an administrator (who sees every plan). Pages: ``/`` (dashboard), ``/plans`` (plans list, first
page) and ``/plans/4`` (a plan the lead leads, the same at every size). Sessions are Flask-Login cookies
signed with the app's secret key, made by ``login_user`` in a request context (as signing in does).

At each size:

1. Statements: each page for each reader through Flask's test client in this process, once to warm up,
   then once counted (a ``before_cursor_execute`` listener), then ``--inprocess`` times for the median
   time in-process (no HTTP, no load), split into cursor executions and template rendering.
2. Latency: the app and a bare Flask app (one trivial page) are each served by
   ``werkzeug.serving.make_server(threaded=True)`` in a process of their own (gunicorn is not installed
   in the project's environment); a second process (``--load-threads`` client threads, keep-alive
   ``http.client`` connections) requests the pages of the server being measured without pause, while
   this process sends ``--requests`` requests to each page (round-robin over the pages, after
   ``--warmup`` rounds; ten times as many to the bare page) on its own keep-alive connection. p50 and p95
   per page, and p95(page) / p95(bare).

The servers and the load process are children of this one; they stop when their stdin closes, so they
also go when this process dies. Servers, load and database are cleaned up on any exit (SIGTERM included).

Exit status 1 when a target is missed: a page's statement count differs between sizes, a response is
not 200, or a page's p95 is above 3× the bare page's p95 at some size. ``--profile`` prints cProfile's
top functions of each page at the largest size (in-process), to find where the time goes.

Run: ``.venv/bin/python benchmarks/pages.py [--sizes 10,10000]``; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import pstats
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import _common  # puts the repository on sys.path: keep before gpect_workflow
import _tick_data as data
import sqlalchemy as sa
from flask import Flask, before_render_template, template_rendered
from flask import session as flask_session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from werkzeug.serving import WSGIRequestHandler, make_server

from gpect_workflow import create_app
from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Person
from gpect_workflow.services.context import session
from gpect_workflow.state import EXTENSION_NAME

DATABASE = "gpect_bench_pages"
DEFAULT_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
INSTANT = datetime(2027, 3, 8, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
HOST = "127.0.0.1"
USER_AGENT = "gpect-pages-benchmark/1"
#: The ratio DESIGN.md §8 allows between a page's p95 and the bare Flask page's p95.
MAX_RATIO = 3.0
#: Person 1 (``lead.0``) leads the plans whose id is a multiple of 4 (but not of 250): plan 4 at any size.
LEAD_ID = 1
ADMIN_ID = 1 + len(data.ROLES) * data.PEOPLE_PER_ORGANISATION
PLAN_ID = 4
PAGES = (("dashboard", "/"), ("plans list", "/plans"), ("plan page", f"/plans/{PLAN_ID}"))
READERS = (("lead", LEAD_ID), ("admin", ADMIN_ID))
BARE = "bare Flask"
#: The bare page is measured this many times more often than each page: it is cheap, and its p95 (the
#: denominator of every ratio) steadier over a few seconds than over the fraction of a second 100 take.
BARE_REQUESTS_FACTOR = 10


@dataclass(frozen=True)
class Target:
    """One page as one reader asks for it."""

    page: str
    reader: str
    path: str
    cookie: str

    @property
    def label(self) -> str:
        return f"{self.page} ({self.reader})"


# --- the apps -------------------------------------------------------------------------------------------


def make_app(url: str) -> Flask:
    """The standalone app on the benchmark database, its clock frozen at the benchmark instant."""
    app = create_app(
        {
            "SECRET_KEY": _common.SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": "https://gpect.example.org",
            "MAIL_SERVER": None,
            "SCHEDULER_ENABLED": False,
        }
    )
    app.extensions[EXTENSION_NAME].clock = FrozenClock(INSTANT)
    return app


BARE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bare</title></head>
<body><h1>A bare Flask page</h1><p>Nothing but Flask and the server.</p></body></html>
"""


def make_bare_app() -> Flask:
    """A Flask app with one trivial page: what serving any page costs at least."""
    app = Flask("bare")

    @app.get("/")
    def index() -> str:
        return BARE_PAGE

    return app


def engine_of(app: Flask) -> sa.Engine:
    with app.app_context():
        return app.extensions[EXTENSION_NAME].db.engine  # type: ignore[no-any-return]


def add_admin(engine: sa.Engine) -> None:
    """An administrator beside the tick benchmark's 35 people (organisation 1)."""
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO gpect_people (id, email, name, organisation_id, role, language, timezone, reminder_mode,"
                " is_referent, password_hash, is_active, created_dt) VALUES (:id, 'admin@bench.example.org',"
                " 'Administratrice', 1, 'admin', 'fr', 'Europe/Paris', 'immediate', false, NULL, true, :created)"
            ),
            {"id": ADMIN_ID, "created": INSTANT},
        )
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('gpect_people', 'id'), (SELECT max(id) + 1 FROM gpect_people), false)"
        )


def session_cookie(app: Flask, person_id: int) -> str:
    """The signed session cookie signing in gives ``person_id`` (from 127.0.0.1 with the benchmark's user agent).

    ``login_user`` fills the session as the sign-in page does (user id, freshness, the session-protection
    identifier of the address and user agent); the CSRF token the pages' forms need is put in it too, so
    that no response has to set a new cookie.
    """
    environ = {"REMOTE_ADDR": HOST}
    with app.test_request_context("/", environ_base=environ, headers={"User-Agent": USER_AGENT}):
        person = session().get(Person, person_id)
        if person is None:
            raise SystemExit(f"no person {person_id} in the benchmark database")
        login_user(person)
        generate_csrf()
        value = app.session_interface.get_signing_serializer(app).dumps(dict(flask_session))  # type: ignore[attr-defined]
        session().remove()
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def targets_of(app: Flask) -> list[Target]:
    cookies = {reader: session_cookie(app, person_id) for reader, person_id in READERS}
    return [Target(page, reader, path, cookies[reader]) for page, path in PAGES for reader, _ in READERS]


# --- statements -----------------------------------------------------------------------------------------


@dataclass
class PageCount:
    """A page's statements and in-process times at one size."""

    statements: int
    bytes: int
    #: Median wall times in-process: the whole page, its statements (cursor executions, rows fetched
    #: included) and its template rendering (``before_render_template`` → ``template_rendered``).
    median_ms: float
    sql_ms: float
    render_ms: float
    #: Statements by kind: how many per request, mean ms per request.
    shapes: list[tuple[str, int, float]]


@dataclass
class SqlTimes:
    """Time spent in cursor executions, in total and by statement kind."""

    seconds: float = 0.0
    by_shape: dict[str, float] = field(default_factory=dict)


@contextmanager
def render_timer(app: Flask) -> Iterator[list[float]]:
    """Seconds spent rendering templates, from Flask's ``before_render_template`` to ``template_rendered``."""
    spent = [0.0]
    started: list[float] = []

    def before(sender: Any, **extra: Any) -> None:
        started.append(time.perf_counter())

    def after(sender: Any, **extra: Any) -> None:
        spent[0] += time.perf_counter() - started.pop()

    with before_render_template.connected_to(before, app), template_rendered.connected_to(after, app):
        yield spent


@contextmanager
def sql_timer(engine: sa.Engine) -> Iterator[SqlTimes]:
    """Time each statement from ``before_cursor_execute`` to ``after_cursor_execute`` (psycopg has the rows then)."""
    times = SqlTimes()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        elapsed = time.perf_counter() - conn.info["bench_started"].pop()
        times.seconds += elapsed
        shape = _common.statement_shape(statement)
        times.by_shape[shape] = times.by_shape.get(shape, 0.0) + elapsed

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield times
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def get(app: Flask, target: Target) -> Any:
    client = app.test_client(use_cookies=False)  # the cookie jar would drop the Cookie header given
    response = client.get(target.path, headers={"Cookie": target.cookie, "User-Agent": USER_AGENT})
    if response.status_code != 200:
        raise SystemExit(f"{target.label}: {target.path} answered {response.status_code}, not 200")
    if b'name="password"' in response.data:
        raise SystemExit(f"{target.label}: {target.path} shows the sign-in page: the session cookie was refused")
    return response


def count_page(app: Flask, target: Target, repeat: int) -> PageCount:
    """The page's statements (one request after a warm-up), then its median time over ``repeat`` requests."""
    engine = engine_of(app)
    get(app, target)  # warm up: templates compiled, definitions parsed
    with _common.count_queries(engine) as log:
        response = get(app, target)
    times, sql, render = [], [], []
    totals = SqlTimes()
    for _ in range(repeat):
        with sql_timer(engine) as timer, render_timer(app) as rendering:
            start = time.perf_counter()
            get(app, target)
            times.append(time.perf_counter() - start)
        sql.append(timer.seconds)
        render.append(rendering[0])
        for shape, seconds in timer.by_shape.items():
            totals.by_shape[shape] = totals.by_shape.get(shape, 0.0) + seconds
    shapes = [(shape, count, 1000 * totals.by_shape.get(shape, 0.0) / max(repeat, 1)) for shape, count in log.top(30)]
    return PageCount(
        statements=log.count,
        bytes=len(response.data),
        median_ms=1000 * statistics.median(times) if times else float("nan"),
        sql_ms=1000 * statistics.median(sql) if sql else float("nan"),
        render_ms=1000 * statistics.median(render) if render else float("nan"),
        shapes=shapes,
    )


def profile_page(app: Flask, target: Target, repeat: int, top: int = 18) -> str:
    """cProfile's functions of ``repeat`` requests of the page, by cumulative time, then by own time."""
    get(app, target)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        get(app, target)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- serving and loading (child processes) --------------------------------------------------------------


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without its access log line per request."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def serve(kind: str, url: str) -> int:
    """Child: serve the app (``gpect``) or the bare app on a free port; stop when stdin closes."""
    app = make_bare_app() if kind == "bare" else make_app(url)
    server = make_server(HOST, 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"port {server.port}", flush=True)
    sys.stdin.read()  # the parent closes it (or dies): time to stop
    server.shutdown()
    return 0


def load() -> int:
    """Child: request the targets given on stdin's first line without pause, from several threads.

    Reads ``{"port": ..., "threads": ..., "targets": [[path, cookie], ...]}``; prints ``ready`` once every
    thread has had an answer; stops when stdin closes, then prints ``{"requests": ..., "errors": ...,
    "seconds": ...}`` (counted from ``ready``).
    """
    config = json.loads(sys.stdin.readline())
    port, targets = config["port"], config["targets"]
    stop = threading.Event()
    counts = [[0, 0] for _ in range(config["threads"])]
    answered = threading.Barrier(config["threads"] + 1)

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        position = index
        while not stop.is_set():
            path, cookie = targets[position % len(targets)]
            position += 1
            try:
                connection.request("GET", path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
                response = connection.getresponse()
                response.read()
                counts[index][0 if response.status == 200 else 1] += 1
            except (OSError, http.client.HTTPException):
                counts[index][1] += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=60)
            if position == index + 1:
                answered.wait()
        connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(config["threads"])]
    for thread in threads:
        thread.start()
    answered.wait()
    # Count from here: the first answers came before the load was steady.
    done, failed = sum(c[0] for c in counts), sum(c[1] for c in counts)
    start = time.perf_counter()
    print("ready", flush=True)
    sys.stdin.read()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    seconds = time.perf_counter() - start
    done, failed = sum(c[0] for c in counts) - done, sum(c[1] for c in counts) - failed
    print(json.dumps({"requests": done, "errors": failed, "seconds": seconds}))
    return 0


def _child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
    )


def stop_child(process: subprocess.Popen[str], timeout: float = 20) -> str:
    """Close the child's stdin (its signal to stop), wait for it, kill it if it lingers; its output."""
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out or ""


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[str]
    port: int


def start_server(kind: str, url: str) -> Server:
    process = _child("--serve", kind, "--url", url)
    line = process.stdout.readline() if process.stdout else ""
    if not line.startswith("port "):
        stop_child(process)
        raise SystemExit(f"the {kind} server did not start (exit status {process.poll()})")
    return Server(kind, process, int(line.split()[1]))


@contextmanager
def load_on(server: Server, targets: list[tuple[str, str]], threads: int) -> Iterator[dict[str, Any]]:
    """A load process requesting ``targets`` of ``server`` while the block runs; its figures afterwards."""
    process = _child("--load")
    assert process.stdin is not None
    process.stdin.write(json.dumps({"port": server.port, "threads": threads, "targets": targets}) + "\n")
    process.stdin.flush()
    figures: dict[str, Any] = {}
    if not process.stdout or process.stdout.readline().strip() != "ready":
        stop_child(process)
        raise SystemExit(f"the load process did not start on the {server.kind} server")
    try:
        yield figures
    finally:
        out = stop_child(process, timeout=60)
        try:
            figures.update(json.loads(out.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            figures.update(requests=0, errors=-1, seconds=0.0)


# --- latency --------------------------------------------------------------------------------------------


@dataclass
class Latency:
    """Latencies of one page under load, in milliseconds."""

    label: str
    times: list[float] = field(default_factory=list)
    failures: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times, n=100, method="inclusive")[94]

    @property
    def max(self) -> float:
        return max(self.times)


def measure(port: int, targets: list[tuple[str, str, str]], requests: int, warmup: int) -> list[Latency]:
    """``requests`` GETs of each target, round-robin, on one keep-alive connection, after ``warmup`` rounds."""
    results = [Latency(label) for label, _, _ in targets]
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        for round_ in range(warmup + requests):
            for result, (_, path, cookie) in zip(results, targets, strict=True):
                start = time.perf_counter()
                connection.request("GET", path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
                response = connection.getresponse()
                response.read()
                elapsed = 1000 * (time.perf_counter() - start)
                if response.status != 200:
                    result.failures += 1
                if round_ >= warmup:
                    result.times.append(elapsed)
    finally:
        connection.close()
    return results


@dataclass
class LoadRun:
    latencies: list[Latency]
    load: dict[str, Any]


def run_under_load(server: Server, targets: list[Target] | None, args: argparse.Namespace) -> LoadRun:
    measured = [(BARE, "/", "")] if targets is None else [(t.label, t.path, t.cookie) for t in targets]
    factor = BARE_REQUESTS_FACTOR if targets is None else 1
    with load_on(server, [(path, cookie) for _, path, cookie in measured], args.load_threads) as figures:
        time.sleep(args.load_settle)
        latencies = measure(server.port, measured, factor * args.requests, factor * args.warmup)
    return LoadRun(latencies, figures)


# --- report ---------------------------------------------------------------------------------------------


@dataclass
class SizeResult:
    plans: int
    counts: dict[str, PageCount]
    bare: LoadRun
    pages: LoadRun


def print_statements(results: list[SizeResult], targets: list[Target]) -> None:
    print()
    print("statements per page (one request after a warm-up, in-process through Flask's test client)")
    print(f"{'page':<24} │ " + " │ ".join(f"{f'{r.plans:,} plans':^41}" for r in results))
    print(
        f"{'':<24} │ "
        + " │ ".join(f"{'statements':>10} {'KB':>6} {'ms':>7} {'SQL ms':>7} {'render':>7}" for _ in results)
    )
    for t in targets:
        cells = []
        for r in results:
            c = r.counts[t.label]
            cells.append(
                f"{c.statements:>10} {c.bytes / 1024:>6.1f} {c.median_ms:>7.1f} {c.sql_ms:>7.1f} {c.render_ms:>7.1f}"
            )
        print(f"{t.label:<24} │ " + " │ ".join(cells))
    print(
        "  KB: size of the HTML; ms: median wall time of the page in-process (no HTTP, no load); of which SQL ms in\n"
        "  cursor executions (sent, run by PostgreSQL, rows fetched) and render in template rendering (medians); the\n"
        "  rest is the view and services in Python (ORM statements built, rows turned into objects) and Flask."
    )


def print_latency(results: list[SizeResult], args: argparse.Namespace) -> None:
    for r in results:
        print()
        print(
            f"latency at {r.plans:,} plans under load ({args.load_threads} client threads in a second process),"
            f" {args.requests:,} requests per page ({BARE_REQUESTS_FACTOR * args.requests:,} for the bare page), ms"
        )
        print(f"{'page':<24} │ {'p50':>7} {'p95':>7} {'max':>7} │ {'p95 / bare':>10}")
        bare = r.bare.latencies[0]
        for latency in [bare, *r.pages.latencies]:
            failed = f"  ({latency.failures} not 200)" if latency.failures else ""
            print(
                f"{latency.label:<24} │ {latency.p50:>7.2f} {latency.p95:>7.2f} {latency.max:>7.2f} │"
                f" {latency.p95 / bare.p95:>10.2f}{failed}"
            )
        for name, run in (("bare Flask", r.bare), ("pages", r.pages)):
            load = run.load
            rate = load["requests"] / load["seconds"] if load.get("seconds") else 0.0
            print(
                f"  load on the {name} server: {load['requests']:,} requests in {load['seconds']:.1f} s"
                f" ({rate:.0f}/s), {load['errors']} errors"
            )


def print_shapes(results: list[SizeResult], targets: list[Target], everything: bool) -> None:
    for t in targets:
        counts = [r.counts[t.label].statements for r in results]
        if not everything and len(set(counts)) == 1:
            continue
        for r in results:
            print(f"\nstatements of {t.label} at {r.plans:,} plans, by kind (count, mean ms per request):")
            for shape, count, ms in r.counts[t.label].shapes:
                print(f"  {count:>5} {ms:>7.2f}  {shape}")


def checks(results: list[SizeResult], targets: list[Target]) -> list[str]:
    failures = []
    for t in targets:
        counts = [r.counts[t.label].statements for r in results]
        if len(set(counts)) > 1:
            failures.append(f"{t.label}: statement count differs between sizes: {counts}")
    for r in results:
        bare = r.bare.latencies[0]
        if bare.failures:
            failures.append(f"{BARE} at {r.plans:,} plans: {bare.failures} responses not 200")
        for latency in r.pages.latencies:
            if latency.failures:
                failures.append(f"{latency.label} at {r.plans:,} plans: {latency.failures} responses not 200")
            ratio = latency.p95 / bare.p95
            if ratio > MAX_RATIO:
                failures.append(
                    f"{latency.label} at {r.plans:,} plans: p95 {latency.p95:.1f} ms = {ratio:.1f}× the bare page's"
                    f" {bare.p95:.1f} ms (target ≤ {MAX_RATIO:.0f}×)"
                )
        for name, run in (("bare", r.bare), ("pages", r.pages)):
            if run.load.get("errors"):
                failures.append(f"load on the {name} server at {r.plans:,} plans: {run.load['errors']} errors")
    return failures


# --- main -----------------------------------------------------------------------------------------------


def drop_database(url: sa.URL) -> None:
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    admin.dispose()


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # run the ``finally`` blocks: children stopped, database dropped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,10000", help="plan counts, ascending (default %(default)s)")
    parser.add_argument("--url", default=DEFAULT_URL, help="database URL (created, then dropped; default %(default)s)")
    parser.add_argument("--requests", type=int, default=100, help="measured requests per page (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured rounds first (default %(default)s)")
    parser.add_argument("--load-threads", type=int, default=3, help="client threads of the load (default %(default)s)")
    parser.add_argument("--load-settle", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--inprocess", type=int, default=10, help="in-process timed requests (default %(default)s)")
    parser.add_argument("--statements", action="store_true", help="list every page's statements by kind")
    parser.add_argument("--profile", action="store_true", help="cProfile each page at the largest size")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--serve", choices=("gpect", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve, args.url)
    if args.load:
        return load()
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    if not sizes or sizes != sorted(set(sizes)) or sizes[0] < PLAN_ID:
        parser.error(f"--sizes must be plan counts of at least {PLAN_ID} in increasing order, e.g. 10,10000")
    if args.requests < 20:
        parser.error("--requests must be at least 20 for a p95")

    signal.signal(signal.SIGTERM, _terminate)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped
    began = time.perf_counter()
    url = sa.make_url(args.url)
    drop_database(url)  # a database left by an interrupted run
    data.ensure_database(url)
    servers: list[Server] = []
    app: Flask | None = None
    try:
        app = make_app(url.render_as_string(hide_password=False))
        definition = data.prepare(app)
        layout = data.layout_of(definition)
        engine = engine_of(app)
        add_admin(engine)
        targets = targets_of(app)
        print(
            f"database {url.database}: definition {definition.key} v{definition.version},"
            f" {layout.tasks_per_plan} tasks per plan; clock at {INSTANT:%Y-%m-%d %H:%M %Z};"
            f" readers: lead (person {LEAD_ID}), admin (person {ADMIN_ID}); plan page /plans/{PLAN_ID}"
        )
        for kind in ("bare", "gpect"):
            servers.append(start_server(kind, args.url))
        bare_server, gpect_server = servers
        print(
            "serving with werkzeug make_server(threaded=True), one process each:"
            f" bare Flask on :{bare_server.port}, the app on :{gpect_server.port}"
        )

        results: list[SizeResult] = []
        loaded = 0
        for size in sizes:
            start = time.perf_counter()
            data.load_plans(engine, layout, definition, loaded, size)
            loaded = size
            counts = data.check_data(engine, layout, size)
            print(
                f"loaded {size:,} plans ({counts['tasks']:,} tasks) in {time.perf_counter() - start:.1f} s;"
                " counting statements, then measuring under load...",
                flush=True,
            )
            page_counts = {t.label: count_page(app, t, args.inprocess) for t in targets}
            bare = run_under_load(bare_server, None, args)
            pages = run_under_load(gpect_server, targets, args)
            results.append(SizeResult(size, page_counts, bare, pages))

        print_statements(results, targets)
        print_latency(results, args)
        print_shapes(results, targets, args.statements)
        if args.profile:
            for t in targets:
                print(f"\ncProfile of {t.label} at {sizes[-1]:,} plans, 20 requests in-process:")
                print(profile_page(app, t, 20))
        failures = checks(results, targets)

        print()
        print(
            f"targets (DESIGN.md §8): the same statements at {' and '.join(f'{s:,}' for s in sizes)} plans;"
            f" under load, p95 ≤ {MAX_RATIO:.0f}× the bare Flask page's"
        )
        for t in targets:
            statements = [r.counts[t.label].statements for r in results]
            print(f"  {t.label:<24} statements {statements} → {'met' if len(set(statements)) == 1 else 'NOT met'}")
        for r in results:
            bare_p95 = r.bare.latencies[0].p95
            for latency in r.pages.latencies:
                ratio = latency.p95 / bare_p95
                print(
                    f"  {latency.label:<24} p95 at {r.plans:>6,} plans: {latency.p95:7.1f} ms = {ratio:5.1f}×"
                    f" bare ({bare_p95:.1f} ms) → {'met' if ratio <= MAX_RATIO else 'NOT met'}"
                )
        print(f"total run time {time.perf_counter() - began:.0f} s")
        if failures:
            print("FAILED:\n  " + "\n  ".join(failures))
            return 1
        print("OK: the same statements at every size; every page's p95 within 3× of the bare page's")
        return 0
    finally:
        for server in servers:
            stop_child(server.process)
        if app is not None:
            engine_of(app).dispose()
        if args.keep:
            print(f"kept the database {url.database}")
        else:
            drop_database(url)


if __name__ == "__main__":
    sys.exit(main())
