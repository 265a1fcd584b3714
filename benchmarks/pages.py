"""Benchmark of the pages (dashboard, my tasks, plans list, plan page, committee) on PostgreSQL at 10 and
10,000 plans, served by gunicorn (2 workers) to 8 concurrent clients, against a bare Flask page served the
same way in the same run.

DESIGN.md §8: the pages run the same number of queries at 10 and at 10,000 plans. The target this
benchmark checks (issue "fast at a region's scale"): under 8 concurrent clients, every page's p95 is within
10× the bare Flask page's p95, at 10 plans, at 10,000 plans and for a lead with 2,400 plans; the ratio to
DESIGN.md's 3× is printed beside it.

The benchmark uses its own database, ``gpect_bench_pages`` on 127.0.0.1:5432 (user ``postgres``, trust
authentication; ``--url`` to change), created at the start and dropped at the end (``--keep`` keeps it),
migrated with the shipped migrations and filled by the tick benchmark's bulk loader (``_tick_data``:
plans of 20 tasks in 5 stages, 35 people in 7 organisations), plus an administrator and a committee
member who sits on the steering committee of the first 500 plans. The same database grows from one size
to the next. The app's clock is frozen at Monday 8 March 2027, 10:00 Paris.

Readers: the lead ``lead.0`` (person 1, who leads the plans whose id is a multiple of 4 but not of 50: 2,400
plans at 10,000, with their lead tasks), an administrator (who sees every plan) and the committee member
(500 plans at 10,000). Pages: ``/`` (dashboard, each reader), ``/my-tasks`` (the lead), ``/plans`` (plans
list, first page, lead and administrator), ``/plans/4`` (a plan the lead leads, the same at every size),
``/committee`` (the committee member). Sessions are Flask-Login cookies signed with the app's secret key,
made by ``login_user`` in a request context (as signing in does).

At each size:

1. Statements: each page through Flask's test client in this process, once to warm up, then once counted
   (a ``before_cursor_execute`` listener), then ``--inprocess`` times for the median time in-process (no
   HTTP, no load), split into cursor executions and template rendering.
2. Latency: the app and a bare Flask app (one trivial page) are each served by ``gunicorn -w 2`` (sync
   workers); a client process runs ``--clients`` threads (8 by default), each on its own ``http.client``
   connection with a signed-in session cookie, requesting the pages round-robin without pause; after
   ``--warmup`` rounds each, latencies are recorded until every page has ``--requests`` of them (ten
   times as many on the bare server) or ``--max-seconds`` pass. p50 and p95 per page, requests per
   second, and p95(page) / p95(bare).

The servers and the client process are children of this one; they are stopped on any exit (SIGTERM
included), and the database dropped.

Exit status 1 when a target is missed: a page's statement count differs between sizes, a response is
not 200, or a page's p95 is above 10× the bare page's p95 at some size. ``--profile`` prints cProfile's
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
import socket
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

from gpect_workflow import create_app
from gpect_workflow.clock import FrozenClock
from gpect_workflow.heap import set_aside_long_lived_objects
from gpect_workflow.models import Person
from gpect_workflow.services.context import session
from gpect_workflow.state import EXTENSION_NAME

DATABASE = "gpect_bench_pages"
DEFAULT_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
INSTANT = datetime(2027, 3, 8, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
HOST = "127.0.0.1"
USER_AGENT = "gpect-pages-benchmark/1"
#: The ratio checked between a page's p95 and the bare Flask page's p95 under 8 concurrent clients.
MAX_RATIO = 10.0
#: The ratio DESIGN.md §8 aims at (printed beside the checked one).
DESIGN_RATIO = 3.0
#: Person 1 (``lead.0``) leads the plans whose id is a multiple of 4 (but not of 50): plan 4 at any size.
LEAD_ID = 1
ADMIN_ID = 1 + len(data.ROLES) * data.PEOPLE_PER_ORGANISATION
COMMITTEE_ID = ADMIN_ID + 1
#: The committee member sits on the steering committee of the plans 1 to this.
COMMITTEE_PLANS = 500
PLAN_ID = 4
#: Pages as (name, path, reader).
PAGES = (
    ("dashboard", "/", "lead"),
    ("dashboard", "/", "admin"),
    ("dashboard", "/", "committee"),
    ("my tasks", "/my-tasks", "lead"),
    ("plans list", "/plans", "lead"),
    ("plans list", "/plans", "admin"),
    ("plan page", f"/plans/{PLAN_ID}", "lead"),
    ("committee", "/committee", "committee"),
)
READERS = (("lead", LEAD_ID), ("admin", ADMIN_ID), ("committee", COMMITTEE_ID))
BARE = "bare Flask"
#: Gunicorn's workers for each server.
WORKERS = 2
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


def add_readers(engine: sa.Engine) -> None:
    """An administrator (organisation 1) and a committee member (organisation 7, the state service) beside
    the tick benchmark's 35 people."""
    with engine.begin() as connection:
        add_people(
            connection,
            [
                {"id": ADMIN_ID, "email": "admin@bench.example.org", "name": "Administratrice", "org": 1}
                | {"role": "admin"},
                {"id": COMMITTEE_ID, "email": "comite@bench.example.org", "name": "Membre du comité"}
                | {"org": len(data.ROLES), "role": "committee"},
            ],
        )


def add_people(connection: sa.Connection, people: list[dict[str, Any]]) -> None:
    """Insert people (``id``, ``email``, ``name``, ``org``, ``role``; French, Paris, immediate reminders, no
    password) beside the loader's, and move the ids' sequence past them."""
    connection.execute(
        sa.text(
            "INSERT INTO gpect_people (id, email, name, organisation_id, role, language, timezone, reminder_mode,"
            " is_referent, password_hash, is_active, created_dt) VALUES (:id, :email, :name, :org, :role, 'fr',"
            " 'Europe/Paris', 'immediate', false, NULL, true, :created)"
        ),
        [person | {"created": INSTANT} for person in people],
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


def seat_committee_member(engine: sa.Engine, low: int, high: int) -> None:
    """Put the committee member on the steering committee of the plans ``low+1 .. min(high, 500)`` (the
    loader numbers a plan's role assignments ``(plan - 1) × roles + role + 1``)."""
    last = min(high, COMMITTEE_PLANS)
    if last <= low:
        return
    role = [name for name, _, _ in data.ROLES].index("steering_committee")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO gpect_role_assignment_members (assignment_id, plan_id, person_id)"
                " SELECT (p - 1) * :roles + :role + 1, p, :person FROM generate_series(:low + 1, :high) AS p"
            ),
            {"roles": len(data.ROLES), "role": role, "person": COMMITTEE_ID, "low": low, "high": last},
        )


def targets_of(app: Flask) -> list[Target]:
    cookies = {reader: session_cookie(app, person_id) for reader, person_id in READERS}
    return [Target(page, reader, path, cookies[reader]) for page, path, reader in PAGES]


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


def served_app(kind: str, url: str) -> Flask:
    """The app gunicorn serves (``pages:served_app('gpect', url)``): the benchmark's, or the bare one."""
    served = make_bare_app() if kind == "bare" else make_app(url)
    # As ``wsgi.py`` does; the bare app too, so that the comparison stays like for like.
    set_aside_long_lived_objects()
    return served


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[bytes]
    port: int


def start_server(kind: str, url: str) -> Server:
    """``gunicorn -w 2`` serving ``kind`` on a free port, once it answers."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--bind",
            f"{HOST}:{port}",
            "--chdir",
            str(_common.REPO / "benchmarks"),
            "--log-level",
            "warning",
            "--timeout",
            "300",
            f"pages:served_app({kind!r}, {url!r})",
        ],
        stdin=subprocess.DEVNULL,
    )
    server = Server(kind, process, port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn serving {kind} stopped (exit status {process.returncode})")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
            connection.request("GET", "/login" if kind == "gpect" else "/", headers={"User-Agent": USER_AGENT})
            connection.getresponse().read()
            connection.close()
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"gunicorn serving {kind} did not answer within 60 s")


def stop_server(server: Server) -> None:
    """Stop gunicorn (SIGTERM, its graceful stop), killing it if it lingers."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def clients() -> int:
    """Child: concurrent clients requesting the targets given on stdin (one JSON line), round-robin.

    Reads ``{"port", "clients", "targets": [[label, path, cookie], ...], "requests", "warmup",
    "max_seconds"}``. Each thread has its own keep-alive connection (opened again when the server closes
    it) and starts at its own place in the round, does ``warmup`` rounds unrecorded, then records until
    every target has ``requests`` latencies or ``max_seconds`` pass. Prints ``{"latencies": {label: [ms]},
    "failures": {label: n}, "seconds": ..., "requests": ...}`` (requests counted after the warm-up).
    """
    config = json.loads(sys.stdin.readline())
    port, targets = config["port"], config["targets"]
    wanted, warmup = config["requests"], config["warmup"]
    latencies: dict[str, list[float]] = {label: [] for label, _, _ in targets}
    failures: dict[str, int] = {label: 0 for label, _, _ in targets}
    lock = threading.Lock()
    warmed = threading.Barrier(config["clients"] + 1)
    stop = threading.Event()

    def enough() -> bool:
        return all(len(times) >= wanted for times in latencies.values())

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=300)
        position = index
        recording = False
        while not stop.is_set():
            label, path, cookie = targets[position % len(targets)]
            position += 1
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=300)
            elapsed = 1000 * (time.perf_counter() - start)
            if recording:
                with lock:
                    latencies[label].append(elapsed)
                    if not ok:
                        failures[label] += 1
                    if enough():
                        stop.set()
            elif position - index >= warmup * len(targets):
                recording = True
                warmed.wait()
        connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(config["clients"])]
    for thread in threads:
        thread.start()
    warmed.wait()
    start = time.perf_counter()
    stop.wait(timeout=config["max_seconds"])
    stop.set()
    for thread in threads:
        thread.join(timeout=300)
    seconds = time.perf_counter() - start
    with lock:
        result = {
            "latencies": latencies,
            "failures": failures,
            "seconds": seconds,
            "requests": sum(len(times) for times in latencies.values()),
        }
    print(json.dumps(result))
    return 0


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


@dataclass
class LoadRun:
    latencies: list[Latency]
    seconds: float
    requests: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_clients(server: Server, targets: list[Target] | None, args: argparse.Namespace) -> LoadRun:
    """The concurrent clients on ``server``: the bare page alone (``targets`` None), or every target."""
    measured = [(BARE, "/", "")] if targets is None else [(t.label, t.path, t.cookie) for t in targets]
    factor = BARE_REQUESTS_FACTOR if targets is None else 1
    config = {
        "port": server.port,
        "clients": args.clients,
        "targets": measured,
        "requests": factor * args.requests,
        "warmup": args.warmup,
        "max_seconds": args.max_seconds,
    }
    process = subprocess.Popen(
        [sys.executable, __file__, "--clients-child"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    out, _ = process.communicate(json.dumps(config) + "\n", timeout=args.max_seconds + 900)
    try:
        figures = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError) as error:
        status = process.returncode
        raise SystemExit(f"the clients on the {server.kind} server gave no figures (exit {status})") from error
    latencies = [
        Latency(label, figures["latencies"][label], figures["failures"][label])
        for label, _, _ in measured
        if figures["latencies"][label]
    ]
    if len(latencies) != len(measured):
        raise SystemExit(f"some pages got no answer within {args.max_seconds} s on the {server.kind} server")
    return LoadRun(latencies, figures["seconds"], figures["requests"])


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
            f"latency at {r.plans:,} plans, gunicorn -w {WORKERS}, {args.clients} concurrent clients;"
            f" {args.requests:,} requests per page at least ({BARE_REQUESTS_FACTOR * args.requests:,} for the bare"
            " page), ms"
        )
        print(f"{'page':<24} │ {'n':>5} {'p50':>8} {'p95':>8} {'max':>8} │ {'p50 / bare':>10} {'p95 / bare':>10}")
        bare = r.bare.latencies[0]
        for latency in [bare, *r.pages.latencies]:
            failed = f"  ({latency.failures} not 200)" if latency.failures else ""
            print(
                f"{latency.label:<24} │ {len(latency.times):>5} {latency.p50:>8.2f} {latency.p95:>8.2f}"
                f" {latency.max:>8.2f} │ {latency.p50 / bare.p50:>10.1f} {latency.p95 / bare.p95:>10.1f}{failed}"
            )
        for name, run in (("bare Flask", r.bare), ("pages", r.pages)):
            print(f"  {name} server: {run.requests:,} requests in {run.seconds:.1f} s ({run.rate:.0f}/s)")


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
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured rounds per client (default %(default)s)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default %(default)s)")
    parser.add_argument(
        "--max-seconds", type=float, default=120, help="measuring time per server and size (default %(default)s)"
    )
    parser.add_argument("--inprocess", type=int, default=10, help="in-process timed requests (default %(default)s)")
    parser.add_argument("--statements", action="store_true", help="list every page's statements by kind")
    parser.add_argument("--profile", action="store_true", help="cProfile each page at the largest size")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--clients-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.clients_child:
        return clients()
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    if not sizes or sizes != sorted(set(sizes)) or sizes[0] < PLAN_ID:
        parser.error(f"--sizes must be plan counts of at least {PLAN_ID} in increasing order, e.g. 10,10000")
    if args.requests < 20:
        parser.error("--requests must be at least 20 for a p95")

    signal.signal(signal.SIGTERM, _terminate)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped
    print(_common.machine_line())
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
        add_readers(engine)
        targets = targets_of(app)
        print(
            f"database {url.database}: definition {definition.key} v{definition.version},"
            f" {layout.tasks_per_plan} tasks per plan; clock at {INSTANT:%Y-%m-%d %H:%M %Z};"
            f" readers: lead (person {LEAD_ID}), admin (person {ADMIN_ID}), committee member (person {COMMITTEE_ID});"
            f" plan page /plans/{PLAN_ID}"
        )
        for kind in ("bare", "gpect"):
            servers.append(start_server(kind, args.url))
        bare_server, gpect_server = servers
        print(
            f"serving with gunicorn -w {WORKERS} (sync workers), one server each:"
            f" bare Flask on :{bare_server.port}, the app on :{gpect_server.port}"
        )

        results: list[SizeResult] = []
        loaded = 0
        for size in sizes:
            start = time.perf_counter()
            data.load_plans(engine, layout, definition, loaded, size)
            seat_committee_member(engine, loaded, size)
            loaded = size
            counts = data.check_data(engine, layout, size)
            print(
                f"loaded {size:,} plans ({counts['tasks']:,} tasks) in {time.perf_counter() - start:.1f} s;"
                " counting statements, then measuring under load...",
                flush=True,
            )
            page_counts = {t.label: count_page(app, t, args.inprocess) for t in targets}
            bare = run_clients(bare_server, None, args)
            pages = run_clients(gpect_server, targets, args)
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
            f"targets: the same statements at {' and '.join(f'{s:,}' for s in sizes)} plans (DESIGN.md §8);"
            f" under {args.clients} concurrent clients, p95 ≤ {MAX_RATIO:.0f}× the bare Flask page's"
            f" (DESIGN.md §8 aims at {DESIGN_RATIO:.0f}×)"
        )
        for t in targets:
            statements = [r.counts[t.label].statements for r in results]
            print(f"  {t.label:<24} statements {statements} → {'met' if len(set(statements)) == 1 else 'NOT met'}")
        for r in results:
            bare_p95 = r.bare.latencies[0].p95
            for latency in r.pages.latencies:
                ratio = latency.p95 / bare_p95
                design = "within" if ratio <= DESIGN_RATIO else "above"
                print(
                    f"  {latency.label:<24} p95 at {r.plans:>6,} plans: {latency.p95:7.1f} ms = {ratio:5.1f}×"
                    f" bare ({bare_p95:.1f} ms) → {'met' if ratio <= MAX_RATIO else 'NOT met'}"
                    f" ({design} {DESIGN_RATIO:.0f}×)"
                )
        print(f"total run time {time.perf_counter() - began:.0f} s")
        if failures:
            print("FAILED:\n  " + "\n  ".join(failures))
            return 1
        print(f"OK: the same statements at every size; every page's p95 within {MAX_RATIO:.0f}× of the bare page's")
        return 0
    finally:
        for server in servers:
            stop_server(server)
        if app is not None:
            engine_of(app).dispose()
        if args.keep:
            print(f"kept the database {url.database}")
        else:
            drop_database(url)


if __name__ == "__main__":
    sys.exit(main())
