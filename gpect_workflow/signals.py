"""Blinker signals a host application (and the notifications layer) can connect to.

They are sent inside the service's transaction, after the change is flushed and before the edge
commits: a receiver that writes rows (an outbox message, say) commits or rolls back with the change.
The sender is the Flask application; keyword arguments name what changed.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: ``plan=`` — a plan was started.
plan_created = _signals.signal("gpect-plan-created")
#: ``plan=, from_status=, to_status=, actor=, note=`` — held, resumed, cancelled or completed.
plan_status_changed = _signals.signal("gpect-plan-status-changed")
#: ``task=, from_status=, to_status=, actor=, note=, overrode_dependencies=``
task_status_changed = _signals.signal("gpect-task-status-changed")
#: ``task=, previous_assignee_id=, actor=``
task_reassigned = _signals.signal("gpect-task-reassigned")
#: ``plan=, shifts=[Shift], actor=, note=, told_apart=`` — the moved task first, then the dependents carried
#: along; ``told_apart``: ids of people told of the moved task's new date by another email.
deadline_moved = _signals.signal("gpect-deadline-moved")
#: ``plan=, stage=, actor=`` — a stage opened.
stage_entered = _signals.signal("gpect-stage-entered")
#: ``plan=, stage=, actor=`` — a stage's required tasks are finished and its committee gate waits.
stage_awaiting_decision = _signals.signal("gpect-stage-awaiting-decision")
#: ``plan=, stage=, actor=`` — a stage closed.
stage_closed = _signals.signal("gpect-stage-closed")
#: ``plan=, stage=, decision=, actor=`` — a committee decided at a gate (a ``CommitteeDecision``).
gate_decided = _signals.signal("gpect-gate-decided")
#: ``plan=, task=, request=, actor=`` — a partner asked the lead to move a deadline (a ``DelayRequest``).
delay_requested = _signals.signal("gpect-delay-requested")
#: ``plan=, task=, request=, actor=, moved_others=`` — the lead accepted or refused a delay request
#: (``request.status`` says; ``moved_others`` counts the dependents an acceptance moved).
delay_answered = _signals.signal("gpect-delay-answered")
#: ``plan=, role_key=, joining=[person ids], handed_task_ids=[task ids], actor=`` — a role was mapped again.
role_remapped = _signals.signal("gpect-role-remapped")
#: ``plan=, comment=, task=, stage=, actor=`` — someone commented on a task (``task``) or on a gate review
#: (``stage``, ``task`` then ``None``).
comment_added = _signals.signal("gpect-comment-added")
