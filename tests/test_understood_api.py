"""What understanding found is stored on the mention and shown: role, reply-needed and
why, aspects, intent confidence, 意图不确定, the product, whom it speaks to, in queue
items, in GET /api/mentions/{id}, in /api/meta's Chinese labels and in
`tiexin drafts suggest --json`."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from typing import Any, cast

import pytest

from connectors.model import Author
from responder.config import SlaConfig
from responder.drafts.suggest import sample_job, unsuggested
from responder.drafts.understand import ROLES
from responder.services import STORE
from responder.sla.timer import timing
from responder.store.enqueue import Ready
from responder.store.keys import mention_id
from tests.conftest import MakeClient
from tests.fakes import FakeClock, mention
from tests.workspace import Client, app_of

CHEER = "家人们 冲！！"


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("ua")


async def _queue_one(client: Client, clock: FakeClock) -> str:
    """Queue one mention whose understanding has every part set; return its id."""
    base = unsuggested(sample_job())
    known = replace(
        base.understanding,
        intent="system_update",
        role="customer",
        reply_needed=True,
        reply_reason="complaint",
        intent_confidence=0.41,
        uncertain=True,
        aspects=(("smoothness", "pos"), ("battery", "neg")),
        product="X7",
    )
    now, sla = clock.now(), SlaConfig()
    author = Author(id="u", name="X7老用户", verified=True, verified_type="personal")
    item = Ready(
        mention=mention("1", text="X7 已更 流畅度+1 续航-1", author=author, reply_to="user"),
        suggestion=replace(base, understanding=known),
        timing=timing(now, now, respond_within=sla.respond_within, warn_after=sla.warn_after),
        source="demo",
        ingested_at=now,
    )
    await app_of(client)[STORE].enqueue([item], now)
    return mention_id("weibo", "lanxing", "1")


async def test_queue_items_and_the_detail_show_what_was_understood(
    client: Client, clock: FakeClock
) -> None:
    mid = await _queue_one(client, clock)
    items = (await (await client.get("/api/queue")).json())["items"]
    detail = cast(dict[str, Any], await (await client.get(f"/api/mentions/{mid}")).json())
    filtered = (await (await client.get("/api/queue", params={"q": "续航"})).json())["items"]
    for shown in (items[0], detail, filtered[0]):
        assert shown["role"] == "customer"
        assert (shown["reply_needed"], shown["reply_reason"]) == (True, "complaint")
        assert shown["aspects"] == [
            {"aspect": "smoothness", "polarity": "pos"},
            {"aspect": "battery", "polarity": "neg"},
        ]
        assert (shown["intent_confidence"], shown["uncertain"]) == (0.41, True)
        assert (shown["product"], shown["reply_to"]) == ("X7", "user")
        assert shown["author"]["verified_type"] == "personal"
        assert shown["intent"] == "system_update" and "sentiment" in shown  # kept as before


async def test_meta_names_roles_reasons_and_aspects_in_chinese(client: Client) -> None:
    meta = await (await client.get("/api/meta")).json()
    assert list(meta["roles"]) == list(ROLES)  # every role understanding gives, named
    assert meta["roles"]["fan_reply"] == "网友互答" and meta["roles"]["media"] == "媒体/大V"
    assert all(not name.isascii() for name in meta["roles"].values())
    assert meta["no_reply_reasons"]["fan_answered"] == "网友之间已解答"
    assert meta["reply_reasons"]["question"] == "提问" and meta["reply_reasons"]["cheer"]
    assert meta["aspects"]["battery"] == "续航" and meta["polarities"]["neg"] == "−"
    assert meta["states"]["no_reply"] == "无需回复" and meta["views"]["no_reply"] == "无需回复"


def test_drafts_suggest_json_says_who_speaks_and_whether_to_answer() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "responder.cli", "drafts", "suggest", "--json", "--text", CHEER],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    out = json.loads(run.stdout)
    assert out["role"] in ("customer", "bystander", "fan_reply")
    assert out["reply_needed"] is False and out["reply_reason"]
    assert isinstance(out["aspects"], list) and 0 <= out["intent_confidence"] <= 1
    assert {"intent", "sentiment", "drafts", "priority"} <= set(out)  # kept as before
