"""The demo feed shows who is speaking and whether they need an answer: fans answering each
other on Tieba, a bare repost and a cheer wait in 无需回复; "你好" then the order question
in one WeChat chat is one conversation in the queue, understood as the order question."""

from __future__ import annotations

import pytest

from connectors.model import Mention
from connectors.replay import demo_path
from responder.pipeline.scoring import ScoringPool
from responder.store.keys import mention_id
from responder.store.records import State
from responder.store.store import Store
from tests.conftest import make_pipeline
from tests.fakes import FakeClock

FANS = ("15246390001", "15246390002")  # Tieba fans answering each other
REPOST, CHEER = "5238463900000101", "5238463900000102"
HELLO, ORDER = "7452139099000000101", "7452139099000000102"


def _demo(*ids: str) -> list[Mention]:
    found = {
        m.platform_id: m
        for m in map(Mention.from_json, demo_path().read_text("utf-8").splitlines())
    }
    return [found[i] for i in ids]


def test_the_demo_carries_whom_each_case_speaks_to() -> None:
    fans, repost, cheer, hello, order = _demo(FANS[1], REPOST, CHEER, HELLO, ORDER)
    assert (fans.platform, fans.reply_to, fans.parent_id) == ("tieba", "user", FANS[0])
    assert repost.reply_to is None and repost.text.startswith("//@")
    assert cheer.text.startswith("家人们 冲！！")
    assert hello.text == "你好" and hello.thread_id == order.thread_id == order.author.id
    assert "LX2026112088123" in order.text


@pytest.mark.parametrize("batch", [1, 6], ids=["one by one", "one batch"])
async def test_the_demo_cases_go_where_they_belong(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock, batch: int
) -> None:
    pipeline = make_pipeline(store, scoring_pool, clock)
    cases = _demo(*FANS, REPOST, CHEER, HELLO, ORDER)
    for start in range(0, len(cases), batch):
        await store.ingest("demo", cases[start : start + batch], None, clock.now())
        while await pipeline.run_once():
            pass
    rows = {m.platform_id: await store.mention(mention_id(*m.identity)) for m in cases}
    for pid in (*FANS, REPOST, CHEER):
        row = rows[pid]
        assert row is not None and row["state"] == State.NO_REPLY, (pid, row)
    assert {rows[p]["role"] for p in FANS if rows[p]} == {"fan_reply"}  # type: ignore[index]
    hello, order = rows[HELLO], rows[ORDER]
    assert hello is not None and order is not None
    assert (hello["state"], order["state"]) == ("queued", "joined")
    assert hello["intent"] == order["intent"] != "chit_chat"
    assert hello["drafts"] == order["drafts"] and "有你这句话" not in hello["drafts"]
    total, rows_shown = await store.queue(10)
    assert total == 1 and rows_shown[0]["id"] == mention_id(*cases[4].identity)
