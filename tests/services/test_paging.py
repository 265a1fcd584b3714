"""Lists a page at a time (services/paging.py): ``counted_page`` reads a page and the whole count together."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.models import Territory
from gpect_workflow.services.context import session
from gpect_workflow.services.paging import counted_page, counted_page_of_keys
from tests.query_count import count_queries

BY_CODE = sa.select(Territory).where(Territory.code.like("t-%")).order_by(Territory.code)


@pytest.fixture
def territories(app: Flask) -> list[str]:
    """Territories ``t-00`` to ``t-24``."""
    codes = [f"t-{number:02}" for number in range(25)]
    session().add_all(Territory(code=code, name=code.upper()) for code in codes)
    session().commit()
    return codes


def codes_of(items: list[Territory]) -> list[str]:
    return [territory.code for territory in items]


def test_a_page_and_the_whole_count_come_in_one_statement(territories: list[str]) -> None:
    for number, expected in ((1, territories[:10]), (2, territories[10:20]), (3, territories[20:])):
        with count_queries() as statements:
            page = counted_page(BY_CODE, number, 10)
        assert len(statements) == 1
        assert codes_of(page.items) == expected and page.page == number
        assert page.total == 25 and page.pages == 3


def test_an_empty_list_is_page_1_of_1_in_one_statement(app: Flask) -> None:
    with count_queries() as statements:
        page = counted_page(BY_CODE, 1, 10)
    assert len(statements) == 1
    assert page.items == [] and page.total == 0 and page.page == 1 and page.pages == 1


def test_a_page_past_the_end_shows_the_last_or_nothing_with_the_count(territories: list[str]) -> None:
    with count_queries() as statements:
        kept = counted_page(BY_CODE, 7, 10)
    assert len(statements) == 3, "the empty page, the count, the last page"
    assert codes_of(kept.items) == territories[20:] and kept.page == 3 and kept.total == 25

    past = counted_page(BY_CODE, 7, 10, keep_within=False)
    assert past.items == [] and past.page == 7 and past.total == 25

    session().execute(sa.delete(Territory).where(Territory.code.like("t-%")))
    emptied = counted_page(BY_CODE, 4, 10)
    assert emptied.items == [] and emptied.page == 1 and emptied.total == 0


def test_a_page_of_several_columns_keeps_them(territories: list[str]) -> None:
    query = sa.select(Territory.code, Territory.name).where(Territory.code.like("t-%")).order_by(Territory.code)
    page = counted_page(query, 3, 10)
    assert page.items == [(code, code.upper()) for code in territories[20:]] and page.total == 25


def test_a_page_of_keys_reads_only_its_rows_with_what_they_load(territories: list[str]) -> None:
    """The keys are chosen and counted on one column, then only the page's rows are read as ``loaded`` gives
    them: one statement, the same rows and order as ``counted_page``; past the end, the last page."""
    chosen = sa.select(Territory.id).where(Territory.code.like("t-%")).order_by(Territory.code.desc())
    loaded = sa.select(Territory).order_by(Territory.code.desc())
    newest_first = list(reversed(territories))
    with count_queries() as statements:
        page = counted_page_of_keys(chosen, loaded, Territory.id, 2, 10)
    assert len(statements) == 1
    assert codes_of(page.items) == newest_first[10:20] and page.total == 25 and page.pages == 3
    assert "LIMIT" in statements[0] and statements[0].count("gpect_territories.name") == 1
    kept = counted_page_of_keys(chosen, loaded, Territory.id, 9, 10)
    assert codes_of(kept.items) == newest_first[20:] and kept.page == 3
    session().execute(sa.delete(Territory).where(Territory.code.like("t-%")))
    emptied = counted_page_of_keys(chosen, loaded, Territory.id, 2, 10)
    assert emptied.items == [] and emptied.page == 1 and emptied.total == 0
