"""Names compared as people read them: « Region Centre Val-de-Loire » is « Région Centre-Val de Loire ».

The directory warns of a likely duplicate when a new organisation's or person's name folds to the same
words as an existing one's: case, accents, punctuation and spacing set aside. One function says how, so the
directory's forms, the plan wizard and the import all compare alike.
"""

from __future__ import annotations

import unicodedata

#: Letters that no Unicode decomposition splits, written out as French readers spell them without ligature.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def normalised_name(name: str) -> str:
    """``name`` folded for comparison: lower case, without accents, punctuation as spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_LIGATURES))
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join("".join(char if char.isalnum() else " " for char in letters).split())
