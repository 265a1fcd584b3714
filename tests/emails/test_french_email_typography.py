"""The French emails follow the same typography as the French catalogue (``tests/test_french_typography``).

The emails are written per language, as templates rather than catalogue messages, so their French is
checked here: each template's text, its Jinja tags set aside (a value stands where a tag was).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_french_typography import NBSP, violations

FRENCH_EMAILS = Path(__file__).resolve().parent.parent.parent / "templates" / "gpect_workflow" / "emails" / "fr"
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def french_text(template: str) -> list[str]:
    """The template's lines as a reader sees their words: tags replaced by a word, ``&nbsp;`` by its character."""
    text = TAG.sub("valeur", template).replace("&nbsp;", NBSP)
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("path", sorted(FRENCH_EMAILS.iterdir()), ids=lambda path: path.name)
def test_each_french_email_template_follows_french_typography(path: Path) -> None:
    wrong = [problem for line in french_text(path.read_text(encoding="utf-8")) for problem in violations(line)]
    assert not wrong, "\n".join(wrong)


def test_a_regular_space_before_a_colon_is_caught() -> None:
    assert violations(french_text("Étape : {{ stage }}")[0])
    assert not violations(french_text(f"Étape{NBSP}: {{{{ stage }}}}")[0])
