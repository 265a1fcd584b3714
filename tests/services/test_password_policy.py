"""The password rule: length, the commonest passwords, the person's own address or name."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from gpect_workflow.errors import ValidationError
from gpect_workflow.models import PersonRole
from gpect_workflow.refusals import PASSWORD_ABOUT_YOU, PASSWORD_TOO_COMMON, PASSWORD_TOO_SHORT, PASSWORD_TOO_SIMPLE
from gpect_workflow.services.accounts.password_policy import password_problems

ME = {"email": "claire.martin@example.org", "name": "Claire Martin"}


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", PASSWORD_TOO_SHORT),
        ("1234567890", PASSWORD_TOO_COMMON),
        ("AZERTYUIOP", PASSWORD_TOO_COMMON),
        ("Mot-de-passe-123", PASSWORD_TOO_COMMON),
        ("motdepasse2026", PASSWORD_TOO_COMMON),
        ("aaaaaaaaaaaa", PASSWORD_TOO_SIMPLE),
        ("abababababab", PASSWORD_TOO_SIMPLE),
        ("claire.martin-2026", PASSWORD_ABOUT_YOU),
        ("ClaireMartin!!", PASSWORD_ABOUT_YOU),
    ],
)
def test_the_worst_passwords_are_refused_with_why(password: str, problem: str) -> None:
    assert problem in password_problems(password, **ME)


@pytest.mark.parametrize("password", ["correct horse battery", "le vélo bleu de Chartres", "Claire aime 3 rivières"])
def test_a_long_uncommon_password_is_accepted(password: str) -> None:
    assert password_problems(password, **ME) == []


def test_creating_an_account_applies_the_rule(app: Flask, create_user: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        create_user("claire.martin@example.org", PersonRole.LEAD, name="Claire Martin", password="azertyuiop")
    assert refused.value.fields == {"password": [PASSWORD_TOO_COMMON]}
