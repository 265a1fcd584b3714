"""Lists a page at a time: one shape of a page, one reading of the page number asked for, one page count.

Every paged list of the pages and the API is a ``Page``: its items, the page they are, rows per page,
the total and the number of pages (at least one, so an empty list is "page 1 of 1"). A list that carries
more (the progress of each plan, the count of each outbox status) is a ``Page`` with those fields added.

A page number typed in an address is read by ``page_number``: anything that is not a page is the first
one. The API refuses such a number instead (its query schema), within the same ``MAX_PAGE``. Asked for a
page past the last, a list either keeps within itself and shows the last page (the web's lists), or
answers that page, empty (the API): ``paginate(..., keep_within=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from .context import session

T = TypeVar("T")

#: The highest page number a list answers: the API refuses a higher one, the pages read it as this one.
MAX_PAGE = 100_000
#: The most rows a page may hold when the reader chooses (the API's ``per_page``).
MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list."""

    items: list[T]
    #: The page shown, from 1.
    page: int
    per_page: int
    #: Rows of the whole list.
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (one at least)."""
        return page_count(self.total, self.per_page)


def page_count(total: int, per_page: int) -> int:
    """The number of pages ``total`` rows fill, ``per_page`` a page; an empty list has one page."""
    return max(1, -(-total // per_page))


def page_number(value: object) -> int:
    """The page a query string asks for (``?page=3``): a whole number from 1 to ``MAX_PAGE``; the first page
    for anything else (missing, not a number, 0 or less), the last one answered for a larger number."""
    try:
        number = int(str(value))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def within(page: int, total: int, per_page: int) -> int:
    """``page`` brought within the list: the last page for a page past it, the first for less than 1."""
    return min(max(page, 1), page_count(total, per_page))


def count_rows(query: sa.Select[Any]) -> int:
    """How many rows ``query`` gives (one statement)."""
    return int(session().scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0)


def window(query: sa.Select[Any], page: int, per_page: int) -> sa.Select[Any]:
    """``query`` limited to the rows of page ``page``."""
    return query.limit(per_page).offset((max(page, 1) - 1) * per_page)


def counted_page(ordered: sa.Select[Any], page: int, per_page: int, *, keep_within: bool = True) -> Page[Any]:
    """Page ``page`` of ``ordered`` (sorted; its rows' first column is the item) and the whole list's count,
    in one statement: the count is a window over the rows before the page's limit (``count() over ()``).

    For lists whose rows the database reads whole anyway to count them (a plan's journal, a handful of
    requests), where the count would otherwise be a statement of its own. ``ordered`` must give one row per
    item (no eager loading that joins a collection). A page with no row is either an empty list or a page
    past the end: for a page after the first the list is then counted (a second statement), and with
    ``keep_within`` its last page read (a third): only an address typed or kept past the end costs them.
    """
    return _counted(lambda number: _counted_window(ordered, number, per_page), ordered, page, per_page, keep_within)


def counted_page_of_keys(
    chosen: sa.Select[Any],
    loaded: sa.Select[Any],
    key: sa.ColumnElement[Any] | InstrumentedAttribute[Any],
    page: int,
    per_page: int,
    *,
    keep_within: bool = True,
) -> Page[Any]:
    """``counted_page`` for a list whose rows load more than they are chosen by (a plan with its territory
    and lead): the page's keys are chosen and counted over the list's rows narrowed to ``chosen``'s one column
    (its key, sorted), and only those keys' rows are read as ``loaded`` gives them (the same sort, with its
    eager loads), in the same statement. The rows of a long list are then not joined to what they load
    before most of them are left out. A page past the end shows the last one (with ``keep_within``; without,
    that page, empty, with the whole count)."""
    return _counted(
        lambda number: _counted_keys(chosen, loaded, key, number, per_page), chosen, page, per_page, keep_within
    )


def _counted(
    read: Callable[[int], tuple[list[Any], int | None]],
    listed: sa.Select[Any],
    page: int,
    per_page: int,
    keep_within: bool,
) -> Page[Any]:
    """Page ``page`` as ``read`` gives it with the whole count; a page with no row to carry the count is an
    empty list (page 1) or a page past the end: ``listed`` is then counted, and with ``keep_within`` its
    last page read."""
    page = max(page, 1)
    items, total = read(page)
    if total is None:
        total = count_rows(listed) if page > 1 else 0
        if keep_within:
            page = within(page, total, per_page)
            if total:
                items, _ = read(page)
    return Page(items, page, per_page, total)


def _counted_keys(
    chosen: sa.Select[Any],
    loaded: sa.Select[Any],
    key: sa.ColumnElement[Any] | InstrumentedAttribute[Any],
    page: int,
    per_page: int,
) -> tuple[list[Any], int | None]:
    keys = window(chosen.add_columns(sa.func.count().over().label("gpect_list_total")), page, per_page).subquery()
    first, total = list(keys.c)
    rows = session().execute(loaded.add_columns(total).join(keys, first == key)).unique().all()
    return [row[0] for row in rows], (int(rows[0][-1]) if rows else None)


def _counted_window(ordered: sa.Select[Any], page: int, per_page: int) -> tuple[list[Any], int | None]:
    """The items of page ``page`` and the whole count (``None`` when the page has no row to carry it)."""
    counted = ordered.add_columns(sa.func.count().over().label("gpect_list_total"))
    rows = session().execute(window(counted, page, per_page)).all()
    items = [row[0] if len(row) == 2 else tuple(row[:-1]) for row in rows]
    return items, (int(rows[0][-1]) if rows else None)


def paginate(
    query: sa.Select[T], ordered: sa.Select[T], page: int, per_page: int, *, keep_within: bool = False
) -> Page[T]:
    """Page ``page`` of ``ordered`` (the rows of ``query``, sorted and with what they load), in two statements.

    ``query`` is counted (without the sorting and loading ``ordered`` adds); ``keep_within`` shows the last
    page for a page past it, rather than that page, empty.
    """
    total = count_rows(query)
    page = within(page, total, per_page) if keep_within else max(page, 1)
    items = list(session().scalars(window(ordered, page, per_page)).unique())
    return Page(items, page, per_page, total)
