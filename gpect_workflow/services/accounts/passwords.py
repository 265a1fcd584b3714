"""Password hashes: argon2 for every new one, older werkzeug hashes upgraded at the next sign-in, and a
check that costs the same whether or not the account exists.

A sign-in that stopped at "no such address" would answer in a fraction of the time a hash check takes,
telling anyone who times it which addresses have accounts. Every attempt is therefore checked against a
hash: the person's, or for an unknown address, an inactive account or a person without a password, a
dummy argon2 hash made once per process with the same parameters.
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

from ...models import Person
from ..context import session

#: argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 50 ms a check, so a sign-in
#: stays quick on a small server while each guess stays costly; hashes made with other parameters are
#: re-hashed at the next successful sign-in.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
ARGON2_PREFIX = "$argon2"


def hash_password(password: str) -> str:
    """The argon2id hash to store for ``password``."""
    return _HASHER.hash(password)


@cache
def _dummy_hash() -> str:
    """A hash of a random secret no one knows, made once, to check unknown accounts against."""
    return _HASHER.hash(secrets.token_urlsafe(32))


def _matches(stored: str, password: str) -> bool:
    if stored.startswith(ARGON2_PREFIX):
        try:
            return _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    # pbkdf2 and scrypt hashes werkzeug made before argon2; upgraded once the password is known.
    return check_password_hash(stored, password)


def check_password(person: Person | None, password: str) -> bool:
    """Whether ``password`` opens ``person``'s account, taking the same time when there is no such account
    (``None``), it is inactive or it has no password; a correct password stored under a weaker hash is
    re-hashed with argon2 (stored with the request's unit of work)."""
    usable = person is not None and person.is_active and bool(person.password_hash)
    stored = person.password_hash if usable and person is not None and person.password_hash else _dummy_hash()
    if not _matches(stored, password) or not usable or person is None:
        return False
    if not stored.startswith(ARGON2_PREFIX) or _HASHER.check_needs_rehash(stored):
        person.password_hash = hash_password(password)
        session().flush()
    return True
