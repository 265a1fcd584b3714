"""The plans list at ``/plans``: one compact row per plan, filters, pagination, visibility, query count."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import refresh

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Decision, Language, Person, PersonRole, Plan, PlanStage
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.organisations import ensure_territory
from gpect_workflow.services.plans.lifecycle import hold_plan
from gpect_workflow.services.plans.progress import plans_progress
from gpect_workflow.services.plans.starting import PlanRequest, start_plan
from gpect_workflow.services.stages.progression import decide_gate
from tests.conftest import sign_in
from tests.plan_helpers import map_every_role
from tests.query_count import count_queries

from .work_helpers import (
    AFTER_CHRISTMAS,
    COMMITTEE,
    PLAN_START,
    finish,
    finish_first_stage,
    in_english,
    new_person,
    person,
    row,
    row_ids,
    start,
    text,
)


def listed(client: FlaskClient, url: str = "/plans") -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return row_ids(text(response), "plan")


def test_anonymous_visitors_are_sent_to_sign_in_and_back_with_their_filters(client: FlaskClient) -> None:
    assert client.get("/plans").headers["Location"] == "/login?next=/plans"
    response = client.get("/plans?status=active&late=yes")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/plans?status%3Dactive%26late%3Dyes"


def test_each_row_shows_the_plan_in_the_page_language(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    plan = start(dummy_lead, "Cosmétique Chartres")
    finish(plan, "employment-data")
    in_english(dummy_lead)
    session().commit()
    clock.set(AFTER_CHRISTMAS)
    page = text(sign_in(client, dummy_lead).get("/plans"))
    assert "Action plans" in page and "(1)" in page
    line = row(page, f"plan-{plan.id}")
    assert f'<a href="/plans/{plan.id}">Cosmétique Chartres</a>' in line
    assert "Agglomération chartraine" in line
    assert "Territorial GPECT approach in five levers" in line and "Observe and analyse" in line
    assert "active" in line
    percent = plans_progress([plan])[plan.id].percent_done
    assert percent > 0 and f'<progress max="100" value="{percent}"' in line
    assert '<span class="late late-count">1</span>' in line, "the inventory is late, the employment data done"
    assert "<article" not in page, "a compact table: the plan page shows the stages and tasks"

    dummy_lead.language = Language.FR
    session().commit()
    refresh()  # the test's requests share one app context, where Babel keeps the page language
    french = text(sign_in(client, dummy_lead).get("/plans"))
    assert "Démarche GPECT territoriale en cinq leviers" in row(french, f"plan-{plan.id}")
    assert "Observer et analyser" in row(french, f"plan-{plan.id}")


def _other_definition_plan(lead: Person, name: str) -> Plan:
    key = "lochois-business-survey"
    territory_id = lead.organisation.territory_id  # type: ignore[union-attr]
    roles = map_every_role(key, 1, territory_id)
    return start_plan(lead, PlanRequest(name, key, 1, territory_id, lead.id, PLAN_START, roles, open_now=True))


def test_filters_by_territory_definition_stage_status_and_lateness(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    indre = ensure_territory("indre", "Indre", "36", "Centre-Val de Loire")
    chartres = start(dummy_lead, "Chartres")
    in_indre = start(dummy_lead, "Indre", territory=indre)
    lochois = _other_definition_plan(dummy_lead, "Lochois")
    moved_on = start(dummy_lead, "Deuxième étape")
    finish_first_stage(moved_on)
    gate = sa.select(PlanStage.id).where(PlanStage.plan_id == moved_on.id, PlanStage.position == 0)
    decide_gate(person(COMMITTEE), session().scalar(gate), Decision.APPROVE)  # type: ignore[arg-type]
    held = start(dummy_lead, "Suspendu")
    hold_plan(dummy_lead, held.id, "en attente du financement")
    finish(chartres, "inventory-existing-studies")
    in_english(dummy_lead)
    session().commit()
    clock.set(AFTER_CHRISTMAS)
    sign_in(client, dummy_lead)

    assert set(listed(client)) == {chartres.id, in_indre.id, lochois.id, moved_on.id, held.id}
    assert listed(client, f"/plans?territory={indre.id}") == [in_indre.id]
    assert listed(client, "/plans?definition=lochois-business-survey") == [lochois.id]
    assert listed(client, "/plans?stage=experiment") == [moved_on.id]
    assert listed(client, "/plans?status=on_hold") == [held.id]
    late = set(listed(client, "/plans?late=yes"))
    assert chartres.id not in late and moved_on.id not in late and {in_indre.id, held.id} <= late
    assert chartres.id in listed(client, "/plans?late=no")
    assert listed(client, f"/plans?territory={indre.id}&status=active&late=yes") == [in_indre.id]

    page = text(client.get("/plans?status=on_hold&definition=gpect-five-levers"))
    assert '<option value="on_hold" selected>' in page and '<option value="gpect-five-levers" selected>' in page
    assert 'value="experiment"' in page and 'value="restitution"' not in page, "stages of the chosen definition"
    assert 'href="/plans">' in page, "a link clears the filters"
    nothing = text(client.get("/plans?status=cancelled"))
    assert row_ids(nothing, "plan") == [] and "No plan matches these filters." in nothing


def test_unknown_filter_values_are_ignored(client: FlaskClient, definitions: None, dummy_lead: Person) -> None:
    plan = start(dummy_lead, "Plan")
    session().commit()
    sign_in(client, dummy_lead)
    for query in ("status=bogus", "territory=abc", "territory=999999", "late=perhaps", "stage=nowhere", "page=x"):
        assert listed(client, f"/plans?{query}") == [plan.id], query


def test_pagination_keeps_the_filters(app: Flask, client: FlaskClient, definitions: None, dummy_lead: Person) -> None:
    app.config["PAGE_SIZE"] = 2
    plans = [start(dummy_lead, f"Plan {number}") for number in range(5)]
    in_english(dummy_lead)
    session().commit()
    sign_in(client, dummy_lead)
    first = text(client.get("/plans?status=active&definition=gpect-five-levers"))
    assert row_ids(first, "plan") == [plans[4].id, plans[3].id]
    assert "Page 1 of 3" in first
    next_link = first.split('rel="next" href="')[1].split('"')[0]
    assert parse_qs(urlsplit(next_link).query) == {
        "page": ["2"],
        "status": ["active"],
        "definition": ["gpect-five-levers"],
    }
    second = text(client.get(next_link))
    assert row_ids(second, "plan") == [plans[2].id, plans[1].id]
    previous = second.split('rel="prev" href="')[1].split('"')[0]
    assert parse_qs(urlsplit(previous).query)["status"] == ["active"]
    assert listed(client, "/plans?status=active&page=3") == [plans[0].id]
    beyond = client.get("/plans?status=active&page=9")
    assert beyond.status_code == 302
    assert parse_qs(urlsplit(beyond.headers["Location"]).query) == {"page": ["3"], "status": ["active"]}


def test_people_see_only_the_plans_they_may_see(
    client: FlaskClient, definitions: None, dummy_lead: Person, create_user: Any
) -> None:
    in_a, in_b = new_person("a@emploi.example.org"), new_person("b@emploi.example.org")
    overseer = new_person("comite@prefecture.example.org", PersonRole.COMMITTEE)
    plan_a = start(dummy_lead, "Plan A", {"employment_service": [in_a], "steering_committee": [overseer]})
    plan_b = start(dummy_lead, "Plan B", {"employment_service": [in_b]})
    other_lead = create_user("chef2@example.org", PersonRole.LEAD, name="Autre chef")
    own = start(other_lead, "Plan de l'autre chef")
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Admin")
    session().commit()

    assert listed(sign_in(client, in_a)) == [plan_a.id]
    assert listed(sign_in(client, in_b)) == [plan_b.id]
    assert listed(sign_in(client, overseer)) == [plan_a.id]
    assert set(listed(sign_in(client, dummy_lead))) == {plan_a.id, plan_b.id}
    assert listed(sign_in(client, other_lead)) == [own.id]
    assert set(listed(sign_in(client, admin))) == {plan_a.id, plan_b.id, own.id}
    page = text(sign_in(client, in_a).get(f"/plans?territory={plan_a.territory_id}"))
    assert "Plan B" not in page and 'href="/plans/new"' not in page, "partners do not start plans"
    assert 'href="/plans/new"' in text(sign_in(client, admin).get("/plans"))


def test_empty_lists_say_what_to_do(client: FlaskClient, definitions: None, dummy_lead: Person) -> None:
    partner = new_person("nouveau@example.org")
    in_english(dummy_lead)
    session().commit()
    page = text(sign_in(client, dummy_lead).get("/plans"))
    assert "No action plan yet." in page and 'href="/plans/new"' in page and "gpect demo" in page
    page = text(sign_in(client, partner).get("/plans"))
    assert "A project lead adds you when mapping the roles of a plan." in page and "gpect demo" not in page


def test_the_plans_list_costs_the_same_queries_with_10_and_200_plans(
    app: Flask, client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person, create_user: Any
) -> None:
    app.config["PAGE_SIZE"] = 500  # all the plans on one page: a query per row would show
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Admin")
    started = time.perf_counter()
    for number in range(10):
        start(dummy_lead, f"Plan {number:03}")
    session().commit()
    clock.set(AFTER_CHRISTMAS)
    urls = ("/plans", "/plans?status=active&late=yes", "/plans?definition=gpect-five-levers&stage=observe")
    readers = (admin, dummy_lead, person(COMMITTEE))
    small = {(reader.email, url): _count(client, reader, url) for reader in readers for url in urls}
    for number in range(10, 200):
        start(dummy_lead, f"Plan {number:03}")
    session().commit()
    large = {(reader.email, url): _count(client, reader, url) for reader in readers for url in urls}
    assert large == small
    assert min(small.values()) >= 4
    assert len(listed(sign_in(client, admin), "/plans?late=yes")) == 200
    assert time.perf_counter() - started < 120


def _count(client: FlaskClient, reader: Person, url: str) -> int:
    sign_in(client, reader)
    assert client.get(url).status_code == 200  # warm-up: the signed-in person is cached after it
    session().expire_all()
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)
