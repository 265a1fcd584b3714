"""Mounting the API: flask-smorest with its spec and Swagger UI served from vendored assets."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, url_for
from flask_smorest import Api, Blueprint

from . import (
    comments,
    delay_requests,
    evidence,
    inbox,
    indicators,
    merging,
    outbox,
    partners,
    plans,
    search,
    system,
    tasks,
    workflows,
)

API_VERSION = "1.0"
#: The API's own configuration keys are prefixed, so that a host's flask-smorest API keeps its own.
CONFIG_PREFIX = "GPECT_"


class GpectApi(Api):  # type: ignore[misc]
    """flask-smorest's API without its app-wide error handler: ours answers JSON under the API only."""

    def _register_error_handlers(self) -> None:
        return None

    def _openapi_swagger_ui(self) -> str:
        """Swagger UI started from a script file (``static/swagger-init.js``): flask-smorest's page starts it
        with an inline script, which our Content-Security-Policy refuses."""
        return render_template(
            "gpect_workflow/api/swagger_ui.html",
            title=self.spec.title,
            spec_url=url_for(f"{self._make_doc_blueprint_name()}.openapi_json"),
            swagger_ui_url=self._swagger_ui_url,
            swagger_ui_config=self.config.get("OPENAPI_SWAGGER_UI_CONFIG", {}),
        )


def init_api(app: Flask, prefix: str) -> list[Blueprint]:
    """Create the API under ``{prefix}/api``: v1 resources, ``openapi.json`` and ``docs``; return its
    blueprints, for CSRF exemption (Flask-WTF's ``exempt`` takes a blueprint object: a name would be read
    as a view's dotted path and exempt nothing)."""
    defaults: dict[str, Any] = {
        "API_TITLE": "GPECT Workflow API",
        "API_VERSION": API_VERSION,
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": f"{prefix}/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": f"{prefix}/static/gpect/swagger-ui/",
        # Swagger UI would otherwise send the spec's address to validator.swagger.io: nothing leaves the site.
        "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None},
    }
    for key, value in defaults.items():
        app.config.setdefault(CONFIG_PREFIX + key, value)
    spec_kwargs = {"info": {"description": _DESCRIPTION}, "security": [{"bearer": []}]}
    api = GpectApi(app, config_prefix=CONFIG_PREFIX, spec_kwargs=spec_kwargs)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    modules = (
        system,
        workflows,
        partners,
        merging,
        plans,
        tasks,
        comments,
        delay_requests,
        indicators,
        evidence,
        outbox,
        search,
        inbox,
    )
    for module in modules:
        api.register_blueprint(module.blp, url_prefix=f"{prefix}/api/v1{module.URL_PREFIX}")
    return [module.blp for module in modules]


_DESCRIPTION = (
    "Territorial jobs-and-skills action plans: workflow definitions, partners, plans, stages, tasks, "
    "gate decisions, indicators. Authenticate with a personal token (`flask gpect tokens create EMAIL`) "
    "sent as `Authorization: Bearer <token>`. Errors are JSON `{code, status, message, errors}`; "
    "`errors` maps each invalid field to its messages. Datetimes carry their UTC offset."
)
