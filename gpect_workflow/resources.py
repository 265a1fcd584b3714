"""Where the shipped templates, workflow definitions and migrations are.

In a source checkout they sit at the top of the repository; in an installed wheel they are packed
inside the package. Looking inside the package first serves both.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource(name: str) -> Path:
    packed = PACKAGE_DIR / name
    return packed if packed.is_dir() else PACKAGE_DIR.parent / name


def templates_dir() -> Path:
    """Folder holding ``gpect_workflow/...`` templates."""
    return _resource("templates")


def workflows_dir() -> Path:
    """Folder holding the shipped workflow definitions."""
    return _resource("workflows")


def migrations_dir() -> Path:
    """Folder holding the Alembic environment and revisions."""
    return _resource("migrations")


def translations_dir() -> Path:
    """Folder holding the compiled French and English message catalogues."""
    return _resource("translations")


def static_dir() -> Path:
    """Folder holding the stylesheet and other vendored assets."""
    return PACKAGE_DIR / "static"
