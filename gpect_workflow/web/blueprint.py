"""The web UI blueprint: the pages project leads, partners and committees use."""

from __future__ import annotations

from flask import Blueprint

from ..resources import static_dir, templates_dir
from . import auth, dashboard, evidence, i18n, inbox, indicators, inputs, links, outbox, stages
from . import search as search_page
from .accounts import calendar_feed, preferences
from .comments import page as comments_page
from .committee import page as committee_page
from .committee import reports
from .partners import directory as partners_directory
from .partners import forms as partners_forms
from .partners import importing as partners_import
from .partners import merging as partners_merging
from .plans import changes as plan_changes
from .plans import listing as plans_listing
from .plans import page as plan_page
from .plans import wizard
from .tasks import delay_requests as delay_requests_page
from .tasks import mine as my_tasks
from .tasks import page as task_page


def ui_blueprint() -> Blueprint:
    """A new UI blueprint; its templates come after the host's, so a host can override any of them."""
    blueprint = Blueprint(
        "gpect",
        __name__,
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
        static_url_path="/static/gpect",
    )
    inputs.install(blueprint)  # first: the routes below use its ``id`` converter
    links.register(blueprint)
    auth.register(blueprint)
    preferences.register(blueprint)
    i18n.register(blueprint)
    dashboard.register(blueprint)
    plans_listing.register(blueprint)
    wizard.register(blueprint)  # before plan_page: /plans/new is not a plan id
    plan_page.register(blueprint)
    plan_changes.register(blueprint)
    task_page.register(blueprint)
    delay_requests_page.register(blueprint)
    reports.register(blueprint)
    indicators.register(blueprint)
    stages.register(blueprint)
    evidence.register(blueprint)
    comments_page.register(blueprint)
    committee_page.register(blueprint)
    my_tasks.register(blueprint)
    partners_directory.register(blueprint)
    partners_forms.register(blueprint)
    partners_import.register(blueprint)
    partners_merging.register(blueprint)
    outbox.register(blueprint)
    inbox.register(blueprint)
    calendar_feed.register(blueprint)
    search_page.register(blueprint)
    return blueprint
