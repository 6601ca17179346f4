"""Account mail decided off the request (app/services/accounts.py): the request does the same work whether or
not the address has an account, and these jobs look it up."""
from __future__ import annotations

from app.accounts import accounts


def signup_mail(nonce: str) -> str:
    return accounts.send_signup_mail(nonce)


def password_reset_mail(email: str) -> str:
    return accounts.send_password_reset_mail(email)
