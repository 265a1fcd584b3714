"""Territories, partner organisations and the people who act for them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column
from .enums import Language, OrganisationKind, OrganisationScope, PersonRole, ReminderMode


class Territory(Base):
    """A territory where plans run: an agglomeration, a employment area, a department."""

    __tablename__ = "gpect_territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code, e.g. ``chartres-metropole``.
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Display name, e.g. « Agglomération chartraine ».
    name: Mapped[str] = mapped_column(sa.String(200))
    #: French department number (``28``), when the territory lies in one.
    department: Mapped[str | None] = mapped_column(sa.String(3))
    #: Region name, e.g. « Centre-Val de Loire ».
    region: Mapped[str | None] = mapped_column(sa.String(100))


class Organisation(Base):
    """A partner organisation: employment service, region, chamber, training body, company...

    Its scope says where it may play a plan's roles: on its one territory, on every territory of its
    region, or everywhere. A name is unique within its scope (one index per scope: a territory's, a
    region's, the country's), and the scope's columns agree with it (a check constraint).
    """

    __tablename__ = "gpect_organisations"
    __table_args__ = (
        sa.CheckConstraint(
            "(scope = 'territory' AND territory_id IS NOT NULL AND region IS NULL)"
            " OR (scope = 'region' AND territory_id IS NULL AND region IS NOT NULL)"
            " OR (scope = 'national' AND territory_id IS NULL AND region IS NULL)",
            name="scope_columns",
        ),
        sa.Index(
            "uq_gpect_organisations_territory_name",
            "territory_id",
            "name",
            unique=True,
            sqlite_where=sa.text("scope = 'territory'"),
            postgresql_where=sa.text("scope = 'territory'"),
        ),
        sa.Index(
            "uq_gpect_organisations_region_name",
            "region",
            "name",
            unique=True,
            sqlite_where=sa.text("scope = 'region'"),
            postgresql_where=sa.text("scope = 'region'"),
        ),
        sa.Index(
            "uq_gpect_organisations_national_name",
            "name",
            unique=True,
            sqlite_where=sa.text("scope = 'national'"),
            postgresql_where=sa.text("scope = 'national'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Official name.
    name: Mapped[str] = mapped_column(sa.String(200))
    #: What kind of partner it is.
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "organisation_kind"))
    #: How far it reaches: its territory, a whole region, or the whole country.
    scope: Mapped[OrganisationScope] = mapped_column(
        enum_column(OrganisationScope, "organisation_scope"), default=OrganisationScope.TERRITORY
    )
    #: The territory it serves (scope ``territory`` only).
    territory_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_territories.id"), index=True)
    #: The region it serves, as territories name it (``Territory.region``; scope ``region`` only).
    region: Mapped[str | None] = mapped_column(sa.String(100))
    #: Generic contact address.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    #: When the record was created (UTC).
    created_dt: Mapped[datetime]

    territory: Mapped[Territory | None] = relationship()
    people: Mapped[list[Person]] = relationship(back_populates="organisation", order_by="Person.name")


class Person(Base):
    """Someone who uses the product: an account, a role, a language, a time zone, reminder wishes."""

    __tablename__ = "gpect_people"
    __table_args__ = (
        sa.Index(
            "uq_gpect_people_organisation_referent",
            "organisation_id",
            unique=True,
            sqlite_where=sa.text("is_referent"),
            postgresql_where=sa.text("is_referent"),
        ),
        # A merged person is deleted: their id must never name someone created later (SQLite would reuse
        # the highest id left; PostgreSQL sequences never go back).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login and address for reminders, stored lower-case.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: Full name as shown to partners.
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Organisation the person acts for.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gpect_organisations.id"), index=True)
    #: Application-wide role (plan roles come from role assignments).
    role: Mapped[PersonRole] = mapped_column(enum_column(PersonRole, "person_role"))
    #: Language of the UI and of emails.
    language: Mapped[Language] = mapped_column(enum_column(Language, "language"), default=Language.FR)
    #: IANA time zone for reminder hours and dates shown.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Paris")
    #: Immediate reminders, a daily or weekly digest, or none.
    reminder_mode: Mapped[ReminderMode] = mapped_column(
        enum_column(ReminderMode, "reminder_mode"), default=ReminderMode.IMMEDIATE
    )
    #: The organisation's referent, told of escalations (at most one per organisation).
    is_referent: Mapped[bool] = mapped_column(default=False)
    #: Password hash; partners without one log in by emailed link.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: A deactivated account can no longer log in nor receive reminders.
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Generation of the person's sessions: a session cookie carries the one it was opened under, and is
    #: honoured only while it is still current. Signing out, changing the password or being deactivated
    #: moves it on, which ends every session of the person at once (cookies are otherwise self-contained).
    session_generation: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    #: When the record was created (UTC).
    created_dt: Mapped[datetime]
    #: Random secret the private calendar address is derived from (with the application's secret key,
    #: so the address itself is stored nowhere); ``None`` when the person has no calendar feed.
    calendar_feed_secret: Mapped[str | None] = mapped_column(sa.String(64))
    #: When the current calendar address was created or renewed (UTC).
    calendar_feed_created_dt: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship(back_populates="people")

    # What Flask-Login asks of a signed-in user (``is_active`` is the column above).
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the id and the current session generation, so a
        cookie opened before the generation moved on no longer names anyone."""
        return f"{self.id}:{self.session_generation}"
