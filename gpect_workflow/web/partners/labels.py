"""The wording of the partners import's messages, in the page's language.

The labels of the directory's stored values (organisation kinds, roles, languages) are those of
``gpect_workflow.vocabulary``, read with ``web.labels.label`` like every other stored value; the import
recognises the same words in files.
"""

from __future__ import annotations

from flask_babel import gettext

from ...services.partners.importing.checking import Problem
from ...services.partners.importing.vocabulary import wording


def import_message(code: str, params: dict[str, object] | None = None) -> str:
    """An import problem, action or note (a code of ``importing.vocabulary.MESSAGES``) in the page's language."""
    return wording(code, params, gettext)


def problem_message(problem: Problem) -> str:
    """One row problem in the page's language."""
    return import_message(problem.code, dict(problem.params))
