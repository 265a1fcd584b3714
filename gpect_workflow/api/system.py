"""Health of the service."""

from __future__ import annotations

from typing import Any

from ..services.doctor import database_status
from .common import ApiBlueprint
from .schemas.mail import HealthSchema

URL_PREFIX = ""
blp = ApiBlueprint("gpect_api_system", __name__, description="Service health")


@blp.route("/health")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database does not answer")
@blp.doc(security=[])
def health() -> Any:
    """Whether the service reaches its database (for load balancers; no authentication)."""
    database = database_status()
    if database != "ok":
        return {"status": "unavailable", "database": database}, 503
    return {"status": "ok", "database": "ok"}
