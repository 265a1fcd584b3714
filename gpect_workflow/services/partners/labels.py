"""Labels of the partners directory's stored values: the English source, marked for the catalogue.

The pages show them translated, and the CSV import recognises them in French and English, so these
tables are the one place the words live: relabelling a kind or a role changes both at once.
"""

from __future__ import annotations

from ...models import Language, OrganisationKind, PersonRole
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
