"""GET /api/meta: the Chinese labels, the team's time zone and who is asking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from responder.pipeline.scoring import ScoringPool
from responder.store.records import State
from tests.fakes import FakeClock
from tests.workspace import as_user, user_client


async def test_meta_names_codes_in_chinese_for_the_user(
    aiohttp_client: Any,
    redis: Any,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
) -> None:
    client = await user_client(aiohttp_client, redis_url, scoring_pool, clock, data_dir)
    resp = await client.get("/api/meta")
    assert resp.status == 200
    body = await resp.json()
    assert body["user"] == {"name": "amy", "role": "agent", "role_label": "客服", "display": "amy"}
    assert body["timezone"] == "Asia/Shanghai"
    assert body["intents"]["after_sales"] == "售后" and body["intents"]["lag"] == "卡顿"
    assert body["platforms"]["weibo"] == "微博" and body["platforms"]["tieba"] == "贴吧"
    assert body["kinds"]["dm"] == "私信" and body["kinds"]["comment"] == "评论"  # after 微博
    assert body["labels"] == {"positive": "正面", "neutral": "中性", "negative": "负面"}
    assert set(body["states"]) == {str(s) for s in State}
    assert body["states"]["failed"] == "发送失败"
    assert body["views"] == {
        "all": "全部",
        "mine": "我的",
        "unassigned": "未认领",
        "no_reply": "无需回复",
    }
    resp = await client.get("/api/meta", headers=as_user("ada"))
    user = (await resp.json())["user"]
    assert user == {"name": "ada", "role": "admin", "role_label": "管理员", "display": "ada"}
