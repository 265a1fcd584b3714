"""A list's row links built from one ``url_for`` per list (``web/url_patterns.py``) are the addresses
``url_for`` gives for each row."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from gpect_workflow.web.url_patterns import url_pattern

IDS = [1, 42, 1_000_000, 2_147_483_647, 987_654_321]


@pytest.mark.parametrize(
    ("endpoint", "parameter", "values"),
    [
        ("gpect.task_page", "task_id", {}),
        ("gpect.plan_page", "plan_id", {}),
        ("gpect.change_my_task_status", "task_id", {"overdue_page": 3, "later_page": 2}),
        ("gpect.plan_page", "plan_id", {"_anchor": "journal"}),
    ],
)
def test_each_row_gets_the_address_url_for_gives(
    app: Flask, endpoint: str, parameter: str, values: dict[str, object]
) -> None:
    with app.test_request_context("/", base_url="https://gpect.example.org/sous-chemin/"):
        pattern = url_pattern(endpoint, parameter, **values)
        for row_id in IDS:
            assert pattern(row_id) == url_for(endpoint, **{parameter: row_id}, **values)
        assert pattern.head.startswith("/sous-chemin/"), "the application's own prefix is kept"


def test_a_value_holding_the_stand_in_takes_the_other_one(app: Flask) -> None:
    with app.test_request_context("/"):
        pattern = url_pattern("gpect.change_my_task_status", "task_id", overdue_page=987_654_321_987_654_321)
        assert pattern(7) == url_for("gpect.change_my_task_status", task_id=7, overdue_page=987_654_321_987_654_321)


def test_only_whole_numbers_go_in_and_only_where_they_appear_once(app: Flask) -> None:
    with app.test_request_context("/"):
        pattern = url_pattern("gpect.plan_page", "plan_id")
        with pytest.raises(ValueError):
            pattern("4/../../admin")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="does not appear once"):
            url_pattern("gpect.plans_index", "page", _anchor="x", territory="987654321987654321123456789123456789")
