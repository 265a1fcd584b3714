"""Contract of the REST API, endpoint by endpoint and role by role.

The people of one plan of the generic definition (``gpect-five-levers``): an administrator, the plan
lead, a partner mapped to the ``employment_service`` role (and the one of ``chamber_of_commerce``), a
partner of no plan (the outsider) and a committee member mapped to ``steering_committee``; each calls with
their own personal token. Every JSON answer is also checked for datetimes without a UTC offset.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from typing import Any
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gpect_workflow.clock import FrozenClock
from gpect_workflow.definitions.model import IndicatorDirection
from gpect_workflow.models import (
    Event,
    Indicator,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    Plan,
    Territory,
)
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.services.accounts.tokens import create_token, revoke_token
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import find_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from gpect_workflow.state import EXTENSION_NAME
from gpect_workflow.validation import DATE_MESSAGE, EMAIL_MESSAGE, SCHEDULE_MESSAGE, TIMEZONE_MESSAGE
from tests.conftest import PLAN_START
from tests.plan_helpers import map_every_role
from tests.query_count import count_queries

API = "/api/v1"
FIVE_LEVERS = "gpect-five-levers"
#: A datetime as the API writes it: ISO 8601 with a time...
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
#: ...and an offset at the end.
OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(autouse=True, scope="module")
def _dispose_engine_at_the_end(shared_app: Flask) -> Iterator[None]:
    """Close the pooled connections when the module ends (PostgreSQL warns about connections left open)."""
    yield
    with shared_app.app_context():
        shared_app.extensions[EXTENSION_NAME].db.engine.dispose()


# --------------------------------------------------------------------------------------------------------------
# The people of a plan, and calling the API as each of them
# --------------------------------------------------------------------------------------------------------------


@dataclass
class World:
    client: FlaskClient
    territory: Territory
    plan: Plan
    people: dict[str, Person]
    tokens: dict[str, str]
    roles: dict[str, RoleMapping]

    def call(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> TestResponse:
        """A request as ``who`` (``None``: no token); JSON answers are checked for offsets."""
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        url = path if path.startswith("/") else f"{API}/{path}"
        response = self.client.open(url, method=method, headers=headers, **kwargs)
        response.get_data()
        response.close()
        if response.is_json:
            assert_datetimes_have_offsets(response.get_json())
        return response

    def get(self, path: str, who: str | None = None, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, who, **kwargs)

    def post(self, path: str, who: str | None, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.call("POST", path, who, json=body, **kwargs)

    def patch(self, path: str, who: str | None, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.call("PATCH", path, who, json=body, **kwargs)

    @property
    def task_count(self) -> int:
        """How many tasks a plan of the definition has."""
        definition = self.get(f"workflows/{FIVE_LEVERS}", "admin").get_json()
        return sum(len(stage["tasks"]) for stage in definition["stages"])

    def tasks(self, who: str = "lead") -> dict[str, dict[str, Any]]:
        """The plan's tasks by key, as the API gives them."""
        response = self.get(f"plans/{self.plan.id}/tasks", who)
        assert response.status_code == 200, response.get_json()
        return {task["key"]: task for task in response.get_json()["items"]}


def assert_datetimes_have_offsets(value: Any, where: str = "$") -> None:
    """Every datetime in a JSON document carries its UTC offset."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert_datetimes_have_offsets(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_datetimes_have_offsets(item, f"{where}[{index}]")
    elif isinstance(value, str) and DATETIME.match(value):
        assert OFFSET.search(value), f"{where} = {value!r} has no UTC offset"


def assert_error(response: TestResponse, status: int, *fields: str) -> dict[str, Any]:
    """A JSON error ``{code, status, message, errors}`` with ``status`` and messages for ``fields``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.content_type
    body = response.get_json()
    assert body["code"] == status and body["status"] and body["message"]
    for field in fields:
        assert body.get("errors", {}).get(field), f"no message for {field}: {body}"
    return body


@pytest.fixture
def world(app: Flask, client: FlaskClient, definitions: None, create_user: Any, dummy_lead: Person) -> World:
    territory_id = dummy_lead.organisation.territory_id
    assert territory_id is not None
    territory = session().get(Territory, territory_id)
    assert territory is not None
    roles = map_every_role(FIVE_LEVERS, 1, territory_id)
    committee = create_user("committee@example.org", PersonRole.COMMITTEE, name="Camille Committee")
    roles["steering_committee"] = RoleMapping(roles["steering_committee"].organisation_id, [committee.id])
    partner = find_person("employment-service@partners.example.org")
    chamber = find_person("chamber-of-commerce@partners.example.org")
    assert partner is not None and chamber is not None
    people = {
        "admin": create_user("admin@example.org", PersonRole.ADMIN, name="Ada Admin"),
        "lead": dummy_lead,
        "partner": partner,
        "chamber": chamber,
        "outsider": create_user("outsider@example.org", PersonRole.PARTNER, name="Oscar Outsider"),
        "committee": committee,
    }
    request = PlanRequest(
        "Plan contractuel", FIVE_LEVERS, 1, territory_id, dummy_lead.id, PLAN_START, roles, open_now=True
    )
    plan = start_plan(dummy_lead, request)
    tokens = {who: create_token(person, f"token of {who}")[1] for who, person in people.items()}
    session().commit()
    deliver_announcements()  # the start's notices rendered, as the scheduler's next pass does
    return World(client, territory, plan, people, tokens, roles)


def roles_body(roles: dict[str, RoleMapping]) -> dict[str, Any]:
    return {key: {"organisation_id": m.organisation_id, "person_ids": list(m.person_ids)} for key, m in roles.items()}


# --------------------------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------------------------


def test_without_a_token_or_with_a_bad_or_revoked_one_the_answer_is_401(world: World) -> None:
    body = assert_error(world.get("workflows"), 401)
    assert "Bearer" in body["message"]
    assert world.get("workflows").headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(world.get("workflows", headers={"Authorization": "Bearer gpect_not-a-token"}), 401)
    assert_error(world.get("workflows", headers={"Authorization": f"Basic {world.tokens['admin']}"}), 401)
    assert_error(world.get("workflows", headers={"Authorization": "Bearer "}), 401)

    assert world.get("workflows", "partner").status_code == 200
    token, plain = create_token(world.people["partner"], "to revoke")
    session().commit()
    assert world.get("workflows", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    revoke_token(world.people["partner"], token.id)
    session().commit()
    assert_error(world.get("workflows", headers={"Authorization": f"Bearer {plain}"}), 401)


def test_a_request_is_never_answered_as_the_previous_caller(world: World) -> None:
    """The authenticated person belongs to one request, even when an app context outlives it."""
    assert world.get(f"people/{world.people['admin'].id}", "admin").status_code == 200
    assert_error(world.get("workflows"), 401)
    assert world.get("outbox", "admin").status_code == 200
    assert_error(world.get("outbox", "partner"), 403)


def test_a_deactivated_persons_token_stops_working(world: World) -> None:
    assert world.get("workflows", "outsider").status_code == 200
    response = world.patch(f"people/{world.people['outsider'].id}", "admin", {"is_active": False})
    assert response.status_code == 200 and response.get_json()["is_active"] is False, response.get_data(as_text=True)
    assert_error(world.get("workflows", "outsider"), 401)


def test_health_needs_no_token(world: World) -> None:
    response = world.get("health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


# --------------------------------------------------------------------------------------------------------------
# Workflows, territories
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "lead", "partner", "outsider", "committee"])
def test_everyone_lists_and_reads_the_workflows(world: World, who: str) -> None:
    listed = world.get("workflows", who)
    assert listed.status_code == 200
    summaries = {item["key"]: item for item in listed.get_json()["items"]}
    assert summaries[FIVE_LEVERS]["version"] == 1
    assert set(summaries[FIVE_LEVERS]["title"]) == {"fr", "en"}

    latest = world.get(f"workflows/{FIVE_LEVERS}", who)
    assert latest.status_code == 200
    detail = latest.get_json()
    assert [stage["key"] for stage in detail["stages"]] == [
        "observe",
        "experiment",
        "adapt",
        "articulate",
        "lead-change",
    ]
    assert {role["key"]: role["committee"] for role in detail["roles"]}["steering_committee"] is True
    survey = next(task for task in detail["stages"][0]["tasks"] if task["key"] == "business-survey")
    assert survey["depends_on"] == ["inventory-existing-studies"] and survey["owner"] == "chamber_of_commerce"
    assert {indicator["key"] for indicator in detail["indicators"]} == {"partners-involved", "companies-surveyed"}
    assert world.get(f"workflows/{FIVE_LEVERS}/versions/1", who).get_json() == detail


def test_unknown_workflows_and_versions_are_404(world: World) -> None:
    assert_error(world.get("workflows/no-such-workflow", "lead"), 404)
    assert_error(world.get(f"workflows/{FIVE_LEVERS}/versions/99", "lead"), 404)
    assert_error(world.get(f"workflows/{FIVE_LEVERS}/versions/99999999999", "lead"), 404)


def test_territories(world: World) -> None:
    response = world.get("territories", "partner")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert {"id": world.territory.id, "code": "chartres-metropole", "name": "Agglomération chartraine"}.items() <= (
        next(item for item in items if item["id"] == world.territory.id).items()
    )
    assert_error(world.get("territories"), 401)


# --------------------------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------------------------


def test_everyone_lists_organisations_optionally_of_one_territory(world: World) -> None:
    everything = world.get("organisations", "outsider")
    assert everything.status_code == 200
    names = [item["name"] for item in everything.get_json()["items"]]
    assert "Maison de l'Emploi" in names and "Organisation lead" in names
    local = world.get("organisations", "partner", query_string={"territory_id": world.territory.id})
    assert [item["name"] for item in local.get_json()["items"]] == ["Maison de l'Emploi"]
    assert_error(world.get("organisations", "partner", query_string={"territory_id": "x"}), 422, "territory_id")


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_leads_and_admins_create_organisations(world: World, who: str) -> None:
    body = {
        "name": f"CCI {who}",
        "kind": "chamber",
        "territory_id": world.territory.id,
        "email": "Contact@CCI.example.org",
    }
    response = world.post("organisations", who, body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (
        created["name"] == f"CCI {who}"
        and created["kind"] == "chamber"
        and created["email"] == "contact@cci.example.org"
    )
    assert world.get(f"organisations/{created['id']}", "partner").get_json() == created
    assert_error(world.post("organisations", who, body), 422, "name")


@pytest.mark.parametrize("who", ["partner", "outsider", "committee"])
def test_others_may_not_create_organisations(world: World, who: str) -> None:
    assert_error(world.post("organisations", who, {"name": "Mine", "kind": "company"}), 403)


def test_an_organisation_with_a_bad_email_or_kind_is_422(world: World) -> None:
    body = {"name": "Bad address", "kind": "company", "email": "not-an-email"}
    assert_error(world.post("organisations", "lead", body), 422, "email")
    assert_error(world.post("organisations", "lead", {"name": "Bad kind", "kind": "castle"}), 422, "kind")
    assert_error(world.post("organisations", "lead", {"kind": "company"}), 422, "name")
    assert_error(
        world.post("organisations", "lead", {"name": "X", "kind": "company", "territory_id": 999}), 422, "territory_id"
    )
    assert_error(world.post("organisations", "lead", {"name": "X", "kind": "company", "extra": 1}), 422, "extra")


def test_an_address_longer_than_the_database_column_is_422(world: World) -> None:
    """Each part fits the email rules, but 260 characters do not fit ``VARCHAR(254)`` (PostgreSQL refuses)."""
    long_email = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".org"
    assert len(long_email) == 260
    assert_error(
        world.post("organisations", "lead", {"name": "Long", "kind": "other", "email": long_email}), 422, "email"
    )
    organisation_id = world.people["lead"].organisation_id
    assert_error(world.patch(f"organisations/{organisation_id}", "lead", {"email": long_email}), 422, "email")
    assert_error(world.post("people", "lead", {"email": long_email, "role": "partner"}), 422, "email")


def test_organisations_are_changed_by_leads_and_admins_only(world: World) -> None:
    organisation_id = world.people["lead"].organisation_id
    response = world.patch(f"organisations/{organisation_id}", "lead", {"email": "contact@mde.example.org"})
    assert response.status_code == 200 and response.get_json()["email"] == "contact@mde.example.org"
    response = world.patch(f"organisations/{organisation_id}", "admin", {"kind": "local_authority"})
    assert response.status_code == 200 and response.get_json()["kind"] == "local_authority"
    assert_error(world.patch(f"organisations/{organisation_id}", "partner", {"name": "Mine"}), 403)
    assert_error(world.patch(f"organisations/{organisation_id}", "lead", {"email": "nope"}), 422, "email")
    assert_error(world.patch("organisations/999999", "lead", {"name": "Ghost"}), 404)
    assert_error(world.get("organisations/999999", "lead"), 404)


def test_renaming_an_organisation_to_a_name_taken_on_its_territory_is_422_not_500(world: World) -> None:
    other = world.post(
        "organisations", "lead", {"name": "Mission locale", "kind": "other", "territory_id": world.territory.id}
    )
    assert other.status_code == 201
    organisation_id = world.people["lead"].organisation_id
    assert_error(world.patch(f"organisations/{organisation_id}", "lead", {"name": "Mission locale"}), 422, "name")
    assert world.get(f"organisations/{organisation_id}", "lead").get_json()["name"] == "Maison de l'Emploi"


def test_an_organisation_says_where_it_acts_and_a_region_wide_one_names_its_region(world: World) -> None:
    body = {"name": "DREETS Centre-Val de Loire", "kind": "state_service", "scope": "region"}
    body["region"] = world.territory.region or ""
    response = world.post("organisations", "lead", body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["scope"], created["region"], created["territory_id"]) == ("region", "Centre-Val de Loire", None)
    local = world.post(
        "organisations", "lead", {"name": "CCI 28", "kind": "chamber", "territory_id": world.territory.id}
    )
    assert (local.get_json()["scope"], local.get_json()["region"]) == ("territory", None)
    national = world.post("organisations", "admin", {"name": "Opco national", "kind": "other"})
    assert national.get_json()["scope"] == "national"
    moved = world.patch(f"organisations/{local.get_json()['id']}", "lead", {"scope": "national"})
    assert moved.status_code == 200 and (moved.get_json()["scope"], moved.get_json()["territory_id"]) == (
        "national",
        None,
    )


def test_a_scope_and_its_place_that_disagree_are_422_with_field_messages(world: World) -> None:
    territory_id = world.territory.id
    cases = [
        ({"scope": "galaxy"}, "scope"),
        ({"scope": "territory"}, "territory_id"),
        ({"scope": "region"}, "region"),
        ({"scope": "region", "region": "Bretagne"}, "region"),
        ({"scope": "region", "region": "Centre-Val de Loire", "territory_id": territory_id}, "territory_id"),
        ({"scope": "national", "region": "Centre-Val de Loire"}, "region"),
        ({"scope": "territory", "territory_id": 2147483647}, "territory_id"),
        ({"scope": "region", "region": "Centre\x00"}, "region"),
        ({"scope": "region", "region": "R" * 101}, "region"),
    ]
    for extra, field in cases:
        assert_error(world.post("organisations", "lead", {"name": "Placed", "kind": "other", **extra}), 422, field)
    organisation_id = world.people["lead"].organisation_id
    assert_error(world.patch(f"organisations/{organisation_id}", "lead", {"scope": "region"}), 422, "region")
    assert world.get(f"organisations/{organisation_id}", "lead").get_json()["scope"] == "territory"


def test_a_look_alike_organisation_is_422_naming_it_unless_allowed(world: World) -> None:
    first = {"name": "Région Centre-Val de Loire", "kind": "region", "scope": "region", "region": "Centre-Val de Loire"}
    assert world.post("organisations", "lead", first).status_code == 201
    again = {"name": "Region Centre Val-de-Loire", "kind": "region", "territory_id": world.territory.id}
    body = assert_error(world.post("organisations", "lead", again), 422, "name")
    assert body["refusal"] == "similar_in_directory" and "Région Centre-Val de Loire" in body["message"]
    allowed = world.post("organisations", "lead", {**again, "allow_similar": True})
    assert allowed.status_code == 201
    assert_error(
        world.post("organisations", "lead", {**again, "name": "X", "allow_similar": "yes"}), 422, "allow_similar"
    )


def test_a_namesake_in_the_same_organisation_is_422_unless_allowed(world: World) -> None:
    organisation_id = world.people["lead"].organisation_id
    body = {
        "email": "c.lead@example.org",
        "role": "partner",
        "name": "CLAIRE  LEAD",
        "organisation_id": organisation_id,
    }
    refused = assert_error(world.post("people", "lead", body), 422, "name")
    assert refused["refusal"] == "similar_in_directory"
    assert world.post("people", "lead", {**body, "allow_similar": True}).status_code == 201


# --------------------------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------------------------


def _emails(response: TestResponse) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["email"] for item in response.get_json()["items"]}


def test_a_partner_sees_only_the_people_of_their_plans(world: World) -> None:
    everyone = _emails(world.get("people", "lead"))
    assert "outsider@example.org" in everyone and "admin@example.org" in everyone
    assert _emails(world.get("people", "committee")) == everyone
    assert _emails(world.get("people", "admin")) == everyone

    seen = _emails(world.get("people", "partner"))
    members = {find_person_email(person_id) for mapping in world.roles.values() for person_id in mapping.person_ids}
    assert seen == members | {"lead@example.org"}
    assert "outsider@example.org" not in seen and "admin@example.org" not in seen
    assert _emails(world.get("people", "outsider")) == {"outsider@example.org"}

    assert world.get(f"people/{world.people['lead'].id}", "partner").status_code == 200
    assert_error(world.get(f"people/{world.people['outsider'].id}", "partner"), 404)
    assert_error(world.get(f"people/{world.people['lead'].id}", "outsider"), 404)
    assert_error(world.get("people", "lead", query_string={"organisation_id": 0}), 422, "organisation_id")


def find_person_email(person_id: int) -> str:
    person = session().get(Person, person_id)
    assert person is not None
    return person.email


def test_leads_create_people_but_not_administrators(world: World) -> None:
    organisation_id = world.people["lead"].organisation_id
    body = {"email": "New.Partner@Example.org", "role": "partner", "organisation_id": organisation_id, "language": "en"}
    response = world.post("people", "lead", body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["email"] == "new.partner@example.org" and created["role"] == "partner"
    assert created["name"] == "new.partner" and created["language"] == "en" and created["is_active"] is True
    assert_error(world.post("people", "lead", body), 422, "email")

    assert_error(world.post("people", "lead", {"email": "boss@example.org", "role": "admin"}), 403)
    assert world.post("people", "admin", {"email": "boss@example.org", "role": "admin"}).status_code == 201
    assert_error(world.post("people", "partner", {"email": "friend@example.org", "role": "partner"}), 403)
    assert_error(world.post("people", "lead", {"email": "nobody", "role": "partner"}), 422, "email")
    assert_error(world.post("people", "lead", {"email": "x@example.org", "role": "king"}), 422, "role")
    assert_error(
        world.post("people", "lead", {"email": "x@example.org", "role": "partner", "organisation_id": 99999}),
        422,
        "organisation_id",
    )


def test_people_change_themselves_and_admins_change_anyone(world: World) -> None:
    partner_id = world.people["partner"].id
    response = world.patch(f"people/{partner_id}", "partner", {"name": "Nina Partner", "timezone": "America/Cayenne"})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Nina Partner" and response.get_json()["timezone"] == "America/Cayenne"
    assert_error(world.patch(f"people/{partner_id}", "partner", {"role": "admin"}), 403)
    assert_error(world.patch(f"people/{world.people['lead'].id}", "partner", {"name": "Hacked"}), 403)
    assert_error(world.patch(f"people/{partner_id}", "lead", {"name": "Renamed by the lead"}), 403)
    assert_error(world.patch(f"people/{partner_id}", "partner", {"timezone": "Mars/Olympus"}), 422, "timezone")
    response = world.patch(f"people/{partner_id}", "admin", {"role": "lead", "is_referent": True})
    assert response.status_code == 200 and response.get_json()["role"] == "lead"
    assert_error(world.patch("people/999999", "admin", {"name": "Ghost"}), 404)


# --------------------------------------------------------------------------------------------------------------
# The rules of stored values: the API refuses what the pages refuse, in the same words
# --------------------------------------------------------------------------------------------------------------


def people_named(name: str) -> int:
    return int(session().scalar(sa.select(sa.func.count()).select_from(Person).where(Person.name == name)) or 0)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "0", "localtime", "posixrules", "../../etc/passwd", ""])
def test_a_person_is_not_created_with_a_zone_that_is_not_an_iana_name(world: World, zone: str) -> None:
    body = {"email": "zone@example.org", "name": "Zoé Zone", "role": "partner", "timezone": zone}
    answer = assert_error(world.post("people", "lead", body), 422, "timezone")
    assert answer["errors"]["timezone"] == [TIMEZONE_MESSAGE]
    assert people_named("Zoé Zone") == 0


@pytest.mark.parametrize("zone", ["Mars/Olympus", "0", "posix/Europe/Paris", "right/UTC"])
def test_a_person_is_not_changed_to_a_zone_that_is_not_an_iana_name(world: World, zone: str) -> None:
    partner_id = world.people["partner"].id
    answer = assert_error(world.patch(f"people/{partner_id}", "partner", {"timezone": zone}), 422, "timezone")
    assert answer["errors"]["timezone"] == [TIMEZONE_MESSAGE]
    session().expire_all()
    assert session().get(Person, partner_id).timezone == "Europe/Paris"  # type: ignore[union-attr]
    typed = world.patch(f"people/{partner_id}", "partner", {"timezone": " Indian/Reunion "})
    assert typed.status_code == 200 and typed.get_json()["timezone"] == "Indian/Reunion"


@pytest.mark.parametrize(
    "email",
    ["victim@example.org\r\nbcc:x@y.org", "a@" + "é" * 64 + ".fr", "contact@mairie.local", "josé@example.org"],
)
def test_people_and_organisations_are_not_given_an_address_the_sender_could_not_use(world: World, email: str) -> None:
    answer = assert_error(
        world.post("people", "lead", {"email": email, "name": "Ève", "role": "partner"}), 422, "email"
    )
    assert answer["errors"]["email"] == [EMAIL_MESSAGE] and people_named("Ève") == 0
    body = {"name": "Structure", "kind": "other", "email": email}
    assert assert_error(world.post("organisations", "lead", body), 422, "email")["errors"]["email"] == [EMAIL_MESSAGE]
    organisation_id = world.people["lead"].organisation_id
    assert_error(world.patch(f"organisations/{organisation_id}", "lead", {"email": email}), 422, "email")
    assert world.get(f"organisations/{organisation_id}", "lead").get_json()["email"] is None


def test_an_address_is_stored_as_the_pages_store_it(world: World) -> None:
    response = world.post("people", "lead", {"email": "  Jean.Dupont@ÉCOLE.example.org ", "role": "partner"})
    assert response.status_code == 201 and response.get_json()["email"] == "jean.dupont@école.example.org"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", TIMEZONE_MESSAGE),
        ({"timezone": "right/UTC"}, "timezone", TIMEZONE_MESSAGE),
        ({"start_date": "9999-12-31"}, "start_date", DATE_MESSAGE),
        ({"start_date": "1999-12-31"}, "start_date", DATE_MESSAGE),
        ({"start_date": "2099-12-01"}, "start_date", SCHEDULE_MESSAGE),
    ],
)
def test_a_plan_is_not_started_with_a_zone_or_dates_out_of_the_rules(
    world: World, changes: dict[str, str], field: str, message: str
) -> None:
    body = {
        "name": "Plan hors règles",
        "definition_key": FIVE_LEVERS,
        "territory_id": world.territory.id,
        "start_date": "2027-01-04",
        "roles": roles_body(world.roles),
        **changes,
    }
    answer = assert_error(world.post("plans", "lead", body), 422, field)
    assert answer["errors"][field] == [message]
    assert session().scalar(sa.select(Plan).where(Plan.name == "Plan hors règles")) is None


def test_new_people_and_plans_take_the_configured_default_time_zone(app: Flask, world: World) -> None:
    """``DEFAULT_TIMEZONE`` is the zone of new people and plans when none is given (README, configuration)."""
    app.config["DEFAULT_TIMEZONE"] = "America/Cayenne"
    body = {
        "name": "Plan guyanais",
        "definition_key": FIVE_LEVERS,
        "territory_id": world.territory.id,
        "start_date": "2027-01-04",
        "roles": roles_body(world.roles),
    }
    created = world.post("plans", "lead", body)
    assert created.status_code == 201 and created.get_json()["timezone"] == "America/Cayenne"
    person = world.post("people", "admin", {"email": "guyane@example.org", "role": "partner"})
    assert person.status_code == 201 and person.get_json()["timezone"] == "America/Cayenne"


@pytest.mark.parametrize(
    ("due", "message"),
    [("9999-12-31", DATE_MESSAGE), ("0001-01-01", DATE_MESSAGE), ("2099-12-25", SCHEDULE_MESSAGE)],
)
def test_a_due_date_out_of_the_supported_dates_is_422_and_nothing_moves(
    app: Flask, world: World, due: str, message: str
) -> None:
    app.config["DEADLINE_HORIZON_DAYS"] = 36_500  # the supported range alone decides
    before = world.tasks()
    survey = before["business-survey"]
    answer = assert_error(world.patch(f"tasks/{survey['id']}", "lead", {"due_date": due}), 422, "due_date")
    assert answer["errors"]["due_date"] == [message]
    after = world.tasks()
    assert {key: task["due_date"] for key, task in after.items()} == {k: t["due_date"] for k, t in before.items()}
    assert after["business-survey"]["version"] == survey["version"]


def test_a_measurement_dated_out_of_the_supported_dates_is_422(world: World) -> None:
    indicators = world.get(f"plans/{world.plan.id}/indicators", "lead").get_json()["items"]
    measurements = f"indicators/{indicators[0]['id']}/measurements"
    for day in ("1999-12-31", "9999-12-31", "0001-01-01"):
        answer = assert_error(world.post(measurements, "lead", {"value": 1, "measured_on": day}), 422, "measured_on")
        assert answer["errors"]["measured_on"] == [DATE_MESSAGE]
    assert world.get(measurements, "lead").get_json()["items"] == []


# --------------------------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------------------------

ENVELOPE = {"items", "page", "per_page", "total", "pages"}


def test_plans_list_with_its_envelope_filters_and_pages(world: World, clock: FrozenClock) -> None:
    second = start_plan(
        world.people["lead"],
        PlanRequest(
            "Deuxième plan",
            FIVE_LEVERS,
            1,
            world.territory.id,
            world.people["lead"].id,
            PLAN_START,
            world.roles,
            open_now=True,
        ),
    )
    session().commit()
    response = world.get("plans", "lead")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == ENVELOPE
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 25, 2, 1)
    assert [plan["id"] for plan in body["items"]] == [second.id, world.plan.id]
    summary = body["items"][1]
    assert summary["definition_key"] == FIVE_LEVERS and summary["status"] == "active"
    assert summary["current_stage"] == "observe" and summary["version"] >= 1
    assert summary["progress"]["total"] == world.task_count and summary["progress"]["percent_done"] == 0

    page = world.get("plans", "lead", query_string={"per_page": 1, "page": 2}).get_json()
    assert (page["page"], page["per_page"], page["total"], page["pages"]) == (2, 1, 2, 2)
    assert [plan["id"] for plan in page["items"]] == [world.plan.id]
    beyond = world.get("plans", "lead", query_string={"per_page": 1, "page": 3}).get_json()
    assert beyond["items"] == [] and beyond["total"] == 2

    def ids(**query: Any) -> list[int]:
        response = world.get("plans", "admin", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [plan["id"] for plan in response.get_json()["items"]]

    both = [second.id, world.plan.id]
    assert ids(definition=FIVE_LEVERS) == both and ids(definition="other") == []
    assert ids(territory_id=world.territory.id) == both and ids(territory_id=99999) == []
    assert ids(status="active") == both and ids(status="completed") == []
    assert ids(stage="observe") == both and ids(stage="adapt") == []
    assert ids(late="false") == both and ids(late="true") == []
    clock.advance(timedelta(days=60))  # the first tasks are now past due, in both plans
    assert ids(late="true") == both and ids(late="false") == []
    late = world.get("plans", "lead").get_json()["items"][0]["progress"]
    assert late["overdue"] > 0 and late["days_late"] > 0

    assert_error(world.get("plans", "lead", query_string={"per_page": 0}), 422, "per_page")
    assert_error(world.get("plans", "lead", query_string={"per_page": 101}), 422, "per_page")
    assert_error(world.get("plans", "lead", query_string={"page": 0}), 422, "page")
    assert_error(world.get("plans", "lead", query_string={"status": "sleeping"}), 422, "status")
    assert_error(world.get("plans", "lead", query_string={"late": "perhaps"}), 422, "late")


def test_a_plan_is_visible_to_its_people_only(world: World) -> None:
    for who in ("admin", "lead", "partner", "committee"):
        listed = world.get("plans", who).get_json()
        assert [plan["id"] for plan in listed["items"]] == [world.plan.id], who
        detail = world.get(f"plans/{world.plan.id}", who)
        assert detail.status_code == 200, who
    outsider = world.get("plans", "outsider").get_json()
    assert outsider["items"] == [] and outsider["total"] == 0 and outsider["pages"] == 1
    assert_error(world.get(f"plans/{world.plan.id}", "outsider"), 404)
    assert_error(world.get(f"plans/{world.plan.id}/tasks", "outsider"), 404)
    assert_error(world.get("plans/999999", "admin"), 404)


def test_a_plan_reads_with_its_stages_and_progress(world: World) -> None:
    plan = world.get(f"plans/{world.plan.id}", "partner").get_json()
    assert plan["id"] == world.plan.id and plan["name"] == "Plan contractuel"
    assert plan["lead_id"] == world.people["lead"].id and plan["start_date"] == PLAN_START.isoformat()
    assert plan["timezone"] == "Europe/Paris" and plan["created_at"]
    assert [(stage["key"], stage["status"]) for stage in plan["stages"]] == [
        ("observe", "open"),
        ("experiment", "pending"),
        ("adapt", "pending"),
        ("articulate", "pending"),
        ("lead-change", "pending"),
    ]
    observe = plan["stages"][0]
    assert observe["gate"] == "committee" and observe["opened_at"] and observe["closed_at"] is None
    assert observe["progress"]["total"] == 4 and observe["planned_start"] == PLAN_START.isoformat()
    assert plan["progress"]["counts"] == {"todo": world.task_count}


def test_leads_create_plans_with_a_role_mapping(world: World) -> None:
    body = {
        "name": "Plan créé par l'API",
        "definition_key": FIVE_LEVERS,
        "territory_id": world.territory.id,
        "start_date": "2027-01-04",
        "roles": roles_body(world.roles),
        "open_now": True,
    }
    response = world.post("plans", "lead", body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["name"] == "Plan créé par l'API" and created["definition_version"] == 1
    assert created["lead_id"] == world.people["lead"].id and created["timezone"] == "Europe/Paris"
    assert created["status"] == "active" and created["current_stage"] == "observe"
    assert created["stages"][0]["key"] == "observe" and len(created["stages"]) == 5
    assert created["progress"]["total"] == world.task_count
    assert created["progress"]["counts"] == {"todo": world.task_count}
    assert world.get(f"plans/{created['id']}", "partner").status_code == 200
    tasks = world.get(f"plans/{created['id']}/tasks", "lead").get_json()["items"]
    survey = next(task for task in tasks if task["key"] == "employment-data")
    assert survey["assignee_id"] == world.people["partner"].id

    as_admin = {**body, "name": "Plan de l'administrateur", "lead_id": world.people["lead"].id, "definition_version": 1}
    response = world.post("plans", "admin", as_admin)
    assert response.status_code == 201 and response.get_json()["lead_id"] == world.people["lead"].id


def test_a_plan_starting_later_is_created_scheduled_unless_open_now(world: World) -> None:
    """Without ``open_now`` (false by default) a plan whose start date is ahead waits, every stage pending."""
    body = {
        "name": "Plan programmé",
        "definition_key": FIVE_LEVERS,
        "territory_id": world.territory.id,
        "start_date": "2027-01-04",
        "roles": roles_body(world.roles),
    }
    response = world.post("plans", "lead", body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "scheduled" and created["current_stage"] is None
    assert {stage["status"] for stage in created["stages"]} == {"pending"}
    assert all(stage["opened_at"] is None for stage in created["stages"])
    listed = world.get("plans", "lead", query_string={"status": "scheduled"}).get_json()
    assert [plan["id"] for plan in listed["items"]] == [created["id"]]

    tasks = world.get(f"plans/{created['id']}/tasks", "partner").get_json()["items"]
    survey = next(task for task in tasks if task["key"] == "employment-data")
    refused = world.patch(f"tasks/{survey['id']}", "partner", {"status": "done", "version": survey["version"]})
    assert refused.status_code == 409 and refused.get_json()["refusal"] == "plan_not_open_yet"

    today = {**body, "name": "Plan du jour", "start_date": "2026-11-30", "open_now": False}
    assert world.post("plans", "lead", today).get_json()["status"] == "active", "a plan starting today opens at once"
    assert_error(world.post("plans", "lead", {**body, "open_now": "perhaps"}), 422, "open_now")


def test_creating_a_plan_checks_the_role_mapping_and_the_caller(world: World) -> None:
    roles = roles_body(world.roles)
    body = {"name": "P", "definition_key": FIVE_LEVERS, "territory_id": world.territory.id, "start_date": "2027-01-04"}
    missing = {key: value for key, value in roles.items() if key not in ("region", "training_body")}
    error = assert_error(world.post("plans", "lead", {**body, "roles": missing}), 422, "roles")
    assert "region" in " ".join(error["errors"]["roles"]) and "training_body" in " ".join(error["errors"]["roles"])
    assert_error(world.post("plans", "lead", {**body, "roles": {**roles, "astronaut": roles["region"]}}), 422, "roles")
    assert_error(world.post("plans", "lead", body), 422, "roles")
    empty_people = {**roles, "region": {"organisation_id": roles["region"]["organisation_id"], "person_ids": []}}
    assert_error(world.post("plans", "lead", {**body, "roles": empty_people}), 422, "roles.region.value.person_ids")
    assert_error(world.post("plans", "lead", {**body, "roles": roles, "timezone": "Nowhere/City"}), 422, "timezone")
    assert_error(world.post("plans", "lead", {**body, "roles": roles, "territory_id": 99999}), 422, "territory_id")
    assert_error(world.post("plans", "lead", {**body, "roles": roles, "start_date": "soon"}), 422, "start_date")
    assert_error(world.post("plans", "lead", {**body, "roles": roles, "definition_key": "nope"}), 404)
    assert_error(world.post("plans", "partner", {**body, "roles": roles}), 403)
    assert_error(world.post("plans", "committee", {**body, "roles": roles}), 403)


def test_plan_tasks_in_stage_then_due_date_order(world: World) -> None:
    response = world.get(f"plans/{world.plan.id}/tasks", "committee")
    assert response.status_code == 200
    tasks = response.get_json()["items"]
    assert len(tasks) == world.task_count
    assert [task["key"] for task in tasks[:4]] == [
        "inventory-existing-studies",
        "employment-data",
        "business-survey",
        "shared-diagnosis",
    ]
    first = tasks[0]
    assert first["status"] == "todo" and first["owner_role"] == "lead" and first["version"] == 1
    assert first["plan_id"] == world.plan.id and first["required"] is True and first["updated_at"]


def test_tasks_carry_their_title_and_description_in_both_languages(world: World) -> None:
    """A partner's system shows what the task is, not only its key."""
    tasks = {task["key"]: task for task in world.get(f"plans/{world.plan.id}/tasks", "committee").get_json()["items"]}
    assert tasks["inventory-existing-studies"]["title"] == {
        "fr": "Recenser les études et outils existants",
        "en": "List existing studies and tools",
    }
    assert all(task["description"] is None for task in tasks.values()), "the definition describes none of them"
    one = world.get(f"tasks/{tasks['employment-data']['id']}", "partner").get_json()
    assert one["title"] == tasks["employment-data"]["title"] and one["title"]["fr"] != one["title"]["en"]


def test_the_task_list_costs_the_same_statements_whatever_its_length(world: World) -> None:
    """Titles come from the definition read once, not a statement per task."""
    world.get(f"plans/{world.plan.id}/tasks", "committee")  # warm the definition parse cache
    with count_queries() as statements:
        assert world.get(f"plans/{world.plan.id}/tasks", "committee").status_code == 200
    definitions = [statement for statement in statements if "gpect_definitions" in statement]
    assert len(definitions) <= 1 and len(statements) < world.task_count, statements


# --------------------------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------------------------


def test_a_task_reads_with_its_version_as_etag(world: World) -> None:
    task = world.tasks()["employment-data"]
    response = world.get(f"tasks/{task['id']}", "partner")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"' and response.get_json() == task
    assert_error(world.get(f"tasks/{task['id']}", "outsider"), 404)
    assert_error(world.get("tasks/999999", "admin"), 404)


def test_the_assignee_changes_status_and_gets_a_new_etag(world: World) -> None:
    task = world.tasks()["employment-data"]
    assert task["assignee_id"] == world.people["partner"].id
    started = world.patch(f"tasks/{task['id']}", "partner", {"status": "in_progress", "version": 1})
    assert started.status_code == 200, started.get_json()
    assert started.headers["ETag"] == '"2"'
    assert started.get_json()["status"] == "in_progress" and started.get_json()["started_at"]
    done = world.patch(
        f"tasks/{task['id']}", "partner", {"status": "done", "note": "Données transmises"}, headers={"If-Match": '"2"'}
    )
    assert done.status_code == 200 and done.headers["ETag"] == '"3"'
    assert done.get_json()["status"] == "done" and done.get_json()["completed_at"]
    assert world.get(f"tasks/{task['id']}", "lead").headers["ETag"] == '"3"'


def test_a_stale_version_is_409_and_a_stale_if_match_412(world: World) -> None:
    task = world.tasks()["employment-data"]
    assert world.patch(f"tasks/{task['id']}", "partner", {"status": "in_progress"}).status_code == 200
    body = assert_error(world.patch(f"tasks/{task['id']}", "partner", {"status": "done", "version": 1}), 409)
    assert body["refusal"] == "changed_meanwhile" and "changed" in body["message"]
    assert body["parameters"] == {
        "who": world.people["partner"].name,
        "kind": "task",
        "event": "task_status_changed",
        "from_state": "todo",
        "to_state": "in_progress",
    }
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {"status": "done"}, headers={"If-Match": '"1"'}), 412)
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {"status": "done"}, headers={"If-Match": 'W/"1"'}), 412)
    assert world.tasks()["employment-data"]["status"] == "in_progress"
    assert_error(
        world.patch(f"tasks/{task['id']}", "partner", {"status": "done"}, headers={"If-Match": "yesterday"}), 400
    )
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {"status": "done"}, headers={"If-Match": '"two"'}), 400)
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {"status": "done"}, headers={"If-Match": "*"}), 400)
    assert world.tasks()["employment-data"]["version"] == 2


def test_status_changes_follow_the_rules(world: World) -> None:
    tasks = world.tasks()
    data, survey = tasks["employment-data"], tasks["business-survey"]
    skipped = assert_error(
        world.patch(f"tasks/{data['id']}", "partner", {"status": "skipped", "note": "Pas le temps"}), 403
    )
    assert skipped["refusal"] == "lead_only_transition"
    assert skipped["parameters"] == {"current": "todo", "target": "skipped"}
    assert skipped["message"] == "Only the plan lead may move a task from “todo” to “skipped”."
    assert_error(world.patch(f"tasks/{data['id']}", "chamber", {"status": "done"}), 403)
    assert_error(world.patch(f"tasks/{data['id']}", "outsider", {"status": "done"}), 404)
    assert_error(world.patch(f"tasks/{data['id']}", "partner", {"status": "blocked"}), 422, "note")
    too_long = assert_error(
        world.patch(f"tasks/{data['id']}", "partner", {"status": "blocked", "note": "x" * 2001}), 422
    )
    assert too_long["errors"]["note"] == ["Write at most 2000 characters."], "the journal's rule, refused not cut"
    body = assert_error(world.patch(f"tasks/{survey['id']}", "chamber", {"status": "done"}), 409)
    assert body["refusal"] == "dependencies_not_done" and "depends" in body["message"] and "parameters" not in body
    assert_error(world.patch(f"tasks/{survey['id']}", "lead", {"status": "done"}), 409)
    assert_error(
        world.patch(f"tasks/{survey['id']}", "chamber", {"status": "done", "override_dependencies": True}), 403
    )
    overridden = world.patch(f"tasks/{survey['id']}", "lead", {"status": "done", "override_dependencies": True})
    assert overridden.status_code == 200 and overridden.get_json()["status"] == "done"
    skipped = world.patch(f"tasks/{data['id']}", "lead", {"status": "skipped", "note": "Données déjà publiées"})
    assert skipped.status_code == 200 and skipped.get_json()["status_reason"] == "Données déjà publiées"
    assert_error(world.patch(f"tasks/{data['id']}", "lead", {"status": "in_progress"}), 409)
    assert_error(world.patch("tasks/999999", "admin", {"status": "done"}), 404)


def test_a_patch_must_change_something_known(world: World) -> None:
    task = world.tasks()["employment-data"]
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {}), 422, "status")
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {"note": "only a note"}), 422, "status")
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {"status": "done", "colour": "red"}), 422, "colour")
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {"status": "finished"}), 422, "status")
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {"due_date": "tomorrow"}), 422, "due_date")
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {"status": "done", "version": 0}), 422, "version")
    assert_error(world.patch(f"tasks/{task['id']}", "partner", ["status"]), 422)
    response = world.call("PATCH", f"tasks/{task['id']}", "partner", data="{", content_type="application/json")
    assert_error(response, 400)
    assert world.tasks()["employment-data"]["version"] == 1


def test_the_lead_moves_a_due_date_and_dependents_shift(world: World) -> None:
    tasks = world.tasks()
    inventory, survey, diagnosis = (
        tasks["inventory-existing-studies"],
        tasks["business-survey"],
        tasks["shared-diagnosis"],
    )
    new_due = date.fromisoformat(survey["due_date"]).replace(day=1).replace(month=3).isoformat()
    assert new_due > survey["due_date"]
    assert_error(world.patch(f"tasks/{inventory['id']}", "partner", {"due_date": new_due}), 403)
    response = world.patch(
        f"tasks/{inventory['id']}", "lead", {"due_date": new_due, "note": "Études en retard", "version": 1}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["due_date"] == new_due and response.headers["ETag"] == '"2"'
    after = world.tasks()
    assert after["business-survey"]["due_date"] >= new_due > survey["due_date"]
    assert after["shared-diagnosis"]["due_date"] >= after["business-survey"]["due_date"] > diagnosis["due_date"]
    assert after["employment-data"]["due_date"] == tasks["employment-data"]["due_date"]


def test_the_lead_reassigns_within_the_role(world: World) -> None:
    task = world.tasks()["employment-data"]
    response = world.patch(f"tasks/{task['id']}", "lead", {"assignee_id": world.people["lead"].id})
    assert response.status_code == 200 and response.get_json()["assignee_id"] == world.people["lead"].id
    assert_error(
        world.patch(f"tasks/{task['id']}", "lead", {"assignee_id": world.people["outsider"].id}), 422, "assignee_id"
    )
    assert_error(world.patch(f"tasks/{task['id']}", "partner", {"assignee_id": world.people["partner"].id}), 403)


# --------------------------------------------------------------------------------------------------------------
# Gate decisions
# --------------------------------------------------------------------------------------------------------------


def _finish_observe(world: World) -> None:
    """Every task of the first stage done, in dependency order, by the people who own them."""
    for key, who in [
        ("inventory-existing-studies", "lead"),
        ("employment-data", "partner"),
        ("business-survey", "chamber"),
        ("shared-diagnosis", "lead"),
    ]:
        response = world.patch(f"tasks/{world.tasks()[key]['id']}", who, {"status": "done"})
        assert response.status_code == 200, (key, response.get_json())
    observe = world.get(f"plans/{world.plan.id}", "lead").get_json()["stages"][0]
    assert observe["status"] == "awaiting_decision"


def test_the_committee_decides_at_the_gate(world: World) -> None:
    decisions = f"plans/{world.plan.id}/stages/observe/decisions"
    assert_error(world.post(decisions, "committee", {"decision": "approve"}), 409)
    _finish_observe(world)
    assert_error(world.post(decisions, "partner", {"decision": "approve"}), 403)
    assert_error(world.post(decisions, "lead", {"decision": "approve"}), 403)
    assert_error(world.post(decisions, "outsider", {"decision": "approve"}), 404)
    assert_error(world.post(decisions, "committee", {"decision": "rework"}), 422, "reopen")
    assert_error(world.post(decisions, "committee", {"decision": "rework", "reopen": ["design-pilot"]}), 422, "reopen")
    assert_error(
        world.post(decisions, "committee", {"decision": "approve", "reopen": ["employment-data"]}), 422, "reopen"
    )
    assert_error(world.post(decisions, "committee", {"decision": "maybe"}), 422, "decision")
    assert_error(
        world.post(f"plans/{world.plan.id}/stages/nowhere/decisions", "committee", {"decision": "approve"}), 404
    )

    response = world.post(decisions, "committee", {"decision": "approve", "minutes": "Diagnostic validé."})
    assert response.status_code == 201, response.get_json()
    decision = response.get_json()
    assert decision["decision"] == "approve" and decision["minutes"] == "Diagnostic validé."
    assert decision["decided_by_id"] == world.people["committee"].id and decision["decided_at"]
    plan = world.get(f"plans/{world.plan.id}", "lead").get_json()
    assert plan["current_stage"] == "experiment"
    assert [stage["status"] for stage in plan["stages"][:2]] == ["closed", "open"]
    assert_error(world.post(decisions, "committee", {"decision": "approve"}), 409)


def test_rework_reopens_the_named_tasks(world: World) -> None:
    _finish_observe(world)
    response = world.post(
        f"plans/{world.plan.id}/stages/observe/decisions",
        "committee",
        {"decision": "rework", "reopen": ["shared-diagnosis"], "minutes": "À reprendre"},
    )
    assert response.status_code == 201 and response.get_json()["reopened"] == ["shared-diagnosis"]
    assert world.tasks()["shared-diagnosis"]["status"] == "todo"
    assert world.get(f"plans/{world.plan.id}", "lead").get_json()["stages"][0]["status"] == "open"


def test_rework_sets_each_reopened_tasks_due_date(world: World, clock: FrozenClock) -> None:
    _finish_observe(world)
    today = clock.now().date()  # mid-December: the same day in Paris
    decisions = f"plans/{world.plan.id}/stages/observe/decisions"
    chosen = (today + timedelta(days=21)).isoformat()
    for dates, field in [
        ({"business-survey": (today - timedelta(days=1)).isoformat()}, "due_dates.business-survey"),
        ({"employment-data": chosen}, "due_dates"),
        ({"no-such-task": chosen}, "due_dates"),
    ]:
        body = {"decision": "rework", "reopen": ["business-survey", "shared-diagnosis"], "due_dates": dates}
        refused = assert_error(world.post(decisions, "committee", body), 422, field)
        assert refused["refusal"] == "invalid_input"
    for bad in (
        {"business-survey": "tomorrow"},
        {"business-survey": "9999-12-31"},
        {"": chosen},
        {"x" * 65: chosen},
        ["business-survey"],
    ):
        assert_error(
            world.post(decisions, "committee", {"decision": "rework", "reopen": ["business-survey"], "due_dates": bad}),
            422,
        )
    assert world.get(f"plans/{world.plan.id}", "lead").get_json()["stages"][0]["status"] == "awaiting_decision"

    body = {
        "decision": "rework",
        "reopen": ["business-survey", "shared-diagnosis"],
        "due_dates": {"business-survey": chosen},
    }
    response = world.post(decisions, "committee", body)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    default = (today + timedelta(days=80)).isoformat()  # the diagnosis had 80 days from its stage's start
    assert answer["due_dates"] == {"business-survey": chosen, "shared-diagnosis": default}
    tasks = world.tasks()
    assert (tasks["business-survey"]["due_date"], tasks["business-survey"]["status"]) == (chosen, "todo")
    assert tasks["shared-diagnosis"]["due_date"] == default


def test_other_decisions_answer_no_due_dates(world: World) -> None:
    _finish_observe(world)
    response = world.post(f"plans/{world.plan.id}/stages/observe/decisions", "committee", {"decision": "approve"})
    assert response.status_code == 201 and response.get_json()["due_dates"] == {}


def test_a_committee_gated_plan_needs_a_committee_to_start(world: World) -> None:
    roles = {key: mapping for key, mapping in world.roles.items() if key != "steering_committee"}
    body = {
        "name": "Plan sans comité",
        "definition_key": FIVE_LEVERS,
        "territory_id": world.territory.id,
        "start_date": "2027-01-04",
        "roles": roles_body(roles),
    }
    answer = assert_error(world.post("plans", "lead", body), 422, "roles")
    assert answer["refusal"] == "committee_needed" and answer["parameters"] == {"roles": "steering_committee"}
    assert answer["errors"]["roles"] == [
        "Stages of this plan end with a committee decision: choose at least one person to decide."
    ]
    assert session().scalar(sa.select(Plan).where(Plan.name == "Plan sans comité")) is None
    world.people["committee"].is_active = False  # the only member, mapped but no longer using the product
    session().commit()
    body["roles"] = roles_body(world.roles)
    assert assert_error(world.post("plans", "lead", body), 422, "roles")["refusal"] == "committee_needed"
    world.people["committee"].is_active = True
    session().commit()
    assert world.post("plans", "lead", body).status_code == 201


# --------------------------------------------------------------------------------------------------------------
# Indicators and measurements
# --------------------------------------------------------------------------------------------------------------


def test_indicators_and_measurements(world: World) -> None:
    response = world.get(f"plans/{world.plan.id}/indicators", "partner")
    assert response.status_code == 200
    indicators = {item["key"]: item for item in response.get_json()["items"]}
    assert set(indicators) == {"partners-involved", "companies-surveyed"}
    partners = indicators["partners-involved"]
    assert partners["unit"] == "count" and partners["target"] == 8 and partners["measurements"] == []
    assert partners["title"] == {"fr": "Partenaires impliqués", "en": "Partners involved"}
    assert_error(world.get(f"plans/{world.plan.id}/indicators", "outsider"), 404)

    measurements = f"indicators/{partners['id']}/measurements"
    created = world.post(measurements, "lead", {"value": 5, "measured_on": "2026-11-27", "source": "Comité"})
    assert created.status_code == 201, created.get_json()
    measurement = created.get_json()
    assert measurement["value"] == 5 and measurement["measured_on"] == "2026-11-27"
    assert measurement["recorded_by_id"] == world.people["lead"].id and measurement["recorded_at"]
    assert world.post(measurements, "admin", {"value": 6, "measured_on": "2026-11-30"}).status_code == 201

    for who in ("partner", "committee"):
        assert_error(world.post(measurements, who, {"value": 7, "measured_on": "2026-11-30"}), 403)
    assert_error(world.post(measurements, "outsider", {"value": 7, "measured_on": "2026-11-30"}), 404)
    assert_error(world.post(measurements, "lead", {"value": 2.5, "measured_on": "2026-11-30"}), 422, "value")
    huge = assert_error(world.post(measurements, "lead", {"value": 10**30, "measured_on": "2026-11-30"}), 422, "value")
    assert huge["errors"]["value"] == ["give a number between −999,999,999,999,999 and 999,999,999,999,999"]
    assert_error(world.post(measurements, "lead", {"value": 3, "measured_on": "2031-01-01"}), 422, "measured_on")
    assert_error(world.post(measurements, "lead", {"value": "many", "measured_on": "2026-11-30"}), 422, "value")
    assert_error(world.post(measurements, "lead", {"measured_on": "2026-11-30"}), 422, "value")

    listed = world.get(measurements, "partner")
    assert listed.status_code == 200
    assert [(m["value"], m["measured_on"]) for m in listed.get_json()["items"]] == [
        (5, "2026-11-27"),
        (6, "2026-11-30"),
    ]
    assert_error(world.get(measurements, "outsider"), 404)
    assert_error(world.get("indicators/999999/measurements", "admin"), 404)


def test_a_percentage_above_100_is_422(world: World) -> None:
    lead = world.people["lead"]
    roles = map_every_role("lochois-business-survey", 1, world.territory.id)
    survey = start_plan(
        lead,
        PlanRequest(
            "Enquête", "lochois-business-survey", 1, world.territory.id, lead.id, PLAN_START, roles, open_now=True
        ),
    )
    session().commit()
    indicators = world.get(f"plans/{survey.id}/indicators", "lead").get_json()["items"]
    rate = next(item for item in indicators if item["unit"] == "percent")
    path = f"indicators/{rate['id']}/measurements"
    assert_error(world.post(path, "lead", {"value": 150, "measured_on": "2026-11-30"}), 422, "value")
    assert_error(world.post(path, "lead", {"value": -1, "measured_on": "2026-11-30"}), 422, "value")
    assert world.post(path, "lead", {"value": 42.5, "measured_on": "2026-11-30"}).status_code == 201


def test_indicators_say_their_status_and_comparison_following_the_direction(world: World) -> None:
    path = f"plans/{world.plan.id}/indicators"
    indicators = {item["key"]: item for item in world.get(path, "partner").get_json()["items"]}
    partners = indicators["partners-involved"]
    assert (partners["status"], partners["comparison"]) == ("no_measurement", "at_least")
    measurements = f"indicators/{partners['id']}/measurements"
    assert world.post(measurements, "lead", {"value": 8, "measured_on": "2026-11-27"}).status_code == 201
    indicators = {item["key"]: item for item in world.get(path, "partner").get_json()["items"]}
    assert indicators["partners-involved"]["status"] == "on_target", "exactly at the target is reached"
    indicator = session().get(Indicator, partners["id"])
    assert indicator is not None
    indicator.direction = IndicatorDirection.DECREASE
    indicator.target = 5
    session().commit()
    indicators = {item["key"]: item for item in world.get(path, "partner").get_json()["items"]}
    assert (indicators["partners-involved"]["status"], indicators["partners-involved"]["comparison"]) == (
        "off_target",
        "at_most",
    ), "8 for a target of at most 5 is behind it"
    indicator.target = None
    session().commit()
    assert world.get(path, "partner").get_json()["items"][0]["status"] == "no_target"


def _measurement(world: World, key: str = "partners-involved", value: float = 1200) -> tuple[str, dict[str, Any]]:
    indicators = {
        item["key"]: item for item in world.get(f"plans/{world.plan.id}/indicators", "lead").get_json()["items"]
    }
    base = f"indicators/{indicators[key]['id']}/measurements"
    created = world.post(base, "lead", {"value": value, "measured_on": "2026-11-20", "source": "Tableau"})
    assert created.status_code == 201, created.get_json()
    return base, created.get_json()


def test_the_lead_and_admins_correct_a_measurement_and_the_journal_keeps_the_old_value(world: World) -> None:
    base, measurement = _measurement(world)
    one = f"{base}/{measurement['id']}"
    corrected = world.patch(one, "lead", {"value": 12})
    assert corrected.status_code == 200, corrected.get_json()
    body = corrected.get_json()
    assert (body["value"], body["measured_on"], body["source"]) == (12, "2026-11-20", "Tableau")
    assert world.get(one, "partner").get_json()["value"] == 12
    assert world.patch(one, "admin", {"measured_on": "2026-11-21", "source": None}).status_code == 200
    assert (world.get(one, "lead").get_json()["measured_on"], world.get(one, "lead").get_json()["source"]) == (
        "2026-11-21",
        None,
    )
    events = (
        session()
        .scalars(
            sa.select(Event)
            .where(Event.plan_id == world.plan.id, Event.kind == "measurement_corrected")
            .order_by(Event.id)
        )
        .all()
    )
    assert len(events) == 2
    first = events[0].data or {}
    assert first["before"]["value"] == 1200 and first["before"]["measured_on"] == "2026-11-20"
    assert first["before"]["source"] == "Tableau" and first["before"]["recorded_by_id"] == world.people["lead"].id
    assert first["after"]["value"] == 12 and events[0].actor_id == world.people["lead"].id
    assert events[1].actor_id == world.people["admin"].id and (events[1].data or {})["before"]["value"] == 12


def test_a_correction_is_refused_as_recording_is_with_field_messages(world: World) -> None:
    base, measurement = _measurement(world, value=3)
    one = f"{base}/{measurement['id']}"
    assert_error(world.patch(one, "lead", {"value": 2.5}), 422, "value")
    assert_error(world.patch(one, "lead", {"value": -1}), 422, "value")
    assert_error(world.patch(one, "lead", {"value": "NaN"}), 422, "value")
    assert_error(world.patch(one, "lead", {"value": 1e400}), 422, "value")
    assert_error(world.patch(one, "lead", {"measured_on": "2100-01-01"}), 422, "measured_on")
    assert_error(world.patch(one, "lead", {"measured_on": "1999-12-31"}), 422, "measured_on")
    assert_error(world.patch(one, "lead", {"measured_on": "2031-01-01"}), 422, "measured_on")
    assert_error(world.patch(one, "lead", {"source": "x" * 301}), 422, "source")
    assert_error(world.patch(one, "lead", {"source": "a\x00b"}), 422, "source")
    assert_error(world.patch(one, "lead", {"recorded_by_id": 1}), 422, "recorded_by_id")
    assert world.get(one, "lead").get_json()["value"] == 3, "nothing changed"
    assert not session().scalars(sa.select(Event).where(Event.kind == "measurement_corrected")).all()


def test_only_the_lead_and_admins_change_measurements_and_never_another_plans(world: World) -> None:
    base, measurement = _measurement(world)
    one = f"{base}/{measurement['id']}"
    for who in ("partner", "committee"):
        assert_error(world.patch(one, who, {"value": 12}), 403)
        assert_error(world.call("DELETE", one, who), 403)
    assert_error(world.patch(one, "outsider", {"value": 12}), 404)
    assert_error(world.call("DELETE", one, "outsider"), 404)
    assert world.get(one, "lead").get_json()["value"] == 1200
    # the measurement under another indicator's path (of this plan, or of another plan) is not there
    other_base, _ = _measurement(world, key="companies-surveyed", value=4)
    assert_error(world.patch(f"{other_base}/{measurement['id']}", "lead", {"value": 12}), 404)
    lead = world.people["lead"]
    roles = map_every_role(FIVE_LEVERS, 1, world.territory.id)
    other = start_plan(lead, PlanRequest("Autre", FIVE_LEVERS, 1, world.territory.id, lead.id, PLAN_START, roles))
    session().commit()
    foreign = world.get(f"plans/{other.id}/indicators", "lead").get_json()["items"][0]
    foreign_path = f"indicators/{foreign['id']}/measurements/{measurement['id']}"
    body = assert_error(world.patch(foreign_path, "lead", {"value": 12}), 404)
    assert body["refusal"] == "no_such_measurement"
    assert_error(world.call("DELETE", foreign_path, "admin"), 404)
    assert_error(world.patch(f"{base}/2147483647", "lead", {"value": 12}), 404)
    assert world.patch(f"{base}/2147483648", "lead", {"value": 12}).status_code == 404
    assert world.get(one, "lead").get_json()["value"] == 1200


def test_deleting_a_measurement_keeps_what_it_was_in_the_journal(world: World) -> None:
    base, measurement = _measurement(world)
    one = f"{base}/{measurement['id']}"
    deleted = world.call("DELETE", one, "lead")
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert_error(world.get(one, "lead"), 404)
    assert world.get(base, "lead").get_json()["items"] == []
    assert_error(world.call("DELETE", one, "lead"), 404)
    event = session().scalars(sa.select(Event).where(Event.kind == "measurement_deleted")).one()
    assert event.plan_id == world.plan.id and event.actor_id == world.people["lead"].id
    assert (event.data or {})["before"] == {
        "value": 1200,
        "measured_on": "2026-11-20",
        "source": "Tableau",
        "recorded_by_id": world.people["lead"].id,
        "recorded_by": world.people["lead"].name,
    }


# --------------------------------------------------------------------------------------------------------------
# Outbox
# --------------------------------------------------------------------------------------------------------------


def test_the_outbox_is_for_administrators(world: World) -> None:
    response = world.get("outbox", "admin", query_string={"per_page": 2})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == ENVELOPE and body["per_page"] == 2 and body["total"] > 2 and len(body["items"]) == 2
    assert body["pages"] == -(-body["total"] // 2)
    message = body["items"][0]
    assert message["status"] in ("pending", "captured") and message["created_at"] and message["next_attempt_at"]
    for who in ("lead", "partner", "outsider", "committee"):
        assert_error(world.get("outbox", who), 403)
        assert_error(world.post(f"outbox/{message['id']}/retry", who), 403)
    assert_error(world.get("outbox", "admin", query_string={"status": "lost"}), 422, "status")


def test_only_failed_messages_are_retried(world: World) -> None:
    messages = list(session().scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id).limit(2)))
    assert len(messages) == 2
    failed, pending = messages
    failed.status, failed.attempts, failed.last_error = OutboxStatus.FAILED, 5, "SMTP 550"
    session().commit()
    assert world.get("outbox", "admin", query_string={"status": "failed"}).get_json()["total"] == 1

    assert_error(world.post(f"outbox/{pending.id}/retry", "admin"), 409)
    response = world.post(f"outbox/{failed.id}/retry", "admin")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "pending" and response.get_json()["attempts"] == 0
    assert_error(world.post(f"outbox/{failed.id}/retry", "admin"), 409)
    assert_error(world.post("outbox/999999/retry", "admin"), 404)


# --------------------------------------------------------------------------------------------------------------
# Errors, documentation
# --------------------------------------------------------------------------------------------------------------


def test_errors_are_json_under_the_api_and_pages_keep_html(world: World) -> None:
    assert_error(world.get("no-such-resource", "admin"), 404)
    assert_error(world.get("/api/nothing-here"), 404)
    not_allowed = world.call("DELETE", "workflows", "admin")
    assert_error(not_allowed, 405)
    assert "GET" in not_allowed.headers["Allow"]
    assert_error(world.call("PUT", f"tasks/{world.tasks()['employment-data']['id']}", "admin"), 405)

    page = world.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert not page.is_json


def test_the_spec_documents_every_operation_with_bearer_security(world: World) -> None:
    spec = world.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1") and spec["info"]["title"] == "GPECT Workflow API"
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    patch = spec["paths"][f"{API}/tasks/{{task_id}}"]["patch"]
    assert {"400", "409", "412", "422"} <= set(patch["responses"])
    assert any(parameter["name"] == "If-Match" and parameter["in"] == "header" for parameter in patch["parameters"])
    assert "ETag" in patch["responses"]["200"]["headers"]


def test_the_swagger_ui_uses_local_assets_only(world: World) -> None:
    page = world.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*["']([^"']+)["']""", html)
    assert urls, html
    foreign = [url for url in re.findall(r"https?://[^\s\"'<>]+", html) if urlparse(url).hostname != "localhost"]
    assert foreign == [], foreign
    assert '"validatorUrl": null' in unescape(html), "Swagger UI would send the spec's address to validator.swagger.io"
    for url in urls:
        asset = world.get(url)
        assert asset.status_code == 200, url
        assert asset.get_data(), url
    assert "/static/gpect/swagger-ui/swagger-ui-bundle.js" in urls
    assert world.get("/static/gpect/swagger-ui/swagger-ui-bundle.js").status_code == 200
