"""One process's Prometheus metrics (docs/metrics.md): counters and histograms of what this
process did, and the system's state as read from Redis for each scrape.

Every app has its own registry (never prometheus_client's global one), so two apps in one
test, or one process's parts, count apart. This module imports nothing of ours: the parts
that count import it.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

# Seconds from the person writing to our approval, dense around the 15-minute promise:
# le="900" counts the answers within the timer (a reply at exactly 15:00 is within).
RESPONSE_BUCKETS = (60, 180, 300, 420, 600, 720, 840, 900, 960, 1200, 1800, 3600, 14400, 86400)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OUTBOX_RESULTS = ("sent", "manual", "retry", "failed")  # responder/outbox/sender.py `_end`
# Writes not acknowledged for want of replicas (responder/store/durable.py): where, and why.
WAIT_PARTS = ("push", "api", "outbox")
WAIT_REASONS = ("timeout", "skipped", "failover")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    """The whole system's state, as one scrape read it from Redis."""

    queue_depth: int  # open conversations in the queue
    oldest_waiting_s: float  # how long the longest-waiting of them has waited
    pipeline_lag_s: float  # age of the oldest mention taken in and not yet queued


class _StateCollector(Collector):
    """Gauges of `State`, from what the scrape read just before rendering (none when Redis
    did not answer in time: `tiexin_state_up` says 0 then)."""

    def __init__(self) -> None:
        self.state: State | None = None

    def collect(self) -> Iterator[Metric]:
        state = self.state
        yield GaugeMetricFamily(
            "tiexin_state_up",
            "1 when this scrape read the system's state from Redis, 0 when Redis did not answer",
            value=0 if state is None else 1,
        )
        if state is None:
            return
        yield GaugeMetricFamily(
            "tiexin_queue_depth",
            "Open conversations in the queue (every process sees the same)",
            value=state.queue_depth,
        )
        yield GaugeMetricFamily(
            "tiexin_oldest_waiting_seconds",
            "Seconds the longest-waiting open conversation has waited since its timer started",
            value=state.oldest_waiting_s,
        )
        yield GaugeMetricFamily(
            "tiexin_pipeline_lag_seconds",
            "Age of the oldest mention taken in and not yet queued (0: the pipeline is caught up)",
            value=state.pipeline_lag_s,
        )


class Metrics:
    """The registry of one app, and one method per thing counted (each hook is one call)."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self._state = _StateCollector()
        r.register(self._state)
        self._ingested = Counter(
            "tiexin_mentions_ingested",
            "Mentions new to Tiexin that this process's pipeline took in",
            ["platform", "account"],
            registry=r,
        )
        self._first_response = Histogram(
            "tiexin_first_response_seconds",
            "Seconds from the person writing (the timer's start) to the approval of the first "
            "reply, observed by the process that recorded the approval",
            buckets=RESPONSE_BUCKETS,
            registry=r,
        )
        self._breaches = Counter(
            "tiexin_sla_breaches",
            "Response timers that ran out, fired by this process's sweeper",
            registry=r,
        )
        self._outbox = Counter(
            "tiexin_outbox_results",
            "Outcomes of this process's sends of approved replies",
            ["result"],
            registry=r,
        )
        for result in OUTBOX_RESULTS:  # each shows from 0, so rate() sees the first one
            self._outbox.labels(result)
        self._pages = Counter(
            "tiexin_pages",
            "Pages this process offered an alert channel, by whether the channel took them",
            ["channel", "result"],
            registry=r,
        )
        self._wait_misses = Counter(
            "tiexin_redis_wait_misses",
            "Writes this process did not acknowledge because too few Redis replicas confirmed "
            "them in time: a webhook or an agent's action answered 503, a reply held back",
            ["part", "reason"],
            registry=r,
        )
        for part in WAIT_PARTS:
            for reason in WAIT_REASONS:
                self._wait_misses.labels(part, reason)
        self._http = Histogram(
            "tiexin_http_request_seconds",
            "Seconds to answer an HTTP request, by route (its pattern, never the raw URL)",
            ["route", "method"],
            buckets=HTTP_BUCKETS,
            registry=r,
        )

    def ingested(self, sources: Iterable[tuple[str, str]]) -> None:
        """Count mentions taken in, given as (platform, account) pairs."""
        for (platform, account), count in Tally(sources).items():
            self._ingested.labels(platform, account).inc(count)

    def first_response(self, seconds: float | None) -> None:
        """Observe one first response (None: the approval was not the first)."""
        if seconds is not None:
            self._first_response.observe(max(0.0, seconds))

    def breaches(self, count: int) -> None:
        if count:
            self._breaches.inc(count)

    def outbox(self, result: str) -> None:
        self._outbox.labels(result).inc()

    def page(self, channel: str, result: str) -> None:
        self._pages.labels(channel, result).inc()

    def wait_missed(self, part: str, reason: str) -> None:
        """Count one write the replicas did not confirm (`part`: push, api or outbox)."""
        self._wait_misses.labels(part, reason).inc()

    def request(self, route: str, method: str, seconds: float) -> None:
        """Time one request; `route` is its pattern (/api/mentions/{id}), so it stays few."""
        self._http.labels(route, method if method in METHODS else "other").observe(seconds)

    def render(self, state: State | None, accept: str = "") -> tuple[bytes, str]:
        """Everything, with `state` as the system's gauges, in the format the scraper's
        Accept header asks for (OpenMetrics or the text format): (body, content type)."""
        self._state.state = state
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type
