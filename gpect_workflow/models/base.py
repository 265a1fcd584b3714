"""The declarative base of every GPECT table, independent of any Flask-SQLAlchemy instance.

The models are declared once on this base so that the plugin can run on the standalone app's
database object or on a host application's own (``GpectWorkflow(app, db=host_db)``): Flask-SQLAlchemy
sessions bind any mapped class to the default engine. Table names carry a ``gpect_`` prefix so they
never collide with a host's tables, and every constraint is named for reviewable migrations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

TABLE_PREFIX = "gpect_"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An instant stored in UTC and always read back as an aware UTC datetime.

    PostgreSQL keeps the offset but SQLite does not, and returns naive values; normalising here, in
    one place, keeps comparisons, API output and calendar files right on both. Naive values are
    refused on the way in: every instant in this code base is explicit about its zone.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give it a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum: type[StrEnum], name: str, *, checked: bool = True, **kwargs: Any) -> sa.Enum:
    """A portable string enum with a named CHECK constraint (no native PostgreSQL type to migrate);
    ``checked=False`` leaves the CHECK out, for a copy of a checked column that only the database writes."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=checked,
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        **kwargs,
    )


class Base(DeclarativeBase):
    """Base class of the GPECT models; its metadata holds only GPECT tables."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}
