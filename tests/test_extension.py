"""The plugin inside a host application that has its own database object, models and pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gpect_workflow import GpectWorkflow
from gpect_workflow.migration_config import alembic_config
from gpect_workflow.models import PersonRole, Plan
from gpect_workflow.services.context import session, state
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.state import EXTENSION_NAME

from .conftest import TEST_SECRET_KEY


class HostBase(DeclarativeBase):
    pass


class Widget(HostBase):
    """A host model, living beside the GPECT tables in the host's database."""

    __tablename__ = "host_widgets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))


def build_host(tmp_path: Path, templates: Path | None = None) -> tuple[Flask, SQLAlchemy]:
    app = Flask("host_app", template_folder=str(templates) if templates else None)
    app.config.update(
        TESTING=True,
        SECRET_KEY=TEST_SECRET_KEY,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.sqlite3'}",
        URL_PREFIX="/gpect",
        DEFAULT_TIMEZONE="America/Cayenne",
    )
    host_db = SQLAlchemy(model_class=HostBase)
    host_db.init_app(app)

    @app.route("/widgets")
    def widgets() -> str:
        names = host_db.session.scalars(sa.select(Widget.name)).all()
        return "Widgets: " + ", ".join(names)

    GpectWorkflow(app, db=host_db)
    return app, host_db


@pytest.fixture
def host(tmp_path: Path) -> Iterator[tuple[Flask, SQLAlchemy]]:
    app, host_db = build_host(tmp_path)
    with app.app_context():
        host_db.create_all()
        command.upgrade(alembic_config(), "head")
        host_db.session.add(Widget(name="gear"))
        host_db.session.commit()
        yield app, host_db
        host_db.session.remove()
        host_db.engine.dispose()


def signed_in_client(app: Flask) -> FlaskClient:
    """A client signed in as a project lead of the host's GPECT tables."""
    person = create_person("lead@host.example.org", PersonRole.LEAD, "Host Lead")
    session().commit()
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = person.get_id()
    return client


def test_host_keeps_its_model_and_page_beside_the_plugin(host: tuple[Flask, SQLAlchemy]) -> None:
    app, _host_db = host
    client = signed_in_client(app)
    assert client.get("/widgets").get_data(as_text=True) == "Widgets: gear"
    page = client.get("/gpect/")
    assert page.status_code == 200
    assert "Plans d'action" in page.get_data(as_text=True)
    assert client.get("/gpect/api/v1/health").get_json() == {"status": "ok", "database": "ok"}


def test_plugin_uses_the_host_database_object(host: tuple[Flask, SQLAlchemy]) -> None:
    _app, host_db = host
    assert state().db is host_db
    assert session() is host_db.session
    tables = set(sa.inspect(host_db.engine).get_table_names())
    assert {"host_widgets", "gpect_plans", "gpect_tasks"} <= tables
    assert session().scalar(sa.select(sa.func.count()).select_from(Plan)) == 0


def test_host_configuration_wins_over_defaults(host: tuple[Flask, SQLAlchemy]) -> None:
    app, _ = host
    assert app.config["DEFAULT_TIMEZONE"] == "America/Cayenne"
    assert app.config["DEFAULT_LANGUAGE"] == "fr"
    assert app.extensions[EXTENSION_NAME].url_prefix == "/gpect"


def test_second_registration_is_refused(host: tuple[Flask, SQLAlchemy]) -> None:
    app, host_db = host
    with pytest.raises(RuntimeError, match="already registered"):
        GpectWorkflow(app, db=host_db)


def test_init_app_later_and_on_several_apps(tmp_path: Path) -> None:
    extension = GpectWorkflow()
    apps = []
    for name in ("one", "two"):
        app = Flask(name)
        app.config.update(TESTING=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / name}.sqlite3")
        extension.init_app(app)
        apps.append(app)
    assert apps[0].extensions[EXTENSION_NAME] is not apps[1].extensions[EXTENSION_NAME]
    assert not hasattr(extension, "app")
    assert apps[0].url_map.bind("x").match("/gpect/") == ("gpect.dashboard", {})


def test_api_errors_are_json_and_pages_keep_html(host: tuple[Flask, SQLAlchemy]) -> None:
    app, _ = host
    client = app.test_client()
    api = client.get("/gpect/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.get_json()["status"] == "Not Found"
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    gpect_page = client.get("/gpect/no-such-page")
    assert gpect_page.status_code == 404 and gpect_page.mimetype == "text/html"


def test_host_overrides_a_template(tmp_path: Path) -> None:
    templates = tmp_path / "templates" / "gpect_workflow"
    templates.mkdir(parents=True)
    (templates / "layout.html").write_text("<main>Host layout {% block content %}{% endblock %}</main>")
    app, host_db = build_host(tmp_path, tmp_path / "templates")
    with app.app_context():
        command.upgrade(alembic_config(), "head")
        text = signed_in_client(app).get("/gpect/").get_data(as_text=True)
        host_db.session.remove()
        host_db.engine.dispose()
    assert text.startswith("<main>Host layout")
    assert "Tableau de bord" in text  # the dashboard, the home page, inside the host's layout


def test_cli_group_is_registered(host: tuple[Flask, SQLAlchemy]) -> None:
    app, _ = host
    result = app.test_cli_runner().invoke(args=["gpect", "--help"])
    assert result.exit_code == 0
    for command_name in ("workflows", "demo", "users", "db"):
        assert command_name in result.output


def test_service_errors_map_to_the_same_status_everywhere(host: tuple[Flask, SQLAlchemy]) -> None:
    from gpect_workflow.errors import (
        DefinitionConflict,
        InvalidTransition,
        NotFound,
        PermissionDenied,
        StaleObject,
        ValidationError,
    )
    from gpect_workflow.refusals import NAME_LENGTH, Refusal

    app, _ = host
    raised = {
        "validation": ValidationError(Refusal.INVALID_INPUT, {"name": [NAME_LENGTH]}),
        "missing": NotFound(Refusal.NO_SUCH_PLAN),
        "denied": PermissionDenied(Refusal.LEAD_HOLDS_PLANS),
        "transition": InvalidTransition(Refusal.PLAN_ON_HOLD),
        "stale": StaleObject(Refusal.CHANGED_MEANWHILE, who="Claire"),
        "conflict": DefinitionConflict(Refusal.DEFINITION_CHANGED_WITHOUT_VERSION, details="five-levers"),
    }
    french = {
        "validation": "Certaines valeurs ne sont pas valables",
        "missing": "Ce plan n&#39;existe pas",
        "denied": "Seul le chef de projet du plan",
        "transition": "Le plan est suspendu",
        "stale": "Claire a modifié",
        "conflict": "five-levers",
    }
    expected = {"validation": 422, "missing": 404, "denied": 403, "transition": 409, "stale": 409, "conflict": 409}

    def fail(kind: str) -> str:
        raise raised[kind]

    app.add_url_rule("/gpect/api/v1/fail/<kind>", "api_fail", fail)
    app.add_url_rule("/page/fail/<kind>", "page_fail", fail)
    client = app.test_client()
    for kind, status in expected.items():
        api = client.get(f"/gpect/api/v1/fail/{kind}")
        answer = api.get_json()
        assert api.status_code == status and answer["message"] == str(raised[kind])
        assert answer["refusal"] == raised[kind].refusal.value
        page = client.get(f"/page/fail/{kind}", headers={"Accept-Language": "fr"})
        assert page.status_code == status and page.mimetype == "text/html"
        assert french[kind] in page.get_data(as_text=True), "a page tells the refusal in its reader's language"
    assert client.get("/gpect/api/v1/fail/validation").get_json()["errors"] == {
        "name": ["Give a name of 1 to 200 characters."]
    }
