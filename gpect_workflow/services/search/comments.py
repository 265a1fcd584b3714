"""Comments as a source of search: their text, on the tasks and gate reviews of the plans a person sees.

Comments live in ``gpect_comments`` (id, plan_id, task_id, stage_id, author_id, body, created_dt,
edited_dt, deleted_dt). The source is read through a light table description, not the model, so search
does not depend on the module that defines comments: it is switched on when the models declare the table
(``enabled``, no statement), and migration 0017 creates its index (PostgreSQL) or FTS5 table and
triggers (SQLite) when the table exists. A deleted comment (``deleted_dt`` set) is never found: it is
left out of the index and out of the query.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ...models import Base, Person, Plan
from ..access import visible_plans
from ..context import session
from .engines import matched
from .sources import Hit, both_languages, by_rank
from .terms import Terms

TABLE = "gpect_comments"

comments = sa.table(
    TABLE,
    sa.column("id", sa.Integer()),
    sa.column("plan_id", sa.Integer()),
    sa.column("task_id", sa.Integer()),
    sa.column("stage_id", sa.Integer()),
    sa.column("body", sa.Text()),
    sa.column("deleted_dt", sa.DateTime()),
)


def enabled() -> bool:
    """Whether the installation has comments (its models declare their table)."""
    return TABLE in Base.metadata.tables


class CommentSource:
    """Comments not deleted, by their text."""

    kind = "comments"

    def matching(self, person: Person, terms: Terms, dialect: str) -> sa.Select[Any]:
        """The comments of the plans ``person`` sees (``visible_plans``) whose text holds the words."""
        query = sa.select(comments.c.id.label("id")).where(
            comments.c.plan_id.in_(visible_plans(person)), comments.c.deleted_dt.is_(None)
        )
        query, rank = matched(dialect, "comments", query, comments.c.id, [comments.c.body], terms)
        return query.add_columns(rank.label("rank"))

    def hits(self, ranked: sa.Subquery, offset: int, limit: int) -> list[Hit]:
        """Comments with their text as excerpt and the plan they were written in."""
        query = (
            sa.select(
                comments.c.id, comments.c.body, comments.c.plan_id, comments.c.task_id, comments.c.stage_id, Plan.name
            )
            .join(ranked, ranked.c.id == comments.c.id)
            .join(Plan, Plan.id == comments.c.plan_id)
        )
        found = []
        for id_, body, plan_id, task_id, stage_id, plan_name in session().execute(
            by_rank(query, ranked, offset, limit)
        ):
            text, name = str(body), str(plan_name)
            found.append(
                Hit(
                    self.kind,
                    int(id_),  # type: ignore[call-overload]  # a light table's columns are typed ``object``
                    both_languages(name),
                    both_languages(text),
                    plan_id=int(plan_id),  # type: ignore[call-overload]
                    plan_name=name,
                    task_id=task_id,  # type: ignore[arg-type]
                    stage_id=stage_id,  # type: ignore[arg-type]
                )
            )
        return found
