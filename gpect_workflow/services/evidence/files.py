"""Evidence files of tasks and gate reviews: add, list, read back and delete, for the plan's people only.

Anyone who may see a plan may add files to its tasks and to its stages' gate reviews while the plan runs
(or waits for its start, or is on hold); the person who added a file, the plan lead and administrators may
delete it. Outsiders are told the task, stage or file does not exist. Each addition and deletion leaves a
journal line (``evidence_added``, ``evidence_deleted``) naming the file, its size and its SHA-256.

The bytes go to the storage (``storage.evidence_storage``) before the row is written: a refused or failed
row removes them at once. A deleted file's bytes are removed once the deletion is committed
(``after_commit``), so a rolled-back deletion never loses a file; a storage that fails at that moment
leaves an unreferenced object behind, which is logged (it is never served: no row names it).
Reading a file back checks its SHA-256 against the row before anything is sent.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app

from ...definitions.model import Text, WorkflowDefinition
from ...errors import InvalidTransition, NotFound, ValidationError
from ...models import EvidenceFile, Person, Plan, PlanStage, PlanStatus, Task
from ...refusals import FILES_TOO_MANY, Refusal
from ..access import PlanAccess, plan_access, require
from ..context import now, session
from ..definitions import get_definition, task_definition
from ..journal import record
from ..loading import lock_plan, read_again
from ..unit_of_work import after_commit
from .content import InspectedFile, inspect
from .storage import evidence_storage, new_key

log = logging.getLogger(__name__)

#: A file with its uploader's name, its task and its stage's key: what every list reads.
_Listing = sa.Select[EvidenceFile, str | None, Task | None, str]

#: Plans whose files no longer change.
_ENDED = (PlanStatus.COMPLETED, PlanStatus.CANCELLED)
_CHUNK = 64 * 1024


class EvidenceDamaged(RuntimeError):
    """A stored file's bytes no longer match the SHA-256 recorded when it was added (an operator's matter)."""


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """A file as lists show it: who added it, what it supports, whether the reader may delete it."""

    file: EvidenceFile
    uploader: str | None
    #: The task it is attached to, or ``None`` for a file of the gate review itself.
    task_title: Text | None
    stage_title: Text | None
    can_delete: bool = False


@dataclass(frozen=True, slots=True)
class EvidenceList:
    """The files of a task or a gate review, and whether the reader may add one."""

    lines: list[EvidenceLine]
    can_add: bool
    max_bytes: int


@dataclass(frozen=True, slots=True)
class Download:
    """A file checked against its SHA-256, ready to send: its row and its bytes (rewound; close them)."""

    file: EvidenceFile
    content: IO[bytes]


def max_bytes() -> int:
    """The largest file accepted (``EVIDENCE_MAX_BYTES``)."""
    return int(current_app.config["EVIDENCE_MAX_BYTES"])


# --- Adding -----------------------------------------------------------------------------------------------


def add_task_file(person: Person, task_id: int, name: str | None, stream: IO[bytes]) -> EvidenceFile:
    """Attach an uploaded file to a task (``ValidationError`` on ``file`` when it is refused)."""
    task, plan, _access = _task(person, task_id)
    return _add(person, plan, task.stage_id, task, name, stream)


def add_gate_file(person: Person, stage_id: int, name: str | None, stream: IO[bytes]) -> EvidenceFile:
    """Attach an uploaded file to a stage's gate review."""
    stage, plan, _access = _stage(person, stage_id)
    return _add(person, plan, stage.id, None, name, stream)


def _add(
    person: Person, plan: Plan, stage_id: int, task: Task | None, name: str | None, stream: IO[bytes]
) -> EvidenceFile:
    """Store the file, then its row under the plan's lock.

    The plan's state and the room left are checked twice: before the file is read and stored, so that a
    refusal costs nothing, and again once the plan is locked, so that two files sent at once cannot both
    take the last free place, nor be added to a plan being closed. The bytes are stored before the lock is
    taken: on SQLite the lock is the whole database's, and a large file sent to a slow storage would hold
    every other writer back meanwhile.
    """
    _require_open(plan, stage_id, task)
    inspected = inspect(name, stream, max_bytes())
    key = new_key()
    storage = evidence_storage()
    try:
        storage.put(key, inspected.content, inspected.size, inspected.content_type)
        plan = lock_plan(plan.id)
        _require_open(plan, stage_id, task)
        row = _row(person, plan, stage_id, task, key, inspected)
        session().add(row)
        session().flush()
        stage = session().get(PlanStage, stage_id) if task is None else None
        record(plan, "evidence_added", person, task=task, stage=stage, data=_event_data(row))
    except BaseException:
        _forget(key)  # the row was not written: its bytes go too (a failure to remove them is only logged)
        raise
    finally:
        inspected.content.close()
    return row


def _require_open(plan: Plan, stage_id: int, task: Task | None) -> None:
    if plan.status in _ENDED:
        raise InvalidTransition(Refusal.PLAN_ENDED)
    _require_room(stage_id, task)


def _require_room(stage_id: int, task: Task | None) -> None:
    """Refuse a file beyond ``EVIDENCE_MAX_FILES`` on the task or gate review: their lists are shown whole,
    so they are kept short where they are written rather than paged where they are read."""
    limit = int(current_app.config["EVIDENCE_MAX_FILES"])
    where = EvidenceFile.task_id == task.id if task is not None else EvidenceFile.task_id.is_(None)
    query = sa.select(sa.func.count()).where(where, EvidenceFile.stage_id == stage_id)
    if int(session().scalar(query) or 0) >= limit:
        raise ValidationError(Refusal.INVALID_INPUT, {"file": [FILES_TOO_MANY]}, limit=limit)


def _row(
    person: Person, plan: Plan, stage_id: int, task: Task | None, key: str, inspected: InspectedFile
) -> EvidenceFile:
    return EvidenceFile(
        plan_id=plan.id,
        stage_id=stage_id,
        task_id=task.id if task else None,
        storage_key=key,
        display_name=inspected.name,
        content_type=inspected.content_type,
        size_bytes=inspected.size,
        sha256=inspected.sha256,
        uploaded_by_id=person.id,
        uploaded_dt=now(),
    )


def _event_data(row: EvidenceFile) -> dict[str, object]:
    return {"file_id": row.id, "name": row.display_name, "size": row.size_bytes, "sha256": row.sha256}


# --- Listing ----------------------------------------------------------------------------------------------


def task_evidence(person: Person, task_id: int) -> EvidenceList:
    """A task's files, newest first, for someone who may see its plan."""
    task, plan, access = _task(person, task_id)
    return files_of_task(person, plan, access, task)


def gate_evidence(person: Person, stage_id: int) -> EvidenceList:
    """A stage's files (its gate review's and its tasks'), for someone who may see its plan."""
    stage, plan, access = _stage(person, stage_id)
    return files_of_stage(person, plan, access, stage)


def files_of_task(person: Person, plan: Plan, access: PlanAccess, task: Task) -> EvidenceList:
    """A task's files, for a page that has already checked ``access`` (one query)."""
    query = _listing().where(EvidenceFile.task_id == task.id)
    return _evidence_list(person, plan, access, query)


def files_of_stage(person: Person, plan: Plan, access: PlanAccess, stage: PlanStage) -> EvidenceList:
    """A stage's files, the gate review's first, for a page that has already checked ``access`` (one query)."""
    query = _listing().where(EvidenceFile.stage_id == stage.id)
    evidence = _evidence_list(person, plan, access, query)
    evidence.lines.sort(key=lambda line: line.task_title is not None)
    return evidence


def files_of_plans(
    plan_ids: Sequence[int], definitions: dict[int, WorkflowDefinition]
) -> dict[int, list[EvidenceLine]]:
    """Every file of the plans, oldest first, for the review report (one query whatever the plans)."""
    found: dict[int, list[EvidenceLine]] = defaultdict(list)
    if not plan_ids:
        return found
    query = _listing(oldest_first=True).where(EvidenceFile.plan_id.in_(list(plan_ids)))
    for file, uploader, task, stage_key in session().execute(query):
        definition = definitions[file.plan_id]
        found[file.plan_id].append(_line(definition, file, uploader, task, stage_key, can_delete=False))
    return found


def _listing(oldest_first: bool = False) -> _Listing:
    order = (
        (EvidenceFile.uploaded_dt, EvidenceFile.id)
        if oldest_first
        else (
            EvidenceFile.uploaded_dt.desc(),
            EvidenceFile.id.desc(),
        )
    )
    return (
        sa.select(EvidenceFile, Person.name, Task, PlanStage.stage_key)
        .outerjoin(Person, Person.id == EvidenceFile.uploaded_by_id)
        .outerjoin(Task, Task.id == EvidenceFile.task_id)
        .join(PlanStage, PlanStage.id == EvidenceFile.stage_id)
        .order_by(*order)
    )


def _evidence_list(person: Person, plan: Plan, access: PlanAccess, query: _Listing) -> EvidenceList:
    definition = get_definition(plan.definition_key, plan.definition_version)
    lines = [
        _line(definition, file, uploader, task, stage_key, can_delete=_may_delete(person, plan, access, file))
        for file, uploader, task, stage_key in session().execute(query)
    ]
    can_add = access.can_view and plan.status not in _ENDED
    return EvidenceList(lines, can_add, max_bytes())


def _line(
    definition: WorkflowDefinition,
    file: EvidenceFile,
    uploader: str | None,
    task: Task | None,
    stage_key: str,
    *,
    can_delete: bool,
) -> EvidenceLine:
    task_title = task_definition(definition, task).title if task is not None else None
    try:
        stage_title: Text | None = definition.stage(stage_key).title
    except KeyError:
        stage_title = None
    return EvidenceLine(file, uploader, task_title, stage_title, can_delete)


def _may_delete(person: Person, plan: Plan, access: PlanAccess, file: EvidenceFile) -> bool:
    """The person who added the file, the plan lead and administrators, while the plan is not finished."""
    return plan.status not in _ENDED and (file.uploaded_by_id == person.id or access.can_manage)


# --- Reading and deleting -----------------------------------------------------------------------------------


def get_file(person: Person, file_id: int) -> EvidenceFile:
    """A file's row, for someone who may see its plan (others: ``NotFound``)."""
    return _file(person, file_id)[0]


def open_file(person: Person, file_id: int) -> Download:
    """A file's bytes, checked against the SHA-256 recorded when it was added (``EvidenceDamaged`` if not)."""
    file = get_file(person, file_id)
    copy = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - handed to the caller
    digest = hashlib.sha256()
    with evidence_storage().open(file.storage_key) as stored:
        while chunk := stored.read(_CHUNK):
            digest.update(chunk)
            copy.write(chunk)
    if digest.hexdigest() != file.sha256:
        copy.close()
        raise EvidenceDamaged(f"evidence file {file.id}: stored bytes do not match their SHA-256")
    copy.seek(0)
    return Download(file, copy)


def delete_file(person: Person, file_id: int) -> EvidenceFile:
    """Delete a file (its uploader, the plan lead, administrators); its bytes go once this is committed.

    The plan is locked and the file read again under the lock: a deletion of the same file committed
    meanwhile leaves nothing to delete (``NotFound``, not a second journal line), and a plan completed or
    cancelled meanwhile keeps its files."""
    file, plan, access = _file(person, file_id)
    plan = lock_plan(plan.id)
    if read_again(EvidenceFile, file_id) is None:
        raise NotFound(Refusal.NO_SUCH_FILE)
    if plan.status in _ENDED:
        raise InvalidTransition(Refusal.PLAN_ENDED)
    require(_may_delete(person, plan, access, file), Refusal.UPLOADER_OR_LEAD_DELETES_FILES)
    task = session().get(Task, file.task_id) if file.task_id is not None else None
    stage = session().get(PlanStage, file.stage_id) if task is None else None
    record(plan, "evidence_deleted", person, task=task, stage=stage, data=_event_data(file))
    session().delete(file)
    session().flush()
    key = file.storage_key
    after_commit(lambda: _forget(key))
    return file


def _forget(key: str) -> None:
    """Remove a deleted file's bytes; a failure leaves an unreferenced object, logged for the operator."""
    try:
        evidence_storage().delete(key)
    except Exception:
        log.exception("evidence storage: could not remove the deleted file's object %s", key)


# --- Who may see what ---------------------------------------------------------------------------------------


def _access(person: Person, plan: Plan) -> PlanAccess:
    return plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version))


def _visible(person: Person, model: type[Any], row_id: int, refusal: Refusal) -> tuple[Any, Plan, PlanAccess]:
    """The row, its plan and the person's access; ``NotFound`` with ``refusal`` when either is missing or the
    person may not see the plan (nothing tells a hidden row from a missing one)."""
    row = session().get(model, row_id)
    plan = session().get(Plan, row.plan_id) if row is not None else None
    if row is None or plan is None:
        raise NotFound(refusal)
    access = _access(person, plan)
    if not access.can_view:
        raise NotFound(refusal)
    return row, plan, access


def _task(person: Person, task_id: int) -> tuple[Task, Plan, PlanAccess]:
    return _visible(person, Task, task_id, Refusal.NO_SUCH_TASK)


def _stage(person: Person, stage_id: int) -> tuple[PlanStage, Plan, PlanAccess]:
    return _visible(person, PlanStage, stage_id, Refusal.NO_SUCH_STAGE)


def _file(person: Person, file_id: int) -> tuple[EvidenceFile, Plan, PlanAccess]:
    return _visible(person, EvidenceFile, file_id, Refusal.NO_SUCH_FILE)
