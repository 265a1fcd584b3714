"""Tasks: their changes (status, assignee, deadline, more time) and a person's own tasks.

A task's status change, the use case most code calls, is importable from the package itself.
"""

from .changes import change_task_status

__all__ = ["change_task_status"]
