"""Dashboard keys: "dashboard:user:7", "dashboard:team:3", "dashboard:org:42", "dashboard:system".

A key names a dashboard, its cache entries, its job's coalescing key and its stream topic (the
topic is the key itself, checked by app.policies.can_receive).
"""
from __future__ import annotations

from dataclasses import dataclass

KINDS = ("user", "team", "org", "system")


class BadDashboardKey(ValueError):
    pass


@dataclass(frozen=True)
class DashboardKey:
    kind: str
    id: int | None = None

    @classmethod
    def parse(cls, key: str) -> DashboardKey:
        parts = (key or "").split(":")
        if parts == ["dashboard", "system"]:
            return cls("system")
        if len(parts) == 3 and parts[0] == "dashboard" and parts[1] in ("user", "team", "org"):
            try:
                return cls(parts[1], int(parts[2]))
            except ValueError:
                pass
        raise BadDashboardKey(f"not a dashboard key: {key!r}")

    def __str__(self) -> str:
        return "dashboard:system" if self.kind == "system" else f"dashboard:{self.kind}:{self.id}"

    @property
    def url(self) -> str:
        return {"user": "/dashboard", "team": f"/dashboard/team/{self.id}", "org": f"/dashboard/org/{self.id}",
                "system": "/dashboard/system"}[self.kind]


def user_key(user_id: int) -> str:
    return f"dashboard:user:{user_id}"


def team_key(team_id: int) -> str:
    return f"dashboard:team:{team_id}"


def org_key(organization_id: int) -> str:
    return f"dashboard:org:{organization_id}"


SYSTEM_KEY = "dashboard:system"
