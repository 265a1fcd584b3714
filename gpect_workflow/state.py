"""What the extension keeps per application, in ``app.extensions["gpect_workflow"]``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .clock import Clock

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy

EXTENSION_NAME = "gpect_workflow"


@dataclass
class GpectState:
    """Per-application state: the database object in use, the clock, and the extension registries."""

    #: The Flask-SQLAlchemy object whose session the services use (the host's or our own).
    db: SQLAlchemy
    #: The one clock; tests and ``tick --at`` replace it.
    clock: Clock
    #: URL prefix of the UI; the API lives under ``{url_prefix}/api/v1``.
    url_prefix: str
    #: Folders whose definitions are registered.
    workflow_dirs: list[str] = field(default_factory=list)
    #: Parsed definitions by (key, version): a registered version never changes, so each process reads it
    #: once (``services.definitions.get_definition``).
    definitions: dict[tuple[str, int], Any] = field(default_factory=dict)
    #: Wakes the embedded scheduler to render and send new announcements now (set while it runs here).
    wake_announcer: Callable[[], None] | None = None
