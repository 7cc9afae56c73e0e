"""GET /metrics over real HTTP, with the real Redis, pipeline, sender (the fake forum),
sweeper and notifier (a webhook on loopback) on the fake clock: the text parses with the
Prometheus parser, each metric says what happened, and the token rules hold."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from connectors.model import Author
from connectors.secret import Secret
from responder.alerts.channels.config import AlertsConfig, NamedChannel
from responder.alerts.channels.webhook import WebhookConfig
from responder.config import MetricsConfig, OutboxConfig, RedisConfig, defaults
from responder.outbox.sender import Sender
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.services import SERVICES
from responder.store.embedded import EmbeddedRedis
from responder.store.keys import mention_id
from responder.web.approving import Committer
from tests.conftest import USERS, MakeClient, bearer
from tests.fake_forum import Forum
from tests.fake_robots import HOOK_SECRET, Answer, FakeRobots
from tests.fakes import FakeClock, mention
from tests.forum_outbox import background
from tests.test_health import _kill
from tests.workspace import app_of, feed

Client = TestClient[Any, Any]
TOKEN = "scrape-7f3a9c-metrics-token"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

# One forum post (its replies go out through the fake forum) and two Weibo mentions, each
# from its own person, all written at T0.
FORUM = mention("101", platform="forum", kind="comment", thread_id="7", text="@澜星 充电好慢")
WEIBO = [mention(pid, author=Author(id=f"u{pid}", name=f"网友{pid}", followers=3)) for pid in "23"]
FIRST = mention_id("forum", "lanxing", "101")


def alerts(base: str) -> AlertsConfig:
    hook = WebhookConfig(url=f"{base}/hook", secret=Secret(HOOK_SECRET))
    return AlertsConfig(channels=(NamedChannel(name="hook", type="webhook", options=hook),))


@pytest.fixture
async def client(make_client: MakeClient, base: str) -> Client:
    return await make_client("mx", metrics=MetricsConfig(token=Secret(TOKEN)), alerts=alerts(base))


async def scrape(client: Client) -> Samples:
    """Every sample of one scrape, by name and labels (the parser reads all of it)."""
    answer = await client.get("/metrics", headers=SCRAPE)
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found: Samples = {}
    for family in text_string_to_metric_families(await answer.text()):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


async def test_each_metric_tells_what_happened(
    client: Client,
    clock: FakeClock,
    sender: Sender,
    forum: tuple[Forum, str],
    robots: FakeRobots,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    app = app_of(client)
    s = await scrape(client)
    assert value(s, "tiexin_state_up") == 1 and value(s, "tiexin_queue_depth") == 0
    assert value(s, "tiexin_pipeline_lag_seconds") == 0
    assert value(s, "tiexin_sla_breaches_total") == 0
    assert value(s, "tiexin_outbox_results_total", result="failed") == 0
    assert value(s, "tiexin_first_response_seconds_count") == 0

    # Taken in, not yet queued: the pipeline lags by the time since.
    pipeline = app[SERVICES].pipeline
    assert pipeline is not None
    await pipeline.store.ingest("demo", [FORUM, *WEIBO], None, clock.now())
    clock.advance(30)
    assert value(await scrape(client), "tiexin_pipeline_lag_seconds") == 30
    while await pipeline.run_once():
        pass
    await feed(client, clock, FORUM)  # sent again by the platform: no second count
    s = await scrape(client)
    assert value(s, "tiexin_pipeline_lag_seconds") == 0
    assert value(s, "tiexin_mentions_ingested_total", platform="weibo", account="lanxing") == 2
    assert value(s, "tiexin_mentions_ingested_total", platform="forum", account="lanxing") == 1
    assert value(s, "tiexin_queue_depth") == 3
    assert value(s, "tiexin_oldest_waiting_seconds") == 30

    # Answered at exactly 15:00: within the timer (le="900"), not below it.
    clock.advance(870)
    approved = await client.post(f"/api/mentions/{FIRST}/approve", json={"draft": 0})
    assert approved.status == 200
    s = await scrape(client)
    assert value(s, "tiexin_first_response_seconds_count") == 1
    assert value(s, "tiexin_first_response_seconds_sum") == 900
    assert value(s, "tiexin_first_response_seconds_bucket", le="900.0") == 1
    assert value(s, "tiexin_first_response_seconds_bucket", le="840.0") == 0
    assert value(s, "tiexin_queue_depth") == 2
    assert value(s, "tiexin_oldest_waiting_seconds") == 900

    # The forum refuses the reply: back in the queue; approved again, it is no first response.
    forum[0].failures = ["refuse"]
    await background(client, sender)
    again = await client.post(f"/api/mentions/{FIRST}/approve", json={"draft": 0})
    assert again.status == 200
    await background(client, sender)
    s = await scrape(client)
    assert value(s, "tiexin_outbox_results_total", result="failed") == 1
    assert value(s, "tiexin_outbox_results_total", result="sent") == 1
    assert value(s, "tiexin_outbox_results_total", result="retry") == 0
    assert value(s, "tiexin_first_response_seconds_count") == 1

    # The two Weibo mentions run out of time: the sweep fires two breaches, and the
    # notifier pages them (and their warnings) through the webhook.
    clock.advance(1)
    sweeper, notifier = app[SERVICES].sweeper, app[SERVICES].notifier
    assert sweeper is not None and notifier is not None
    await sweeper.sweep()
    for _ in range(3):
        await notifier.step()
    taken = len(robots.of("webhook"))
    s = await scrape(client)
    assert value(s, "tiexin_sla_breaches_total") == 2
    assert taken > 0 and value(s, "tiexin_pages_total", channel="hook", result="sent") == taken
    # The escalations find the webhook refusing: each refusal is counted as failed.
    robots.script["webhook"] = [Answer(status=403, body={"error": "forbidden"})] * 5
    clock.advance(300)
    await sweeper.sweep()
    for _ in range(3):
        await notifier.step()
    refused = sum(1 for got in robots.of("webhook") if got.answer and got.answer.status == 403)
    s = await scrape(client)
    assert (
        refused > 0 and value(s, "tiexin_pages_total", channel="hook", result="failed") == refused
    )
    assert value(s, "tiexin_sla_breaches_total") == 2  # the escalations are no new breaches

    # Requests are timed by their route's pattern, never the URL with its id.
    route = "/api/mentions/{id}/approve"
    assert value(s, "tiexin_http_request_seconds_count", route=route, method="POST") == 2
    # Six scrapes before this one (timed once it has answered).
    assert value(s, "tiexin_http_request_seconds_count", route="/metrics", method="GET") == 6
    routes = {dict(labels).get("route", "") for _, labels in s}
    assert not any(FIRST in r for r in routes)
    assert TOKEN not in caplog.text


async def test_routes_are_labelled_by_their_pattern_so_series_stay_few(client: Client) -> None:
    for mid in ("0123456789abcdef", "fedcba9876543210"):
        assert (await client.get(f"/api/mentions/{mid}")).status == 404
    assert (await client.get("/no/such/page/42")).status == 404
    assert (await client.get("/static/workspace.js")).status == 200
    s = await scrape(client)
    one = value(s, "tiexin_http_request_seconds_count", route="/api/mentions/{id}", method="GET")
    assert one == 2
    routes = {dict(labels).get("route") for _, labels in s} - {None}
    assert routes == {"/api/mentions/{id}", "/static", "unmatched"}


async def test_the_token_rules(client: Client, client_as: Any) -> None:
    nobody = await client_as(client, None)
    assert (await nobody.get("/metrics")).status == 401
    wrong = await nobody.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert TOKEN not in await wrong.text()
    # A login's own API token is not the scrape token.
    assert (await nobody.get("/metrics", headers=bearer("ada"))).status == 401
    assert (await nobody.get("/metrics", headers=SCRAPE)).status == 200


async def test_without_a_token_metrics_is_off_and_says_how_to_turn_it_on(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    off = await make_client("mx0")
    answer = await off.get("/metrics", headers=SCRAPE)
    assert answer.status == 404
    assert "[metrics]" in (await answer.json())["error"]
    assert "token_env" in (await answer.json())["error"]
    notices = [r.getMessage() for r in caplog.records if "/metrics is off" in r.getMessage()]
    assert len(notices) == 1


async def test_a_scrape_while_redis_is_away_still_answers_this_process_counts(
    aiohttp_client: Any, tmp_path: Path, clock: FakeClock, scoring_pool: ScoringPool
) -> None:
    server = EmbeddedRedis(tmp_path / "redis", appendonly=False)
    server.start()
    try:
        config = replace(
            defaults(),
            redis=RedisConfig(url=server.url, prefix="mxdown", data_dir=tmp_path / "data"),
            users=USERS,
            metrics=MetricsConfig(token=Secret(TOKEN)),
        )
        app = create_app(config, clock=clock, scorer=scoring_pool, background=False)
        client: Client = await aiohttp_client(app)
        await feed(client, clock, *WEIBO)
        _kill(server)
        s = await scrape(client)
    finally:
        server.stop()
    assert value(s, "tiexin_state_up") == 0
    assert ("tiexin_queue_depth", frozenset()) not in s
    assert value(s, "tiexin_mentions_ingested_total", platform="weibo", account="lanxing") == 2


async def test_two_apps_count_apart(
    make_client: MakeClient, clock: FakeClock, redis_url: str, tmp_path: Path
) -> None:
    """Each app has its own registry (as two processes would), so counts never mix."""
    a = await make_client("mxa", metrics=MetricsConfig(token=Secret(TOKEN)))
    other = RedisConfig(url=redis_url, prefix="mxb", data_dir=tmp_path / "b")
    b = await make_client("mxb", metrics=MetricsConfig(token=Secret(TOKEN)), redis=other)
    await feed(a, clock, *WEIBO)
    weibo = {"platform": "weibo", "account": "lanxing"}
    assert value(await scrape(a), "tiexin_mentions_ingested_total", **weibo) == 2
    assert ("tiexin_mentions_ingested_total", frozenset(weibo.items())) not in await scrape(b)


async def test_a_held_approval_counts_its_own_time_once_it_is_committed(
    make_client: MakeClient, clock: FakeClock
) -> None:
    """With the send delay, the first response is the approval's time, observed when the
    delay ends and the approval counts; an undone one is never observed."""
    client = await make_client(
        "mxheld", metrics=MetricsConfig(token=Secret(TOKEN)), outbox=OutboxConfig(undo_seconds=10)
    )
    await feed(client, clock, *WEIBO)
    first, second = (mention_id("weibo", "lanxing", m.platform_id) for m in WEIBO)
    clock.advance(60)
    assert (await client.post(f"/api/mentions/{first}/approve", json={"draft": 0})).status == 200
    assert (await client.post(f"/api/mentions/{second}/approve", json={"draft": 0})).status == 200
    assert (await client.post(f"/api/mentions/{second}/undo")).status == 200
    assert value(await scrape(client), "tiexin_first_response_seconds_count") == 0
    clock.advance(10)
    await Committer(app_of(client)).step()
    s = await scrape(client)
    assert value(s, "tiexin_first_response_seconds_count") == 1
    assert value(s, "tiexin_first_response_seconds_sum") == 60
