"""The web UI blueprint: the pages project leads, partners and committees use."""

from __future__ import annotations

from flask import Blueprint

from ..resources import static_dir, templates_dir
from . import (
    auth,
    calendar_feed,
    committee,
    dashboard,
    gate_review,
    i18n,
    indicators_page,
    links,
    my_tasks,
    outbox_page,
    partners_pages,
    plan_page,
    plans_list,
    preferences,
    reports,
    task_page,
    wizard,
)


def ui_blueprint() -> Blueprint:
    """A new UI blueprint; its templates come after the host's, so a host can override any of them."""
    blueprint = Blueprint(
        "gpect",
        __name__,
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
        static_url_path="/static/gpect",
    )
    links.register(blueprint)
    auth.register(blueprint)
    preferences.register(blueprint)
    i18n.register(blueprint)
    dashboard.register(blueprint)
    plans_list.register(blueprint)
    wizard.register(blueprint)  # before plan_page: /plans/new is not a plan id
    plan_page.register(blueprint)
    task_page.register(blueprint)
    reports.register(blueprint)
    indicators_page.register(blueprint)
    gate_review.register(blueprint)
    committee.register(blueprint)
    my_tasks.register(blueprint)
    partners_pages.register(blueprint)
    outbox_page.register(blueprint)
    calendar_feed.register(blueprint)
    return blueprint
