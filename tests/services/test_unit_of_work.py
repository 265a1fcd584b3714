"""One unit of work per request or command (services/unit_of_work.py): committed or rolled back in one place."""

from __future__ import annotations

from typing import Any

import click
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.models import Person, PersonRole, Territory
from gpect_workflow.services import unit_of_work
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.organisations import ensure_territory
from gpect_workflow.services.partners.people import create_person
from tests.conftest import post_form, sign_in


def territories() -> list[str]:
    """The territories stored, as a fresh transaction sees them."""
    session().rollback()
    return list(session().scalars(sa.select(Territory.code).order_by(Territory.code)))


def run_view(app: Flask, view: Any) -> Any:
    with app.test_request_context("/"):
        return unit_of_work.view(view)()


def test_a_view_answering_below_400_is_committed_then_its_callbacks_run(app: Flask) -> None:
    ran: list[list[str]] = []

    def view() -> tuple[str, int]:
        ensure_territory("gien", "Giennois")
        unit_of_work.after_commit(lambda: ran.append(territories()))
        return "created", 201

    assert run_view(app, view).status_code == 201
    assert ran == [["gien"]], "the callback runs once, after the commit, and sees what was stored"
    assert territories() == ["gien"]


@pytest.mark.parametrize("status", [404, 409, 422, 500])
def test_a_view_answering_400_or_more_is_rolled_back_and_its_callbacks_dropped(app: Flask, status: int) -> None:
    ran: list[str] = []

    def view() -> tuple[str, int]:
        ensure_territory("gien", "Giennois")
        unit_of_work.after_commit(lambda: ran.append("sent"))
        return "refused", status

    assert run_view(app, view).status_code == status
    assert territories() == [] and ran == []


def test_a_view_that_raises_is_rolled_back_before_the_error_handlers(app: Flask) -> None:
    def view() -> str:
        ensure_territory("gien", "Giennois")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_view(app, view)
    assert territories() == []


def test_a_form_shown_again_is_drawn_after_the_refused_change_is_rolled_back(app: Flask) -> None:
    seen: list[list[str]] = []

    def view() -> Any:
        ensure_territory("gien", "Giennois")
        session().flush()

        def page() -> tuple[str, int]:
            seen.append(list(session().scalars(sa.select(Territory.code))))
            return "form again", 422

        return unit_of_work.after_rollback(page)

    assert run_view(app, view).status_code == 422
    assert seen == [[]], "the page reads the state without the refused change"
    assert territories() == []


def test_a_page_that_changes_something_is_committed_by_its_request(client: FlaskClient) -> None:
    person = create_person("someone@example.org", PersonRole.PARTNER)
    session().commit()
    sign_in(client, person)
    assert post_form(client, "/language", {"language": "en", "next": "/"}).status_code == 302
    session().expire_all()
    assert session().get(Person, person.id).language.value == "en", "committed by the request, not the view"  # type: ignore[union-attr]


def test_a_command_commits_when_it_returns_and_rolls_back_when_it_fails(app: Flask) -> None:
    @unit_of_work.command
    def create(code: str, fail: bool) -> None:
        ensure_territory(code, code)
        if fail:
            raise click.ClickException("refused")

    with pytest.raises(click.ClickException):
        create("lochois", fail=True)
    assert territories() == []
    create("gien", fail=False)
    assert territories() == ["gien"]
