"""The gateway's own /metrics, in the Prometheus text format.

Counted as they happen: messages delivered, slow clients dropped, and delivery latency (from the
publisher's "at" stamp, app/live/publisher.py, to the write of the message to its last socket).
Read from the hub at each scrape (and every REFRESH_EVERY seconds): open sockets, hidden ones, and subscriptions
per topic kind (the part of a topic's name before the first ':': dashboard, user, jobs).

Without PROMETHEUS_MULTIPROC_DIR a gateway reports its own figures. With it (always for `flask gateway
--processes N`: app/live/gateway/processes.py), every gateway process writes its figures to the directory, and
any of them answers /metrics with the gateway figures of all of them: with several processes on one port, a scrape
reaches one of them at random. Sockets are then per process (a `pid` label), the rest summed.
"""
from __future__ import annotations

import asyncio
import hmac
from collections import Counter as Tally

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from app.live.topics import topic_kind
from app.observability.instruments import GATEWAY_BROADCASTS, GATEWAY_SOCKETS

REFRESH_EVERY = 1.0  # seconds: how stale another process's socket figures may be in multiprocess mode
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.125, 0.15,
                   0.2, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class GatewayMetrics:
    def __init__(self, multiprocess_dir: str = ""):
        # PROMETHEUS_MULTIPROC_DIR: prometheus_client chose where values live from the same variable
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        self.hub = None
        self.sockets = Gauge("timeboard_gateway_sockets", "Open sockets on this gateway process",
                             multiprocess_mode="liveall", registry=self.registry)
        self.hidden = Gauge("timeboard_gateway_hidden_sockets", "Open sockets whose page is not visible (their "
                            "streams are coalesced)", multiprocess_mode="livesum", registry=self.registry)
        self.subscriptions = Gauge("timeboard_gateway_subscriptions", "Socket subscriptions by topic kind", ["kind"],
                                   multiprocess_mode="livesum", registry=self.registry)
        self._kinds: set[str] = set()
        self.delivered = Counter("timeboard_gateway_messages_delivered", "Streams sent to sockets",
                                 registry=self.registry)
        self.dropped = Counter("timeboard_gateway_slow_clients_dropped",
                               "Sockets closed because their send buffer was full", registry=self.registry)
        self.superseded = Counter("timeboard_gateway_superseded_streams_dropped",
                                  "Streams left out of a slow client's backlog because a later one replaced the "
                                  "same target", registry=self.registry)
        self.resumes = Counter("timeboard_gateway_resumes", "Sockets that asked to resume from an offset, by how: "
                               "caught-up (sent what they missed) or refreshed (the history did not reach back)",
                               ["result"], registry=self.registry)
        self.latency = Histogram("timeboard_gateway_delivery_latency_seconds",
                                 "From publish (on Redis) to the write to its last socket",
                                 buckets=LATENCY_BUCKETS,
                                 registry=self.registry)

        self.applied = Histogram("timeboard_gateway_applied_latency_seconds",
                                 "From publish (on Redis) to applied in the browser (a page's acknowledgement of a "
                                 "sampled stream, GATEWAY_LATENCY_SAMPLE), by topic kind",
                                 ["kind"], buckets=LATENCY_BUCKETS, registry=self.registry)

    def watch(self, hub) -> None:
        """Report the hub's sockets and subscriptions, and what this process counted in the shared instruments
        (open sockets, broadcasts by topic kind: app/observability/instruments.py)."""
        self.hub = hub
        if not self.multiprocess_dir:
            self.registry.register(_Shared())

    def refresh(self) -> None:
        """The hub's figures as they are now."""
        hub = self.hub
        self.sockets.set(len(hub.subscribers))
        self.hidden.set(sum(1 for s in list(hub.subscribers) if s.hidden))
        kinds = Tally()
        for topic, subscribers in list(hub.topics.items()):
            kinds[topic_kind(topic)] += len(subscribers)
        for kind in self._kinds - set(kinds):
            self.subscriptions.labels(kind).set(0)
        for kind, count in kinds.items():
            self.subscriptions.labels(kind).set(count)
        self._kinds |= set(kinds)

    async def refresh_forever(self) -> None:
        """Multiprocess mode: keep this process's figures fresh for a scrape that reaches another process."""
        while True:
            self.refresh()
            await asyncio.sleep(REFRESH_EVERY)

    def render(self) -> bytes:
        self.refresh()
        if not self.multiprocess_dir:
            return generate_latest(self.registry)
        machine = CollectorRegistry()
        machine.register(_GatewayFiles(self.multiprocess_dir))
        return generate_latest(machine)


class _Shared:
    def collect(self):
        yield from GATEWAY_SOCKETS.collect()
        yield from GATEWAY_BROADCASTS.collect()


class _GatewayFiles:
    """The gateway figures of every process that wrote to the multiprocess directory (the web's and workers'
    figures are the web process's /metrics to report)."""

    def __init__(self, path: str):
        self.files = MultiProcessCollector(None, path)

    def collect(self):
        for family in self.files.collect():
            if family.name.startswith("timeboard_gateway_"):
                yield family


def scrape_allowed(token: str, authorization: str | None, remote_ip: str | None) -> bool:
    """As the app's /metrics: a configured METRICS_TOKEN must be sent as a bearer token; without one,
    loopback clients only (the gateway knows no signed-in admins)."""
    if token:
        return hmac.compare_digest(authorization or "", f"Bearer {token}")
    return remote_ip in ("127.0.0.1", "::1")
