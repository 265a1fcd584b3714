"""The partners directory: organisations by territory and kind and their people, filtered and searched.

Everyone signed in reads the directory (a partner sees only the people of their plans, as the services
decide); project leads and administrators add and change organisations and add people (``forms``);
administrators change people; they import people from a CSV file (``importing``).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    render_template,
    request,
)
from flask_login import current_user

from ...errors import NotFound, PermissionDenied
from ...models import OrganisationKind, OrganisationScope
from ...refusals import Refusal
from ...services.access import can_edit_people, can_manage_directory, is_active_admin
from ...services.paging import page_number
from ...services.partners.directory import (
    NO_TERRITORY,
    DirectoryFilters,
    directory_organisations,
    directory_people,
    list_territories,
)
from ...vocabulary import ORGANISATION_KINDS, ORGANISATION_SCOPES
from ..auth import signed_in
from ..inputs import as_id


def register(blueprint: Blueprint) -> None:
    """Add the directory's pages to the UI blueprint."""
    blueprint.add_url_rule("/partners", "partners", partners)
    blueprint.add_url_rule("/partners/organisations/<id:organisation_id>", "partners_organisation", organisation_page)


def require(allowed: bool) -> None:
    """``PermissionDenied`` unless ``allowed``: the directory's managers only."""
    if not allowed:
        raise PermissionDenied(Refusal.DIRECTORY_MANAGERS_ONLY)


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A page of ``templates/gpect_workflow/partners/`` with the directory's labels and the reader's rights."""
    page = render_template(
        f"gpect_workflow/partners/{template}",
        kinds=list(ORGANISATION_KINDS),
        scopes=list(ORGANISATION_SCOPES),
        can_manage=can_manage_directory(current_user),
        can_edit_people=can_edit_people(current_user),
        can_merge=is_active_admin(current_user),
        **context,
    )
    return page, status


@signed_in
def partners() -> Any:
    """The directory: organisations by territory and the people the reader may see, filtered and searched."""
    filters, args = _filters()
    per_page = current_app.config["PAGE_SIZE"]
    return render(
        "index.html",
        args=args,
        organisations=directory_organisations(current_user, filters, page_number(request.args.get("page")), per_page),
        people=directory_people(current_user, filters, page_number(request.args.get("people_page")), per_page),
        territories=list_territories(),
    )


def _filters() -> tuple[DirectoryFilters, dict[str, str]]:
    """The filters of the query string (values that mean nothing are ignored) and the arguments kept in links."""
    search = (request.args.get("q") or "").strip()[:100]
    territory = request.args.get("territory") or ""
    territory_id = NO_TERRITORY if territory == "none" else as_id(territory)
    kind = request.args.get("kind") or ""
    chosen = OrganisationKind(kind) if kind in ORGANISATION_KINDS else None
    scope = request.args.get("scope") or ""
    acting = OrganisationScope(scope) if scope in ORGANISATION_SCOPES else None
    args = {
        "q": search,
        "territory": territory if territory_id is not None else "",
        "kind": chosen or "",
        "scope": acting or "",
    }
    filters = DirectoryFilters(search, territory_id, chosen, scope=acting)
    return filters, {key: value for key, value in args.items() if value}


@signed_in
def organisation_page(organisation_id: int) -> Any:
    """One organisation, its referent and the people of it the reader may see."""
    found = directory_organisations(current_user, DirectoryFilters(organisation_id=organisation_id), 1, 1)
    if not found.organisations:
        raise NotFound(Refusal.NO_SUCH_ORGANISATION)
    organisation = found.organisations[0]
    filters = DirectoryFilters(organisation_id=organisation_id)
    page = page_number(request.args.get("page"))
    people = directory_people(current_user, filters, page, current_app.config["PAGE_SIZE"])
    return render(
        "organisation.html",
        organisation=organisation,
        referent=found.referents.get(organisation.id),
        people_count=found.people_counts.get(organisation.id, 0),
        people=people,
    )
