"""Merging duplicates of the directory (administrators): choose the record to keep, see what will move, confirm.

An organisation or a person entered twice is merged into the one kept: the page first finds the candidates
(by name, the duplicate's own name to begin with), then previews what will move (plans, role mappings,
people, tasks...), and only the confirmation, a POST carrying the CSRF token, merges. The service locks and
reads both records again: one merged away meanwhile is no such page (404), not a server error.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ...errors import PermissionDenied, StaleObject
from ...refusals import Refusal
from ...services.access import is_active_admin
from ...services.partners.directory import (
    DirectoryFilters,
    directory_organisations,
    directory_people,
    get_organisation,
)
from ...services.partners.merging import (
    merge_organisations,
    merge_people,
    organisation_merge_preview,
    person_merge_preview,
)
from ...services.partners.people import get_person
from ...services.unit_of_work import after_rollback
from ..auth import signed_in
from ..refusals import refusal_text
from .directory import render

#: Candidates listed to merge into.
CANDIDATES = 20


def register(blueprint: Blueprint) -> None:
    """Add the merge pages to the UI blueprint."""
    add = blueprint.add_url_rule
    add("/partners/organisations/<id:organisation_id>/merge", "partners_merge_organisation", choose_organisation)
    add(
        "/partners/organisations/<id:organisation_id>/merge-into/<id:target_id>",
        "partners_merge_organisation_into",
        merge_organisation_into,
        methods=["GET", "POST"],
    )
    add("/partners/people/<id:person_id>/merge", "partners_merge_person", choose_person)
    add(
        "/partners/people/<id:person_id>/merge-into/<id:target_id>",
        "partners_merge_person_into",
        merge_person_into,
        methods=["GET", "POST"],
    )


def _require_admin() -> None:
    if not is_active_admin(current_user):
        raise PermissionDenied(Refusal.ADMINISTRATORS_MERGE)


def _search(default: str) -> str:
    return (request.args.get("q", default) or "").strip()[:100]


@signed_in
def choose_organisation(organisation_id: int) -> Any:
    """The organisations the duplicate could be merged into, found by name."""
    _require_admin()
    source = get_organisation(current_user, organisation_id)
    search = _search(source.name)
    found = directory_organisations(current_user, DirectoryFilters(search=search), 1, CANDIDATES + 1)
    candidates = [organisation for organisation in found.organisations if organisation.id != source.id]
    return render("merge_organisation.html", source=source, search=search, candidates=candidates[:CANDIDATES])


@signed_in
def merge_organisation_into(organisation_id: int, target_id: int) -> Any:
    """What merging the organisation into the target moves (GET), or the merge itself (POST)."""

    def preview(status: int = 200, changed: str | None = None) -> tuple[str, int]:
        found = organisation_merge_preview(current_user, organisation_id, target_id)
        return render("merge_organisation.html", status, preview=found, changed=changed)

    if request.method == "GET":
        return preview()
    try:
        merged = merge_organisations(current_user, organisation_id, target_id, request.form.get("seen", ""))
    except StaleObject as error:
        words = refusal_text(error)
        return after_rollback(lambda: preview(409, words))
    message = gettext(
        "%(source)s was merged into %(target)s: its role mappings and people now belong to %(target)s.",
        source=merged.source_name,
        target=merged.target.name,
    )
    flash(message, "success")
    if merged.dropped_referent:
        flash(
            gettext(
                "%(name)s is no longer a referent: %(target)s keeps its own.",
                name=merged.dropped_referent,
                target=merged.target.name,
            ),
            "warning",
        )
    return redirect(url_for("gpect.partners_organisation", organisation_id=merged.target.id))


@signed_in
def choose_person(person_id: int) -> Any:
    """The people the duplicate could be merged into, found by name or address."""
    _require_admin()
    source = get_person(person_id)
    search = _search(source.name)
    found = directory_people(current_user, DirectoryFilters(search=search), 1, CANDIDATES + 1)
    candidates = [person for person in found.people if person.id != source.id]
    return render("merge_person.html", source=source, search=search, candidates=candidates[:CANDIDATES])


@signed_in
def merge_person_into(person_id: int, target_id: int) -> Any:
    """What merging the person into the target moves (GET), or the merge itself (POST)."""

    def preview(status: int = 200, changed: str | None = None) -> tuple[str, int]:
        found = person_merge_preview(current_user, person_id, target_id)
        return render("merge_person.html", status, preview=found, changed=changed)

    if request.method == "GET":
        return preview()
    try:
        merged = merge_people(current_user, person_id, target_id, request.form.get("seen", ""))
    except StaleObject as error:
        words = refusal_text(error)
        return after_rollback(lambda: preview(409, words))
    message = gettext(
        "%(source)s (%(email)s) was merged into %(target)s: the plans, tasks and journals that named them now "
        "name %(target)s.",
        source=merged.source_name,
        email=merged.source_email,
        target=merged.target.name,
    )
    flash(message, "success")
    target = merged.target
    if target.organisation_id is not None:
        return redirect(url_for("gpect.partners_organisation", organisation_id=target.organisation_id))
    return redirect(url_for("gpect.partners"))
