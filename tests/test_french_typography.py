"""French typography in the French catalogue: guillemets and no-break spaces where French sets them.

French sets « » (never “ ”) with a no-break space inside, and a no-break space before ``: ; ? !`` when
they punctuate a sentence. The catalogue uses U+00A0 throughout, as the emails' ``&nbsp;`` does, so a
line never starts with a lone colon or guillemet. A mark not followed by a space or the end of the text
is not sentence punctuation (``09:00``, ``https://``, ``a;b``, ``?page=2``) and is left alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parent.parent / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
NBSP = "\u00a0"

#: (what is wrong, where it is wrong)
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("English quotes “ ” in French", re.compile(r"[“”]")),
    ("« without a no-break space after it", re.compile(rf"«(?!{NBSP})")),
    ("» without a no-break space before it", re.compile(rf"(?<!{NBSP})»")),
    ("no no-break space before : ; ? !", re.compile(rf"(?<!{NBSP})(?<!^)[:;?!](?=\s|$)")),
)


def french_strings() -> list[tuple[str, str]]:
    """``(msgid, msgstr)`` of every translated message, each plural form apart."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    strings = []
    for message in catalogue:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        strings.extend((key, form) for form in forms)
    return strings


def violations(text: str) -> list[str]:
    """What is wrong with the typography of a French ``text`` (nothing when it is right)."""
    return [
        f"{name}: …{text[max(0, m.start() - 15) : m.end() + 15]}…" for name, rule in RULES for m in rule.finditer(text)
    ]


def test_the_french_catalogue_follows_french_typography() -> None:
    wrong = [f"{key!r}: {problem}" for key, text in french_strings() for problem in violations(text)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "text",
    [
        f"Étape{NBSP}: «{NBSP}Diagnostic{NBSP}»",
        "Rappel à 09:00 chaque jour",
        "Voir https://gpect.example.org/plans?page=2",
        "Colonnes attendues indicator;date;value;source",
        "Écrivez à prenom.nom@example.org",
        f"%(column)s{NBSP}: %(message)s",
        f"Vraiment{NBSP}? Oui{NBSP}!",
    ],
)
def test_what_is_right_is_not_flagged(text: str) -> None:
    assert violations(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Étape : Diagnostic",
        "Étape: Diagnostic",
        f"«{NBSP}Diagnostic »",
        "« Diagnostic »",
        "“Diagnostic”",
        "Vraiment ?",
        "a ; b",
    ],
)
def test_what_is_wrong_is_flagged(text: str) -> None:
    assert violations(text) != []
