"""The comment forms of the task and gate review pages: write, change or delete a comment.

Plain POST forms, one transaction each, checked by ``services.comments``. Done, they come back to the
page, at the comment (Post/Redirect/Get). Otherwise the page is drawn again with the text as the person
left it: 422 beside the field for input it refuses (empty, too long), 409 with the reason when the change
is refused now (the edit window passed, the comment deleted, changed meanwhile). Someone who may not see
the plan gets the 404 of the page itself; someone else's comment, a 403.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from ...errors import InvalidTransition, StaleObject, ValidationError
from ...models import Comment
from ...services.comments import comment_on_gate, comment_on_task, delete_comment, edit_comment, get_comment
from ...services.stages.gate_review import gate_review
from ...services.unit_of_work import after_rollback
from ..auth import signed_in
from ..inputs import as_id
from ..refusals import error_fields, refusal_text
from ..stages import render_review
from ..tasks.page import render_task
from .thread import CommentForm


def register(blueprint: Blueprint) -> None:
    """Add the comment forms to the UI blueprint."""
    blueprint.add_url_rule("/tasks/<id:task_id>/comments", "task_comment", view_func=comment_task, methods=["POST"])
    blueprint.add_url_rule("/stages/<id:stage_id>/comments", "gate_comment", view_func=comment_gate, methods=["POST"])
    blueprint.add_url_rule("/comments/<id:comment_id>/edit", "comment_edit", view_func=edit, methods=["POST"])
    blueprint.add_url_rule("/comments/<id:comment_id>/delete", "comment_delete", view_func=delete, methods=["POST"])


@signed_in(back_to="gpect.task_page")
def comment_task(task_id: int) -> Any:
    """Add a comment to the task (anyone who may see its plan)."""
    form = CommentForm(body=request.form.get("body", ""))
    try:
        comment = comment_on_task(current_user, task_id, form.body)
    except ValidationError as error:
        _with_errors(form, error)
        return after_rollback(lambda: _task_again(task_id, form, 422))
    return _done(comment, gettext("Your comment is added."))


@signed_in(back_to="gpect.review_page")
def comment_gate(stage_id: int) -> Any:
    """Add a comment to the stage's gate review (anyone who may see its plan)."""
    form = CommentForm(body=request.form.get("body", ""))
    try:
        comment = comment_on_gate(current_user, stage_id, form.body)
    except ValidationError as error:
        _with_errors(form, error)
        return after_rollback(lambda: _gate_again(stage_id, form, 422))
    return _done(comment, gettext("Your comment is added."))


@signed_in
def edit(comment_id: int) -> Any:
    """Change the text of one's own comment, within the edit window."""
    comment = get_comment(current_user, comment_id)  # NotFound for someone who may not see the plan
    form = CommentForm(body=request.form.get("body", ""), comment_id=comment_id)
    try:
        edit_comment(current_user, comment_id, form.body, _version())
    except (ValidationError, InvalidTransition, StaleObject) as error:
        return _refused(comment, form, error)
    return _done(comment, gettext("Your comment is changed."))


@signed_in
def delete(comment_id: int) -> Any:
    """Delete one's own comment, within the edit window; the discussion says a comment was deleted."""
    comment = get_comment(current_user, comment_id)
    form = CommentForm(comment_id=comment_id)
    try:
        delete_comment(current_user, comment_id, _version())
    except (InvalidTransition, StaleObject) as error:
        return _refused(comment, form, error)
    return _done(comment, gettext("Your comment is deleted."))


def _version() -> int | None:
    return as_id(request.form.get("expected_version"))


def _with_errors(form: CommentForm, error: ValidationError) -> CommentForm:
    form.errors = [message for messages in error_fields(error).values() for message in messages]
    return form


def _refused(comment: Comment, form: CommentForm, error: Exception) -> Any:
    """The page again once the refused change is rolled back: 422 beside the text, 409 with the reason."""
    if isinstance(error, ValidationError):
        status = 422
        _with_errors(form, error)
    else:
        status = 409
        form.message = refusal_text(error)  # type: ignore[arg-type]
    task_id, stage_id = comment.task_id, comment.stage_id
    if task_id is not None:
        return after_rollback(lambda: _task_again(task_id, form, status))
    assert stage_id is not None
    return after_rollback(lambda: _gate_again(stage_id, form, status))


def _task_again(task_id: int, form: CommentForm, status: int) -> tuple[str, int]:
    return render_task(task_id, status=status, comment_form=form)


def _gate_again(stage_id: int, form: CommentForm, status: int) -> tuple[str, int]:
    return render_review(gate_review(current_user, stage_id), status, comment_form=form)


def _done(comment: Comment, message: str) -> Response:
    """Say what was done, and go back to the discussion, at the comment."""
    flash(message)
    anchor = f"comment-{comment.id}"
    if comment.task_id is not None:
        return redirect(url_for("gpect.task_page", task_id=comment.task_id, _anchor=anchor))
    return redirect(url_for("gpect.review_page", stage_id=comment.stage_id, _anchor=anchor))
