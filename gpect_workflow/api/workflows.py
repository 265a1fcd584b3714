"""Workflow definitions new plans can start from."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from ..definitions import WorkflowDefinition
from ..errors import NotFound
from ..services.definitions import get_definition, latest_definitions, list_definition_records
from .auth import api_person
from .common import errors
from .schemas import WorkflowListSchema, WorkflowSchema

URL_PREFIX = "/workflows"
blp = Blueprint("gpect_api_workflows", __name__, description="Workflow definitions")


@blp.route("")
class Workflows(MethodView):
    @blp.response(200, WorkflowListSchema)
    @errors(blp)
    def get(self) -> Any:
        """The latest version of each registered definition."""
        api_person()
        return {"items": [_summary(record) for record in latest_definitions()]}


@blp.route("/<string:key>/versions/<int(max=2147483647):version>")
class WorkflowVersion(MethodView):
    @blp.response(200, WorkflowSchema)
    @errors(blp, 404)
    def get(self, key: str, version: int) -> Any:
        """One definition version with its roles, stages, tasks and indicators."""
        api_person()
        if "\x00" in key:  # PostgreSQL cannot even compare a NUL: no such definition
            raise NotFound(f"no definition {key!r}")
        return _detail(get_definition(key, version))


@blp.route("/<string:key>")
class WorkflowLatest(MethodView):
    @blp.response(200, WorkflowSchema)
    @errors(blp, 404)
    def get(self, key: str) -> Any:
        """The latest registered version of a definition."""
        api_person()
        versions = [record.version for record in list_definition_records() if record.key == key]
        if not versions:
            raise NotFound(f"no definition {key}")
        return _detail(get_definition(key, max(versions)))


def _summary(record: Any) -> dict[str, Any]:
    return {"key": record.key, "version": record.version, "title": {"fr": record.title_fr, "en": record.title_en}}


def _text(text: Any) -> dict[str, str]:
    return {"fr": text.fr, "en": text.en}


def _detail(definition: WorkflowDefinition) -> dict[str, Any]:
    return {
        "key": definition.key,
        "version": definition.version,
        "title": _text(definition.title),
        "roles": [{"key": r.key, "title": _text(r.title), "committee": r.is_committee} for r in definition.roles],
        "stages": [
            {
                "key": s.key,
                "lever": s.lever.value,
                "title": _text(s.title),
                "duration_days": s.duration_days,
                "gate": s.gate.value,
                "tasks": [
                    {
                        "key": t.key,
                        "title": _text(t.title),
                        "owner": t.owner,
                        "depends_on": list(t.depends_on),
                        "required": t.required,
                        "weight": t.weight,
                        "due_days": t.due.days,
                        "due_working_days": t.due.working_days,
                        "due_date": t.due.on,
                        "due_from": t.due.counted_from.value,
                    }
                    for t in s.tasks
                ],
            }
            for s in definition.stages
        ],
        "indicators": [
            {"key": i.key, "title": _text(i.title), "unit": i.unit, "target": i.target, "direction": i.direction.value}
            for i in definition.indicators
        ],
    }
