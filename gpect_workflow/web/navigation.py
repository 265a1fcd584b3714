"""The site menu: which pages each kind of person finds in the header.

Entries name their endpoint; an entry whose page a host has not mounted is left out, so a host may
drop a page without leaving a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from flask_login import current_user

from ..models import PersonRole
from ..vocabulary import N_


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: str
    #: Roles that see the entry; empty for everyone signed in.
    roles: frozenset[PersonRole] = frozenset()


MENU = (
    MenuEntry("gpect.dashboard", N_("Dashboard")),
    MenuEntry("gpect.plans_index", N_("Plans")),
    MenuEntry("gpect.my_tasks", N_("My tasks")),
    MenuEntry("gpect.committee", N_("Committee")),
    MenuEntry("gpect.partners", N_("Partners")),
    MenuEntry("gpect.outbox", N_("Outbox"), frozenset({PersonRole.ADMIN})),
)


def menu() -> list[tuple[str, str]]:
    """``(endpoint, label)`` of the entries the signed-in person sees, in their language."""
    if not current_user.is_authenticated:
        return []
    mounted = current_app.view_functions
    return [
        (entry.endpoint, gettext(entry.label))
        for entry in MENU
        if entry.endpoint in mounted and (not entry.roles or current_user.role in entry.roles)
    ]
