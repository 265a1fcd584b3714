"""Property-based tests of the workflow engine services.

A hypothesis state machine starts a plan on a shipped or a randomly generated definition, then drives
random sequences of allowed and forbidden actions through the services only: task status changes by
every kind of actor (with or without notes and dependency overrides, with fresh, missing or stale
versions), gate decisions, hold / resume / cancel, deadline moves and reassignments, and time passing.

For every action it predicts, from the rules and the stored state, whether the action must go through
or which typed errors may refuse it (any of the rules it breaks, whatever order the service checks them
in); a refused action must change nothing at all (plan, stages, tasks, decisions, journal, outbox). A
change that goes through is checked for its own effect (status reached and journaled with the override
flag exactly when needed, gate outcome, deadlines moved and dependents shifted within bounds, hold days
added on resume, new assignee). After every step the plan invariants are checked against the database
(``property_support.check_plan_invariants``): one stage at a time in order, an open stage still has
required work, closed stages finished or decided and holding no open task, the stage's recorded decision
is its committee's last, no task done before its dependencies unless overridden, and the journal
replaying to the stored statuses.

Run with ``CI=1`` for 500 examples (the ``ci`` profile); ``GPECT_PROPERTY_STATISTICS=1 pytest -s`` prints
how often each action went through or was refused with each error.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from hypothesis import event, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from gpect_workflow.clock import FrozenClock
from gpect_workflow.definitions.model import DependentsPolicy, StagesPolicy
from gpect_workflow.engine.rescheduling import plan_deadline_move
from gpect_workflow.errors import InvalidTransition, NotFound, PermissionDenied, StaleObject, ValidationError
from gpect_workflow.models import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    Decision,
    Person,
    Plan,
    PlanStatus,
    StageStatus,
    TaskStatus,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import get_definition
from gpect_workflow.services.plans.lifecycle import cancel_plan, hold_plan, resume_plan
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import change_task_status, move_deadline, reassign_task
from tests.conftest import PLAN_START, START
from tests.property_support import (
    ENGINE_SETTINGS,
    SHIPPED_DEFINITIONS,
    GeneratedDefinition,
    GeneratedStage,
    GeneratedTask,
    PeopleCache,
    PlanPeople,
    PlanView,
    TaskView,
    check_plan_invariants,
    generated_definitions,
    read_dependencies,
    read_plan,
    register_generated,
    start_plan_on,
)

TYPED_ERRORS = (PermissionDenied, InvalidTransition, StaleObject, ValidationError, NotFound)

T = TaskStatus


@dataclass(frozen=True, slots=True)
class Rule:
    """The task rules as the engine's docstring states them (restated here as the oracle's table)."""

    lead_only: bool = False
    needs_reason: bool = False
    needs_dependencies: bool = False


TASK_RULES: dict[tuple[TaskStatus, TaskStatus], Rule] = {
    (T.TODO, T.IN_PROGRESS): Rule(needs_dependencies=True),
    (T.TODO, T.DONE): Rule(needs_dependencies=True),
    (T.IN_PROGRESS, T.DONE): Rule(needs_dependencies=True),
    (T.IN_PROGRESS, T.TODO): Rule(),
    (T.TODO, T.BLOCKED): Rule(needs_reason=True),
    (T.IN_PROGRESS, T.BLOCKED): Rule(needs_reason=True),
    (T.BLOCKED, T.TODO): Rule(),
    (T.BLOCKED, T.IN_PROGRESS): Rule(needs_dependencies=True),
    (T.TODO, T.SKIPPED): Rule(lead_only=True, needs_reason=True),
    (T.IN_PROGRESS, T.SKIPPED): Rule(lead_only=True, needs_reason=True),
    (T.BLOCKED, T.SKIPPED): Rule(lead_only=True, needs_reason=True),
    (T.DONE, T.TODO): Rule(lead_only=True, needs_reason=True),
    (T.SKIPPED, T.TODO): Rule(lead_only=True, needs_reason=True),
}

ACTOR_KINDS = ("assignee", "co_member", "other_partner", "committee", "lead", "admin", "outsider", "other_lead")
actors = st.sampled_from(ACTOR_KINDS)
#: For what only the lead (or an administrator) may do: the lead more often, everyone else still tried.
lead_biased_actors = st.sampled_from(("lead", "lead", "lead", "admin", *ACTOR_KINDS))
#: For gate decisions: committee members more often.
committee_biased_actors = st.sampled_from(("committee", "committee", "committee", "admin", *ACTOR_KINDS))
REASON = "Motif : relu en comité technique"
notes = st.sampled_from([None, "", "   ", REASON, REASON])
#: For task changes: workers and the lead more often than people who may not touch the task.
worker_biased_actors = st.sampled_from(("assignee", "assignee", "lead", "lead", *ACTOR_KINDS))
versions = st.sampled_from(["current", "current", "current", "none", "stale"])
picks = st.integers(0, 1000)


@dataclass(slots=True)
class MachineContext:
    """What the test function hands the machine: the plan lead, the clock, a folder for definition files."""

    lead_id: int
    clock: FrozenClock
    folder: Path
    people: PeopleCache = field(default_factory=dict)
    #: Generated definitions already registered in this test (hypothesis draws some more than once).
    registered: dict[GeneratedDefinition, tuple[str, int]] = field(default_factory=dict)


#: How often each action went through or was refused with each error (printed with ``-s`` when
#: ``GPECT_PROPERTY_STATISTICS`` is set, to see what the random runs actually exercised).
OUTCOMES: Counter[str] = Counter()


def outcome(what: str) -> None:
    event(what)
    OUTCOMES[what] += 1


def _names(errors: set[type[Exception]]) -> str:
    return ", ".join(sorted(e.__name__ for e in errors)) or "none"


class EngineMachine(RuleBasedStateMachine):
    """One plan per example, driven through the services by random actors."""

    context: ClassVar[MachineContext]

    def __init__(self) -> None:
        super().__init__()
        self.plan_id: int | None = None
        self.people: PlanPeople | None = None
        self.policy = DependentsPolicy.SHIFT
        self.stages_policy = StagesPolicy.SHIFT
        self.dependencies: dict[int, list[int]] | None = None
        self.cached: PlanView | None = None
        self.previous: PlanView | None = None

    # ---------------------------------------------------------------------------------------------- set-up

    @initialize(choice=st.one_of(st.sampled_from(SHIPPED_DEFINITIONS), generated_definitions()))
    def start(self, choice: tuple[str, int] | GeneratedDefinition) -> None:
        self.context.clock.set(START)
        if isinstance(choice, GeneratedDefinition):
            if choice not in self.context.registered:
                self.context.registered[choice] = register_generated(choice, self.context.folder)
            key, version = self.context.registered[choice]
            note(get_definition(key, version).source)
        else:
            key, version = choice
        lead = session().get(Person, self.context.lead_id)
        assert lead is not None
        plan, self.people = start_plan_on(lead, key, version, PLAN_START, cache=self.context.people)
        session().commit()
        self.plan_id = plan.id
        self.dependencies = read_dependencies(plan.id)
        self.policy = get_definition(key, version).dependents_policy
        self.stages_policy = get_definition(key, version).stages_policy
        note(f"plan {plan.id} of {key} v{version}")

    def teardown(self) -> None:
        session().rollback()

    @invariant()
    def plan_invariants(self) -> None:
        if self.plan_id is not None:
            check_plan_invariants(self.view())

    # ---------------------------------------------------------------------------------------------- helpers

    @property
    def who(self) -> PlanPeople:
        assert self.people is not None
        return self.people

    def view(self) -> PlanView:
        """The plan as stored; read again only after a change went through."""
        assert self.plan_id is not None
        if self.cached is None:
            self.cached = read_plan(self.plan_id, self.dependencies, self.previous)
            self.previous = self.cached
        return self.cached

    def pick_task(self, view: PlanView, pick: int, in_current: bool) -> TaskView:
        current = view.current_stage()
        candidates = view.stage_tasks(current.id) if in_current and current else list(view.tasks.values())
        candidates.sort(key=lambda t: t.id)
        return candidates[pick % len(candidates)]

    def actor(self, kind: str, pick: int, task: TaskView | None = None) -> int:
        who = self.who
        partners = sorted(
            pid for role, ids in who.members.items() if role not in who.committee_roles for pid in ids
        ) or sorted(pid for ids in who.members.values() for pid in ids)
        if kind == "assignee":
            if task is not None and task.assignee_id is not None:
                return task.assignee_id
            return partners[pick % len(partners)]
        if kind == "co_member" and task is not None:
            others = [pid for pid in who.members[task.owner_role] if pid != task.assignee_id]
            return others[pick % len(others)] if others else who.members[task.owner_role][0]
        if kind in ("co_member", "other_partner"):
            owner = task.owner_role if task else None
            others = [
                pid
                for role, ids in who.members.items()
                if role != owner and role not in who.committee_roles
                for pid in ids
                if task is None or pid != task.assignee_id
            ]
            return sorted(others)[pick % len(others)]
        if kind == "committee":
            members = who.committee_members()
            return members[pick % len(members)]
        return {
            "lead": who.lead_id,
            "admin": who.admin_id,
            "outsider": who.outsider_id,
            "other_lead": who.other_lead_id,
        }[kind]

    @staticmethod
    def version(kind: str, current: int) -> int | None:
        return {"current": current, "none": None, "stale": current - 1 if current > 1 else current + 1}[kind]

    def person(self, person_id: int) -> Person:
        person = session().get(Person, person_id)
        assert person is not None
        return person

    def last_event_id(self) -> int:
        events = self.view().events
        return events[-1].id if events else 0

    def new_events(self, after: int) -> list[Any]:
        return [event for event in self.view().events if event.id > after]

    def attempt(self, action: str, label: str, expected: set[type[Exception]], call: Callable[[], Any]) -> bool:
        """Run ``call``; it must go through when ``expected`` is empty, else fail with one of ``expected``.

        A success is committed (as the edges do); a refusal is rolled back and must have changed nothing.
        """
        assert self.plan_id is not None
        note(f"{label}: expecting {_names(expected)}")
        before = self.view().rows
        self.cached = None
        try:
            call()
        except TYPED_ERRORS as exc:
            session().rollback()
            raised = type(exc)
            outcome(f"{action}: refused with {raised.__name__}")
            assert expected, f"{label}: refused with {raised.__name__} ({exc}) although every rule allows it"
            assert raised in expected, f"{label}: refused with {raised.__name__} ({exc}); expected {_names(expected)}"
            after = self.view().rows
            changed = [part for part in before if before[part] != after[part]]
            assert not changed, f"{label}: refused with {raised.__name__} but the plan's {changed} changed"
            return False
        except BaseException:
            session().rollback()
            raise
        session().commit()
        outcome(f"{action}: went through")
        assert not expected, f"{label}: went through; expected a refusal with {_names(expected)}"
        return True

    # ---------------------------------------------------------------------------------------------- oracles

    def expect_task_change(
        self,
        view: PlanView,
        task: TaskView,
        actor: int,
        target: TaskStatus,
        reason: str | None,
        override: bool,
        expected_version: int | None,
    ) -> set[type[Exception]]:
        who = self.who
        if not who.can_view(actor):
            return {NotFound}
        errors: set[type[Exception]] = set()
        if view.status is not PlanStatus.ACTIVE:
            errors.add(InvalidTransition)
        if expected_version is not None and expected_version != task.version:
            errors.add(StaleObject)
        stage = next(s for s in view.stages if s.id == task.stage_id)
        reopening = target is T.TODO and task.status in FINISHED_TASK_STATUSES
        if not (stage.status is StageStatus.OPEN or (stage.status is StageStatus.AWAITING_DECISION and reopening)):
            errors.add(InvalidTransition)
        rule = TASK_RULES.get((task.status, target))
        if rule is None:
            errors.add(InvalidTransition)
            return errors
        is_lead = who.can_manage(actor)
        is_worker = actor == task.assignee_id or task.owner_role in who.roles_of(actor)
        if not is_lead and (rule.lead_only or not is_worker):
            errors.add(PermissionDenied)
        if rule.needs_reason and not (reason and reason.strip()):
            errors.add(ValidationError)
        if override and not is_lead:
            errors.add(PermissionDenied)
        if rule.needs_dependencies and not override and not view.dependencies_finished(task.id):
            errors.add(InvalidTransition)
        return errors

    def expect_plan_change(
        self, view: PlanView, actor: int, allowed_from: tuple[PlanStatus, ...], expected_version: int | None
    ) -> set[type[Exception]]:
        errors: set[type[Exception]] = set()
        if not self.who.can_manage(actor):
            errors.add(PermissionDenied)
            if not self.who.can_view(actor):
                errors.add(NotFound)
        if expected_version is not None and expected_version != view.version:
            errors.add(StaleObject)
        if view.status not in allowed_from:
            errors.add(InvalidTransition)
        return errors

    def expect_lead_task_action(
        self, view: PlanView, task: TaskView, actor: int, expected_version: int | None
    ) -> set[type[Exception]]:
        """What moving a deadline or reassigning ``task`` may be refused with, whatever the new value."""
        if not self.who.can_view(actor):
            return {NotFound}
        errors: set[type[Exception]] = set()
        if view.status is not PlanStatus.ACTIVE:
            errors.add(InvalidTransition)
        if expected_version is not None and expected_version != task.version:
            errors.add(StaleObject)
        if not self.who.can_manage(actor):
            errors.add(PermissionDenied)
        if task.status in FINISHED_TASK_STATUSES:
            errors.add(InvalidTransition)
        return errors

    # ---------------------------------------------------------------------------------------------- task status

    def change_status(
        self,
        task: TaskView,
        actor: int,
        target: TaskStatus,
        reason: str | None,
        override: bool,
        expected_version: int | None,
        label: str,
    ) -> bool:
        view = self.view()
        expected = self.expect_task_change(view, task, actor, target, reason, override, expected_version)
        mark = self.last_event_id()
        done = self.attempt(
            f"change_task_status to {target}",
            label,
            expected,
            lambda: change_task_status(
                self.person(actor),
                task.id,
                target,
                note=reason,
                expected_version=expected_version,
                override_dependencies=override,
            ),
        )
        if done:
            self.check_task_changed(view, task, actor, target, mark)
        return done

    def check_task_changed(self, before: PlanView, task: TaskView, actor: int, target: TaskStatus, mark: int) -> None:
        after = self.view()
        status = after.tasks[task.id].status
        stage = next(s for s in after.stages if s.id == task.stage_id)
        closed_with_stage = target in OPEN_TASK_STATUSES and status is T.SKIPPED and stage.status is StageStatus.CLOSED
        assert status is target or closed_with_stage, f"task {task.key} asked to go to {target} is {status}"
        changes = [e for e in self.new_events(mark) if e.kind == "task_status_changed" and e.task_id == task.id]
        assert changes, f"no journal event for task {task.key} going to {target}"
        first = changes[0]
        assert (first.from_state, first.to_state, first.actor_id) == (task.status, target, actor), (
            f"journal says {first.from_state} -> {first.to_state} by {first.actor_id}"
        )
        overrode = bool((first.data or {}).get("overrode_dependencies"))
        needed = TASK_RULES[(task.status, target)].needs_dependencies and not before.dependencies_finished(task.id)
        assert overrode == needed, f"overrode_dependencies recorded {overrode}, the override was needed: {needed}"

    @rule(
        pick=picks,
        in_current=st.booleans(),
        to=st.sampled_from(list(TaskStatus)),
        plausible=st.booleans(),
        kind=worker_biased_actors,
        actor_pick=picks,
        reason=notes,
        override=st.booleans(),
        version_kind=versions,
    )
    def change_any_task(
        self,
        pick: int,
        in_current: bool,
        to: TaskStatus,
        plausible: bool,
        kind: str,
        actor_pick: int,
        reason: str | None,
        override: bool,
        version_kind: str,
    ) -> None:
        """Any task to any status by anyone; half the time a status the task's own could lead to."""
        task = self.pick_task(self.view(), pick, in_current)
        reachable = [target for source, target in TASK_RULES if source is task.status]
        target = reachable[list(TaskStatus).index(to) % len(reachable)] if plausible and reachable else to
        actor = self.actor(kind, actor_pick, task)
        expected_version = self.version(version_kind, task.version)
        label = f"{kind} #{actor} moves {task.key} {task.status} -> {target} (override={override}, note={reason!r})"
        self.change_status(task, actor, target, reason, override, expected_version, label)

    def ready_tasks(self, view: PlanView) -> list[TaskView]:
        stage = view.current_stage()
        if stage is None or stage.status is not StageStatus.OPEN:
            return []
        return [
            t
            for t in sorted(view.stage_tasks(stage.id), key=lambda t: t.id)
            if t.status in OPEN_TASK_STATUSES and view.dependencies_finished(t.id)
        ]

    def finish(self, task: TaskView, via_in_progress: bool) -> None:
        """The assignee finishes a ready task (through in progress when asked, or when it is blocked)."""
        assert task.assignee_id is not None
        if task.status is T.BLOCKED or (via_in_progress and task.status is T.TODO):
            self.change_status(task, task.assignee_id, T.IN_PROGRESS, None, False, task.version, f"start {task.key}")
            task = self.view().tasks[task.id]
        self.change_status(task, task.assignee_id, T.DONE, None, False, task.version, f"finish {task.key}")

    @rule(pick=picks, via_in_progress=st.booleans())
    def work_on_a_ready_task(self, pick: int, via_in_progress: bool) -> None:
        view = self.view()
        ready = self.ready_tasks(view)
        if view.status is PlanStatus.ACTIVE and ready:
            self.finish(ready[pick % len(ready)], via_in_progress)

    @rule(pick=picks, kind=st.sampled_from(["lead", "lead", "admin", "assignee"]), reason=notes)
    def reopen_a_finished_task(self, pick: int, kind: str, reason: str | None) -> None:
        """The lead (mostly) reopens a done or skipped task of the current stage, open or awaiting a decision."""
        view = self.view()
        stage = view.current_stage()
        finished = [t for t in view.stage_tasks(stage.id) if t.status in FINISHED_TASK_STATUSES] if stage else []
        if view.status is PlanStatus.ACTIVE and finished:
            task = sorted(finished, key=lambda t: t.id)[pick % len(finished)]
            actor = self.actor(kind, pick, task)
            label = f"{kind} #{actor} reopens {task.key} ({task.status}, stage {stage.status}), note={reason!r}"
            self.change_status(task, actor, T.TODO, reason, False, task.version, label)

    @rule(approve=st.booleans())
    def finish_the_current_stage(self, approve: bool) -> None:
        """Every ready task finished by its assignee until the stage leaves or awaits the committee,
        which approves when ``approve``."""
        view = self.view()
        stage = view.current_stage()
        if view.status is not PlanStatus.ACTIVE or stage is None:
            return
        for _ in range(20):
            view = self.view()
            current = view.current_stage()
            if view.status is not PlanStatus.ACTIVE or current is None or current.id != stage.id:
                return
            if current.status is StageStatus.AWAITING_DECISION:
                if not approve:
                    return
                member = self.who.committee_members()[0]
                self.decide(view, current, member, Decision.APPROVE, (), "Validé", "committee approves")
                return
            ready = self.ready_tasks(view)
            assert ready, f"stage {current.key} is open with nothing left to do"
            self.finish(ready[0], via_in_progress=False)
        raise AssertionError(f"stage {stage.key} did not leave after 20 changes")

    # ---------------------------------------------------------------------------------------------- gates

    def decide(
        self,
        view: PlanView,
        stage: Any,
        actor: int,
        decision: Decision,
        reopen: tuple[str, ...],
        minutes: str | None,
        label: str,
    ) -> bool:
        keys = {t.key for t in view.stage_tasks(stage.id)}
        errors: set[type[Exception]] = set()
        if not self.who.can_decide(actor):
            errors.add(PermissionDenied)
        if view.status is not PlanStatus.ACTIVE or stage.status is not StageStatus.AWAITING_DECISION:
            errors.add(InvalidTransition)
        if (decision is Decision.REWORK) != bool(reopen) or not set(reopen) <= keys:
            errors.add(ValidationError)
        done = self.attempt(
            f"decide_gate {decision}",
            label,
            errors,
            lambda: decide_gate(self.person(actor), stage.id, decision, minutes=minutes, reopen=reopen),
        )
        if done:
            after = self.view()
            decided = next(s for s in after.stages if s.id == stage.id)
            if decision is Decision.APPROVE:
                assert decided.status is StageStatus.CLOSED, f"approved stage {stage.key} is {decided.status}"
            elif decision is Decision.REWORK:
                # Open again, or straight back to the committee when only optional tasks were reopened.
                assert decided.status in (StageStatus.OPEN, StageStatus.AWAITING_DECISION), (
                    f"stage {stage.key} sent to rework is {decided.status}"
                )
                reopened = {t.key: t.status for t in after.stage_tasks(stage.id) if t.key in reopen}
                assert set(reopened.values()) == {T.TODO}, f"tasks reopened for rework: {reopened}"
            else:
                assert after.status is PlanStatus.ON_HOLD, f"plan held by the committee is {after.status}"
                assert decided.status is StageStatus.AWAITING_DECISION
        return done

    @rule(
        another_stage=st.integers(0, 4),
        pick=picks,
        kind=committee_biased_actors,
        actor_pick=picks,
        decision=st.sampled_from(list(Decision)),
        reopen=st.lists(picks, min_size=1, max_size=3),
        reopen_mode=st.sampled_from(["fitting", "fitting", "fitting", "none", "some", "unknown"]),
        minutes=notes,
    )
    def decide_a_gate(
        self,
        another_stage: int,
        pick: int,
        kind: str,
        actor_pick: int,
        decision: Decision,
        reopen: list[int],
        reopen_mode: str,
        minutes: str | None,
    ) -> None:
        """A decision at the current stage's gate (one time in five another stage's), tasks reopened as
        the decision needs them (``fitting``), or none, some, or an unknown one whatever the decision."""
        view = self.view()
        stage = view.current_stage() if another_stage else None
        stage = stage or view.stages[pick % len(view.stages)]
        keys = sorted(t.key for t in view.stage_tasks(stage.id))
        some = tuple(dict.fromkeys(keys[i % len(keys)] for i in reopen))
        names = {
            "fitting": some if decision is Decision.REWORK else (),
            "none": (),
            "some": some,
            "unknown": (*some, "no-such-task"),
        }[reopen_mode]
        actor = self.actor(kind, actor_pick)
        label = f"{kind} #{actor} decides {decision} at {stage.key} ({stage.status}), reopen={names}"
        self.decide(view, stage, actor, decision, names, minutes, label)

    @rule(actor_pick=picks, decision=st.sampled_from(list(Decision)), reopen=st.lists(picks, min_size=1, max_size=3))
    def committee_decides_the_waiting_gate(self, actor_pick: int, decision: Decision, reopen: list[int]) -> None:
        """A committee member decides at the gate waiting for it, rework naming tasks of the stage."""
        view = self.view()
        stage = view.current_stage()
        if view.status is PlanStatus.ACTIVE and stage is not None and stage.status is StageStatus.AWAITING_DECISION:
            actor = self.actor("committee", actor_pick)
            keys = sorted(t.key for t in view.stage_tasks(stage.id))
            names = tuple(dict.fromkeys(keys[i % len(keys)] for i in reopen)) if decision is Decision.REWORK else ()
            label = f"committee #{actor} decides {decision} at {stage.key}, reopen={names}"
            self.decide(view, stage, actor, decision, names, "Compte rendu du comité", label)

    # ---------------------------------------------------------------------------------------------- plan life

    @rule(kind=lead_biased_actors, actor_pick=picks, reason=notes, version_kind=versions)
    def hold(self, kind: str, actor_pick: int, reason: str | None, version_kind: str) -> None:
        view, actor = self.view(), self.actor(kind, actor_pick)
        expected_version = self.version(version_kind, view.version)
        expected = self.expect_plan_change(view, actor, (PlanStatus.ACTIVE,), expected_version)
        self.attempt(
            "hold_plan",
            f"{kind} #{actor} holds the {view.status} plan",
            expected,
            lambda: hold_plan(self.person(actor), view.id, reason, expected_version=expected_version),
        )

    @rule(kind=lead_biased_actors, actor_pick=picks, shift=st.booleans(), reason=notes, version_kind=versions)
    def resume(self, kind: str, actor_pick: int, shift: bool, reason: str | None, version_kind: str) -> None:
        view, actor = self.view(), self.actor(kind, actor_pick)
        expected_version = self.version(version_kind, view.version)
        expected = self.expect_plan_change(view, actor, (PlanStatus.ON_HOLD,), expected_version)
        done = self.attempt(
            "resume_plan",
            f"{kind} #{actor} resumes the {view.status} plan (shift={shift})",
            expected,
            lambda: resume_plan(
                self.person(actor), view.id, shift_deadlines=shift, note=reason, expected_version=expected_version
            ),
        )
        if done:
            after = self.view()
            assert after.status is PlanStatus.ACTIVE
            zone = ZoneInfo(view.timezone)
            held_on = view.on_hold_since_dt.astimezone(zone).date()
            days = max(timedelta(0), self.context.clock.now().astimezone(zone).date() - held_on) if shift else None
            for task in view.tasks.values():
                moved = after.tasks[task.id].due_date
                wanted = task.due_date + days if days and task.status in OPEN_TASK_STATUSES else task.due_date
                assert moved == wanted, f"{task.key} ({task.status}) due {task.due_date} is due {moved} after resuming"

    @rule(kind=lead_biased_actors, actor_pick=picks, reason=notes, version_kind=versions, really=st.integers(0, 2))
    def cancel(self, kind: str, actor_pick: int, reason: str | None, version_kind: str, really: int) -> None:
        view = self.view()
        # Cancelling ends the example's useful life: lead and administrators only try one time in three.
        if kind in ("lead", "admin") and really:
            kind = "outsider"
        actor = self.actor(kind, actor_pick)
        expected_version = self.version(version_kind, view.version)
        expected = self.expect_plan_change(view, actor, (PlanStatus.ACTIVE, PlanStatus.ON_HOLD), expected_version)
        self.attempt(
            "cancel_plan",
            f"{kind} #{actor} cancels the {view.status} plan",
            expected,
            lambda: cancel_plan(self.person(actor), view.id, reason, expected_version=expected_version),
        )

    @rule(days=st.integers(0, 30))
    def time_passes(self, days: int) -> None:
        self.context.clock.advance(timedelta(days=days, hours=days % 7))

    # ---------------------------------------------------------------------------------------------- deadlines

    @rule(
        pick=picks,
        in_current=st.booleans(),
        kind=lead_biased_actors,
        actor_pick=picks,
        offset=st.integers(-40, 60),
        reason=notes,
        version_kind=versions,
    )
    def move_a_deadline(
        self,
        pick: int,
        in_current: bool,
        kind: str,
        actor_pick: int,
        offset: int,
        reason: str | None,
        version_kind: str,
    ) -> None:
        view = self.view()
        task = self.pick_task(view, pick, in_current)
        actor = self.actor(kind, actor_pick, task)
        expected_version = self.version(version_kind, task.version)
        new_due = task.due_date + timedelta(days=offset)
        expected = self.expect_lead_task_action(view, task, actor, expected_version)
        if not self.within_deadline_window(view, new_due):
            expected.add(ValidationError)
        done = self.attempt(
            "move_deadline",
            f"{kind} #{actor} moves {task.key} ({task.status}) from {task.due_date} to {new_due}",
            expected,
            lambda: move_deadline(self.person(actor), task.id, new_due, note=reason, expected_version=expected_version),
        )
        if done:
            self.check_deadline_move(view, self.view(), task, new_due)

    def within_deadline_window(self, view: PlanView, day: date) -> bool:
        """The deadline rule: from the plan's start to the horizon after its last stage's planned end."""
        start = session().scalar(sa.select(Plan.start_date).where(Plan.id == view.id))
        end = view.stages[-1].planned_end
        assert start is not None and end is not None
        return start <= day <= end + timedelta(days=current_app.config["DEADLINE_HORIZON_DAYS"])

    def check_deadline_move(self, before: PlanView, after: PlanView, task: TaskView, new_due: date) -> None:
        old = {t.id: t.due_date for t in before.tasks.values()}
        new = {t.id: t.due_date for t in after.tasks.values()}
        changed = {t for t in old if old[t] != new[t]} | {task.id}
        assert new[task.id] == new_due, f"{task.key} is due {new[task.id]}, not {new_due}"
        carried = self.check_stages_follow(before, after, task, new)
        moved_others = changed - {task.id} - carried
        changed -= carried
        if self.policy is DependentsPolicy.KEEP:
            assert not moved_others, f"policy keep, yet {[before.tasks[t].key for t in moved_others]} moved"
            return
        finished = [before.tasks[t].key for t in moved_others if before.tasks[t].status in FINISHED_TASK_STATUSES]
        assert not finished, f"finished tasks moved: {finished}"
        for moved in changed:
            for dependent in before.dependents(moved):
                if before.tasks[dependent].status in OPEN_TASK_STATUSES:
                    assert new[dependent] >= new[moved], (
                        f"{before.tasks[dependent].key} due {new[dependent]} before {before.tasks[moved].key} "
                        f"({new[moved]}), which it waits for"
                    )
        # A prerequisite carried by its stage's shift constrains its dependents like one moved by the cascade:
        # a task due before its prerequisite, or in a later stage, follows the prerequisite's new date.
        moved = changed | carried
        for dependent in moved_others:
            causes = [p for p in before.dependencies.get(dependent, []) if p in moved]
            assert causes, f"{before.tasks[dependent].key} moved without any prerequisite moving"
            allowed = max(max(new[p] - old[p], new[p] - old[dependent]) for p in causes)
            shift = new[dependent] - old[dependent]
            assert shift <= allowed, (
                f"{before.tasks[dependent].key} moved by {shift.days} days ({old[dependent]} -> {new[dependent]}), "
                f"more than its prerequisites "
                + ", ".join(f"{before.tasks[p].key} {old[p]} -> {new[p]}" for p in causes)
                + " require"
            )

    def check_stages_follow(self, before: PlanView, after: PlanView, task: TaskView, new: dict[int, date]) -> set[int]:
        """Stages end no earlier than their tasks moved by the move, never earlier than planned, closed ones
        never move, and a stage moves with its tasks still to do; the tasks carried by a stage's shift."""
        carried: set[int] = set()
        for old_stage, new_stage in zip(before.stages, after.stages, strict=True):
            assert old_stage.planned_start and old_stage.planned_end and new_stage.planned_start
            assert new_stage.planned_end is not None
            if old_stage.status is StageStatus.CLOSED:
                assert (old_stage.planned_start, old_stage.planned_end) == (
                    new_stage.planned_start,
                    new_stage.planned_end,
                ), f"closed stage {old_stage.key} moved"
                continue
            assert new_stage.planned_end >= old_stage.planned_end, f"stage {old_stage.key} ends earlier"
            shift = new_stage.planned_start - old_stage.planned_start
            tasks = [t for t in before.tasks.values() if t.stage_id == old_stage.id]
            touched = [t for t in tasks if new[t.id] != t.due_date or t.id == task.id]
            if touched:
                latest = max(new[t.id] for t in tasks)
                assert new_stage.planned_end >= latest, f"stage {old_stage.key} ends before its task due {latest}"
            if shift:
                assert self.stages_policy is StagesPolicy.SHIFT, f"policy keep, yet stage {old_stage.key} moved"
                for t in tasks:
                    if t.status is TaskStatus.TODO and t.id != task.id:
                        assert new[t.id] >= t.due_date + shift, f"{t.key} left behind by its stage"
                        if new[t.id] == t.due_date + shift:
                            carried.add(t.id)
        return carried

    # ---------------------------------------------------------------------------------------------- reassigning

    @rule(
        pick=picks,
        in_current=st.booleans(),
        kind=lead_biased_actors,
        actor_pick=picks,
        new_assignee=st.sampled_from(["co_member", "lead", "other_partner", "outsider"]),
        target_pick=picks,
        version_kind=versions,
    )
    def reassign(
        self,
        pick: int,
        in_current: bool,
        kind: str,
        actor_pick: int,
        new_assignee: str,
        target_pick: int,
        version_kind: str,
    ) -> None:
        target = new_assignee
        view = self.view()
        task = self.pick_task(view, pick, in_current)
        actor = self.actor(kind, actor_pick, task)
        assignee = self.actor(target, target_pick, task)
        expected_version = self.version(version_kind, task.version)
        expected = self.expect_lead_task_action(view, task, actor, expected_version)
        if assignee not in self.who.members[task.owner_role] and assignee != self.who.lead_id:
            expected.add(ValidationError)
        done = self.attempt(
            "reassign_task",
            f"{kind} #{actor} gives {task.key} ({task.status}) to {target} #{assignee}",
            expected,
            lambda: reassign_task(self.person(actor), task.id, assignee, expected_version=expected_version),
        )
        if done:
            assert self.view().tasks[task.id].assignee_id == assignee


def test_random_actions_keep_every_plan_invariant(
    app: Flask, definitions: None, dummy_lead: Person, clock: FrozenClock, tmp_path: Path
) -> None:
    """Random allowed and forbidden actions on plans of shipped and generated definitions."""
    session().commit()
    EngineMachine.context = MachineContext(dummy_lead.id, clock, tmp_path)
    OUTCOMES.clear()
    run_state_machine_as_test(EngineMachine, settings=ENGINE_SETTINGS)
    if os.environ.get("GPECT_PROPERTY_STATISTICS"):
        print("\n".join(f"{count:7} {what}" for what, count in sorted(OUTCOMES.items())))


def _stage(duration_days: int, *tasks: GeneratedTask) -> GeneratedStage:
    return GeneratedStage(gate="auto", lever="observe", duration_days=duration_days, tasks=tasks)


def _task(due_days: int, *depends_on: int, required: bool = False, owner: str = "lead") -> GeneratedTask:
    return GeneratedTask(owner=owner, required=required, due_days=due_days, depends_on=depends_on)


@pytest.mark.parametrize(
    ("stages", "pick", "offset"),
    [
        # t1 moves 2 days: its stage's end follows, the next stage shifts and carries t2 (due the day after);
        # t3, due before t2 in that stage, must now follow t2: it moves 3 days, not 2.
        (
            (
                _stage(1, _task(0), _task(1, required=True)),
                _stage(1, _task(1, 0, 1), _task(0, 0, 1, 2), _task(0)),
                _stage(1, _task(0), _task(0), _task(0), _task(0)),
                _stage(1, _task(0)),
            ),
            1,
            2,
        ),
        # t0 moves 17 days past its stage's end: the later stages shift; t8 waits for t7, which its stage
        # carried 17 days from its own later date, so t8 moves more than its stage.
        (
            (
                _stage(28, _task(14), _task(28, 0, required=True)),
                _stage(13, _task(13, 0, 1), _task(0, 0, 1, 2), _task(0, 0, 1, required=True)),
                _stage(9, _task(0), _task(0), _task(9, 0, 2), _task(0, 4, 7, required=True, owner="partner-a")),
                _stage(36, _task(13, 2, 5, 8, required=True)),
            ),
            0,
            17,
        ),
    ],
)
def test_a_dependent_follows_a_prerequisite_its_stage_carried(
    app: Flask,
    definitions: None,
    dummy_lead: Person,
    clock: FrozenClock,
    tmp_path: Path,
    stages: tuple[GeneratedStage, ...],
    pick: int,
    offset: int,
) -> None:
    """Two cases the random actions found: the machine's own check once counted only the prerequisites the
    cascade moved, not those a stage's shift carried, as reasons for a dependent to move."""
    session().commit()
    EngineMachine.context = MachineContext(dummy_lead.id, clock, tmp_path)

    @settings(max_examples=1, database=None, deadline=None)
    @given(st.none())
    def replay(_: None) -> None:  # the machine notes what it does, which Hypothesis allows inside a test only
        machine = EngineMachine()
        try:
            machine.start(choice=GeneratedDefinition(stages=stages, dependents="shift", stages_policy="shift"))
            machine.plan_invariants()
            machine.move_a_deadline(
                actor_pick=0,
                in_current=pick == 0,
                kind="lead",
                offset=offset,
                pick=pick,
                reason=None,
                version_kind="current",
            )
            machine.plan_invariants()
        finally:
            machine.teardown()

    replay()


# ------------------------------------------------------------------------------------------------------------------
# Deadline moves, on the pure rescheduling rule
# ------------------------------------------------------------------------------------------------------------------


@st.composite
def deadline_graphs(draw: st.DrawFn) -> tuple[dict[int, date], dict[int, list[int]], set[int], int, date]:
    """Tasks 0..n-1 with due dates, dependencies on lower numbers only, open ones, a moved one and its new date."""
    size = draw(st.integers(1, 7))
    base = date(2027, 1, 1)
    due = {task: base + timedelta(days=draw(st.integers(0, 60))) for task in range(size)}
    dependents: dict[int, list[int]] = {}
    for task in range(1, size):
        for prerequisite in draw(st.lists(st.integers(0, task - 1), max_size=3, unique=True)):
            dependents.setdefault(prerequisite, []).append(task)
    moved = draw(st.integers(0, size - 1))
    finished = draw(st.sets(st.integers(0, size - 1), max_size=2)) - {moved}
    movable = set(range(size)) - finished
    new_due = due[moved] + timedelta(days=draw(st.integers(-30, 60)))
    return due, dependents, movable, moved, new_due


@ENGINE_SETTINGS
@given(graph=deadline_graphs())
def test_shifted_dependents_keep_their_distance_and_move_no_further(
    graph: tuple[dict[int, date], dict[int, list[int]], set[int], int, date],
) -> None:
    """``shift``: a dependent falling due before a moved task it waits for moves by as much as that task
    moved, and at least to its new date (rescheduling.py); it never moves by more than any of them requires.
    """
    due, dependents, movable, moved, new_due = graph
    shifts = plan_deadline_move(due, dependents, movable, moved, new_due, DependentsPolicy.SHIFT)
    assert shifts[0].task_id == moved and shifts[0].new == new_due
    new = {**due, **{s.task_id: s.new for s in shifts}}
    changed = {task for task in due if new[task] != due[task]} | {moved}
    assert changed - {moved} <= movable
    prerequisites: dict[int, list[int]] = {}
    for prerequisite, tasks in dependents.items():
        for task in tasks:
            prerequisites.setdefault(task, []).append(prerequisite)
    for task in changed:
        for dependent in dependents.get(task, []):
            if dependent in movable:
                assert new[dependent] >= new[task], f"{dependent} due {new[dependent]} before {task} ({new[task]})"
    for task in changed - {moved}:
        causes = [p for p in prerequisites.get(task, []) if p in changed]
        assert causes, f"{task} moved though none of its prerequisites did"
        allowed = max(max(new[p] - due[p], new[p] - due[task]) for p in causes)
        assert new[task] - due[task] <= allowed, (
            f"task {task} moved {due[task]} -> {new[task]}; its prerequisites moved "
            + ", ".join(f"{p}: {due[p]} -> {new[p]}" for p in causes)
        )
