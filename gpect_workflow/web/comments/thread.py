"""The discussion a task page or a gate review page shows: its timeline, its links, the form sent back.

The pages call ``task_discussion`` or ``gate_discussion`` and hand the result to the template
``tasks/_comments.html`` as ``discussion``; the views of ``comments.page`` draw the page again with the
comment form as the person left it when it needs them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from flask import request, url_for

from ...definitions import WorkflowDefinition
from ...models import Person, PlanStage, Task
from ...services.access import PlanAccess
from ...services.comments import Thread, gate_thread, task_thread
from ...services.paging import page_number
from ...validation import COMMENT_MAX_LENGTH
from ..linkify import linkify
from ..plans import texts

#: The query parameter naming the page of a discussion (the journal has its own).
PAGE_PARAMETER = "comments_page"


@dataclass
class CommentForm:
    """A comment form sent back: what was typed, for which comment (``None``: a new one), and why it failed."""

    body: str = ""
    comment_id: int | None = None
    errors: list[str] = field(default_factory=list)
    message: str | None = None


@dataclass(frozen=True)
class Discussion:
    """What ``tasks/_comments.html`` draws."""

    thread: Thread
    post_url: str
    earlier_url: str | None
    later_url: str | None
    form: CommentForm | None
    max_length: int = COMMENT_MAX_LENGTH
    #: The words of the journal (``describe``, ``actor``, ``when``) and the link maker, for the template.
    texts: ModuleType = texts
    linkify: object = linkify

    def form_for(self, comment_id: int | None) -> CommentForm:
        """The form sent back when it is this comment's (or the new comment's), else an empty one."""
        if self.form is not None and self.form.comment_id == comment_id:
            return self.form
        return CommentForm()


def task_discussion(
    person: Person,
    task: Task,
    access: PlanAccess,
    definition: WorkflowDefinition,
    stages: Iterable[PlanStage],
    form: CommentForm | None = None,
) -> Discussion:
    """The discussion of a task page (``access``: the reader's, already checked by the page)."""
    page = page_number(request.args.get(PAGE_PARAMETER))
    thread = task_thread(person, task, access, definition, stages, page)
    return _discussion(
        thread, "gpect.task_page", {"task_id": task.id}, url_for("gpect.task_comment", task_id=task.id), form
    )


def gate_discussion(
    person: Person,
    stage: PlanStage,
    access: PlanAccess,
    definition: WorkflowDefinition,
    form: CommentForm | None = None,
) -> Discussion:
    """The discussion of a gate review page."""
    page = page_number(request.args.get(PAGE_PARAMETER))
    thread = gate_thread(person, stage, access, definition, page)
    post = url_for("gpect.gate_comment", stage_id=stage.id)
    return _discussion(thread, "gpect.review_page", {"stage_id": stage.id}, post, form)


def _discussion(
    thread: Thread, endpoint: str, args: dict[str, Any], post_url: str, form: CommentForm | None
) -> Discussion:
    def page_url(number: int) -> str:
        values: dict[str, Any] = {**args, PAGE_PARAMETER: number}
        return url_for(endpoint, _anchor="comments", **values)

    earlier = page_url(thread.page + 1) if thread.has_earlier else None
    later = page_url(thread.page - 1) if thread.page > 1 else None
    return Discussion(thread, post_url, earlier, later, form)
