"""Labels of the partners directory's stored values, and the wording of its services' messages.

English source strings marked for translation; pages translate them with ``gettext`` when they show them.
"""

from __future__ import annotations

from flask_babel import gettext

from ...models import Language, OrganisationKind, PersonRole
from ...services.partners.importing.checking import Problem
from ...services.partners.importing.vocabulary import MESSAGES
from ...vocabulary import N_

ORGANISATION_KINDS: dict[str, str] = {
    OrganisationKind.LOCAL_AUTHORITY: N_("Local authority"),
    OrganisationKind.EMPLOYMENT_HOUSE: N_("Employment house (Maison de l'Emploi)"),
    OrganisationKind.EMPLOYMENT_SERVICE: N_("Employment service (France Travail)"),
    OrganisationKind.REGION: N_("Region"),
    OrganisationKind.STATE_SERVICE: N_("State service"),
    OrganisationKind.CHAMBER: N_("Chamber (commerce, trades, agriculture)"),
    OrganisationKind.EMPLOYERS_GROUP: N_("Employers' group"),
    OrganisationKind.CLUSTER: N_("Cluster"),
    OrganisationKind.TRAINING_BODY: N_("Training body"),
    OrganisationKind.COMPANY: N_("Company"),
    OrganisationKind.YOUTH_SERVICE: N_("Youth service (Mission locale)"),
    OrganisationKind.OTHER: N_("Other"),
}
PERSON_ROLES: dict[str, str] = {
    PersonRole.PARTNER: N_("Partner"),
    PersonRole.LEAD: N_("Project lead"),
    PersonRole.COMMITTEE: N_("Committee member"),
    PersonRole.ADMIN: N_("Administrator"),
}
LANGUAGES: dict[str, str] = {Language.FR: N_("Français"), Language.EN: N_("English")}


def kind_label(kind: str | None) -> str:
    """The kind of organisation in the page's language."""
    return gettext(ORGANISATION_KINDS[kind]) if kind in ORGANISATION_KINDS else (kind or "")


def role_label(role: str | None) -> str:
    """A person's role in the page's language."""
    return gettext(PERSON_ROLES[role]) if role in PERSON_ROLES else (role or "")


def language_label(language: str | None) -> str:
    """A language, named in itself (as language switches do)."""
    return gettext(LANGUAGES[language]) if language in LANGUAGES else (language or "")


def import_message(code: str, params: dict[str, object] | None = None) -> str:
    """An import problem, action or note (a code of ``importing.vocabulary.MESSAGES``) in the page's language."""
    return gettext(MESSAGES[code], **(params or {}))


def problem_message(problem: Problem) -> str:
    """One row problem in the page's language."""
    return import_message(problem.code, dict(problem.params))
