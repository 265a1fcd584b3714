"""The search page: the plans, tasks, comments and organisations the signed-in person may see, found by
words typed in the header's search box (a GET form: results can be bookmarked and need no JavaScript).

Every kind is shown with its count and its best hits; a kind's link shows that kind alone, a page at a
time. The matched words are highlighted in titles and excerpts, every other character escaped.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ..errors import ValidationError
from ..services.paging import page_number
from ..services.search import Hit, SearchResults, search, search_kinds
from ..services.search.terms import Terms, highlight
from ..vocabulary import N_
from .auth import signed_in
from .i18n import localized
from .refusals import error_fields

#: The heading of each kind's group.
KIND_HEADINGS = {
    "plans": N_("Plans"),
    "tasks": N_("Tasks"),
    "comments": N_("Comments"),
    "organisations": N_("Organisations"),
}


def register(blueprint: Blueprint) -> None:
    """Add the search page to the UI blueprint."""
    blueprint.add_url_rule("/search", view_func=search_page)


@signed_in
def search_page() -> Any:
    """Results grouped by kind, ranked, each kind paged on its own; a clear message for a text that cannot
    be searched (too long, or no word in it), never an error page."""
    text = _printable(request.args.get("q") or "")
    kind = request.args.get("kind") or None
    if kind not in search_kinds():
        kind = None
    page = page_number(request.args.get("page"))
    problems: dict[str, list[str]] = {}
    results: SearchResults | None = None
    status = 200
    if text.strip():
        try:
            results = search(current_user, text, kind, page, current_app.config["PAGE_SIZE"])
        except ValidationError as error:
            problems, status = error_fields(error), 400
    return render_template(
        "gpect_workflow/search/index.html",
        text=text,
        kind=kind,
        kinds=search_kinds(),
        headings=KIND_HEADINGS,
        results=results,
        problems=problems,
        shown=lambda hit: _shown(hit, results.terms if results else Terms(())),
    ), status


def _printable(text: str) -> str:
    """``text`` without control characters (a NUL byte, a line break): they separate words anyway."""
    return "".join(char if char.isprintable() else " " for char in text)


def _shown(hit: Hit, terms: Terms) -> dict[str, Any]:
    """What a hit shows: its link, its title and excerpt highlighted, where it lies."""
    title = localized(hit.title)
    excerpt = None
    if hit.kind == "comments" and hit.excerpt is not None:
        excerpt = localized(hit.excerpt)
    elif not terms.match(title):  # found in the other language, or in the description: show where
        texts = [hit.title.fr, hit.title.en, *((hit.excerpt.fr, hit.excerpt.en) if hit.excerpt else ())]
        found = [text for text in texts if text != title and terms.match(text)]
        excerpt = found[0] if found else localized(hit.excerpt) or None
    return {
        "href": _href(hit),
        "title": highlight(title, terms),
        "excerpt": highlight(excerpt, terms, snippet=True) if excerpt else Markup(""),
    }


def _href(hit: Hit) -> str:
    if hit.kind == "organisations":
        return url_for("gpect.partners_organisation", organisation_id=hit.id)
    if hit.task_id is not None:
        anchor = f"comment-{hit.id}" if hit.kind == "comments" else None
        return url_for("gpect.task_page", task_id=hit.task_id, _anchor=anchor)
    if hit.stage_id is not None:
        return url_for("gpect.review_page", stage_id=hit.stage_id, _anchor=f"comment-{hit.id}")
    return url_for("gpect.plan_page", plan_id=hit.plan_id)
