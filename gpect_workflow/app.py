"""The standalone application: GPECT Workflow on its own database, served by ``wsgi.py``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect, url_for
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from werkzeug.wrappers import Response

from .extension import GpectWorkflow
from .resources import migrations_dir, templates_dir


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the standalone app: defaults, then ``GPECT_*`` environment variables, then ``test_config``."""
    app = Flask("gpect_workflow", instance_relative_config=True, template_folder=str(templates_dir()))
    app.config.from_mapping(
        URL_PREFIX="",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{os.path.join(app.instance_path, 'gpect.sqlite3')}",
    )
    app.config.from_prefixed_env("GPECT")
    if test_config is not None:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    _read_secret_key_file(app)
    db = SQLAlchemy()
    GpectWorkflow(app, db=db)
    Migrate(app, db, directory=str(migrations_dir()), render_as_batch=True)
    if app.config["URL_PREFIX"]:
        app.add_url_rule("/", "root", _to_prefix)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    return app


def _read_secret_key_file(app: Flask) -> None:
    """Take ``SECRET_KEY`` from ``SECRET_KEY_FILE`` (default ``instance/secret_key``) when not set.

    ``make install`` writes a random key there once, so a local installation has a real secret without
    one being committed or defaulted; production sets ``GPECT_SECRET_KEY`` or points at its own file.
    """
    if app.config.get("SECRET_KEY"):
        return
    path = app.config.get("SECRET_KEY_FILE") or os.path.join(app.instance_path, "secret_key")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            app.config["SECRET_KEY"] = handle.read().strip()


def _to_prefix() -> Response:
    return redirect(url_for("gpect.dashboard"))


def _favicon() -> Response:
    """Browsers that ask for /favicon.ico get the icon the pages link to (an SVG)."""
    return redirect(url_for("gpect.static", filename="favicon.svg"))
