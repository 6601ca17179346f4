"""Password hashes: scrypt at OWASP's current minimum (N=2^17, r=8, p=1) for every account.

- `hash_password()` for real accounts (a random salt each time), with the app's PASSWORD_HASH_METHOD:
  PRODUCTION_METHOD everywhere but APP_ENV=test, whose cheaper parameters keep the test suite fast.
- `hash_password(password, salt=...)` for seeding only: one hash per run, its salt drawn from the run's
  seed, so the same seed repeats the users table exactly.
- `verify_unknown()` spends one real check on a dummy hash of the current method, so that signing in with an
  unknown e-mail costs as much as with a wrong password (the timing does not tell which e-mails exist);
  `spend_one_check()` is the same work for a path that has no password to check against (sign-up).
- `needs_rehash()` spots a hash weaker than the current method (pbkdf2, or scrypt with a smaller N, r or p),
  which the next successful sign-in replaces. A stronger one is left alone.
"""
from __future__ import annotations

import secrets
from functools import cache

from flask import current_app, has_app_context
from werkzeug.security import _hash_internal, check_password_hash, generate_password_hash

PRODUCTION_METHOD = "scrypt:131072:8:1"  # 128 MiB and about 0.4 s per hash on one core here
TEST_METHOD = "scrypt:4096:8:1"  # APP_ENV=test only


def current_method() -> str:
    """The method and parameters a hash made now carries, e.g. "scrypt:131072:8:1"."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or PRODUCTION_METHOD
    return PRODUCTION_METHOD


def hash_password(password: str, salt: str | None = None) -> str:
    method = current_method()
    if salt is None:
        return generate_password_hash(password, method=method)
    digest, method = _hash_internal(method, salt, password)  # generate_password_hash, with our salt
    return f"{method}${salt}${digest}"


def verify(stored_hash: str, password: str) -> bool:
    return bool(stored_hash) and check_password_hash(stored_hash, password)


def verify_unknown(password: str) -> bool:
    """The check a sign-in with an unknown e-mail gets: the same work as a real one, and always False."""
    check_password_hash(dummy_hash(), password)
    return False


def spend_one_check(password: str) -> None:
    """One check's worth of work that decides nothing (see verify_unknown)."""
    verify_unknown(password)


def _scrypt_parameters(method: str) -> tuple[int, int, int] | None:
    name, *args = method.split(":")
    if name != "scrypt":
        return None
    if not args:
        return 2**15, 8, 1  # werkzeug's reading of a bare "scrypt"
    try:
        n, r, p = map(int, args)
    except ValueError:
        return None
    return n, r, p


def needs_rehash(stored_hash: str) -> bool:
    """True when the stored hash is weaker than what hash_password() makes now."""
    stored = _scrypt_parameters((stored_hash or "").split("$", 1)[0])
    wanted = _scrypt_parameters(current_method())
    if stored is None or wanted is None:
        return (stored_hash or "").split("$", 1)[0] != current_method()
    return any(have < want for have, want in zip(stored, wanted, strict=True))


def dummy_hash() -> str:
    """A hash of a random secret nobody knows, with the current method (made once per process and method)."""
    return _dummy_hash(current_method())


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(32), method=method)
