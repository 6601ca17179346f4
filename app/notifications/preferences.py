"""A user's notification preferences: a channel per kind, the daily digest, quiet hours."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from app.extensions import db
from app.models import Channel, NotificationPreference, NotificationSettings, User
from app.notifications import kinds
from app.timezones import to_local, to_utc


def channel_for(user: User, kind: str) -> Channel:
    row = db.session.scalar(db.select(NotificationPreference).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    return Channel(row.channel) if row else kinds.get(kind).default


def channels(user: User) -> dict[str, Channel]:
    rows = db.session.scalars(db.select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    chosen = {row.kind: Channel(row.channel) for row in rows}
    return {k.name: chosen.get(k.name, k.default) for k in kinds.KINDS.values()}


def settings_for(user: User) -> NotificationSettings:
    """The user's settings row (not added to the session when there is none: the defaults)."""
    return db.session.get(NotificationSettings, user.id) or NotificationSettings(
        user_id=user.id, daily_digest=False, quiet_start=None, quiet_end=None, reminder_at=None)


def save(user: User, chosen: dict[str, Channel], daily_digest: bool, quiet_start: int | None,
         quiet_end: int | None, reminder_at: time | None = None) -> None:
    """Save the choices of /settings; `reminder_at`: the daily reminder's local time (None: off)."""
    existing = {row.kind: row for row in db.session.scalars(
        db.select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for kind, channel in chosen.items():
        row = existing.get(kind)
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=Channel(channel).value))
        else:
            row.channel = Channel(channel).value
    settings = db.session.get(NotificationSettings, user.id)
    if settings is None:
        settings = NotificationSettings(user_id=user.id)
        db.session.add(settings)
    settings.daily_digest = daily_digest
    settings.quiet_start, settings.quiet_end = quiet_start, quiet_end
    if settings.reminder_at != reminder_at:
        settings.last_reminder_on = None  # a new time: today may be reminded at it
    settings.reminder_at = reminder_at
    db.session.commit()


def set_channel(user: User, kind: str, channel: Channel) -> None:
    row = db.session.scalar(db.select(NotificationPreference).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    if row is None:
        db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel.value))
    else:
        row.channel = channel.value
    db.session.commit()


def unsubscribe(user: User, kind: str) -> None:
    """Turn this kind's e-mail off, keeping it in the app when it was there."""
    current = channel_for(user, kind)
    set_channel(user, kind, Channel.IN_APP if current.in_app else Channel.OFF)


def after_quiet_hours(user: User, when: datetime) -> datetime:
    """`when` (naive UTC), or the end of the user's quiet hours when it falls inside them."""
    settings = settings_for(user)
    local = to_local(when, user.zone)
    if not settings.in_quiet_hours(local.hour):
        return when
    end_day = local.date() if local.hour < settings.quiet_end else local.date() + timedelta(days=1)
    return to_utc(end_day, datetime.min.time().replace(hour=settings.quiet_end), user.zone)
