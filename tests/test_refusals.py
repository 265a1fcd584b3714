"""Every refusal has a code, English words with exactly its parameters, and the same in French.

Readers never interpret a refusal's words (pages translate the code, the API publishes it): these tests keep
the code, the words and the translation of each refusal in step.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale

from gpect_workflow import refusals
from gpect_workflow.errors import InvalidTransition, StaleObject, ValidationError
from gpect_workflow.models import PlanStatus, TaskStatus
from gpect_workflow.refusals import MESSAGES, PARAMETERS, Refusal, fill
from gpect_workflow.web.refusals import error_fields, refusal_text

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _french() -> dict[str, str]:
    with (ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {str(message.id): str(message.string) for message in read_po(handle) if message.id}


def _field_messages() -> dict[str, str]:
    """The module's field messages: its upper-case string constants."""
    return {name: value for name, value in vars(refusals).items() if name.isupper() and isinstance(value, str)}


@pytest.mark.parametrize("refusal", list(Refusal), ids=str)
def test_each_refusal_has_words_naming_exactly_its_parameters(refusal: Refusal) -> None:
    named = set(PLACEHOLDER.findall(MESSAGES[refusal]))
    assert named == set(PARAMETERS.get(refusal, ())), f"{refusal}: the words and PARAMETERS disagree"
    words = refusal.words(**{name: f"<{name}>" for name in named})
    assert "%(" not in words and all(f"<{name}>" in words for name in named)


def test_codes_are_unique_and_stable_snake_case() -> None:
    values = [refusal.value for refusal in Refusal]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", value) for value in values)
    assert all(refusal.name.lower() == refusal.value for refusal in Refusal), "the name says the code"


@pytest.mark.parametrize("message", [*MESSAGES.values(), *_field_messages().values()])
def test_each_refusal_and_field_message_is_in_french_with_the_same_parameters(message: str) -> None:
    french = _french().get(message)
    assert french, f"no French for {message!r}"
    assert set(PLACEHOLDER.findall(french)) == set(PLACEHOLDER.findall(message))


def test_a_page_tells_the_refusal_in_its_language_with_stored_values_by_their_labels(app: Flask) -> None:
    refused = InvalidTransition(Refusal.TASK_CANNOT_GO, current=TaskStatus.DONE, target=TaskStatus.BLOCKED)
    with app.test_request_context():
        with force_locale("fr"):
            french = "Cette tâche ne peut pas passer de «\u00a0faite\u00a0» à «\u00a0bloquée\u00a0»."
            assert refusal_text(refused) == french
        with force_locale("en"):
            assert refusal_text(refused) == "This task cannot go from “done” to “blocked”."
        held = InvalidTransition(Refusal.PLAN_ALREADY_IN_STATUS, current=PlanStatus.ON_HOLD)
        with force_locale("fr"):
            assert "«\u00a0suspendu\u00a0»" in refusal_text(held)
        stale = StaleObject(Refusal.CHANGED_MEANWHILE, who="Claire Martin", event="task_status_changed")
        with force_locale("fr"):
            assert refusal_text(stale).startswith("Claire Martin a modifié cet élément")


def test_field_messages_are_translated_with_the_error_s_parameters(app: Flask) -> None:
    error = ValidationError(Refusal.INVALID_INPUT, {"roles": [refusals.ROLES_UNMAPPED]}, roles="region, companies")
    with app.test_request_context(), force_locale("fr"):
        assert error_fields(error) == {
            "roles": ["Attribuez ces rôles à une organisation et à au moins une personne\u00a0: region, companies."]
        }
    assert fill(refusals.ROLES_UNMAPPED, error.params).endswith(": region, companies.")


def test_no_page_shows_an_error_s_english_words() -> None:
    """Pages tell refusals by their code (``web.refusals``); ``str(error)`` is English, for logs and the API."""
    offenders = []
    for path in sorted((ROOT / "gpect_workflow" / "web").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "str"
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in {"error", "exc", "exception", "refused", "e"}
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"pages must not show an error's English words: {offenders}"


def test_the_api_guide_lists_every_refusal_code() -> None:
    guide = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [refusal.value for refusal in Refusal if f"| `{refusal.value}` |" not in guide]
    assert not missing, f"docs/api.md does not list these refusal codes: {missing}"
