"""The French emails, as their snapshots keep them, show no English sentence of the application.

The browser walk reads the emails the demo leaves in the outbox; the snapshots hold every kind and case
(``tests/emails/test_email_snapshots.py``), so each is read here too, its HTML as text and its plain text as it is.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.language_check import english_in

FRENCH_SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / "emails" / "fr"

#: English the snapshots show that belongs to work under way elsewhere, each with its reason. Remove an
#: entry once that work lands.
KNOWN_ENGLISH: dict[str, str] = {}


def _text(snapshot: Path) -> str:
    content = snapshot.read_text(encoding="utf-8")
    if snapshot.suffix != ".html":
        return content
    content = re.sub(r"<(style|head)\b.*?</\1>", " ", content, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", content))


@pytest.mark.parametrize("snapshot", sorted(FRENCH_SNAPSHOTS.iterdir()), ids=lambda path: path.name)
def test_a_french_email_shows_no_english(snapshot: Path) -> None:
    leaks = english_in(_text(snapshot), ignore=KNOWN_ENGLISH)
    assert not leaks, "\n".join(f"{leak.reason}: {leak.text!r}" for leak in leaks)
