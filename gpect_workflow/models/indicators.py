"""Indicators declared by a plan's definition and the measurements recorded against them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..definitions.model import IndicatorDirection
from .base import Base, enum_column


class Indicator(Base):
    """A plan's indicator: unit, target and which direction is better."""

    __tablename__ = "gpect_indicators"
    __table_args__ = (sa.UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Plan measured.
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_plans.id", ondelete="CASCADE"))
    #: Indicator key from the definition.
    key: Mapped[str] = mapped_column(sa.String(64))
    #: French name.
    title_fr: Mapped[str] = mapped_column(sa.String(300))
    #: English name.
    title_en: Mapped[str] = mapped_column(sa.String(300))
    #: Unit of measure (``count``, ``percent``...).
    unit: Mapped[str] = mapped_column(sa.String(16))
    #: Target value, if any.
    target: Mapped[float | None]
    #: Whether higher or lower is better.
    direction: Mapped[IndicatorDirection] = mapped_column(enum_column(IndicatorDirection, "indicator_direction"))

    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="indicator", order_by="Measurement.measured_on"
    )


class Measurement(Base):
    """A value of an indicator on a date, with where it comes from."""

    __tablename__ = "gpect_measurements"
    __table_args__ = (sa.Index("ix_gpect_measurements_indicator_measured", "indicator_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Indicator measured.
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("gpect_indicators.id", ondelete="CASCADE"))
    #: Value measured.
    value: Mapped[float]
    #: Day the value refers to.
    measured_on: Mapped[date]
    #: Source, e.g. « Bilan France Travail ».
    source: Mapped[str | None] = mapped_column(sa.String(300))
    #: Who recorded it.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_people.id"))
    #: When it was recorded (UTC).
    recorded_dt: Mapped[datetime]

    indicator: Mapped[Indicator] = relationship(back_populates="measurements")
