"""Search: the plans, tasks, comments and organisations a person may see, found by the words typed.

What is searched is a list of sources, one per kind of result (``sources.py``, ``comments.py``); each says
which of its rows the person may see and which match. Results come grouped by kind, each group with its
count, ranked (best first) and paged on its own. Whatever the data size a search costs the same statements:
the definitions (once a transaction), one for every kind's count, one for each group's page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from ...errors import ValidationError
from ...models import Person
from ...refusals import SEARCH_TOO_LONG, UNKNOWN_SEARCH_KIND, Refusal
from ..context import session
from ..paging import Page
from . import comments
from .sources import Hit, Source, builtin_sources
from .terms import MAX_QUERY_LENGTH, Terms, parse_terms

__all__ = ["Hit", "SearchResults", "search", "search_kinds"]

#: Hits of each group when every kind is shown; one kind alone shows a full page.
GROUP_PREVIEW = 5


@dataclass(frozen=True, slots=True)
class KindResults(Page[Hit]):
    """A page of one kind's hits, best first."""

    kind: str = ""


@dataclass(frozen=True, slots=True)
class SearchResults:
    """What a search found: the words searched for, each kind's count, and the pages shown."""

    text: str
    terms: Terms
    #: Hits of every kind, by kind, in the order kinds are shown (zero included).
    counts: dict[str, int] = field(default_factory=dict)
    #: The groups shown: the kind asked for, or every kind with hits.
    groups: list[KindResults] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Hits of all kinds."""
        return sum(self.counts.values())


def sources() -> Sequence[Source]:
    """The sources of this installation: the built-in ones, and comments when it has them."""
    found: list[Source] = list(builtin_sources())
    if comments.enabled():
        found.insert(2, comments.CommentSource())
    return found


def search_kinds() -> list[str]:
    """The kinds of result, in the order they are shown."""
    return [source.kind for source in sources()]


def search(person: Person, text: str, kind: str | None = None, page: int = 1, per_page: int = 25) -> SearchResults:
    """What ``person`` may see that holds every word of ``text``: a page of ``kind``, or the first hits of
    every kind. ``ValidationError`` for a text over ``MAX_QUERY_LENGTH`` characters or an unknown kind; a
    text with no word in it (punctuation only) finds nothing, without error."""
    problems: dict[str, list[str]] = {}
    if len(text) > MAX_QUERY_LENGTH:
        problems["q"] = [SEARCH_TOO_LONG]
    chosen = [source for source in sources() if kind in (None, source.kind)]
    if not chosen:
        problems["kind"] = [UNKNOWN_SEARCH_KIND]
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    terms = parse_terms(text)
    if not terms:
        return SearchResults(text, terms, {source.kind: 0 for source in sources()})
    dialect = session().get_bind().dialect.name
    matching = {source.kind: source.matching(person, terms, dialect) for source in sources()}
    counts = _counts(matching)
    limit = per_page if kind else GROUP_PREVIEW
    groups = []
    for source in chosen:
        if not counts[source.kind] and kind is None:
            continue
        number = max(page, 1) if kind else 1
        ranked = matching[source.kind].subquery(f"{source.kind}_ranked")
        hits = source.hits(ranked, (number - 1) * limit, limit) if counts[source.kind] else []
        groups.append(KindResults(hits, number, limit, counts[source.kind], kind=source.kind))
    return SearchResults(text, terms, counts, groups)


def _counts(matching: dict[str, sa.Select[object]]) -> dict[str, int]:
    """Each kind's number of hits, in one statement."""
    parts = [
        sa.select(sa.literal(kind).label("kind"), sa.func.count().label("hits")).select_from(query.subquery())
        for kind, query in matching.items()
    ]
    found = {kind: int(hits) for kind, hits in session().execute(sa.union_all(*parts))}
    return {kind: found.get(kind, 0) for kind in matching}
