"""Sending e-mail (app/notifications/mail.py): the notifications queue's job."""
from __future__ import annotations

from app.notifications.mail import Outgoing
from app.notifications.mail import send_email as deliver


def send_email(message: Outgoing) -> str:
    path = deliver(message.to, message.subject, message.text, message.html)
    return f"written to {path}" if path else f"sent to {message.to}"
