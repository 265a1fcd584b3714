"""The data of the tick benchmark: a 20-task definition, partners, and plans loaded in bulk SQL.

Plans are generated with ``INSERT ... SELECT generate_series(...)`` (never through ``start_plan``, far
too slow for 100,000 plans), consistent with the models: the definition key and version are registered,
stages and tasks follow the definition (dates from the engine's own ``plan_schedule``), task keys are
unique per plan, every plan is active with one open stage.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import _common  # puts the repository on sys.path: keep before gpect_workflow
import sqlalchemy as sa
from alembic import command
from flask import Flask

from gpect_workflow.definitions import WorkflowDefinition, parse_definition
from gpect_workflow.engine.schedule import plan_schedule
from gpect_workflow.migration_config import alembic_config
from gpect_workflow.models import Base
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.state import EXTENSION_NAME

#: The benchmark instant's day: a Monday (weekly digests leave, weekend chasers land), no public holiday.
BENCH_DAY = date(2027, 3, 8)


BENCH_KEY = "gpect-bench-twenty"
BENCH_DEFINITION = """\
# A benchmark definition: five stages of four tasks, 72 days each, a task due every 18 days.
key: gpect-bench-twenty
version: 1
title:
  fr: Démarche de référence pour les mesures de performance (20 tâches)
  en: Reference approach for performance measurements (20 tasks)
calendar:
  country: FR
reminders:
  before_days: [7, 1]
  on_due: true
  overdue_every_days: 3
  overdue_max: 4
  escalate_after_days: 7
  send_hour: "08:30"
  working_days_only: true
rescheduling:
  dependents: shift
roles:
  lead:
    title: {fr: Chef de projet GPECT, en: GPECT project lead}
  employment_service:
    title: {fr: Service public de l'emploi, en: Public employment service}
  region:
    title: {fr: Région, en: Regional council}
  chamber_of_commerce:
    title: {fr: Chambre de commerce et d'industrie, en: Chamber of commerce and industry}
  training_body:
    title: {fr: Organisme de formation, en: Training body}
  companies:
    title: {fr: Entreprises du territoire, en: Local companies}
  steering_committee:
    title: {fr: Comité de pilotage, en: Steering committee}
    committee: true
stages:
  - key: observe
    lever: observe
    title: {fr: Observer et analyser, en: Observe and analyse}
    duration_days: 72
    gate: committee
    tasks:
      - key: inventory
        owner: lead
        due_days: 18
        title: {fr: Recenser les études existantes, en: List existing studies}
      - key: employment-data
        owner: employment_service
        due_days: 36
        title: {fr: Fournir les données emploi, en: Provide employment data}
      - key: business-survey
        owner: chamber_of_commerce
        due_days: 54
        weight: 3
        depends_on: [inventory]
        title: {fr: Enquêter auprès des entreprises, en: Survey local companies}
      - key: diagnosis
        owner: lead
        due_days: 72
        weight: 3
        depends_on: [employment-data, business-survey]
        title: {fr: Rédiger le diagnostic partagé, en: Write the shared diagnosis}
  - key: experiment
    lever: experiment
    title: {fr: Expérimenter et évaluer, en: Experiment and evaluate}
    duration_days: 72
    gate: committee
    tasks:
      - key: design-pilot
        owner: lead
        due_days: 18
        title: {fr: Concevoir une action pilote, en: Design a pilot action}
      - key: fund-pilot
        owner: region
        due_days: 36
        title: {fr: Mobiliser les financements, en: Secure the funding}
        reminders: {before_days: [14, 7, 1], escalate_after_days: 3}
      - key: run-pilot
        owner: training_body
        due_days: 54
        weight: 4
        title: {fr: Conduire l'action pilote, en: Run the pilot action}
      - key: evaluate-pilot
        owner: lead
        due_days: 72
        weight: 2
        title: {fr: Évaluer l'action pilote, en: Evaluate the pilot}
  - key: adapt
    lever: adapt
    title: {fr: Adapter les interventions, en: Adapt the interventions}
    duration_days: 72
    gate: auto
    reminders: {overdue_every_days: 2, escalate_after_days: 5}
    tasks:
      - key: tailor-offer
        owner: employment_service
        due_days: 18
        title: {fr: Adapter l'offre de services, en: Tailor the service offer}
      - key: company-feedback
        owner: companies
        due_days: 36
        required: false
        title: {fr: Recueillir l'avis des entreprises, en: Gather companies' feedback}
      - key: training-offer
        owner: training_body
        due_days: 54
        title: {fr: Ajuster l'offre de formation, en: Adjust the training offer}
      - key: adapt-review
        owner: lead
        due_days: 72
        title: {fr: Faire le point sur les adaptations, en: Review the adaptations}
  - key: articulate
    lever: articulate
    title: {fr: Articuler les acteurs, en: Articulate the partners}
    duration_days: 72
    gate: auto
    tasks:
      - key: partnership-agreement
        owner: lead
        due_days: 18
        title: {fr: Formaliser l'accord de partenariat, en: Formalise the partnership}
      - key: regional-plan
        owner: region
        due_days: 36
        weight: 2
        title: {fr: Inscrire l'action au plan régional, en: Put the action in the regional plan}
      - key: chamber-relay
        owner: chamber_of_commerce
        due_days: 54
        title: {fr: Relayer auprès des entreprises, en: Relay to companies}
      - key: joint-action-plan
        owner: lead
        due_days: 72
        weight: 2
        title: {fr: Établir le plan d'action commun, en: Draw up the joint action plan}
  - key: lead-change
    lever: lead_change
    title: {fr: Conduire le changement, en: Lead change}
    duration_days: 72
    gate: committee
    tasks:
      - key: train-advisers
        owner: employment_service
        due_days: 18
        title: {fr: Former les conseillers, en: Train advisers}
      - key: company-practices
        owner: companies
        due_days: 36
        required: false
        title: {fr: Diffuser les pratiques, en: Spread the practices}
      - key: embed-practices
        owner: lead
        due_days: 54
        weight: 2
        title: {fr: Inscrire les pratiques, en: Embed the practices}
      - key: final-review
        owner: lead
        due_days: 72
        title: {fr: Bilan final, en: Final review}
"""

#: Organisations in role order: ids 1..7, five people each (ids role*5+1 .. role*5+5).
ROLES = (
    ("lead", "employment_house", "lead"),
    ("employment_service", "employment_service", "partner"),
    ("region", "region", "partner"),
    ("chamber_of_commerce", "chamber", "partner"),
    ("training_body", "training_body", "partner"),
    ("companies", "company", "partner"),
    ("steering_committee", "state_service", "committee"),
)
PEOPLE_PER_ORGANISATION = 5
#: Plans whose id is a multiple of this give their tasks to the fifth person of each organisation
#: (two of whom take digests); the others to person ``id % 4``.
FIFTH_PERSON_EVERY = 50
#: In the open stage: one task in LATE_EVERY due before the instant is late; of those due within EARLY_DAYS
#: after it, all but one in EARLY_EXCEPT_EVERY are already done.
LATE_EVERY = 24
EARLY_DAYS = 14
EARLY_EXCEPT_EVERY = 8
#: The plan-related tables emptied when the benchmark starts (everything but definitions).
DATA_TABLES = [t.name for t in Base.metadata.sorted_tables if t.name != "gpect_definitions"]


# --- database -------------------------------------------------------------------------------------------


def ensure_database(url: sa.URL) -> None:
    """Create the benchmark database when missing (AUTOCOMMIT on the ``postgres`` database)."""
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database})
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
            print(f"created database {url.database}")
    admin.dispose()


def _engine(app: Flask) -> sa.Engine:
    with app.app_context():
        return app.extensions[EXTENSION_NAME].db.engine  # type: ignore[no-any-return]


def prepare(app: Flask) -> WorkflowDefinition:
    """Migrate, empty the data tables, register the definitions, create the people; return the bench definition."""
    with app.app_context():
        command.upgrade(alembic_config(), "head")
    engine = _engine(app)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE")
        # Plans are gone: a benchmark definition edited since the last run may be registered again.
        connection.execute(sa.text("DELETE FROM gpect_definitions WHERE key = :key"), {"key": BENCH_KEY})
    with app.app_context(), tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"{BENCH_KEY}.yaml").write_text(BENCH_DEFINITION, encoding="utf-8")
        register_definitions([_common.REPO / "workflows", Path(folder)])
        session().commit()
    with engine.begin() as connection:
        _insert_partners(connection)
    return parse_definition(BENCH_DEFINITION, f"{BENCH_KEY}.yaml")


def _insert_partners(connection: sa.Connection) -> None:
    created = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    connection.execute(
        sa.text(
            "INSERT INTO gpect_territories (id, code, name, department, region) "
            "VALUES (1, 'bench', 'Territoire de mesure', '28', 'Centre-Val de Loire')"
        )
    )
    organisations, people = [], []
    for index, (role, kind, person_role) in enumerate(ROLES):
        organisation_id = index + 1
        organisations.append({"id": organisation_id, "name": f"Organisation {role}", "kind": kind, "created": created})
        for k in range(PEOPLE_PER_ORGANISATION):
            mode = "immediate"
            if k == 4 and role == "training_body":
                mode = "daily"
            elif k == 4 and role == "chamber_of_commerce":
                mode = "weekly"
            people.append(
                {
                    "id": index * PEOPLE_PER_ORGANISATION + k + 1,
                    "email": f"{role.replace('_', '-')}.{k}@bench.example.org",
                    "name": f"Personne {k} ({role})",
                    "org": organisation_id,
                    "role": person_role,
                    "language": "en" if k == 3 else "fr",
                    "timezone": "America/Cayenne" if (role, k) == ("employment_service", 2) else "Europe/Paris",
                    "mode": mode,
                    "referent": k == 0,
                    "created": created,
                }
            )
    connection.execute(
        sa.text(
            "INSERT INTO gpect_organisations (id, name, kind, scope, territory_id, email, created_dt) "
            "VALUES (:id, :name, :kind, 'territory', 1, NULL, :created)"
        ),
        organisations,
    )
    connection.execute(
        sa.text(
            "INSERT INTO gpect_people (id, email, name, organisation_id, role, language, timezone, reminder_mode,"
            " is_referent, password_hash, is_active, created_dt) "
            "VALUES (:id, :email, :name, :org, :role, :language, :timezone, :mode, :referent, NULL, true, :created)"
        ),
        people,
    )
    for table in ("gpect_territories", "gpect_organisations", "gpect_people"):
        _sync_sequence(connection, table)


def _sync_sequence(connection: sa.Connection, table: str) -> None:
    connection.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
    )


# --- bulk loading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """The benchmark definition flattened into SQL literals (offsets in days from the plan's start)."""

    stage_keys: list[str]
    levers: list[str]
    gates: list[str]
    stage_starts: list[int]
    stage_ends: list[int]
    task_keys: list[str]
    task_stage: list[int]
    task_owner: list[str]
    task_owner_index: list[int]
    task_due: list[int]
    task_weight: list[int]
    task_required: list[bool]

    @property
    def tasks_per_plan(self) -> int:
        return len(self.task_keys)

    @property
    def stages_per_plan(self) -> int:
        return len(self.stage_keys)


def layout_of(definition: WorkflowDefinition) -> Layout:
    """Offsets from the engine's own schedule (checked to be the same for any start date)."""
    probes = [date(2026, 1, 5), date(2026, 6, 17)]
    offsets = []
    for probe in probes:
        schedule = plan_schedule(definition, probe)
        offsets.append(
            (
                [(s.start - probe).days for s in schedule],
                [(s.end - probe).days for s in schedule],
                {key: (day - probe).days for s in schedule for key, day in s.due_dates.items()},
            )
        )
    if offsets[0] != offsets[1]:
        raise SystemExit("the benchmark definition's schedule depends on the start date: use calendar days only")
    starts, ends, due = offsets[0]
    role_index = {role: index for index, (role, _, _) in enumerate(ROLES)}
    tasks = [(position, task) for position, stage in enumerate(definition.stages) for task in stage.tasks]
    return Layout(
        stage_keys=[s.key for s in definition.stages],
        levers=[s.lever.value for s in definition.stages],
        gates=[s.gate.value for s in definition.stages],
        stage_starts=starts,
        stage_ends=ends,
        task_keys=[t.key for _, t in tasks],
        task_stage=[p for p, _ in tasks],
        task_owner=[t.owner for _, t in tasks],
        task_owner_index=[role_index[t.owner] for _, t in tasks],
        task_due=[due[t.key] for _, t in tasks],
        task_weight=[t.weight for _, t in tasks],
        task_required=[t.required for _, t in tasks],
    )


def _array(values: list[Any]) -> str:
    def literal(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    return "ARRAY[" + ", ".join(literal(v) for v in values) + "]"


def _plan_rows(layout: Layout) -> str:
    """A subquery of the plans ``(:low, :high]`` with their derived numbers (elapsed days, current stage...)."""
    current = " ".join(
        f"WHEN e >= {start} THEN {position}" for position, start in reversed(list(enumerate(layout.stage_starts)))
    )
    return f"""
        SELECT p, e, start_date, k, CASE {current} ELSE 0 END AS c
        FROM (
            SELECT p, e, CAST(:day AS date) - e AS start_date,
                   CASE WHEN p % {FIFTH_PERSON_EVERY} = 0 THEN 4 ELSE p % 4 END AS k
            FROM (SELECT p, CAST((p::bigint * 7919) % 365 AS integer) AS e
                  FROM generate_series(CAST(:low AS integer) + 1, CAST(:high AS integer)) AS p) AS numbered
        ) AS derived
    """


def load_plans(engine: sa.Engine, layout: Layout, definition: WorkflowDefinition, low: int, high: int) -> None:
    """Add plans ``low+1 .. high`` with their stages, tasks, role assignments and members (bulk SQL)."""
    params = {"day": BENCH_DAY, "low": low, "high": high}
    plans = _plan_rows(layout)
    n_stages, n_tasks, n_roles = layout.stages_per_plan, layout.tasks_per_plan, len(ROLES)
    per_org = PEOPLE_PER_ORGANISATION
    statements = {
        "plans": f"""
            INSERT INTO gpect_plans (id, name, definition_key, definition_version, territory_id, lead_id, timezone,
                                     start_date, status, current_stage_key, on_hold_since_dt, version, created_dt,
                                     updated_dt)
            SELECT p, 'Plan de mesure n° ' || p, '{definition.key}', {definition.version}, 1, k + 1, 'Europe/Paris',
                   start_date, 'active', ({_array(layout.stage_keys)})[c + 1], NULL, 1,
                   start_date + time '08:00' AT TIME ZONE 'UTC',
                   CAST(:day AS date) - 1 + time '17:00' AT TIME ZONE 'UTC'
            FROM ({plans}) AS plan_rows
        """,
        "stages": f"""
            INSERT INTO gpect_plan_stages (id, plan_id, stage_key, position, lever, gate, status, planned_start_date,
                                           planned_end_date, opened_dt, closed_dt, decision)
            SELECT (p - 1) * {n_stages} + s + 1, p, ({_array(layout.stage_keys)})[s + 1], s,
                   ({_array(layout.levers)})[s + 1], ({_array(layout.gates)})[s + 1],
                   CASE WHEN s < c THEN 'closed' WHEN s = c THEN 'open' ELSE 'pending' END,
                   start_date + ({_array(layout.stage_starts)})[s + 1],
                   start_date + ({_array(layout.stage_ends)})[s + 1],
                   CASE WHEN s <= c THEN start_date + ({_array(layout.stage_starts)})[s + 1] + time '08:00'
                        AT TIME ZONE 'UTC' END,
                   CASE WHEN s < c THEN start_date + ({_array(layout.stage_ends)})[s + 1] + time '16:00'
                        AT TIME ZONE 'UTC' END,
                   CASE WHEN s < c AND ({_array(layout.gates)})[s + 1] = 'committee' THEN 'approve' END
            FROM ({plans}) AS plan_rows CROSS JOIN generate_series(0, {n_stages - 1}) AS s
        """,
        # Tasks of closed stages are done, of pending stages to do. In the open stage partners are mostly
        # on time: of the tasks due before the instant one in LATE_EVERY is late (to do or in progress), of
        # those due in the next EARLY_DAYS days all but one in EARLY_EXCEPT_EVERY are done early, and a
        # quarter of the others are in progress.
        "tasks": f"""
            INSERT INTO gpect_tasks (id, plan_id, stage_id, task_key, owner_role, assignee_id, due_date, status, weight,
                                     is_required, status_reason, started_dt, completed_dt, version, updated_dt,
                                     stage_status)
            SELECT (p - 1) * {n_tasks} + j + 1, p, (p - 1) * {n_stages} + st + 1, ({_array(layout.task_keys)})[j + 1],
                   ({_array(layout.task_owner)})[j + 1], oi * {per_org} + k + 1, due, status,
                   ({_array(layout.task_weight)})[j + 1],
                   ({_array(layout.task_required)})[j + 1], NULL,
                   CASE WHEN status IN ('done', 'in_progress') THEN least(due - 10, CAST(:day AS date) - 2)
                        + time '09:00' AT TIME ZONE 'UTC' END,
                   CASE WHEN status = 'done' THEN least(due - 1, CAST(:day AS date) - 1) + time '15:00'
                        AT TIME ZONE 'UTC' END,
                   1, CAST(:day AS date) - 1 + time '17:00' AT TIME ZONE 'UTC',
                   CASE WHEN st < c THEN 'closed' WHEN st = c THEN 'open' ELSE 'pending' END
            FROM (
                SELECT p, k, c, j, st, oi, due,
                       CASE WHEN st < c THEN 'done'
                            WHEN st > c THEN 'todo'
                            WHEN due < CAST(:day AS date) THEN
                                CASE WHEN (p + j) % {LATE_EVERY} <> 0 THEN 'done'
                                     WHEN (p + j) % 2 = 0 THEN 'todo' ELSE 'in_progress' END
                            WHEN due <= CAST(:day AS date) + {EARLY_DAYS} AND (p + j) % {EARLY_EXCEPT_EVERY} <> 0
                                THEN 'done'
                            WHEN (p + j) % 4 = 0 THEN 'in_progress'
                            ELSE 'todo' END AS status
                FROM (
                    SELECT p, k, c, j, ({_array(layout.task_stage)})[j + 1] AS st,
                           ({_array(layout.task_owner_index)})[j + 1] AS oi,
                           start_date + ({_array(layout.task_due)})[j + 1] AS due
                    FROM ({plans}) AS plan_rows CROSS JOIN generate_series(0, {n_tasks - 1}) AS j
                ) AS placed
            ) AS decided
        """,
        "role assignments": f"""
            INSERT INTO gpect_role_assignments (id, plan_id, role_key, organisation_id)
            SELECT (p - 1) * {n_roles} + r + 1, p, ({_array([role for role, _, _ in ROLES])})[r + 1], r + 1
            FROM generate_series(CAST(:low AS integer) + 1, CAST(:high AS integer)) AS p
            CROSS JOIN generate_series(0, {n_roles - 1}) AS r
        """,
        "role members": f"""
            INSERT INTO gpect_role_assignment_members (assignment_id, plan_id, person_id, role_key)
            SELECT (p - 1) * {n_roles} + r + 1, p, r * {per_org} + k + 1,
                   ({_array([role for role, _, _ in ROLES])})[r + 1]
            FROM ({plans}) AS plan_rows CROSS JOIN generate_series(0, {n_roles - 1}) AS r
        """,
    }
    with engine.begin() as connection:
        # The rows are consistent by construction: skip the per-row triggers while loading, the foreign keys'
        # the copy of the stages' status to their tasks and of the roles' keys to their members (migrations 0022,
        # 0023), which the tasks' and members' statements write themselves (superuser
        # only; CHECK, NOT NULL and unique constraints are still enforced; ``check_data`` checks the rest).
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for statement in statements.values():
            connection.execute(sa.text(statement), params)
        for table in ("gpect_plans", "gpect_plan_stages", "gpect_tasks", "gpect_role_assignments"):
            _sync_sequence(connection, table)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in (
            "gpect_plans",
            "gpect_plan_stages",
            "gpect_tasks",
            "gpect_role_assignments",
            "gpect_role_assignment_members",
        ):
            connection.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
        # Write the loaded pages out now, so that no checkpoint runs during the measured ticks.
        connection.exec_driver_sql("CHECKPOINT")


def check_data(engine: sa.Engine, layout: Layout, expected_plans: int) -> dict[str, int]:
    """Counts of the loaded data, and the foreign keys checked after loading without triggers."""
    queries = {
        "plans": "SELECT count(*) FROM gpect_plans",
        "stages": "SELECT count(*) FROM gpect_plan_stages",
        "tasks": "SELECT count(*) FROM gpect_tasks",
        "open tasks": "SELECT count(*) FROM gpect_tasks WHERE status IN ('todo', 'in_progress', 'blocked')",
        "open stages": "SELECT count(*) FROM gpect_plan_stages WHERE status = 'open'",
        "orphan tasks": "SELECT count(*) FROM gpect_tasks t LEFT JOIN gpect_plan_stages s ON s.id = t.stage_id"
        " WHERE s.id IS NULL OR s.plan_id <> t.plan_id",
        "orphan stages": "SELECT count(*) FROM gpect_plan_stages s LEFT JOIN gpect_plans p ON p.id = s.plan_id"
        " WHERE p.id IS NULL",
        "orphan assignees": "SELECT count(*) FROM gpect_tasks t LEFT JOIN gpect_people x ON x.id = t.assignee_id"
        " WHERE x.id IS NULL",
        "orphan members": "SELECT count(*) FROM gpect_role_assignment_members m"
        " LEFT JOIN gpect_role_assignments a ON a.id = m.assignment_id AND a.plan_id = m.plan_id WHERE a.id IS NULL",
        # Nor the copy of a role's key to its members (migration 0023): it writes it.
        "role key not copied": "SELECT count(*) FROM gpect_role_assignment_members m"
        " JOIN gpect_role_assignments a ON a.id = m.assignment_id WHERE m.role_key <> a.role_key",
        # The loader skips the triggers that copy a stage's status to its tasks (migration 0022): it writes it.
        "stage status not copied": "SELECT count(*) FROM gpect_tasks t JOIN gpect_plan_stages s ON s.id = t.stage_id"
        " WHERE t.stage_status <> s.status",
    }
    with engine.connect() as connection:
        counts = {name: int(connection.exec_driver_sql(sql).scalar_one()) for name, sql in queries.items()}
    wrong = (
        counts["plans"] != expected_plans
        or counts["tasks"] != expected_plans * layout.tasks_per_plan
        or counts["stages"] != expected_plans * layout.stages_per_plan
        or counts["open stages"] != expected_plans
        or counts["orphan tasks"] + counts["orphan stages"] + counts["orphan assignees"] + counts["orphan members"]
        or counts["stage status not copied"]
        or counts["role key not copied"]
    )
    if wrong:
        raise SystemExit(f"the loaded data is not what was meant: {counts}")
    return counts
