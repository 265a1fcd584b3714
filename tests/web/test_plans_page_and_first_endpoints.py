"""The read-only plans page and the API's first endpoints."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.demo.loader import load_demo
from gpect_workflow.models import Person, PersonRole
from gpect_workflow.services.context import session

from ..conftest import post_form, sign_in
from ..plan_helpers import start_five_levers_plan
from ..query_count import count_queries


def test_plans_list_shows_the_demo_plans_with_stage_progress_and_lateness(app: Flask, client: FlaskClient) -> None:
    load_demo()
    session().commit()
    admin = session().scalar(sa.select(Person).where(Person.email == "admin@gpect.example.org"))
    html = sign_in(client, admin).get("/plans").get_data(as_text=True)  # type: ignore[arg-type]
    assert '<span class="muted">(5)</span>' in html and html.count('class="plan-row"') == 5
    assert "Agents de fabrication cosmétique et pharmaceutique – Chartres" in html
    assert "Ambition Industrie – Indre" in html
    assert "Agglomération chartraine" in html
    assert '<span class="late late-count">' in html and "<progress" in html
    home = client.get("/").get_data(as_text=True)
    assert "Ambition Industrie – Indre" in home, "the dashboard lists the plans too"


def test_plans_list_costs_the_same_queries_with_2_and_12_plans(
    app: Flask, client: FlaskClient, definitions: None, dummy_lead: Person
) -> None:
    for number in range(2):
        start_five_levers_plan(dummy_lead, name=f"Plan {number}")
    session().commit()
    sign_in(client, dummy_lead)
    assert client.get("/plans").status_code == 200  # the signed-in person is cached after the first request
    session().expire_all()
    with count_queries() as small:
        assert client.get("/plans").status_code == 200
    for number in range(2, 12):
        start_five_levers_plan(dummy_lead, name=f"Plan {number}")
    session().commit()
    app.config["PAGE_SIZE"] = 50
    session().expire_all()
    with count_queries() as large:
        html = client.get("/plans").get_data(as_text=True)
    assert html.count('class="plan-row"') == 12
    assert len(large) == len(small)


def test_pagination_links(app: Flask, client: FlaskClient, definitions: None, dummy_lead: Person) -> None:
    app.config["PAGE_SIZE"] = 1
    for number in range(2):
        start_five_levers_plan(dummy_lead, name=f"Plan {number}")
    session().commit()
    sign_in(client, dummy_lead)
    first = client.get("/plans").get_data(as_text=True)
    assert "?page=2" in first and "Plan 1" in first and "Plan 0" not in first
    second = client.get("/plans?page=2").get_data(as_text=True)
    assert "Plan 0" in second and "Plan 1" not in second


def test_empty_plans_list_says_how_to_start_one_or_load_the_demo(client: FlaskClient, dummy_lead: Person) -> None:
    session().commit()
    html = sign_in(client, dummy_lead).get("/plans").get_data(as_text=True)
    assert 'href="/plans/new"' in html and "gpect demo" in html


def test_stylesheet_is_served_locally(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/static/gpect/gpect.css"' in html
    assert "http" not in html.split("<body>")[0].replace("http-equiv", "")
    response = client.get("/static/gpect/gpect.css")
    assert response.status_code == 200 and b"--accent" in response.data
    response.close()


def test_api_health_and_workflows(client: FlaskClient, definitions: None, dummy_lead: Person) -> None:
    from gpect_workflow.services.accounts.tokens import create_token

    assert client.get("/api/v1/health").get_json() == {"status": "ok", "database": "ok"}
    assert client.get("/api/v1/workflows").status_code == 401
    _, token = create_token(dummy_lead, "test")
    session().commit()
    items = client.get("/api/v1/workflows", headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    assert [item["key"] for item in items] == [
        "chartres-cosmetics-training",
        "gien-maintenance-training",
        "gpect-five-levers",
        "indre-ambition-industrie",
        "lochois-business-survey",
    ]
    assert items[2]["title"]["en"] == "Territorial GPECT approach in five levers"


def test_plans_page_needs_a_session_and_sign_in_works(client: FlaskClient, create_user: object) -> None:
    lead = create_user("chef@example.org", PersonRole.LEAD, name="Chef", password="correct horse battery")  # type: ignore[operator]
    session().commit()
    redirected = client.get("/")
    assert redirected.status_code == 302 and redirected.headers["Location"].startswith("/login?next=/")
    refused = post_form(client, "/login", {"email": "chef@example.org", "password": "wrong password"})
    assert refused.status_code == 401 and "incorrect" in refused.get_data(as_text=True)
    signed = post_form(client, "/login?next=/", {"email": "chef@example.org", "password": "correct horse battery"})
    assert signed.status_code == 302 and signed.headers["Location"] == "/"
    assert "Chef" in client.get("/").get_data(as_text=True)
    assert post_form(client, "/logout").status_code == 302
    assert lead is not None
