"""The partner import page in French: help, example file and refusals in French first."""

from __future__ import annotations

import html
import io
from typing import Any

from flask.testing import FlaskClient

from gpect_workflow.models import Language, PersonRole, Territory
from gpect_workflow.services.catalogue import french
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.importing.reading import example_csv
from tests.conftest import csrf_token, sign_in


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def french_lead(client: FlaskClient, create_user: Any) -> FlaskClient:
    lead = create_user("cheffe@example.org", PersonRole.LEAD, name="Cheffe", language=Language.FR)
    session().commit()
    return sign_in(client, lead)


def test_the_page_and_its_example_speak_french_first(
    client: FlaskClient, create_user: Any, territory: Territory
) -> None:
    french_lead(client, create_user)
    page = text(client.get("/partners/import"))
    assert '<code>organisme</code> <span class="muted">(<code lang="en">organisation</code>)</span>' in page
    assert "<code>courriel</code>" in page and "<code>rôle</code>" in page
    assert (
        "«\u00a0Partenaire\u00a0», «\u00a0Chef de projet\u00a0»" in page
        and "(ou les codes partner, lead, committee, admin)" in page
    )
    assert page.index("Maison de l'Emploi</th>") < page.index("<code>employment_house</code>")
    example = client.get("/partners/import/example.csv")
    assert example.data == example_csv(french)
    assert example.data.decode("utf-8-sig").startswith(
        "organisme;type;portée;territoire;région;nom;courriel;rôle;langue\r\n"
    )


def test_a_french_file_previews_and_an_unknown_role_is_told_in_french(
    client: FlaskClient, create_user: Any, territory: Territory
) -> None:
    french_lead(client, create_user)
    data = (
        "ORGANISME;Type;Territoire;Nom;Courriel;Rôle;Langue\n"
        "MDE Chartres;maison de l'emploi;chartres-metropole;Léa Roux;lea@example.org;partenaire;francais\n"
        "MDE Chartres;;chartres-metropole;Paul Roux;paul@example.org;Directeur;\n"
    ).encode("windows-1252")
    form = {"csrf_token": csrf_token(client), "file": (io.BytesIO(data), "contacts.csv")}
    response = client.post("/partners/import", data=form, content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()
    page = text(response)
    assert response.status_code == 200
    assert (
        "Rôle «\u00a0Directeur\u00a0» inconnu\u00a0: utilisez l'un de ces rôles\u00a0: "
        "«\u00a0Partenaire\u00a0», «\u00a0Chef de projet\u00a0»" in page
    )
    assert "Nouvelle structure, créée" in page  # the first row, by its French headers and labels
