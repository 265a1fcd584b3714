"""``GpectWorkflow``: the Flask extension that mounts GPECT Workflow in an application.

It follows Flask's extension rules: it may be created without an app and bound later with
``init_app``, keeps no reference to an app, stores its state in ``app.extensions["gpect_workflow"]``,
refuses to be registered twice on the same app, and fills configuration with ``setdefault`` so a host's
values win. A host passes its own Flask-SQLAlchemy object with ``db=``; otherwise one is created.
"""

from __future__ import annotations

import weakref
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, request
from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException, default_exceptions

from .api.errors import http_error_response, service_error_response
from .api.setup import init_api
from .cli import gpect_cli
from .clock import Clock, SystemClock
from .config import apply_defaults, validate_config, workflow_dirs
from .errors import GpectError, http_status
from .notifications import comments as comment_notices
from .notifications import delay_requests as delay_notices
from .notifications.notices import connect_signals
from .scheduler.runner import install_embedded
from .services import unit_of_work
from .state import EXTENSION_NAME, GpectState
from .web.auth import init_login
from .web.blueprint import ui_blueprint
from .web.errors import error_page, ours
from .web.form_fields import init_form_fields
from .web.i18n import init_i18n
from .web.security import init_security
from .web.standing import init_standing
from .web.url_patterns import init_url_patterns


class GpectWorkflow:
    """The GPECT Workflow plugin: configuration, database, UI and API blueprints, and CLI."""

    def __init__(self, app: Flask | None = None, db: SQLAlchemy | None = None, clock: Clock | None = None) -> None:
        self._db = db
        self._clock = clock
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register the plugin on ``app``; a second registration on the same app is refused."""
        if EXTENSION_NAME in app.extensions:
            raise RuntimeError("GPECT Workflow is already registered on this application")
        apply_defaults(app.config)
        validate_config(app.config, debug=app.debug, testing=app.testing)
        db = self._database(app)
        _configure_sqlite(app, db)
        _configure_postgresql(app, db)
        prefix = app.config["URL_PREFIX"]
        app.extensions[EXTENSION_NAME] = GpectState(
            db=db, clock=self._clock or SystemClock(), url_prefix=prefix, workflow_dirs=workflow_dirs(app.config)
        )
        ui = ui_blueprint()
        app.register_blueprint(ui, url_prefix=prefix or None)
        api_blueprints = init_api(app, prefix)
        _views_as_units_of_work(app, {ui.name, *(blueprint.name for blueprint in api_blueprints)})
        init_login(app)
        init_i18n(app)
        init_form_fields(app)
        init_standing(app)
        init_url_patterns(app)
        init_security(app, prefix)
        _init_csrf(app, api_blueprints)
        app.cli.add_command(gpect_cli)
        app.register_error_handler(HTTPException, _http_errors(prefix))
        app.register_error_handler(GpectError, _service_errors(prefix))
        _init_mail(app)
        _connect_notices()
        if app.config["SCHEDULER_ENABLED"]:
            install_embedded(app)

    def _database(self, app: Flask) -> SQLAlchemy:
        if self._db is not None:
            if "sqlalchemy" not in app.extensions:
                self._db.init_app(app)
            return self._db
        if "sqlalchemy" in app.extensions:
            return app.extensions["sqlalchemy"]  # type: ignore[no-any-return]
        app.config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{app.instance_path}/gpect.sqlite3")
        db = SQLAlchemy()
        db.init_app(app)
        return db


def _views_as_units_of_work(app: Flask, blueprints: set[str]) -> None:
    """Every view of our blueprints runs as one unit of work (``services.unit_of_work``): committed when it
    answers below 400, rolled back otherwise; views, API resources and services never commit."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.partition(".")[0] in blueprints:
            app.view_functions[endpoint] = unit_of_work.view(view)


def _init_csrf(app: Flask, api_blueprints: list[Blueprint]) -> None:
    """CSRF protection on every form; the API is exempt (tokens, or cookies checked in ``api.auth``)."""
    csrf = app.extensions.get("csrf") or CSRFProtect(app)
    for name in api_blueprints:
        csrf.exempt(name)


def _init_mail(app: Flask) -> None:
    """Flask-Mail, unless the host already set it up; GPECT decides itself when to capture instead of send."""
    app.config.setdefault("MAIL_SUPPRESS_SEND", False)
    if "mail" not in app.extensions:
        Mail().init_app(app)


_notices_connected: list[bool] = []


def _connect_notices() -> None:
    if not _notices_connected:
        connect_signals()
        delay_notices.connect_signals()
        comment_notices.connect_signals()
        _notices_connected.append(True)


def _configure_sqlite(app: Flask, db: SQLAlchemy) -> None:
    """Set up every SQLite connection: foreign-key checks, write-ahead log, syncing at checkpoints, and a
    wait when another process writes.

    SQLite leaves foreign keys off unless each connection asks: without them it accepts rows pointing
    nowhere and ignores ``ON DELETE`` rules, so the embedded default would accept data PostgreSQL refuses.
    The write-ahead log lets pages read while the scheduler writes, and with ``synchronous=NORMAL`` a commit
    costs no disk flush: the sender records each message's fate as the SMTP server accepts it (a commit per
    message), which with the default rollback journal would cost a flush, about 1 ms, per email. A commit
    survives a crash of the process (``kill -9``); only a power cut may lose the last commits. SQLite lets one
    writer at a time: ``busy_timeout`` makes a second one (a request while the scheduler commits) wait up to
    ``SQLITE_BUSY_TIMEOUT_MS`` for its turn instead of failing at once with "database is locked".
    """
    _on_each_connection(app, db, "sqlite", _sqlite_connection_settings(app.config["SQLITE_BUSY_TIMEOUT_MS"]))


#: The engines already set up, by dialect, so that an engine shared by two apps gets its listener once.
_set_up_engines: dict[str, weakref.WeakSet[sa.Engine]] = {}


def _on_each_connection(app: Flask, db: SQLAlchemy, dialect: str, listener: Any) -> None:
    """Run ``listener`` on every new connection of the app's engines of ``dialect`` (once per engine)."""
    with app.app_context():
        engines = list(db.engines.values())
    done = _set_up_engines.setdefault(dialect, weakref.WeakSet())
    for engine in engines:
        if engine.dialect.name == dialect and engine not in done:
            sa.event.listen(engine, "connect", listener)
            done.add(engine)


def _sqlite_connection_settings(busy_timeout_ms: int) -> Any:
    """The ``connect`` listener that sets up each new SQLite connection (see ``_configure_sqlite``).

    An in-memory database (``sqlite://``, ``:memory:``, ``mode=memory``; its ``main`` file name is empty)
    gets only foreign keys and the busy timeout: it has no file to keep a write-ahead log or to sync, so
    SQLite would answer ``journal_mode=memory`` whatever is asked, and ``synchronous`` changes nothing.
    """

    def settings(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            files = {row[1]: row[2] for row in cursor.execute("PRAGMA database_list")}
            if files.get("main"):
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return settings


def _configure_postgresql(app: Flask, db: SQLAlchemy) -> None:
    """Set up every PostgreSQL connection: plans made for each execution's values, and just-in-time
    compilation off unless ``POSTGRES_JIT`` asks for it.

    psycopg prepares a statement on the server once a connection has run it five times, and PostgreSQL then
    weighs a generic plan, made without the values, against the custom plans it made so far: from the sixth
    execution it keeps the generic one whenever its estimated cost is not much worse. The estimate is made
    for no one in particular, and the pages' statements depend on who asks: the dashboard's "any open task
    left to my roles?" probe took 2 ms with a custom plan for an administrator at 10,000 plans, then 52 ms
    from its eleventh execution on, the generic plan walking every unassigned open task. With
    ``plan_cache_mode = force_custom_plan`` every execution is planned for its values; the statements stay
    prepared, so they are parsed once per connection. Planning costs about 0.4 ms a statement; generic plans
    made the pages' statements 2.26 times slower in all at 100,000 plans, a third of them slower, some a
    hundred times (a status given as a parameter cannot use the partial indexes): ``benchmarks/explain_pages.py
    --generic``.

    JIT compiles a statement whose estimated cost passes ``jit_above_cost``. Compiling costs about 30 ms,
    paid again on every execution; it pays off on analytical queries that run for seconds, not on a page's
    statements, which run in a few milliseconds to a few tens: the lead's open tasks at 10,000 plans took
    86 ms with it and 34 ms without (``benchmarks/explain_pages.py``).
    """
    settings = ["SET plan_cache_mode = force_custom_plan"]
    if not app.config["POSTGRES_JIT"]:
        settings.append("SET jit = off")
    _on_each_connection(app, db, "postgresql", _session_settings(tuple(settings)))


def _session_settings(statements: tuple[str, ...]) -> Any:
    """The ``connect`` listener that runs ``statements`` on a new connection, committed so that a rollback
    cannot undo them."""

    def settings(dbapi_connection: Any, connection_record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            with dbapi_connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            dbapi_connection.autocommit = autocommit

    return settings


def _http_errors(prefix: str) -> Any:
    """JSON errors under the API, our error pages on our other pages, the host's errors elsewhere."""
    api_root = f"{prefix}/api/"

    def handle(error: HTTPException) -> Any:
        if request.path.startswith(api_root):
            return http_error_response(error)
        return error_page(error) if ours(prefix) else error

    return handle


def _service_errors(prefix: str) -> Any:
    """Typed service errors: JSON under the API, the matching error page elsewhere (the failed view's work
    already rolled back by its unit of work)."""
    api_root = f"{prefix}/api/"

    def handle(error: GpectError) -> Any:
        if request.path.startswith(api_root):
            return service_error_response(error)
        return error_page(default_exceptions[http_status(error)](), refusal=error)

    return handle
