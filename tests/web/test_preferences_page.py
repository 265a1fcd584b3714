"""My preferences page: language, time zone, reminder mode, and personal API tokens."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from gpect_workflow.models import ApiToken, Language, Person, PersonRole, ReminderMode
from gpect_workflow.services.context import session
from gpect_workflow.validation import TIMEZONE_MESSAGE

from ..conftest import post_form, sign_in


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_preferences_need_a_session(client: FlaskClient) -> None:
    response = client.get("/preferences")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_change_language_time_zone_and_reminder_mode(client: FlaskClient, create_user: Any) -> None:
    person = create_user("moi@example.org", PersonRole.PARTNER, name="Moi")
    session().commit()
    sign_in(client, person)
    page = text(client.get("/preferences"))
    assert "Mes préférences" in page and 'value="Europe/Paris"' in page
    saved = post_form(
        client, "/preferences", {"language": "en", "timezone": "America/Cayenne", "reminder_mode": "weekly"}
    )
    assert saved.status_code == 200 and "Your preferences are saved." in text(saved)
    session().expire_all()
    person = session().get(Person, person.id)
    assert (person.language, person.timezone, person.reminder_mode) == (  # type: ignore[union-attr]
        Language.EN,
        "America/Cayenne",
        ReminderMode.WEEKLY,
    )


def test_bad_time_zone_is_shown_in_place_and_the_input_kept(client: FlaskClient, create_user: Any) -> None:
    person = create_user("moi@example.org", PersonRole.PARTNER)
    session().commit()
    sign_in(client, person)
    response = post_form(
        client, "/preferences", {"language": "fr", "timezone": "Europe/Atlantis", "reminder_mode": "daily"}
    )
    page = text(response)
    assert response.status_code == 422 and 'value="Europe/Atlantis"' in page
    assert re.search(r'id="timezone-error"[^>]*>Choisissez un fuseau horaire dans la liste', page), "in French"
    assert re.search(r'value="daily" checked', page)
    session().expire_all()
    assert session().get(Person, person.id).timezone == "Europe/Paris"  # type: ignore[union-attr]


def test_tokens_are_shown_once_and_revocable(client: FlaskClient, create_user: Any) -> None:
    person = create_user("moi@example.org", PersonRole.LEAD)
    other = create_user("autre@example.org", PersonRole.LEAD)
    session().commit()
    sign_in(client, person)
    created = text(post_form(client, "/preferences/tokens", {"name": "Export SI"}))
    token = re.search(r"<code>(gpect_[^<]+)</code>", created).group(1)  # type: ignore[union-attr]
    assert client.get("/api/v1/workflows", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in text(client.get("/preferences")), "a token is shown once"
    (row,) = session().scalars(sa.select(ApiToken).where(ApiToken.person_id == person.id)).all()
    post_form(client, f"/preferences/tokens/{row.id}/revoke")
    assert client.get("/api/v1/workflows", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "révoqué" in text(client.get("/preferences"))
    session().commit()
    sign_in(client, other)
    assert post_form(client, f"/preferences/tokens/{row.id}/revoke").status_code == 404, "only one's own tokens"


@pytest.mark.parametrize("zone", ["posix/Europe/Paris", "localtime", "Mars/Olympus", "0", "../../etc/passwd"])
def test_a_zone_that_is_not_an_iana_name_is_refused_and_nothing_is_stored(
    client: FlaskClient, create_user: Any, zone: str
) -> None:
    """``ZoneInfo`` opens some of these (a file of that name exists): the rule is the IANA list."""
    person = create_user("moi@example.org", PersonRole.PARTNER, language=Language.EN)
    session().commit()
    sign_in(client, person)
    response = post_form(client, "/preferences", {"language": "en", "timezone": zone, "reminder_mode": "weekly"})
    page = text(response)
    assert response.status_code == 422 and f'value="{zone}"' in page
    assert re.search(rf'id="timezone-error"[^>]*>{re.escape(TIMEZONE_MESSAGE)}', page)
    session().expire_all()
    stored = session().get(Person, person.id)
    assert stored is not None and (stored.timezone, stored.reminder_mode) == ("Europe/Paris", ReminderMode.IMMEDIATE)


def test_a_zone_typed_with_blanks_is_stored_without_them(client: FlaskClient, create_user: Any) -> None:
    person = create_user("moi@example.org", PersonRole.PARTNER)
    session().commit()
    sign_in(client, person)
    response = post_form(
        client, "/preferences", {"language": "fr", "timezone": " Indian/Reunion ", "reminder_mode": "daily"}
    )
    assert response.status_code == 200
    session().expire_all()
    assert session().get(Person, person.id).timezone == "Indian/Reunion"  # type: ignore[union-attr]
