"""The search page, its header box and ``GET /api/v1/search``: signed-in only, only what the reader may
see, matched words highlighted and everything else escaped, hostile text answered without a server error,
the same statements whatever the data size."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from gpect_workflow.models import Language, Person, Territory
from gpect_workflow.services.context import session
from gpect_workflow.services.plans.changes import rename_plan
from tests.conftest import sign_in
from tests.query_count import count_queries
from tests.search_support import World, build_world


@pytest.fixture
def world(definitions: None, territory: Territory, dummy_lead: Person) -> World:
    built = build_world(territory, dummy_lead, 3)
    for person in built.people().values():
        person.language = Language.EN
    session().commit()
    return built


def page(client: FlaskClient, person: Person, query: str, status: int = 200) -> str:
    sign_in(client, person)
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == status, query
    return response.get_data(as_text=True)


def linked_plans(body: str) -> set[str]:
    return set(re.findall(r'href="/plans/(\d+)"', body))


def test_anonymous_visitors_sign_in_first(client: FlaskClient) -> None:
    response = client.get("/search?q=region")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_every_page_has_a_labelled_search_box_in_its_header(client: FlaskClient, world: World) -> None:
    sign_in(client, world.lead)
    body = client.get("/plans").get_data(as_text=True)
    header = body[body.index('<header class="site">') : body.index("</header>")]
    assert 'action="/search"' in header and 'method="get"' in header and 'role="search"' in header
    assert '<label for="header-search"' in header and 'id="header-search"' in header and 'name="q"' in header


def test_results_grouped_by_kind_with_counts_and_links(client: FlaskClient, world: World) -> None:
    body = page(client, world.lead, "region")
    assert linked_plans(body) == {str(plan.id) for plan in world.plans}
    assert 'id="results-plans"' in body and 'id="results-tasks"' in body and 'id="results-organisations"' in body
    assert "Plans (3)" in html.unescape(body) and "Tasks (3)" in html.unescape(body)
    assert "<mark>Région</mark>" in body
    for task in world.one_off_tasks:
        assert f'href="/tasks/{task.id}"' in body


def test_the_outsider_and_a_partner_see_only_their_own(client: FlaskClient, world: World) -> None:
    assert linked_plans(page(client, world.outsider, "région compétences plan")) == set()
    assert "Nothing you may see holds these words." in page(client, world.outsider, "région")
    body = page(client, world.partners[0], "région plan")
    assert linked_plans(body) == {str(world.plans[0].id)}
    assert "secret" not in body.lower()


def test_names_are_escaped_and_only_marks_are_markup(client: FlaskClient, world: World) -> None:
    rename_plan(world.lead, world.plans[0].id, '<script>alert("Région")</script> <b>Région</b>')
    session().commit()
    body = page(client, world.lead, "région")
    assert "<script>alert" not in body and "<b>" not in body
    assert "&lt;script&gt;alert(&#34;<mark>Région</mark>&#34;)&lt;/script&gt;" in body


def test_one_kind_is_paged(client: FlaskClient, world: World, app: Any) -> None:
    app.config["PAGE_SIZE"] = 2
    sign_in(client, world.lead)
    first = client.get("/search?q=region&kind=plans").get_data(as_text=True)
    second = client.get("/search?q=region&kind=plans&page=2").get_data(as_text=True)
    assert len(linked_plans(first)) == 2 and len(linked_plans(second)) == 1
    assert not linked_plans(first) & linked_plans(second)
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert 'id="results-tasks"' not in first


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR(",
        "NEAR(région)",
        "-région",
        "AND OR",
        "a\r\nb",
        "!!!",
        "'",
        "\\",
        "é" * 200,
    ],
)
def test_hostile_text_gets_a_page_not_an_error(client: FlaskClient, world: World, query: str) -> None:
    body = page(client, world.lead, query)
    assert "\x00" not in body


@pytest.mark.parametrize("query", ["région\x00", "\x00", "\x1b[2J"])
def test_control_characters_are_refused_as_on_every_page(client: FlaskClient, world: World, query: str) -> None:
    """The pages' rule for every field (``web.inputs``): a clear 400 page, not a server error."""
    page(client, world.lead, query, status=400)


def test_punctuation_alone_is_told_to_type_a_word(client: FlaskClient, world: World) -> None:
    assert "Type at least one word or number" in page(client, world.lead, "?!.;")


def test_too_long_text_is_refused_with_a_clear_message(client: FlaskClient, world: World) -> None:
    body = page(client, world.lead, "région " * 2000, status=400)
    assert "Search for at most 200 characters." in body and 'aria-invalid="true"' in body


def test_unknown_kind_and_bad_pages_show_every_kind(client: FlaskClient, world: World) -> None:
    sign_in(client, world.lead)
    for url in ("/search?q=region&kind=people", "/search?q=region&page=10000000000000000000000000000000"):
        response = client.get(url)
        assert response.status_code == 200 and 'id="results-plans"' in response.get_data(as_text=True)


def _count(client: FlaskClient, reader: Person, url: str) -> int:
    sign_in(client, reader)
    assert client.get(url).status_code == 200  # warm-up: the signed-in person is cached after it
    session().expire_all()
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_same_statements_whatever_the_data_size(client: FlaskClient, world: World, territory: Territory) -> None:
    urls = ("/search?q=region", "/search?q=competences&kind=tasks", "/api/v1/search?q=region")
    small = {url: _count(client, world.lead, url) for url in urls}
    bigger = build_world_more(world, territory)
    assert bigger > 10
    large = {url: _count(client, world.lead, url) for url in urls}
    assert small == large
    assert max(large.values()) <= 10


def build_world_more(world: World, territory: Territory) -> int:
    """Twelve more plans of the same lead, each with its partner and one-off task: returns the plans seen."""
    from tests.search_support import add_plans

    add_plans(world, territory, 12)
    return len(world.plans)


# --- The API -------------------------------------------------------------------------------------------------


def test_api_answers_the_same_rules(client: FlaskClient, world: World) -> None:
    sign_in(client, world.partners[0])
    answer = client.get("/api/v1/search?q=R%C3%A9gion").get_json()
    assert answer["terms"] == ["region"]
    assert answer["counts"]["plans"] == 1
    (plans,) = [group for group in answer["groups"] if group["kind"] == "plans"]
    assert [hit["id"] for hit in plans["items"]] == [world.plans[0].id]
    sign_in(client, world.lead)
    paged = client.get("/api/v1/search?q=region&kind=plans&per_page=2&page=2").get_json()
    assert paged["groups"][0]["total"] == 3 and len(paged["groups"][0]["items"]) == 1
    sign_in(client, world.outsider)
    assert client.get("/api/v1/search?q=region").get_json()["counts"]["plans"] == 0


@pytest.mark.parametrize(
    ("query", "status"),
    [("q=", 422), ("q=%00", 422), ("q=" + "a" * 201, 422), ("q=region&kind=people", 422), ("q=%22*NEAR(", 200)],
)
def test_api_refuses_bad_input_with_field_messages(client: FlaskClient, world: World, query: str, status: int) -> None:
    sign_in(client, world.lead)
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 422:
        assert response.get_json()["errors"]


def test_api_needs_a_person(client: FlaskClient, world: World) -> None:
    assert client.get("/api/v1/search?q=region").status_code == 401
