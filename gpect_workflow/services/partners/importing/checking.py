"""Checking a partner import file row by row against what the directory holds, without touching it.

``plan_import`` decides for each row what importing it will do (create or join an organisation, create,
update or leave a person) or why it cannot be imported, every problem with its line and column.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ....errors import ValidationError
from ....models import Language, OrganisationKind, OrganisationScope, PersonRole
from ....validation import normalise_email
from .reading import CsvFile, CsvRow
from .vocabulary import MAX_NAME, choice_names, fold, name_key, wording


@dataclass(frozen=True, slots=True)
class TerritoryRef:
    id: int
    code: str
    name: str
    region: str | None = None


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    id: int
    name: str
    kind: OrganisationKind
    territory_id: int | None


@dataclass(frozen=True, slots=True)
class PersonRef:
    id: int
    name: str
    organisation_id: int | None
    language: Language
    role: PersonRole


#: An organisation as the import matches it: its ``name_key``, its territory (scope ``territory``), its region
#: (scope ``region``); neither for a national one.
OrganisationKey = tuple[str, int | None, str | None]


@dataclass(frozen=True, slots=True)
class DirectorySnapshot:
    """What the directory holds that the file's rows may refer to."""

    territories: tuple[TerritoryRef, ...] = ()
    #: Organisations by (``name_key`` of the name, territory id, region): each scope's unique key.
    organisations: Mapping[OrganisationKey, OrganisationRef] = field(default_factory=dict)
    #: People by address (lower-case).
    people: Mapping[str, PersonRef] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row cannot be imported: its line, the column at fault (``None``: the row) and a code."""

    line: int
    column: str | None
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English wording."""
        return wording(self.code, self.params)


@dataclass(frozen=True, slots=True)
class Action:
    """What importing a row does (or a note about it): a code of ``MESSAGES`` and its parameters."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowPlan:
    """A row, what was understood of it, and what importing it will do (nothing when it has problems)."""

    line: int
    values: Mapping[str, str]
    problems: tuple[Problem, ...] = ()
    actions: tuple[Action, ...] = ()
    notes: tuple[Action, ...] = ()
    email: str = ""
    kind: OrganisationKind | None = None
    territory_id: int | None = None
    #: The region a region-wide organisation serves, as the territories name it.
    region: str | None = None
    scope: OrganisationScope = OrganisationScope.NATIONAL
    role: PersonRole = PersonRole.PARTNER
    language: Language = Language.FR
    #: The organisation already in the directory, if any.
    organisation_id: int | None = None
    #: The person already in the directory, if any.
    person_id: int | None = None
    #: Fields of an existing person the import changes.
    changes: tuple[str, ...] = ()

    @property
    def is_valid(self) -> bool:
        return not self.problems

    @property
    def organisation_key(self) -> OrganisationKey:
        return name_key(self.values["organisation"]), self.territory_id, self.region


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """Every row of a file with what importing it will do or why it cannot be imported."""

    rows: tuple[RowPlan, ...]
    encoding: str
    separator: str
    ignored_columns: tuple[str, ...] = ()
    update_existing: bool = False

    @property
    def problems(self) -> list[Problem]:
        return [problem for row in self.rows for problem in row.problems]

    @property
    def valid_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_count(self) -> int:
        return sum(1 for row in self.rows if not row.is_valid)

    def count(self, action: str) -> int:
        """How many valid rows do ``action`` (a code of ``MESSAGES``)."""
        return sum(1 for row in self.valid_rows for done in row.actions if done.code == action)

    @property
    def digest(self) -> str:
        """A fingerprint of what the import will do, to tell whether the directory changed since the preview."""
        plan = [
            [row.line, [[action.code, sorted(action.params.items())] for action in row.actions], row.is_valid]
            for row in self.rows
        ]
        return hashlib.sha256(json.dumps(plan, default=str).encode()).hexdigest()


_KINDS = {name: OrganisationKind(code) for name, code in choice_names("kind").items()}
_SCOPES = {name: OrganisationScope(code) for name, code in choice_names("scope").items()}
_ROLES = {name: PersonRole(code) for name, code in choice_names("role").items()}
_LANGUAGES = {name: Language(code) for name, code in choice_names("language").items()}


def plan_import(
    csv_file: CsvFile, snapshot: DirectorySnapshot, *, may_create_admins: bool = False, update_existing: bool = False
) -> ImportPreview:
    """Check every row and decide what it will do; rows refer to the directory or to earlier rows of the file."""
    territories = _territory_index(snapshot.territories)
    first_line_of: dict[str, int] = {}
    new_organisations: dict[OrganisationKey, RowPlan] = {}
    regions = {fold(t.region): t.region for t in snapshot.territories if t.region}
    rows = []
    for row in csv_file.rows:
        plan = _check_row(row, territories, may_create_admins, first_line_of)
        plan = _place_step(plan, regions)
        plan = _organisation_step(plan, snapshot, new_organisations)
        plan = _person_step(plan, snapshot, update_existing)
        if plan.is_valid and plan.actions[0].code == "organisation_create":
            new_organisations[plan.organisation_key] = plan
        rows.append(plan)
    return ImportPreview(tuple(rows), csv_file.encoding, csv_file.separator, csv_file.ignored_columns, update_existing)


def _territory_index(territories: Iterable[TerritoryRef]) -> dict[str, list[TerritoryRef]]:
    index: dict[str, list[TerritoryRef]] = {}
    for territory in territories:
        index.setdefault(fold(territory.code), []).append(territory)
    for territory in territories:
        matches = index.setdefault(fold(territory.name), [])
        if territory not in matches:
            matches.append(territory)
    return index


Report = Callable[..., None]


def _check_row(
    row: CsvRow, territories: dict[str, list[TerritoryRef]], may_create_admins: bool, first_line_of: dict[str, int]
) -> RowPlan:
    """The row's values read and checked one by one, without looking at the directory's organisations or people."""
    values, problems = row.values, []

    def problem(column: str | None, code: str, **params: object) -> None:
        problems.append(Problem(row.line, column, code, params))

    if row.has_extra_values:
        problem(None, "extra_values")
    for column in ("organisation", "name"):
        if not values[column]:
            problem(column, "missing")
        elif len(values[column]) > MAX_NAME:
            problem(column, "too_long", limit=MAX_NAME)
    email = _email(values["email"], row.line, first_line_of, problem)
    kind = _choice(values["kind"], _KINDS, None, lambda: problem("kind", "unknown_kind", value=values["kind"]))
    role = _choice(
        values["role"], _ROLES, PersonRole.PARTNER, lambda: problem("role", "unknown_role", value=values["role"])
    )
    if role is PersonRole.ADMIN and not may_create_admins:
        problem("role", "admin_refused")
    language = _choice(
        values["language"],
        _LANGUAGES,
        Language.FR,
        lambda: problem("language", "unknown_language", value=values["language"]),
    )
    territory_id = None
    if values["territory"]:
        matches = territories.get(fold(values["territory"]), [])
        if len(matches) == 1:
            territory_id = matches[0].id
        else:
            problem("territory", "ambiguous_territory" if matches else "unknown_territory", value=values["territory"])
    return RowPlan(
        row.line,
        values,
        tuple(problems),
        email=email,
        kind=kind,  # type: ignore[arg-type]
        territory_id=territory_id,
        role=role or PersonRole.PARTNER,  # type: ignore[arg-type]
        language=language or Language.FR,  # type: ignore[arg-type]
    )


def _email(value: str, line: int, first_line_of: dict[str, int], report: Report) -> str:
    """The address as the directory stores it (the rule of every entry); a second row with the same address
    is a problem."""
    if not value:
        report("email", "missing")
        return ""
    try:
        email = normalise_email(value)
    except ValidationError:
        report("email", "bad_email", value=value)
        return ""
    if email in first_line_of:
        report("email", "duplicate_email", line=first_line_of[email])
    else:
        first_line_of[email] = line
    return email


def _choice(
    value: str, names: Mapping[str, StrEnum], default: StrEnum | None, unknown: Callable[[], None]
) -> StrEnum | None:
    """The value named by ``value`` (any of its names), ``default`` when blank; ``unknown`` is told otherwise."""
    if not value:
        return default
    found = names.get(fold(value))
    if found is None:
        unknown()
        return default
    return found


def _place_step(plan: RowPlan, regions: Mapping[str, str]) -> RowPlan:
    """Where the row's organisation acts: the scope named, or the one its territory or region says (neither:
    national); a region must be one the territories lie in, and each scope takes its own place only."""
    values, problems = plan.values, list(plan.problems)

    def problem(column: str, code: str, **params: object) -> None:
        problems.append(Problem(plan.line, column, code, params))

    region = None
    if values["region"]:
        region = regions.get(fold(values["region"]))
        if region is None:
            problem("region", "unknown_region", value=values["region"])
    territory_given = bool(values["territory"])
    inferred = (
        OrganisationScope.TERRITORY
        if territory_given
        else OrganisationScope.REGION
        if values["region"]
        else OrganisationScope.NATIONAL
    )
    scope = _choice(
        values["scope"], _SCOPES, inferred, lambda: problem("scope", "unknown_scope", value=values["scope"])
    )
    if scope is OrganisationScope.TERRITORY and not territory_given:
        problem("territory", "territory_needed")
    if scope is not OrganisationScope.TERRITORY and territory_given:
        problem("territory", "place_not_for_scope")
    if scope is OrganisationScope.REGION and not values["region"]:
        problem("region", "region_needed")
    if scope is not OrganisationScope.REGION and values["region"]:
        problem("region", "place_not_for_scope")
    return _with(
        plan,
        problems=tuple(problems),
        scope=scope,
        region=region if scope is OrganisationScope.REGION else None,
        territory_id=plan.territory_id if scope is OrganisationScope.TERRITORY else None,
    )


def _organisation_step(
    plan: RowPlan, snapshot: DirectorySnapshot, new_organisations: dict[OrganisationKey, RowPlan]
) -> RowPlan:
    """Which organisation the row's person joins: one of the directory, one an earlier row creates, or a new one."""
    if any(problem.column in ("organisation", "scope", "territory", "region") for problem in plan.problems):
        return plan
    existing = snapshot.organisations.get(plan.organisation_key)
    if existing is not None:
        notes = (Action("kind_differs"),) if plan.kind is not None and plan.kind is not existing.kind else ()
        return _with(plan, actions=(Action("organisation_existing"),), notes=notes, organisation_id=existing.id)
    earlier = new_organisations.get(plan.organisation_key)
    if earlier is not None:
        if plan.kind is not None and plan.kind is not earlier.kind:
            return _with(
                plan, problems=(*plan.problems, Problem(plan.line, "kind", "kind_conflict", {"line": earlier.line}))
            )
        return _with(plan, actions=(Action("organisation_in_file", {"line": earlier.line}),), kind=earlier.kind)
    if plan.kind is None:
        if not any(problem.column == "kind" for problem in plan.problems):
            return _with(plan, problems=(*plan.problems, Problem(plan.line, "kind", "kind_needed")))
        return plan
    return _with(plan, actions=(Action("organisation_create"),))


def _person_step(plan: RowPlan, snapshot: DirectorySnapshot, update_existing: bool) -> RowPlan:
    """Whether the row creates its person, updates them (``update_existing``), or leaves them as they are."""
    if not plan.is_valid:
        return _with(plan, actions=())
    existing = snapshot.people.get(plan.email)
    if existing is None:
        return _with(plan, actions=(*plan.actions, Action("person_create")))
    notes = (*plan.notes, Action("role_kept")) if existing.role is not plan.role and plan.values["role"] else plan.notes
    if not update_existing:
        return _with(plan, actions=(*plan.actions, Action("person_skip")), notes=notes, person_id=existing.id)
    changes = tuple(
        name
        for name, changed in (
            ("name", plan.values["name"] != existing.name),
            ("organisation", plan.organisation_id is None or plan.organisation_id != existing.organisation_id),
            ("language", bool(plan.values["language"]) and plan.language is not existing.language),
        )
        if changed
    )
    action = Action("person_update", {"fields": ", ".join(changes)}) if changes else Action("person_unchanged")
    return _with(plan, actions=(*plan.actions, action), notes=notes, person_id=existing.id, changes=changes)


def _with(plan: RowPlan, **changes: object) -> RowPlan:
    return replace(plan, **changes)  # type: ignore[arg-type]
