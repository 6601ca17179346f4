"""Files an e-mail notification carries, by kind. The feature that owns a kind provides them (reports: a scheduled
report's file), so delivery never imports a feature above it; create_app() registers the providers."""
from __future__ import annotations

from collections.abc import Callable

from app.models import Notification

Attachment = tuple[str, bytes, str]  # file name, content, MIME type
_providers: dict[str, Callable[[Notification], list[Attachment]]] = {}


def provide(kind: str, provider: Callable[[Notification], list[Attachment]]) -> None:
    """`provider(notification)` gives the attachments of a notification of this kind (registering twice is harmless)."""
    _providers[kind] = provider


def attachments(notification: Notification) -> list[Attachment]:
    provider = _providers.get(notification.kind)
    return provider(notification) if provider is not None else []
