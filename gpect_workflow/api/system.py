"""Health of the service."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_smorest import Blueprint

from ..services.context import session
from .schemas import HealthSchema

URL_PREFIX = ""
blp = Blueprint("gpect_api_system", __name__, description="Service health")


@blp.route("/health")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database does not answer")
@blp.doc(security=[])
def health() -> Any:
    """Whether the service reaches its database (for load balancers; no authentication)."""
    try:
        session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        session().rollback()
        return {"status": "unavailable", "database": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}
