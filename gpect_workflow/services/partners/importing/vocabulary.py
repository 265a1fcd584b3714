"""The words of the partner import: its columns and the names they go by, the names of kinds, roles and
languages it recognises, and the English wording of every problem, action and note code."""

from __future__ import annotations

import unicodedata

from ....models import Language, OrganisationKind, PersonRole
from ....vocabulary import N_

#: The columns, in the order of the example file.
COLUMNS = ("organisation", "kind", "territory", "name", "email", "role", "language")
#: Columns the first line must name.
REQUIRED_COLUMNS = ("organisation", "name", "email")
#: Longest organisation or person name (the database's limit).
MAX_NAME = 200

#: Other names a column may go by in the first line (compared without case, accents or punctuation).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "organisation": ("organization", "organisme", "structure", "nom de la structure", "organisation name"),
    "kind": ("type", "nature", "type de structure", "type d organisation", "organisation kind", "categorie"),
    "territory": ("territoire", "code territoire", "territory code"),
    "name": ("nom", "nom complet", "full name", "prenom nom", "nom prenom"),
    "email": ("e mail", "mail", "courriel", "adresse email", "adresse e mail", "adresse electronique", "email address"),
    "role": ("role dans l application", "profil", "application role"),
    "language": ("langue", "lang"),
}

#: The names each kind of organisation is recognised by, besides its code (French and English).
KIND_NAMES: dict[OrganisationKind, tuple[str, ...]] = {
    OrganisationKind.LOCAL_AUTHORITY: ("collectivité territoriale", "collectivité", "local authority"),
    OrganisationKind.EMPLOYMENT_HOUSE: (
        "maison de l'emploi",
        "mde",
        "employment house",
        "employment house (Maison de l'Emploi)",
    ),
    OrganisationKind.EMPLOYMENT_SERVICE: (
        "service public de l'emploi",
        "service public de l'emploi (France Travail)",
        "France Travail",
        "Pôle emploi",
        "employment service",
        "employment service (France Travail)",
    ),
    OrganisationKind.REGION: ("région", "conseil régional", "region"),
    OrganisationKind.STATE_SERVICE: ("service de l'État", "services de l'État", "state service", "DREETS", "DDETS"),
    OrganisationKind.CHAMBER: (
        "chambre consulaire",
        "chambre consulaire (commerce, métiers, agriculture)",
        "chambre",
        "CCI",
        "CMA",
        "chamber",
        "chamber of commerce",
        "chamber (commerce, trades, agriculture)",
    ),
    OrganisationKind.EMPLOYERS_GROUP: ("groupement d'employeurs", "employers' group", "employers group"),
    OrganisationKind.CLUSTER: ("pôle de compétitivité", "pôle de compétitivité ou cluster", "cluster", "grappe"),
    OrganisationKind.TRAINING_BODY: ("organisme de formation", "training body", "GRETA", "AFPA", "CFA"),
    OrganisationKind.COMPANY: ("entreprise", "société", "company"),
    OrganisationKind.YOUTH_SERVICE: ("mission locale", "youth service", "youth service (Mission locale)"),
    OrganisationKind.OTHER: ("autre", "other"),
}
ROLE_NAMES: dict[PersonRole, tuple[str, ...]] = {
    PersonRole.PARTNER: ("partenaire", "partner", "contact"),
    PersonRole.LEAD: ("chef de projet", "cheffe de projet", "project lead", "lead"),
    PersonRole.COMMITTEE: (
        "comité",
        "comité de pilotage",
        "membre du comité",
        "membre du comité de pilotage",
        "copil",
        "committee member",
    ),
    PersonRole.ADMIN: ("administrateur", "administratrice", "administrator", "admin"),
}
LANGUAGE_NAMES: dict[Language, tuple[str, ...]] = {
    Language.FR: ("français", "francais", "french", "fr-FR"),
    Language.EN: ("anglais", "english", "en-GB", "en-US"),
}

#: English wording of every problem, action and note code (``%(name)s`` are the code's parameters).
MESSAGES: dict[str, str] = {
    # The file as a whole
    "empty_file": N_("The file is empty."),
    "too_large": N_("The file is larger than %(limit)s MB: split it into several files."),
    "bad_encoding": N_(
        "The characters of the file could not be read. Save it as “CSV UTF-8” (or CSV from Excel in "
        "Windows-1252) and try again."
    ),
    "unreadable": N_("The file could not be read as CSV near line %(line)s."),
    "missing_columns": N_("Columns missing from the first line: %(columns)s."),
    "duplicate_column": N_("The column “%(column)s” appears twice in the first line."),
    "no_rows": N_("The file has a first line of column names but no rows."),
    "too_many_rows": N_("The file has more than %(limit)s rows: split it into several files."),
    # One row
    "missing": N_("A value is required."),
    "too_long": N_("At most %(limit)s characters."),
    "bad_email": N_("“%(value)s” is not an email address."),
    "duplicate_email": N_("This address is already on line %(line)s of the file."),
    "unknown_kind": N_("Unknown kind “%(value)s”: use one of the kinds listed on this page."),
    "kind_needed": N_("The organisation is not in the directory yet: give its kind so that it can be created."),
    "kind_conflict": N_("The same organisation has another kind on line %(line)s."),
    "unknown_territory": N_(
        "Unknown territory “%(value)s”: use the code or the name of a territory listed on this page."
    ),
    "ambiguous_territory": N_("Several territories are called “%(value)s”: use the territory's code."),
    "unknown_role": N_("Unknown role “%(value)s”: use partner, lead, committee or admin."),
    "admin_refused": N_("Only administrators may create administrators."),
    "unknown_language": N_("Unknown language “%(value)s”: use fr or en."),
    "extra_values": N_("This line has more values than the first line has columns."),
    # What will happen
    "organisation_create": N_("New organisation, created"),
    "organisation_existing": N_("Organisation already in the directory"),
    "organisation_in_file": N_("Organisation created on line %(line)s"),
    "person_create": N_("New person, created"),
    "person_update": N_("Already in the directory: updated (%(fields)s)"),
    "person_unchanged": N_("Already in the directory, unchanged"),
    "person_skip": N_("Already in the directory: left unchanged"),
    "kind_differs": N_("The directory's kind of this organisation is kept."),
    "role_kept": N_("The person's role in the directory is kept."),
}


def fold(text: str) -> str:
    """``text`` for comparisons: no case, no accents, punctuation and blanks as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char))
    return " ".join(letters.split())


def name_key(name: str) -> str:
    """An organisation's name as matched: without case, blanks collapsed (accents and punctuation count)."""
    return " ".join(name.casefold().split())
