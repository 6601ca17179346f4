"""Sending e-mail (app/mail.py): the notifications queue's job."""
from __future__ import annotations

from app.mail import Outgoing
from app.mail import send_email as deliver


def send_email(message: Outgoing) -> str:
    path = deliver(message.to, message.subject, message.text, message.html)
    return f"written to {path}" if path else f"sent to {message.to}"
