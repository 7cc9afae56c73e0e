"""The weibo_dm connector inside the real app: mounted at its path from the config,
pushes stored in the real Redis, and Weibo's resends queued once."""

from __future__ import annotations

from aiohttp import web
from redis.asyncio import Redis

from responder.config import ConnectorConfig
from responder.services import SERVICES
from tests.conftest import MakeClient
from tests.fake_weibo_dm import FAN, Pusher, json_push
from tests.fakes import FakeClock
from tests.weibo_dm_rig import PATH, options

HARD = "你好！澜星客服在吗？😀𠮷"


async def test_a_push_and_its_resends_are_queued_once(
    make_client: MakeClient, redis: Redis, clock: FakeClock
) -> None:
    dm = ConnectorConfig(name="lanxing-dm", type="weibo_dm", options=options("http://127.0.0.1:9"))
    client = await make_client("dm", dm)
    pusher = Pusher(str(client.make_url(PATH)))
    assert (await pusher.bind()).status == 200
    body = json_push("text", HARD, clock.now())
    for _ in range(3):  # the first push and two resends, as after lost answers
        assert [(t.status, t.body) for t in await pusher.push(body)] == [(200, b"")]
    assert await redis.xlen("{dm}:ingest") == 3
    assert isinstance(client.app, web.Application)
    pipeline = client.app[SERVICES].pipeline
    assert pipeline is not None
    await pipeline.run_once()
    queue = await (await client.get("/api/queue")).json()
    assert queue["total"] == 1
    [item] = queue["items"]
    assert item["text"] == HARD and item["author"]["id"] == FAN
    health = await (await client.get("/api/health")).json()
    assert health["connectors"]["lanxing-dm"]["state"] == "ok"
    assert health["connectors"]["lanxing-dm"]["last_success"] == clock.now().isoformat()
