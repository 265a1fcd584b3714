"""Workflow definitions new plans can start from."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ..errors import NotFound
from ..refusals import Refusal
from ..services.definitions import get_definition, latest_version, latest_workflows
from .auth import api_person
from .common import ApiBlueprint, errors
from .schemas.workflows import WorkflowListSchema, WorkflowSchema

URL_PREFIX = "/workflows"
blp = ApiBlueprint("gpect_api_workflows", __name__, description="Workflow definitions", authenticate=api_person)


@blp.route("")
class Workflows(MethodView):
    @blp.response(200, WorkflowListSchema)
    @errors(blp)
    def get(self) -> Any:
        """The latest version of each registered definition."""
        api_person()
        return {"items": latest_workflows()}


@blp.route("/<string:key>/versions/<int(max=2147483647):version>")
class WorkflowVersion(MethodView):
    @blp.response(200, WorkflowSchema)
    @errors(blp, 404)
    def get(self, key: str, version: int) -> Any:
        """One definition version with its roles, stages, tasks and indicators."""
        api_person()
        if "\x00" in key:  # PostgreSQL cannot even compare a NUL: no such definition
            raise NotFound(Refusal.NO_SUCH_DEFINITION, key=key)
        return get_definition(key, version)


@blp.route("/<string:key>")
class WorkflowLatest(MethodView):
    @blp.response(200, WorkflowSchema)
    @errors(blp, 404)
    def get(self, key: str) -> Any:
        """The latest registered version of a definition."""
        api_person()
        return get_definition(key, latest_version(key))
