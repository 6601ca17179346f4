"""The gateway's own /metrics: one registry per gateway process (each process reports its own
sockets; Prometheus sums the gateways), served in the Prometheus text format.

Counted as they happen: messages delivered, slow clients dropped, and delivery latency (from the
publisher's "at" stamp, app/live/publisher.py, to the write of the message to its last socket).
Read at each scrape from the
hub: connected sockets and subscriptions per topic kind (the part of a topic's name before the first
':': dashboard, user, jobs).
"""
from __future__ import annotations

import hmac
from collections import Counter as Tally

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from app.live.topics import topic_kind
from app.observability.instruments import GATEWAY_BROADCASTS, GATEWAY_SOCKETS

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0)


class GatewayMetrics:
    def __init__(self):
        self.registry = CollectorRegistry()
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
        """Report the hub's sockets and subscriptions at every scrape, and what this process counted in the
        shared instruments (open sockets, broadcasts by topic kind: app/observability/instruments.py)."""
        self.registry.register(_HubCollector(hub))
        self.registry.register(_Shared())

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Shared:
    def collect(self):
        yield from GATEWAY_SOCKETS.collect()
        yield from GATEWAY_BROADCASTS.collect()


class _HubCollector:
    def __init__(self, hub):
        self.hub = hub

    def collect(self):
        yield GaugeMetricFamily("timeboard_gateway_sockets", "Open sockets on this gateway",
                                value=len(self.hub.subscribers))
        yield GaugeMetricFamily("timeboard_gateway_hidden_sockets", "Open sockets whose page is not visible (their "
                                "streams are coalesced)", value=sum(1 for s in list(self.hub.subscribers) if s.hidden))
        kinds = Tally()
        for topic, subscribers in list(self.hub.topics.items()):
            kinds[topic_kind(topic)] += len(subscribers)
        family = GaugeMetricFamily("timeboard_gateway_subscriptions", "Socket subscriptions by topic kind",
                                   labels=["kind"])
        for kind, count in sorted(kinds.items()):
            family.add_metric([kind], count)
        yield family


def scrape_allowed(token: str, authorization: str | None, remote_ip: str | None) -> bool:
    """As the app's /metrics: a configured METRICS_TOKEN must be sent as a bearer token; without one,
    loopback clients only (the gateway knows no signed-in admins)."""
    if token:
        return hmac.compare_digest(authorization or "", f"Bearer {token}")
    return remote_ip in ("127.0.0.1", "::1")
