"""The French catalogue, read outside any page: for files people write in French.

A CSV file may name columns and values by the French labels the pages show. Services recognise them
without a request or a page language, so they read the compiled catalogue themselves; the words then
always match what the pages say, whatever the label tables and the catalogue become.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache

from babel.support import NullTranslations, Translations

from ..resources import translations_dir

#: Turns an English source message into a reader's words (``gettext`` of a page, or ``french``).
Translate = Callable[[str], str]


@cache
def _french() -> NullTranslations:
    """The compiled French catalogue (Babel falls back to no translation when it is missing)."""
    return Translations.load(str(translations_dir()), ["fr"])


def french(message: str) -> str:
    """``message`` (an English source of the catalogue) in French; itself when it has no translation."""
    return _french().gettext(message)


def english(message: str) -> str:
    """The English source itself: the words of the catalogue's messages are English."""
    return message


def spellings(label: str) -> tuple[str, ...]:
    """The ways a label may be written in a file: whole, and without its parenthesised aside
    (``Employment house (Maison de l'Emploi)`` is also ``Employment house``)."""
    short = label.split(" (", 1)[0].strip()
    return (label, short) if short != label else (label,)


def label_words(labels: Mapping[str, str], extra: Mapping[str, Iterable[str]] | None = None) -> dict[str, set[str]]:
    """Every word that names each code of ``labels``: the code, its English and French labels (with and
    without their aside) and the ``extra`` names (abbreviations, older names)."""
    words: dict[str, set[str]] = {}
    for code, label in labels.items():
        found = {str(code), *spellings(label), *spellings(french(label))}
        found.update((extra or {}).get(code, ()))
        words[str(code)] = found
    return words
