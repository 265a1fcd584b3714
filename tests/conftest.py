"""Shared fixtures: the database of the pass (SQLite or PostgreSQL), the app, a frozen clock, factories.

The whole suite runs twice: on SQLite, and on PostgreSQL when ``GPECT_TEST_DATABASE=postgres`` (set by
``make test`` when ``GPECT_TEST_POSTGRES_URL`` is given). The schema is built once per pass by the real
Alembic migrations; every test starts from empty tables.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from flask import Flask, g
from flask.testing import FlaskClient, FlaskCliRunner

from gpect_workflow import create_app
from gpect_workflow.clock import FrozenClock
from gpect_workflow.migration_config import VERSION_TABLE, alembic_config
from gpect_workflow.models import Base, Organisation, OrganisationKind, Person, PersonRole, Territory
from gpect_workflow.models.base import TABLE_PREFIX
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.state import EXTENSION_NAME
from gpect_workflow.web.throttle import reset_all
from tests.smtp_server import SmtpServer, smtp  # noqa: F401 - the real SMTP server fixture, for every test module

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / "workflows"
TEST_SECRET_KEY = "test-only-secret-key-0123456789abcdef"
#: Monday 30 November 2026, 09:00 in Paris: the instant tests start from unless they move the clock.
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def pytest_report_header(config: pytest.Config) -> str:
    return f"GPECT test database: {database_kind()}"


#: The browser walks drive Chromium through whole pages: slow, and about the pages rather than the database.
BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run once: on PostgreSQL, the production database, when this suite also runs there
    (``GPECT_TEST_POSTGRES_URL`` set, as ``make test`` and CI do); otherwise on SQLite."""
    if database_kind() != "sqlite" or not os.environ.get("GPECT_TEST_POSTGRES_URL"):
        return
    once = pytest.mark.skip(reason="browser tests run once, in the PostgreSQL pass")
    for item in items:
        if BROWSER_TESTS in Path(str(item.path)).parents:
            item.add_marker(once)


def database_kind() -> str:
    """``postgres`` or ``sqlite``: which database this pass of the suite runs on."""
    kind = os.environ.get("GPECT_TEST_DATABASE", "sqlite")
    if kind not in ("sqlite", "postgres"):
        raise pytest.UsageError(f"GPECT_TEST_DATABASE must be sqlite or postgres, not {kind!r}")
    return kind


def postgres_url() -> str:
    """The PostgreSQL database of this pass; under ``pytest -n`` each worker has one of its own.

    Workers run tests at the same time and every test empties the tables it used, so they cannot share a
    database: worker ``gw1`` works in ``<database>_gw1``, created here the first time it is asked for.
    """
    url = os.environ.get("GPECT_TEST_POSTGRES_URL")
    if not url:
        raise pytest.UsageError("GPECT_TEST_DATABASE=postgres needs GPECT_TEST_POSTGRES_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    return _worker_database(url, worker)


@functools.cache
def _worker_database(url: str, worker: str) -> str:
    base = sa.make_url(url)
    name = f"{base.database}_{worker}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                connection.exec_driver_sql(f"CREATE DATABASE {admin.dialect.identifier_preparer.quote(name)}")
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of this pass's test database, migrated to the latest revision."""
    if database_kind() == "postgres":
        url = postgres_url()
        _drop_everything(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'gpect-test.sqlite3'}"
    app = make_app(url)
    with app.app_context():
        command.upgrade(alembic_config(), "head")
        app.extensions[EXTENSION_NAME].db.engine.dispose()
    return url


def _drop_everything(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
    engine.dispose()


def make_app(url: str, **config: Any) -> Flask:
    """A standalone app in testing mode on ``url`` with a frozen clock."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": "http://gpect.test",
            **config,
        }
    )
    app.extensions[EXTENSION_NAME].clock = FrozenClock(START)
    return app


@pytest.fixture(scope="session")
def shared_app(database_url: str) -> Iterator[Flask]:
    """One standalone app for the pass (building one costs ~0.2 s: its OpenAPI spec)."""
    app = make_app(database_url)
    yield app
    with app.app_context():
        db = app.extensions[EXTENSION_NAME].db
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(shared_app: Flask) -> Iterator[Flask]:
    """The app inside an app context, its clock at ``START``; configuration and tables restored afterwards."""
    shared_app.extensions[EXTENSION_NAME].clock = FrozenClock(START)
    reset_all(shared_app)  # failed sign-ins of earlier tests lock no one
    shared_app.extensions[EXTENSION_NAME].definitions.clear()  # another app may have emptied the tables
    saved = dict(shared_app.config)
    try:
        with shared_app.app_context():
            yield shared_app
            empty_tables(shared_app, dispose=False)
    finally:
        shared_app.config.clear()
        shared_app.config.update(saved)


def empty_tables(app: Flask, dispose: bool = True) -> None:
    """Delete every GPECT row so the next test starts clean (children first).

    The definitions the process keeps go too: a registered version never changes in one database, but the
    next test's database may register other content under the same version."""
    db = app.extensions[EXTENSION_NAME].db
    app.extensions[EXTENSION_NAME].definitions.clear()
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        # Ids number from 1 again, as in a fresh database, on both: a test that loads the same data twice (the
        # stateful API run replays scenarios from the demo loaded afresh) must get the same ids each time.
        if connection.dialect.name == "sqlite":  # AUTOINCREMENT tables
            connection.execute(sa.text("DELETE FROM sqlite_sequence"))
        else:
            sequences = connection.execute(
                sa.text(
                    "SELECT sequencename FROM pg_sequences"
                    " WHERE schemaname = current_schema() AND sequencename LIKE :prefix"
                ),
                {"prefix": f"{TABLE_PREFIX}%"},
            ).scalars()
            for sequence in list(sequences):
                connection.execute(sa.text(f'ALTER SEQUENCE "{sequence}" RESTART'))
    if dispose:
        db.engine.dispose()


@pytest.fixture
def clock(app: Flask) -> FrozenClock:
    """The app's clock, to move time in a test."""
    frozen = app.extensions[EXTENSION_NAME].clock
    assert isinstance(frozen, FrozenClock)
    return frozen


@pytest.fixture
def mail_app(database_url: str, smtp: SmtpServer) -> Iterator[Flask]:  # noqa: F811 - ``smtp`` is the fixture
    """A second app on the pass's database whose sender delivers to the test SMTP server (Flask-Mail reads
    its settings when it is set up, so sending needs an app of its own); tables emptied afterwards."""
    mailing = make_app(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_DEFAULT_SENDER="GPECT <no-reply@gpect.test>",
        MAIL_TIMEOUT_SECONDS=5,
    )
    with mailing.app_context():
        yield mailing
        empty_tables(mailing)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def definitions(app: Flask) -> None:
    """The shipped definitions, registered."""
    register_definitions([WORKFLOWS])
    session().commit()


@pytest.fixture
def territory(app: Flask) -> Territory:
    return ensure_territory("chartres-metropole", "Agglomération chartraine", "28", "Centre-Val de Loire")


@pytest.fixture
def create_organisation(app: Flask, territory: Territory) -> Any:
    """Factory: an organisation of the test territory."""

    def create(
        name: str = "Maison de l'Emploi", kind: OrganisationKind = OrganisationKind.EMPLOYMENT_HOUSE
    ) -> Organisation:
        return ensure_organisation(name, kind, territory)

    return create


@pytest.fixture
def create_user(app: Flask, create_organisation: Any) -> Any:
    """Factory: a person of a (default) organisation."""

    def create(email: str, role: PersonRole = PersonRole.PARTNER, **kwargs: Any) -> Person:
        kwargs.setdefault("organisation", create_organisation())
        return create_person(email, role, **kwargs)

    return create


@pytest.fixture
def dummy_lead(create_user: Any) -> Person:
    return create_user("lead@example.org", PersonRole.LEAD, name="Claire Lead")


PLAN_START = date(2026, 12, 1)


def sign_in(client: FlaskClient, person: Person) -> FlaskClient:
    """Put ``person``'s session in the test client's cookie, as signing in would."""
    with client.session_transaction() as cookie:
        cookie["_user_id"] = person.get_id()
        cookie["_fresh"] = True
    # Requests of the test client share the test's app context, where Flask-Login caches the user.
    g.pop("_login_user", None)
    return client


def csrf_token(client: FlaskClient) -> str:
    """A CSRF token bound to the client's session, read from the sign-in form."""
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the sign-in form carries a CSRF token"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, str] | None = None, **options: Any) -> Any:
    """POST a form as a browser would: with the session's CSRF token. ``buffered=True`` closes the answer as a
    server does once it has sent it, running what waits for that (the sign-in page's link emails)."""
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **options)
