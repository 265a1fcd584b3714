"""The home page: what needs the signed-in person now.

The stage gates awaiting their decision first (a plan waits for them), the delay requests awaiting their
answer (the plans they lead), then their overdue tasks and
those due within two weeks, their plans with the current stage and progress, and the other stage gates
waiting for a committee decision.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from ..services.dashboard import dashboard as load_dashboard
from ..services.tasks.delay_requests import pending_for_manager
from ..services.tasks.mine import HORIZON_DAYS
from . import lists
from .auth import signed_in
from .labels import translated


def register(blueprint: Blueprint) -> None:
    """Make the dashboard the UI's home page."""
    blueprint.add_url_rule("/", view_func=dashboard)


@signed_in
def dashboard() -> Any:
    """The signed-in person's dashboard."""
    board = load_dashboard(current_user, limit=current_app.config["PAGE_SIZE"])
    return render_template(
        "gpect_workflow/dashboard.html",
        board=board,
        titles=lists.Titles(board.definitions),
        horizon=HORIZON_DAYS,
        delays=pending_for_manager(current_user, limit=current_app.config["PAGE_SIZE"]),
        delays_show_plan=True,
        status_labels=translated("task_status"),
    )
