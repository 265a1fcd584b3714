"""The words of the partner import: its columns and the names they go by, the names of kinds, roles and
languages it recognises, and the English wording of every problem, action and note code.

A column or a value is recognised by its code, by the label the pages show in French or in English
(``gpect_workflow.vocabulary`` and the catalogue), and by a few other names listed here.
"""

from __future__ import annotations

from collections.abc import Mapping

from ....models import Language, OrganisationKind, OrganisationScope, PersonRole
from ....vocabulary import LANGUAGES, N_, ORGANISATION_KINDS, ORGANISATION_SCOPES, PERSON_ROLES, QUOTED
from ...catalogue import Translate, english, label_words
from ..names import normalised_name

#: The columns, in the order of the example file.
COLUMNS = ("organisation", "kind", "scope", "territory", "region", "name", "email", "role", "language")
#: Columns the first line must name.
REQUIRED_COLUMNS = ("organisation", "name", "email")
#: Longest organisation or person name (the database's limit).
MAX_NAME = 200

#: The columns' names as the example file and the import page show them (translated for the reader).
COLUMN_LABELS: dict[str, str] = {
    "organisation": N_("organisation"),
    "kind": N_("kind"),
    "scope": N_("scope"),
    "territory": N_("territory"),
    "region": N_("region"),
    "name": N_("name"),
    "email": N_("email"),
    "role": N_("role"),
    "language": N_("language"),
}
#: Other names a column may go by in the first line, besides its code and its French and English labels
#: (compared without case, accents or punctuation).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "organisation": ("organization", "structure", "nom de la structure", "organisation name"),
    "kind": ("nature", "type de structure", "type d organisation", "organisation kind", "categorie"),
    "scope": ("portee", "perimetre", "where it acts"),
    "territory": ("code territoire", "territory code"),
    "region": ("region servie", "region served"),
    "name": ("nom complet", "full name", "prenom nom", "nom prenom"),
    "email": ("e mail", "mail", "adresse email", "adresse e mail", "adresse electronique", "email address"),
    "role": ("role dans l application", "profil", "application role"),
    "language": ("lang",),
}

#: Names each kind of organisation is also recognised by, besides its code and its French and English
#: labels (``gpect_workflow.vocabulary``): abbreviations and the names of the bodies people know.
KIND_NAMES: dict[str, tuple[str, ...]] = {
    OrganisationKind.LOCAL_AUTHORITY: ("collectivité",),
    OrganisationKind.EMPLOYMENT_HOUSE: ("mde",),
    OrganisationKind.EMPLOYMENT_SERVICE: ("service public de l'emploi", "France Travail", "Pôle emploi"),
    OrganisationKind.REGION: ("conseil régional",),
    OrganisationKind.STATE_SERVICE: ("services de l'État", "DREETS", "DDETS"),
    OrganisationKind.CHAMBER: ("chambre", "CCI", "CMA", "chamber of commerce"),
    OrganisationKind.EMPLOYERS_GROUP: ("employers group",),
    OrganisationKind.CLUSTER: ("pôle de compétitivité", "grappe"),
    OrganisationKind.TRAINING_BODY: ("organisme de formation", "GRETA", "AFPA", "CFA"),
    OrganisationKind.COMPANY: ("entreprise", "société"),
    OrganisationKind.YOUTH_SERVICE: ("youth service",),
    OrganisationKind.OTHER: ("autre",),
}
#: Other names of the scopes, besides their codes and labels.
SCOPE_NAMES: dict[str, tuple[str, ...]] = {
    OrganisationScope.TERRITORY: ("territorial", "local"),
    OrganisationScope.REGION: ("région", "régional", "regional", "region"),
    OrganisationScope.NATIONAL: ("nationale", "France"),
}
#: Other names of the roles, besides their codes and labels.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    PersonRole.PARTNER: ("contact",),
    PersonRole.LEAD: ("cheffe de projet",),
    PersonRole.COMMITTEE: ("comité", "comité de pilotage", "membre du comité", "copil"),
    PersonRole.ADMIN: ("administratrice",),
}
#: Other names of the languages, besides their codes and their names in themselves.
LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    Language.FR: ("francais", "french", "fr-FR"),
    Language.EN: ("anglais", "en-GB", "en-US"),
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
    "missing_columns": N_("Missing from the first line: %(columns)s."),
    "duplicate_column": N_("The column “%(column)s” appears twice in the first line."),
    "no_rows": N_("The file has a first line of column names but no rows."),
    "too_many_rows": N_("The file has more than %(limit)s rows: split it into several files."),
    # One row
    "missing": N_("A value is required."),
    "too_long": N_("At most %(limit)s characters."),
    "bad_email": N_("“%(value)s” is not an email address."),
    "duplicate_email": N_("This address is already on line %(line)s of the file."),
    "unknown_kind": N_("Unknown kind “%(value)s”: use one of %(accepted)s."),
    "kind_needed": N_("The organisation is not in the directory yet: give its kind so that it can be created."),
    "kind_conflict": N_("The same organisation has another kind on line %(line)s."),
    "unknown_territory": N_(
        "Unknown territory “%(value)s”: use the code or the name of a territory listed on this page."
    ),
    "ambiguous_territory": N_("Several territories are called “%(value)s”: use the territory's code."),
    "unknown_scope": N_("Unknown scope “%(value)s”: use one of %(accepted)s."),
    "unknown_region": N_(
        "No territory lies in the region “%(value)s”: use a region of the territories listed on this page."
    ),
    "territory_needed": N_("An organisation acting on one territory needs its territory."),
    "region_needed": N_("A region-wide organisation needs its region."),
    "place_not_for_scope": N_("Leave this empty: it does not fit the organisation's scope."),
    "unknown_role": N_("Unknown role “%(value)s”: use one of %(accepted)s."),
    "admin_refused": N_("Only administrators may create administrators."),
    "unknown_language": N_("Unknown language “%(value)s”: use one of %(accepted)s."),
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
    """``text`` for comparisons: no case, no accents, punctuation and blanks as single spaces (the directory's
    one rule for names alike, ``names.normalised_name``)."""
    return normalised_name(text)


def name_key(name: str) -> str:
    """An organisation's name as matched: without case, blanks collapsed (accents and punctuation count)."""
    return " ".join(name.casefold().split())


#: The columns whose values are chosen from a list: the labels of the values, and their other names.
CHOICES: dict[str, tuple[Mapping[str, str], Mapping[str, tuple[str, ...]]]] = {
    "kind": (ORGANISATION_KINDS, KIND_NAMES),
    "scope": (ORGANISATION_SCOPES, SCOPE_NAMES),
    "role": (PERSON_ROLES, ROLE_NAMES),
    "language": (LANGUAGES, LANGUAGE_NAMES),
}
#: The problem codes of a value not in its list, and the column each is about.
UNKNOWN_CODES = {
    "unknown_kind": "kind",
    "unknown_scope": "scope",
    "unknown_role": "role",
    "unknown_language": "language",
}


def column_names() -> dict[str, str]:
    """Every name a column goes by in a first line (folded), and the column it names."""
    return _unique(label_words(COLUMN_LABELS, COLUMN_ALIASES))


def choice_names(column: str) -> dict[str, str]:
    """Every name a value of the choice ``column`` goes by (folded), and its code."""
    labels, extra = CHOICES[column]
    return _unique(label_words(labels, extra))


def _unique(words: Mapping[str, set[str]]) -> dict[str, str]:
    """Each folded name and the code it stands for; a name standing for two codes would make files
    ambiguous, so a label that collides fails loudly (the tests load every list), not in someone's file."""
    names: dict[str, str] = {}
    for code, spelled in words.items():
        for word in spelled:
            other = names.setdefault(fold(word), code)
            if other != code:
                raise ValueError(f"“{word}” names both {other} and {code}")
    return names


def accepted(column: str, translate: Translate = english) -> str:
    """The values of the choice ``column`` a file may use, in the reader's words (their labels) then codes."""
    labels = CHOICES[column][0]
    return translate(N_("%(labels)s (or the codes %(codes)s)")) % {
        "labels": ", ".join(translate(QUOTED) % {"label": translate(label)} for label in labels.values()),
        "codes": ", ".join(str(code) for code in labels),
    }


def wording(code: str, params: Mapping[str, object] | None = None, translate: Translate = english) -> str:
    """A problem, action or note (a code of ``MESSAGES``) in the reader's words; a value refused from a
    list is told the values the list accepts."""
    values = dict(params or {})
    if code in UNKNOWN_CODES:
        values["accepted"] = accepted(UNKNOWN_CODES[code], translate)
    template = translate(MESSAGES[code])
    return template % values if values else template
