"""What a search asks for: the words of the typed text, folded the way the indexes fold them.

The text a person types never reaches a full-text engine as syntax. It is cut into words (letters and
digits; everything else separates), each folded to lower case without accents, and the query each engine
runs is built from those words alone, each quoted: ``"competence"* "region"*`` for SQLite's FTS5,
``'competence':* & 'region':*`` for PostgreSQL. Quotes, stars, ``NEAR(``, ``-``, ``AND``/``OR``, NUL bytes
are words or separators like any other, so no input is an engine error. Every word must match, as the start
of a word of the text (``competen`` finds "compétences", "region" finds "Régions").

The same folding is used to match the titles of definition tasks (held by the definitions, not the
database) and to highlight the matched words of a result, so what is found is what is highlighted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

#: The longest text searched for: longer is refused with a clear message, not cut silently.
MAX_QUERY_LENGTH = 200
#: At most this many words are searched for (the first ones); more would only narrow to nothing.
MAX_TERMS = 8
#: A word of the text: letters and digits (the underscore separates, as in both engines).
WORD = re.compile(r"[^\W_]+")
#: Letters that decompose to no base letter: folded as PostgreSQL's ``unaccent`` does.
LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "ł": "l"})
#: Words shown around the first match of a long text.
SNIPPET_WORDS = 24


def fold(text: str) -> str:
    """``text`` in lower case without accents: "Région" -> "region", "Œuvre" -> "oeuvre"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return WORD.findall(fold(text))


@dataclass(frozen=True, slots=True)
class Terms:
    """The folded words searched for (empty: nothing searchable was typed)."""

    words: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.words)

    def fts5(self) -> str:
        """The FTS5 query: every word, quoted, as a prefix."""
        return " ".join('"{}"*'.format(word.replace('"', '""')) for word in self.words)

    def tsquery(self) -> str:
        """The PostgreSQL ``to_tsquery`` text: every word, quoted, as a prefix, all required."""
        return " & ".join("'{}':*".format(word.replace("\\", "\\\\").replace("'", "''")) for word in self.words)

    def match(self, text: str | None) -> bool:
        """Whether every word searched for starts a word of ``text`` (the engines' rule, for texts they
        do not index: the definitions' task titles)."""
        if not text or not self.words:
            return False
        found = words(text)
        return all(any(word.startswith(term) for word in found) for term in self.words)

    def is_match(self, word: str) -> bool:
        """Whether one word of a text is found by the search."""
        folded = fold(word)
        return any(folded.startswith(term) for term in self.words)


def parse_terms(text: str) -> Terms:
    """The words of what a person typed, folded, without repeats, the first ``MAX_TERMS``."""
    unique = dict.fromkeys(words(text))
    return Terms(tuple(unique)[:MAX_TERMS])


def highlight(text: str, terms: Terms, *, snippet: bool = False) -> Markup:
    """``text`` escaped, its matched words in ``<mark>``; with ``snippet``, only the words around the first
    match (``…`` where cut). Every piece of ``text`` is escaped: only the ``<mark>`` tags are markup."""
    pieces = re.split(r"([^\W_]+)", text)  # odd positions are words, even ones what lies between
    if snippet:
        pieces = _around_first_match(pieces, terms)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2 and terms.is_match(piece):
            out.append(Markup("<mark>{}</mark>").format(piece))
        else:
            out.append(escape(piece))
    return Markup("").join(out)


def _around_first_match(pieces: list[str], terms: Terms) -> list[str]:
    """The pieces of ``SNIPPET_WORDS`` words around the first matched word, ``…`` where the text is cut."""
    word_positions = list(range(1, len(pieces), 2))
    if len(word_positions) <= SNIPPET_WORDS:
        return pieces
    first = next((i for i, position in enumerate(word_positions) if terms.is_match(pieces[position])), 0)
    start = max(0, min(first - SNIPPET_WORDS // 3, len(word_positions) - SNIPPET_WORDS))
    begin = word_positions[start]
    end = word_positions[start + SNIPPET_WORDS - 1] + 1
    kept = pieces[begin:end]
    # Keep the alternation (separators at even positions): wrap with the cut marks as separators.
    return ["… " if start else "", *kept, " …" if end < len(pieces) - 1 else ""]
