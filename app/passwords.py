"""Password hashes: werkzeug's current default method (scrypt today) for every account.

- `hash_password()` for real accounts (a random salt each time).
- `hash_password(password, salt=...)` for seeding only: one hash per run, its salt drawn from the run's
  seed, so the same seed repeats the users table exactly.
- `verify_unknown()` spends one real check on a dummy hash, so that signing in with an unknown e-mail
  takes as long as with a wrong password (the timing does not tell which e-mails exist).
- `needs_rehash()` spots a hash made with anything but the current method (e.g. pbkdf2 at 60,000
  rounds), which the next successful sign-in replaces.
"""
from __future__ import annotations

import inspect
import secrets
from functools import cache

from werkzeug.security import _hash_internal, check_password_hash, generate_password_hash

DEFAULT_METHOD: str = inspect.signature(generate_password_hash).parameters["method"].default


def hash_password(password: str, salt: str | None = None) -> str:
    if salt is None:
        return generate_password_hash(password)
    digest, method = _hash_internal(DEFAULT_METHOD, salt, password)  # generate_password_hash, with our salt
    return f"{method}${salt}${digest}"


def verify(stored_hash: str, password: str) -> bool:
    return bool(stored_hash) and check_password_hash(stored_hash, password)


def verify_unknown(password: str) -> bool:
    """The check a sign-in with an unknown e-mail gets: the same work as a real one, and always False."""
    check_password_hash(dummy_hash(), password)
    return False


def needs_rehash(stored_hash: str) -> bool:
    return stored_hash.split("$", 1)[0] != current_method()


def current_method() -> str:
    """The method and parameters a hash made today carries, e.g. "scrypt:32768:8:1"."""
    return dummy_hash().split("$", 1)[0]


@cache
def dummy_hash() -> str:
    """A hash of a random secret nobody knows, made once per process with the current default method."""
    return generate_password_hash(secrets.token_urlsafe(32))
