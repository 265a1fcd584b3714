"""Every string of the UI has a French translation, and the compiled catalogue matches its source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale, gettext

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "fr" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "counted": (1, 2), "lazy_gettext": None, "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def _method_map() -> list[tuple[str, str]]:
    return [("gpect_workflow/**.py", "python"), ("templates/gpect_workflow/**.html", "jinja2")]


def source_messages() -> set[str]:
    """The message ids found in the code and templates, as ``make translations`` extracts them."""
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=_method_map(), keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue() -> dict[str, object]:
    with (CATALOGUE / "messages.po").open("rb") as handle:
        po = read_po(handle)
    return {(m.id if isinstance(m.id, str) else m.id[0]): m for m in po if m.id}


def test_the_extraction_finds_the_ui_strings() -> None:
    messages = source_messages()
    assert "Sign out" in messages  # from the layout template
    assert "Access denied" in messages  # from Python, marked with N_
    assert len(messages) > 50


def test_every_ui_string_has_a_french_translation() -> None:
    entries = catalogue()
    missing = sorted(m for m in source_messages() if m not in entries)
    untranslated = sorted(
        key
        for key, entry in entries.items()
        if not (entry.string if isinstance(entry.string, str) else all(entry.string)) or entry.fuzzy
    )
    assert not missing, f"strings absent from the French catalogue (run `make translations`): {missing}"
    assert not untranslated, f"strings without a French translation: {untranslated}"


def test_translations_keep_their_placeholders() -> None:
    for key, entry in catalogue().items():
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(key)), key


def test_the_compiled_catalogue_is_up_to_date() -> None:
    with (CATALOGUE / "messages.mo").open("rb") as handle:
        compiled = {_hashable(m.id): _hashable(m.string) for m in read_mo(handle) if m.id}
    source = {_hashable(entry.id): _hashable(entry.string) for entry in catalogue().values()}
    assert compiled == source, "run `make translations` to compile the French catalogue"


def _hashable(value: object) -> object:
    """Plural entries come as lists from a compiled catalogue and as tuples from its source."""
    return tuple(value) if isinstance(value, list | tuple) else value


@pytest.mark.parametrize(("language", "expected"), [("fr", "Se déconnecter"), ("en", "Sign out")])
def test_the_app_reads_the_catalogue(app: Flask, language: str, expected: str) -> None:
    with app.test_request_context("/"), force_locale(language):
        assert gettext("Sign out") == expected
