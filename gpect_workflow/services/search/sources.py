"""What search looks through, one source per kind of result: plans, tasks, organisations (comments in
``comments.py``). Each source says which of its rows a person may see and match, and turns a page of them
into hits; ``search`` counts and pages every source the same way.

Who sees what is not decided here: plans, and the tasks of plans, are those of ``access.visible_plans``
(the plans list's rule); organisations those of ``access.visible_organisations``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVarTuple

import sqlalchemy as sa

from ...definitions import WorkflowDefinition
from ...definitions.model import Text
from ...models import Organisation, Person, Plan, Task, Territory
from ..access import visible_organisations, visible_plans
from ..context import session
from ..definitions import all_definitions, task_definition
from .engines import matched, matches_columns
from .terms import Terms

#: The columns a query selects, kept by the functions that only order it.
Columns = TypeVarTuple("Columns")
#: The tier of a match in a title, ranked before a match in a description only.
TITLE_TIER = 1.0


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: what it is, what to call it, the text it matched in, where it lies."""

    kind: str
    id: int
    #: Its title in both languages (the same text twice for a name).
    title: Text
    #: The longer text the words were found in, when not the title (a description, a comment).
    excerpt: Text | None = None
    #: The plan it belongs to (a plan's own id for a plan), and that plan's name.
    plan_id: int | None = None
    plan_name: str | None = None
    #: The task it belongs to (a comment on a task), or the stage (a comment on a gate review).
    task_id: int | None = None
    stage_id: int | None = None
    #: A few words on where it is: a territory.
    place: str | None = None


class Source(Protocol):
    """A kind of result search looks through."""

    kind: str

    def matching(self, person: Person, terms: Terms, dialect: str) -> sa.Select[Any]:
        """The ids (``id``) and ranks (``rank``) of the rows ``person`` may see that match ``terms``."""

    def hits(self, ranked: sa.Subquery, offset: int, limit: int) -> list[Hit]:
        """The hits of ``ranked`` (``matching`` as a subquery) from ``offset``, best first, in one statement."""


def by_rank(query: sa.Select[*Columns], ranked: sa.Subquery, offset: int, limit: int) -> sa.Select[*Columns]:
    """``query`` (joined to ``ranked``) best first, the hits from ``offset``."""
    return query.order_by(ranked.c.rank.desc(), ranked.c.id).offset(offset).limit(limit)


def both_languages(text: str) -> Text:
    return Text(fr=text, en=text)


class PlanSource:
    """Plans, by name."""

    kind = "plans"

    def matching(self, person: Person, terms: Terms, dialect: str) -> sa.Select[Any]:
        """The plans of the plans list (``visible_plans``) whose name holds the words."""
        query = sa.select(Plan.id.label("id")).where(Plan.id.in_(visible_plans(person)))
        query, rank = matched(dialect, "plans", query, Plan.id, [Plan.name], terms)
        return query.add_columns(rank.label("rank"))

    def hits(self, ranked: sa.Subquery, offset: int, limit: int) -> list[Hit]:
        """Plans with their territory's name."""
        query = (
            sa.select(Plan.id, Plan.name, Territory.name)
            .join(ranked, ranked.c.id == Plan.id)
            .join(Territory, Territory.id == Plan.territory_id)
        )
        rows = session().execute(by_rank(query, ranked, offset, limit))
        return [
            Hit(self.kind, id_, both_languages(name), plan_id=id_, plan_name=name, place=place)
            for id_, name, place in rows
        ]


class OrganisationSource:
    """Organisations of the directory, by name."""

    kind = "organisations"

    def matching(self, person: Person, terms: Terms, dialect: str) -> sa.Select[Any]:
        """The organisations ``person`` may find (``visible_organisations``) whose name holds the words."""
        query = visible_organisations(sa.select(Organisation.id.label("id")), person)
        query, rank = matched(dialect, "organisations", query, Organisation.id, [Organisation.name], terms)
        return query.add_columns(rank.label("rank"))

    def hits(self, ranked: sa.Subquery, offset: int, limit: int) -> list[Hit]:
        """Organisations with the territory (or region) they act on."""
        query = (
            sa.select(Organisation.id, Organisation.name, Territory.name, Organisation.region)
            .join(ranked, ranked.c.id == Organisation.id)
            .outerjoin(Territory, Territory.id == Organisation.territory_id)
        )
        rows = session().execute(by_rank(query, ranked, offset, limit))
        return [
            Hit(self.kind, id_, both_languages(name), place=territory or region)
            for id_, name, territory, region in rows
        ]


class TaskSource:
    """Tasks, by title and description in both languages.

    A one-off task stores its words: the database indexes them. A definition task stores only its key;
    its words are the definition version's, the same for every plan that runs it, and held in memory by
    the definitions (one statement a transaction). They are matched here, with the indexes' folding, into
    the (definition, version, task key) triples that match; tasks are then found by those triples. Copying
    definition titles into every task row (2,000,000 rows for a few hundred distinct titles) would index
    the same words thousands of times and need copying again should a definition's wording be corrected.
    """

    kind = "tasks"

    def matching(self, person: Person, terms: Terms, dialect: str) -> sa.Select[Any]:
        """The tasks of the plans ``person`` sees whose title or description holds the words; a match in
        the title ranks first."""
        visible = Task.plan_id.in_(visible_plans(person))
        one_off = sa.select(Task.id.label("id")).where(visible, Task.is_one_off)
        columns = [Task.title_fr, Task.title_en, Task.description]
        one_off, rank = matched(dialect, "tasks", one_off, Task.id, columns, terms)
        in_title = matches_columns(dialect, "tasks", Task.id, [Task.title_fr, Task.title_en], terms)
        tier = sa.case((in_title, TITLE_TIER), else_=0.0)
        query: sa.Select[Any] = one_off.add_columns((tier + rank).label("rank"))
        titles, descriptions = _definition_matches(all_definitions(), terms)
        if titles or descriptions:
            triple = sa.tuple_(Plan.definition_key, Plan.definition_version, Task.task_key)
            # A definition's words have no index rank: half way, within their tier.
            rank_of_definition = sa.case((triple.in_(titles), TITLE_TIER + 0.5), else_=0.5)
            from_definitions = (
                sa.select(Task.id.label("id"), rank_of_definition.label("rank"))
                .join(Plan, Plan.id == Task.plan_id)
                .where(visible, Task.is_one_off.is_(False), triple.in_(titles + descriptions))
            )
            return sa.select(sa.union_all(query, from_definitions).subquery())
        return query

    def hits(self, ranked: sa.Subquery, offset: int, limit: int) -> list[Hit]:
        """Tasks with their titles (from the definition version their plan runs) and their plan."""
        query = sa.select(Task, Plan.name, Plan.definition_key, Plan.definition_version).join(
            ranked, ranked.c.id == Task.id
        )
        query = query.join(Plan, Plan.id == Task.plan_id)
        definitions = all_definitions()
        found = []
        for task, plan_name, key, version in session().execute(by_rank(query, ranked, offset, limit)):
            definition = definitions.get((key, version))
            try:
                described = task_definition(definition, task) if definition else None
            except KeyError:
                described = None
            title = described.title if described else both_languages(task.task_key)
            excerpt = described.description if described else None
            found.append(
                Hit(self.kind, task.id, title, excerpt, plan_id=task.plan_id, plan_name=plan_name, task_id=task.id)
            )
        return found


def _definition_matches(
    definitions: dict[tuple[str, int], WorkflowDefinition], terms: Terms
) -> tuple[list[tuple[str, int, str]], list[tuple[str, int, str]]]:
    """The (definition, version, task key) of the definition tasks whose titles hold every word, and of
    those whose words are found only with their description too."""
    titles: list[tuple[str, int, str]] = []
    descriptions: list[tuple[str, int, str]] = []
    for (key, version), definition in sorted(definitions.items()):
        for task in definition.tasks():
            title = f"{task.title.fr} {task.title.en}"
            if terms.match(title):
                titles.append((key, version, task.key))
            elif task.description and terms.match(f"{title} {task.description.fr} {task.description.en}"):
                descriptions.append((key, version, task.key))
    return titles, descriptions


def builtin_sources() -> Sequence[Source]:
    """The sources every installation has, in the order their groups are shown."""
    return (PlanSource(), TaskSource(), OrganisationSource())
