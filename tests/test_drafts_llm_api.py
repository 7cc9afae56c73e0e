"""Generated drafts through the app: wired from [drafts.llm], shown after the template
drafts, approved like them (the learning counts them under llm/<model>), and their
figures in /api/health."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from redis.asyncio import Redis

from responder.config import DraftsConfig, OutboxConfig, RedisConfig, defaults
from responder.drafts.llm.config import LlmConfig
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.services import SERVICES, STORE
from responder.store.keys import mention_id
from tests.conftest import USERS, bearer
from tests.fake_llm import Answer, FakeModel, serve
from tests.fakes import FakeClock, mention

GOOD = "别急，订单 LX2026111101234 我们马上催仓库，一般下单后 48 小时内发货。"


async def test_generated_draft_is_shown_approved_learned_and_counted(
    make_app: MakeApp, aiohttp_client: Any, clock: FakeClock
) -> None:
    fake = FakeModel(Answer(drafts=[GOOD]))
    async with serve(fake) as url:
        section = DraftsConfig(llm=LlmConfig(base_url=url, model="fake-chat"))
        app = make_app("llmapi", section)
        client = await aiohttp_client(app, headers=bearer("amy"))
        services, store = app[SERVICES], app[STORE]
        assert services.generator is not None and services.pipeline is not None
        assert services.pipeline.drafting is services.generator
        found = mention("1", text="X7 的订单 LX2026111101234 三天了还没发货，怎么回事")
        await store.ingest("demo", [found], None, clock.now())
        await services.pipeline.run_once()
        await services.generator.step()
        mid = mention_id(*found.identity)

        detail = await (await client.get(f"/api/mentions/{mid}")).json()
        drafts = detail["drafts"]
        assert drafts[-1]["text"] == GOOD and drafts[-1]["source"] == "llm"
        assert all("source" not in d for d in drafts[:-1])  # the template ones, as before
        chosen = drafts[-1]["index"]
        resp = await client.post(f"/api/mentions/{mid}/approve", json={"draft": chosen})
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        assert (body["text"], body["template"], body["draft_use"]) == (
            GOOD,
            "llm/fake-chat",
            "as_is",
        )
        stats = await store.draft_stats()
        assert stats["llm/fake-chat|as_is"] == "1"
        assert stats[f"{drafts[0]['template']}|passed"] == "1"

        health = await (await client.get("/api/health")).json()
        part = health["drafts_llm"]
        assert part["model"] == "fake-chat" and part["state"] == "ok"
        assert set(part) == {
            *("model", "state", "requests", "ok", "failed", "skipped"),
            *("drafts", "latency_ms", "tokens"),
        }
        assert (part["requests"], part["ok"], part["tokens"]) == (1, 1, {"in": 900, "out": 60})
        assert set(part["latency_ms"]) == {"p50", "p95", "samples"}
        assert "drafts_llm" not in health["failing"]
        await client.close()
        await services.generator.stop()
    assert json.loads(fake.seen[0].body["messages"][1]["content"].split("\n", 1)[1])["mention"]


async def test_health_has_no_part_when_off(make_app: MakeApp, aiohttp_client: Any) -> None:
    app = make_app("llmoff", DraftsConfig())
    client = await aiohttp_client(app, headers=bearer("amy"))
    health = await (await client.get("/api/health")).json()
    assert "drafts_llm" not in health and app[SERVICES].generator is None


MakeApp = Callable[[str, DraftsConfig], web.Application]


@pytest.fixture
def make_app(
    redis: Redis, redis_url: str, scoring_pool: ScoringPool, clock: FakeClock, data_dir: Path
) -> MakeApp:
    """The app on a clean key prefix with the given [drafts] section."""

    def make(prefix: str, drafts: DraftsConfig) -> web.Application:
        config = replace(
            defaults(),
            connectors=(),
            redis=RedisConfig(url=redis_url, prefix=prefix, data_dir=data_dir),
            users=USERS,
            drafts=drafts,
            outbox=OutboxConfig(undo_seconds=0),  # approvals count at once here
        )
        return create_app(config, clock=clock, scorer=scoring_pool, background=False)

    return make
