"""Thread context feeds understanding, through the real pipeline and the real Redis: the
author's earlier messages of a thread or chat and the brand's approved replies in it reach
understanding (oldest first, at most three), whom a mention speaks to and its author's
verified type reach it too, and "你好" followed by the order question is understood and
drafted as the order question."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from connectors.model import Author
from responder.drafts.suggest import Job, Suggestion
from responder.drafts.understand import Said
from responder.drafts.understand_model import Installed
from responder.library.shelf import Ref
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Scorer
from responder.services import STORE
from responder.store.enqueue import context_key
from responder.store.keys import mention_id
from responder.store.store import Store
from tests.conftest import MakeClient, make_pipeline
from tests.fakes import FakeClock, mention
from tests.workspace import app_of, feed

CHAT = {"platform": "wechat", "kind": "message", "thread_id": "openid-1"}
ORDER = "我的订单 LX2026112088123 付款三天了还没发货 能帮忙查一下吗"


class Recording:
    """Our scorer interface over the real pool, keeping every job it was given."""

    def __init__(self, real: Scorer) -> None:
        self.real = real
        self.jobs: list[Job] = []

    async def suggest(
        self,
        jobs: list[Job],
        ranking: Mapping[str, float] | None = None,
        model: Installed | None = None,
        library: Ref | None = None,
    ) -> list[Suggestion]:
        self.jobs += jobs
        return await self.real.suggest(jobs, ranking, model, library)


def _chat(pid: str, text: str, clock: FakeClock, **more: Any) -> Any:
    return mention(pid, text=text, created_at=clock.now(), **{**CHAT, **more})


async def test_hello_then_the_order_question_is_the_order_question(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    scorer = Recording(scoring_pool)
    pipeline = make_pipeline(store, scorer, clock)  # type: ignore[arg-type]
    await store.ingest("demo", [_chat("1", "你好", clock)], None, clock.now())
    await pipeline.run_once()
    clock.advance(30)
    await store.ingest("demo", [_chat("2", ORDER, clock)], None, clock.now())
    await pipeline.run_once()
    assert [j.context for j in scorer.jobs] == [(), (Said(who="same", text="你好"),)]
    head = await store.mention(mention_id("wechat", "lanxing", "1"))
    follow = await store.mention(mention_id("wechat", "lanxing", "2"))
    assert head is not None and follow is not None
    assert follow["state"] == "joined" and follow["intent"] not in ("chit_chat", "praise")
    # The queue's row (the head) is understood and drafted as the order question.
    understood = ("intent", "drafts", "tone", "reply_reason", "role", "intent_confidence")
    for field in (*understood, "intents", "intent_words", "aspects", "product"):
        assert head.get(field) == follow.get(field), field
    assert "有你这句话" not in head["drafts"]


async def test_a_head_taking_a_follow_ups_drafts_drops_its_generated_ones(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    """Drafts a model wrote for "你好" answer nothing once the order question is the row."""
    pipeline = make_pipeline(store, scoring_pool, clock)
    await store.ingest("demo", [_chat("1", "你好", clock)], None, clock.now())
    await pipeline.run_once()
    head_key = store.keys.mention(mention_id("wechat", "lanxing", "1"))
    await store.redis.hset(head_key, "drafts_llm", '[["你好呀，有什么可以帮你？", "llm/m"]]')
    clock.advance(30)
    await store.ingest("demo", [_chat("2", ORDER, clock)], None, clock.now())
    await pipeline.run_once()
    head = await store.mention(mention_id("wechat", "lanxing", "1"))
    assert head is not None and head["intent"] not in ("chit_chat", "greeting")
    assert "drafts_llm" not in head


async def test_a_batch_gives_a_mention_the_earlier_ones_of_its_thread(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    scorer = Recording(scoring_pool)
    pipeline = make_pipeline(store, scorer, clock)  # type: ignore[arg-type]
    texts = ["你好", "在吗", "X7 充不进电", "换了线也不行", "怎么办"]
    at = clock.now()
    chats = [
        mention(str(i), text=t, created_at=at + timedelta(seconds=i), **CHAT)
        for i, t in enumerate(texts)
    ]
    await store.ingest("demo", chats, None, clock.now())
    await pipeline.run_once()
    got = [tuple(s.text for s in j.context) for j in scorer.jobs]
    assert got == [(), ("你好",), ("你好", "在吗"), tuple(texts[:3]), tuple(texts[1:4])]
    key = context_key(chats[0], store.keys)
    assert key is not None
    _, _, kept = await store.lookup([], [], [key])
    assert kept == [[("same", t) for t in texts[2:]]]  # the last three, oldest first
    assert 0 < await store.redis.ttl(key) <= int(timedelta(days=30).total_seconds())


async def test_whom_it_speaks_to_and_the_verified_type_reach_understanding(
    store: Store, scoring_pool: ScoringPool, clock: FakeClock
) -> None:
    scorer = Recording(scoring_pool)
    pipeline = make_pipeline(store, scorer, clock)  # type: ignore[arg-type]
    news = Author(
        id="n1", name="某某日报", followers=3_820_000, verified=True, verified_type="media"
    )
    items = [
        mention("1", text="//@澜星:新品发布会 12月3日晚8点", reply_to=None),
        mention("2", text="楼上说得对", reply_to="user", kind="comment", thread_id="p"),
        mention("3", text="澜星回应一下手机起火的事？", author=news),
    ]
    await store.ingest("demo", items, None, clock.now())
    await pipeline.run_once()
    assert [(j.reply_to, j.author.verified_type) for j in scorer.jobs] == [
        (None, ""),
        ("user", ""),
        ("brand", "media"),
    ]
    row = await store.mention(mention_id("weibo", "lanxing", "3"))
    assert row is not None and row["author_verified_type"] == "media"


async def test_the_brands_approved_reply_joins_the_thread_context(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client = await make_client("tc")
    ask = mention("1", text="@澜星 请问X7支持无线充电吗？", thread_id="p1")
    await feed(client, clock, ask)
    mid = mention_id("weibo", "lanxing", "1")
    resp = await client.post(f"/api/mentions/{mid}/approve", json={"text": "支持的，15W 无线快充"})
    assert resp.status == 200, await resp.text()
    store = app_of(client)[STORE]
    key = context_key(ask, store.keys)
    assert key is not None
    _, _, kept = await store.lookup([], [], [key])
    assert kept == [[("same", ask.text), ("brand", "支持的，15W 无线快充")]]
