"""Sending e-mail (app/mail.py): the notifications queue's job."""
from __future__ import annotations

from app.mail import send_email as deliver


def send_email(to: str, subject: str, text: str, html: str | None = None) -> str:
    path = deliver(to, subject, text, html)
    return f"written to {path}" if path else f"sent to {to}"
