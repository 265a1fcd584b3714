"""Finding English in a page meant to be French: the application's own sentences, not the data shown.

Two nets:

* **the catalogue**: every English message of the application (``translations/fr/LC_MESSAGES/messages.po``)
  whose French differs; a page in French showing one of them, or a piece of one between its
  placeholders, shows a string that escaped translation;
* **the words**: a run of text with at least three English function words ("the", "you", "is"...) and more
  of them than French ones is an English sentence, even one that never reached the catalogue (a service's
  message shown as it is, a template's hard-coded text); so is a run of five words or more with two
  English function words and no French one ("The server cannot provide the requested range").

Short messages (a button's "Save", a heading's "My tasks") slip through both nets, too short for the first
and without enough words for the second: ``english_labels`` takes the texts of a page's labels, buttons,
links, headings and options one by one, and finds those that are, whole, an English message of the
catalogue that French writes otherwise (and that no French message writes so, like "Date" or "Source").

Data shown as it is (plan names, addresses, server answers, codes) is the reader's business: the caller
leaves it out with ``ignore``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parent.parent / "translations" / "fr" / "LC_MESSAGES" / "messages.po"

ENGLISH_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "are",
        "you",
        "your",
        "this",
        "that",
        "with",
        "for",
        "not",
        "be",
        "has",
        "have",
        "will",
        "was",
        "were",
        "it",
        "its",
        "on",
        "in",
        "at",
        "by",
        "from",
        "an",
        "or",
        "please",
        "may",
        "can",
        "there",
        "their",
        "they",
        "these",
        "those",
        "which",
        "what",
        "when",
        "who",
        "how",
        "been",
        "would",
        "should",
        "could",
        "does",
        "did",
        "done",
        "here",
        "yet",
        "only",
        "any",
        "all",
        "each",
        "every",
        "other",
        "than",
        "then",
    ]
)
FRENCH_WORDS = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "et",
        "un",
        "une",
        "est",
        "sont",
        "pour",
        "dans",
        "sur",
        "au",
        "aux",
        "vous",
        "votre",
        "vos",
        "ce",
        "cette",
        "ces",
        "qui",
        "que",
        "pas",
        "plus",
        "par",
        "avec",
        "ne",
        "ou",
        "mais",
        "si",
        "il",
        "elle",
        "ils",
        "elles",
        "leur",
        "leurs",
        "en",
        "y",
        "être",
        "été",
        "à",
        "sa",
        "son",
        "ses",
    ]
)
#: Catalogue messages shorter than this are too likely to stand in data ("OK", "PDF", "CSV", "n°").
SHORTEST_MESSAGE = 8
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")
#: A word with a slash: an address or its path ("/links/mark-done/..."), a date, a time zone; no sentence.
_SLASHED = re.compile(r"\S*/\S*")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ']+")


@dataclass(frozen=True, slots=True)
class Leak:
    """English found in a French page: the text around it, and why it counts."""

    text: str
    reason: str


@cache
def english_messages() -> tuple[str, ...]:
    """The catalogue's English fragments (between placeholders) that French writes otherwise."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    fragments: set[str] = set()
    messages = [message for message in catalogue if message.id]
    # A fragment the French messages themselves write ("organisation", "Cluster") is no sign of English.
    all_french = "\n".join(form for message in messages for form in _forms(message.string) if form).casefold()
    for message in messages:
        english = message.id if isinstance(message.id, str) else message.id[0]
        french = _forms(message.string)[0]
        if not english or not french or english == french:
            continue
        for fragment in _PLACEHOLDER.split(english):
            fragment = fragment.strip(" .,:;()\n")
            if (
                len(fragment) >= SHORTEST_MESSAGE
                and fragment not in french
                and fragment.casefold() not in all_french
                and _has_letters(fragment)
            ):
                fragments.add(fragment)
    return tuple(sorted(fragments, key=len, reverse=True))


def _forms(string: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """A message's translation, each plural form apart (an empty one when it has none)."""
    if isinstance(string, tuple):
        return string or ("",)
    return (string or "",)


@cache
def english_short_messages() -> frozenset[str]:
    """The catalogue's whole English messages without placeholders, that French writes otherwise."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    english: set[str] = set()
    french: set[str] = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        french.update(_plain(string) for string in strings if string)
        if not all(strings) or set(ids) == set(strings):
            continue
        english.update(_plain(text) for text in ids if text and not _PLACEHOLDER.search(text))
    return frozenset(text for text in english - french if sum(c.isalpha() for c in text) >= 2)


def english_labels(labels: Iterable[str], ignore: Iterable[str] = ()) -> list[Leak]:
    """The ``labels`` (the texts of a page's short elements, one by one) that are an English message, whole."""
    shown = {_plain(text) for text in ignore}
    messages = english_short_messages()
    return [
        Leak(label, "English label")
        for label in dict.fromkeys(_plain(label) for label in labels)
        if label in messages and label not in shown
    ]


def _plain(text: str) -> str:
    return " ".join(text.split())


def _has_letters(text: str) -> bool:
    return sum(character.isalpha() for character in text) >= SHORTEST_MESSAGE - 2


def english_in(text: str, ignore: Iterable[str] = ()) -> list[Leak]:
    """The English of the application in ``text`` (a French page's visible text), ``ignore`` left out."""
    for shown in sorted(ignore, key=len, reverse=True):
        if shown:
            text = text.replace(shown, " ")
    leaks = [Leak(_around(text, fragment), "catalogue") for fragment in english_messages() if fragment in text]
    # A table cell reads alone: innerText ends each with a tab.
    for line in re.split(r"[\n\t.!?…]+", _SLASHED.sub(" ", text)):
        words = [word.lower() for word in _WORD.findall(line)]
        english = sum(word in ENGLISH_WORDS for word in words)
        french = sum(word in FRENCH_WORDS for word in words)
        if (english >= 3 and english > french) or (english >= 2 and not french and len(words) >= 5):
            leaks.append(Leak(line.strip(), "English words"))
    return leaks


def _around(text: str, fragment: str) -> str:
    start = text.index(fragment)
    return text[max(0, start - 30) : start + len(fragment) + 30].replace("\n", " ")
