"""The REST API blueprint, mounted under ``{URL_PREFIX}/api/v1``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint

from ..services.context import session
from ..services.definitions import latest_definitions


def api_blueprint() -> Blueprint:
    """A new API blueprint (one per application, so that several apps can mount the plugin)."""
    blueprint = Blueprint("gpect_api", __name__)
    blueprint.add_url_rule("/health", view_func=health)
    blueprint.add_url_rule("/workflows", view_func=workflows)
    return blueprint


def health() -> tuple[dict[str, Any], int]:
    """Whether the application reaches its database: for load balancers and monitoring."""
    try:
        session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        return {"status": "unavailable", "database": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}, 200


def workflows() -> dict[str, Any]:
    """The definitions new plans can start from (latest version of each), with their titles."""
    items = [
        {"key": record.key, "version": record.version, "title": {"fr": record.title_fr, "en": record.title_en}}
        for record in latest_definitions()
    ]
    return {"items": items}
