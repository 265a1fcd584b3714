"""Error pages speak the reader's language, keep the API's JSON, and leave a host's own pages alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from gpect_workflow.models import Language, PersonRole
from gpect_workflow.services.context import session
from tests.conftest import make_app, post_form, sign_in


def test_a_missing_page_answers_404_in_french_by_default(client: FlaskClient) -> None:
    response = client.get("/plans/999999/nothing-here")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page introuvable" in html and '<html lang="fr">' in html


def test_a_missing_page_follows_the_browser_language(client: FlaskClient) -> None:
    response = client.get("/no/such/page", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_a_forbidden_page_answers_403_in_the_persons_language(client: FlaskClient, create_user: Any) -> None:
    partner = create_user("partner@example.org", PersonRole.PARTNER, language=Language.EN)
    session().commit()
    response = sign_in(client, partner).get("/outbox")
    assert response.status_code == 403
    assert "Access denied" in response.get_data(as_text=True)


def test_a_missing_plan_answers_404_and_a_form_without_csrf_400(client: FlaskClient, create_user: Any) -> None:
    lead = create_user("lead@example.org", PersonRole.LEAD)
    session().commit()
    sign_in(client, lead)
    assert client.get("/plans/424242").status_code == 404
    refused = client.post("/language", data={"language": "en"})
    assert refused.status_code == 400 and "Requête incorrecte" in refused.get_data(as_text=True)
    assert post_form(client, "/language", {"language": "en"}).status_code == 302


def test_an_error_without_a_page_of_its_own_is_explained_in_the_readers_language(client: FlaskClient) -> None:
    beyond = {"Range": "bytes=99999999-"}  # a byte range past the file's end: werkzeug answers 416
    french = client.get("/static/gpect/gpect.css", headers=beyond)
    assert french.status_code == 416 and "Requête sans réponse" in french.get_data(as_text=True)
    assert "Range" not in french.get_data(as_text=True)
    english = client.get("/static/gpect/gpect.css", headers={**beyond, "Accept-Language": "en"})
    assert english.status_code == 416 and "Request not answered" in english.get_data(as_text=True)


def test_the_api_keeps_json_errors(client: FlaskClient) -> None:
    response = client.get("/api/v1/plans/1")
    assert response.status_code == 401 and response.is_json


@pytest.fixture
def failing_app(database_url: str) -> Iterator[Flask]:
    """An app with a page that fails, errors not propagated (as in production)."""
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)
    broken = Blueprint("broken", __name__)

    @broken.route("/broken")
    def explode() -> str:
        raise RuntimeError("boom")

    app.register_blueprint(broken)
    yield app
    with app.app_context():
        db = app.extensions["gpect_workflow"].db
        db.session.remove()
        db.engine.dispose()


def test_a_failure_answers_500_with_a_page_that_reveals_nothing(failing_app: Flask) -> None:
    with failing_app.app_context():
        response = failing_app.test_client().get("/broken")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Une erreur est survenue" in html and "boom" not in html and "Traceback" not in html
