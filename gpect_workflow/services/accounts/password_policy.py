"""The password rule: long enough, not among the commonest, not the person's own address or name.

Length does most of the work (10 characters at least); the rest refuses what guessers try first — the
passwords every leaked list starts with, in French and English, keyboard runs, one character repeated,
and the account's own address or name — without composition rules, which push people to predictable
variations (NIST SP 800-63B, ANSSI).
"""

from __future__ import annotations

import re

from ...refusals import PASSWORD_ABOUT_YOU, PASSWORD_TOO_COMMON, PASSWORD_TOO_SHORT, PASSWORD_TOO_SIMPLE

MIN_LENGTH = 10
MIN_DISTINCT_CHARACTERS = 5

#: The commonest passwords of public leak lists (letters and digits only, lower-case), with the French
#: favourites; shorter ones are refused by the length already, variations with punctuation too (compared
#: without it).
COMMON_PASSWORDS = frozenset(
    [
        "1234567890",
        "0123456789",
        "0987654321",
        "1234512345",
        "1122334455",
        "1111111111",
        "0000000000",
        "1212121212",
        "1231231231",
        "123456789a",
        "a123456789",
        "123456789q",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "passwordpassword",
        "qwertyuiop",
        "qwerty1234",
        "qwerty12345",
        "qwerty123456",
        "1qaz2wsx3edc",
        "qazwsxedcrfv",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "azertyuiop",
        "azerty1234",
        "azerty12345",
        "azerty123456",
        "azertyazerty",
        "1a2z3e4r5t",
        "aqwzsxedcrfv",
        "motdepasse",
        "motdepasse1",
        "motdepasse12",
        "motdepasse123",
        "motdepasse2024",
        "motdepasse2025",
        "motdepasse2026",
        "bonjour123",
        "bonjour1234",
        "soleil1234",
        "marseille13",
        "doudou1234",
        "chouchou123",
        "loulou1234",
        "jetaime123",
        "iloveyou12",
        "iloveyou123",
        "welcome123",
        "welcome1234",
        "letmein123",
        "changeme123",
        "administrator",
        "admin12345",
        "admin123456",
        "administrateur",
        "superman123",
        "football123",
        "baseball123",
        "dragon1234",
        "monkey1234",
        "sunshine123",
        "princess123",
        "trustno1234",
        "abc1234567",
        "abcdef1234",
        "abcdefghij",
        "abcd123456",
        "gpectworkflow",
        "gpect12345",
        "azerty2024",
        "azerty2025",
        "azerty2026",
        "password2024",
        "password2025",
        "password2026",
        "bienvenue1",
        "bienvenue123",
    ]
)


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why ``password`` is refused for the person of ``email`` and ``name`` (field messages, msgids); empty
    when it is accepted."""
    if len(password) < MIN_LENGTH:
        return [PASSWORD_TOO_SHORT]
    problems: list[str] = []
    plain = _letters_and_digits(password)
    if plain in COMMON_PASSWORDS or plain.rstrip("0123456789") in COMMON_PASSWORDS:
        problems.append(PASSWORD_TOO_COMMON)
    if len(set(password.lower())) < MIN_DISTINCT_CHARACTERS:
        problems.append(PASSWORD_TOO_SIMPLE)
    own = {_letters_and_digits(email.partition("@")[0]), _letters_and_digits(name)}
    if any(len(word) >= 4 and word in plain for word in own):
        problems.append(PASSWORD_ABOUT_YOU)
    return problems
