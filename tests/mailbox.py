"""Mail in tests: a real SMTP server (aiosmtpd) on a free port, and the development outbox folder."""
from __future__ import annotations

import email
import re
import shutil
import time
from email import policy
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.processes import free_port

LINK = re.compile(r"https?://\S+")


class Collector:
    """aiosmtpd handler: keeps every message it is given, parsed, with its envelope recipients."""

    def __init__(self):
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    """A real SMTP server in a thread of this process: what it receives is in .messages."""

    def __init__(self):
        self.collector = Collector()
        self.port = free_port()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        return self.collector.messages

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[Message]:
        deadline = time.time() + timeout
        while len(self.messages) < count and time.time() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} message(s) arrived, expected {count}"
        return self.messages


def body(message: Message) -> str:
    return message.get_body(("plain",)).get_content()


def links(message: Message) -> list[str]:
    return LINK.findall(body(message))


def outbox(path: str | Path) -> list[Message]:
    """The .eml files of the development outbox, oldest first, parsed. (By the time each was written: their names
    start with the second only, so two messages of the same second would sort at random by name.)"""
    folder = Path(path)
    if not folder.exists():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]


def empty_outbox(path: str | Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
