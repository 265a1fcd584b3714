"""The Alembic configuration of the GPECT migrations, for use without Flask-Migrate's ``flask db``."""

from __future__ import annotations

from alembic.config import Config

from .resources import migrations_dir

#: GPECT keeps its own version table so that it never meddles with a host application's migrations.
VERSION_TABLE = "gpect_alembic_version"


def alembic_config() -> Config:
    """An Alembic config pointing at the shipped migrations (run inside an app context)."""
    config = Config(str(migrations_dir() / "alembic.ini"))
    config.set_main_option("script_location", str(migrations_dir()))
    return config
