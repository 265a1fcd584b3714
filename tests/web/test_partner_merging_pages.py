"""The merge pages of the directory: administrators only, a preview with what moves, a confirmation that merges."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from gpect_workflow.models import Event, Language, Organisation, OrganisationKind, Person, PersonRole, RoleAssignment
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.services.partners.people import create_person
from tests.conftest import post_form, sign_in
from tests.plan_helpers import start_five_levers_plan

ROLES = ("admin", "lead", "partner", "committee")


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def people(create_user: Any) -> dict[str, Person]:
    """One person of each role, English speakers, in the default organisation."""
    made = {
        role: create_user(f"{role}@example.org", PersonRole(role), name=f"{role.title()} Person", language=Language.EN)
        for role in ROLES
    }
    session().commit()
    return made


@pytest.fixture
def twins(definitions: None, people: dict[str, Person]) -> dict[str, Any]:
    """« Région Centre-Val de Loire » entered twice: the duplicate plays the region role of a plan and has a
    person; and a person entered twice, with two addresses."""
    plan = start_five_levers_plan(people["lead"], date(2026, 12, 1))
    kept = ensure_organisation("Région Centre-Val de Loire", OrganisationKind.REGION, None)
    duplicate = ensure_organisation("Région Centre Val de Loire", OrganisationKind.REGION, None)
    region = session().scalar(
        sa.select(RoleAssignment).where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key == "region")
    )
    assert region is not None
    region.organisation_id = duplicate.id
    officer = create_person("officer@region.example.org", PersonRole.PARTNER, "Officer", organisation=duplicate)
    again = create_person("officer@centrevaldeloire.example.org", PersonRole.PARTNER, "Officer", organisation=kept)
    session().commit()
    return {"plan": plan, "kept": kept, "duplicate": duplicate, "officer": officer, "again": again}


def confirm(client: FlaskClient, url: str) -> Any:
    """Open the preview at ``url``, then confirm it as the page's form does (with what the preview showed)."""
    found = re.search(r'name="seen" value="([0-9a-f]+)"', client.get(url).get_data(as_text=True))
    assert found, "the preview's form carries what it showed"
    return post_form(client, url, {"seen": found.group(1)})


def _urls(twins: dict[str, Any]) -> list[str]:
    duplicate, kept = twins["duplicate"].id, twins["kept"].id
    officer, again = twins["officer"].id, twins["again"].id
    return [
        f"/partners/organisations/{duplicate}/merge",
        f"/partners/organisations/{duplicate}/merge-into/{kept}",
        f"/partners/people/{officer}/merge",
        f"/partners/people/{officer}/merge-into/{again}",
    ]


@pytest.mark.parametrize("role", ["lead", "partner", "committee"])
def test_only_administrators_see_or_use_the_merge_pages(
    client: FlaskClient, people: dict[str, Person], twins: dict[str, Any], role: str
) -> None:
    sign_in(client, people[role])
    for url in _urls(twins):
        assert client.get(url).status_code == 403, url
        if "merge-into" in url:
            assert post_form(client, url).status_code == 403, url
    session().expire_all()
    assert session().get(Organisation, twins["duplicate"].id) is not None
    assert session().get(Person, twins["officer"].id) is not None
    page = text(client.get(f"/partners/organisations/{twins['duplicate'].id}"))
    assert "/merge" not in page


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, twins: dict[str, Any]) -> None:
    for url in _urls(twins):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url


def test_an_administrator_finds_the_twin_previews_and_merges_an_organisation(
    client: FlaskClient, people: dict[str, Person], twins: dict[str, Any]
) -> None:
    sign_in(client, people["admin"])
    duplicate, kept, plan = twins["duplicate"], twins["kept"], twins["plan"]
    page = text(client.get(f"/partners/organisations/{duplicate.id}"))
    assert f"/partners/organisations/{duplicate.id}/merge" in page and "Merge into another organisation…" in page

    chooser = text(client.get(f"/partners/organisations/{duplicate.id}/merge?q=Région Centre"))
    assert f"/partners/organisations/{duplicate.id}/merge-into/{kept.id}" in chooser
    assert f"merge-into/{duplicate.id}" not in chooser  # not into itself

    preview = text(client.get(f"/partners/organisations/{duplicate.id}/merge-into/{kept.id}"))
    assert "Plans concerned: 1" in preview
    assert "Role mappings: 1" in preview
    assert "People: 1" in preview
    assert 'name="csrf_token"' in preview

    assert client.post(f"/partners/organisations/{duplicate.id}/merge-into/{kept.id}").status_code == 400  # no CSRF
    response = confirm(client, f"/partners/organisations/{duplicate.id}/merge-into/{kept.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/partners/organisations/{kept.id}")
    after = text(client.get(response.headers["Location"]))
    assert "Région Centre Val de Loire was merged into Région Centre-Val de Loire" in after
    session().expire_all()
    assert session().get(Organisation, duplicate.id) is None
    officer = session().get(Person, twins["officer"].id)
    assert officer is not None and officer.organisation_id == kept.id

    journal = text(client.get(f"/plans/{plan.id}"))
    assert "Merged the organisation “Région Centre Val de Loire”, entered twice, into “Région Centre-Val de Loire”" in (
        journal
    )
    # Merged already: the same confirmation, sent again, is no such organisation.
    assert post_form(client, f"/partners/organisations/{duplicate.id}/merge-into/{kept.id}").status_code == 404
    assert client.get(f"/partners/organisations/{duplicate.id}/merge-into/{kept.id}").status_code == 404


def test_an_administrator_previews_and_merges_a_person_entered_twice(
    client: FlaskClient, people: dict[str, Person], twins: dict[str, Any]
) -> None:
    sign_in(client, people["admin"])
    officer, again = twins["officer"], twins["again"]
    form = text(client.get(f"/partners/people/{officer.id}/edit"))
    assert f"/partners/people/{officer.id}/merge" in form
    own = text(client.get(f"/partners/people/{people['admin'].id}/edit"))
    assert f"/partners/people/{people['admin'].id}/merge" not in own

    chooser = text(client.get(f"/partners/people/{officer.id}/merge"))
    assert f"/partners/people/{officer.id}/merge-into/{again.id}" in chooser
    assert "officer@centrevaldeloire.example.org" in chooser

    preview = text(client.get(f"/partners/people/{officer.id}/merge-into/{again.id}"))
    assert "Merge Officer (officer@region.example.org) into Officer (officer@centrevaldeloire.example.org)?" in preview
    assert "Plans concerned: 0" in preview and "Tasks assigned: 0" in preview

    response = confirm(client, f"/partners/people/{officer.id}/merge-into/{again.id}")
    assert response.status_code == 302
    after = text(client.get(response.headers["Location"]))
    assert "Officer (officer@region.example.org) was merged into Officer" in after
    session().expire_all()
    assert session().get(Person, officer.id) is None
    assert post_form(client, f"/partners/people/{officer.id}/merge-into/{again.id}").status_code == 404


def test_a_person_s_plans_and_tasks_are_counted_and_journaled(
    client: FlaskClient, people: dict[str, Person], twins: dict[str, Any]
) -> None:
    sign_in(client, people["admin"])
    lead, plan = people["lead"], twins["plan"]
    twin = create_person("lead.bis@example.org", PersonRole.LEAD, "Lead Twin", language=Language.EN)
    session().commit()
    preview = text(client.get(f"/partners/people/{lead.id}/merge-into/{twin.id}"))
    assert "Plans concerned: 1" in preview and "Plans led: 1" in preview
    assert confirm(client, f"/partners/people/{lead.id}/merge-into/{twin.id}").status_code == 302
    session().expire_all()
    event = session().scalar(sa.select(Event).where(Event.plan_id == plan.id, Event.kind == "person_merged"))
    assert event is not None and event.actor_id == people["admin"].id
    journal = text(client.get(f"/plans/{plan.id}"))
    assert "Merged Lead Person, entered twice, into Lead Twin" in journal


def test_refused_merges_answer_with_their_reason_and_hostile_addresses_are_no_page(
    client: FlaskClient, people: dict[str, Person], twins: dict[str, Any]
) -> None:
    admin = people["admin"]
    sign_in(client, admin)
    duplicate, officer = twins["duplicate"].id, twins["officer"].id
    itself = post_form(client, f"/partners/organisations/{duplicate}/merge-into/{duplicate}")
    assert itself.status_code == 422 and "cannot be merged into itself" in text(itself)
    assert client.get(f"/partners/people/{officer}/merge-into/{officer}").status_code == 422
    own = post_form(client, f"/partners/people/{admin.id}/merge-into/{officer}")
    assert own.status_code == 403 and "You cannot merge your own account" in text(own)
    assert client.get(f"/partners/people/{admin.id}/merge").status_code == 200  # choosing is harmless
    for url in (
        f"/partners/organisations/{10**30}/merge-into/{duplicate}",
        f"/partners/organisations/{duplicate}/merge-into/{10**30}",
        f"/partners/organisations/{2**31 - 1}/merge-into/{duplicate}",
        f"/partners/people/{officer}/merge-into/0",
        f"/partners/people/{10**30}/merge",
        "/partners/organisations/-1/merge",
    ):
        assert client.get(url).status_code == 404, url
        assert post_form(client, url).status_code in (404, 405), url
    assert client.get(f"/partners/organisations/{duplicate}/merge?q=R%00gion").status_code == 400
    long_search = client.get(f"/partners/people/{officer}/merge?q=" + "x" * 5000)
    assert long_search.status_code == 200
    session().expire_all()
    assert session().get(Organisation, duplicate) is not None and session().get(Person, officer) is not None


def test_the_merge_pages_speak_french(client: FlaskClient, twins: dict[str, Any], create_user: Any) -> None:
    admin = create_user("admin.fr@example.org", PersonRole.ADMIN, name="Administratrice", language=Language.FR)
    session().commit()
    sign_in(client, admin)
    duplicate, kept = twins["duplicate"], twins["kept"]
    chooser = text(client.get(f"/partners/organisations/{duplicate.id}/merge"))
    assert "Fusionner une organisation en double" in chooser
    preview = text(client.get(f"/partners/organisations/{duplicate.id}/merge-into/{kept.id}"))
    assert "Plans concernés\u00a0: 1" in preview
    assert "Correspondances de rôles\u00a0: 1" in preview
    response = confirm(client, f"/partners/organisations/{duplicate.id}/merge-into/{kept.id}")
    after = text(client.get(response.headers["Location"]))
    assert "a été fusionnée dans Région Centre-Val de Loire" in after
    journal = text(client.get(f"/plans/{twins['plan'].id}"))
    assert "A fusionné l'organisation «\u00a0Région Centre Val de Loire\u00a0», saisie deux fois" in journal


def test_a_confirmation_of_a_preview_that_changed_since_shows_the_new_preview_and_merges_nothing(
    client: FlaskClient, people: dict[str, Person], twins: dict[str, Any]
) -> None:
    sign_in(client, people["admin"])
    duplicate, kept = twins["duplicate"], twins["kept"]
    url = f"/partners/organisations/{duplicate.id}/merge-into/{kept.id}"
    seen = re.search(r'name="seen" value="([0-9a-f]+)"', client.get(url).get_data(as_text=True))
    assert seen
    create_person("late@region.example.org", PersonRole.PARTNER, "Late Comer", organisation=duplicate)
    session().commit()
    response = post_form(client, url, {"seen": seen.group(1)})
    assert response.status_code == 409
    page = text(response)
    assert "The records changed since the preview, so nothing was merged" in page and "People: 2" in page
    assert post_form(client, url).status_code == 409  # a confirmation without what it saw is not taken either
    session().expire_all()
    assert session().get(Organisation, duplicate.id) is not None
    assert confirm(client, url).status_code == 302
