"""Drafts over the API: what the pipeline stores, crisis pinning, priority order, approving
drafts (as is, edited, written, refused by the style check) and learning from approvals.

Real embedded Redis, real HTTP through aiohttp's test client, the real scoring pool and a
FakeClock: nothing sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, cast

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from connectors.model import Author
from responder.config import SlaConfig
from responder.drafts.drafter import default_directory
from responder.drafts.learning import UNSEEN
from responder.drafts.priority import weights
from responder.drafts.render import GENERAL, Templates
from responder.drafts.said import sentences
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import Pipeline
from responder.services import SERVICES, STORE
from responder.store.keys import mention_id
from responder.store.store import Store
from tests.conftest import MakeClient
from tests.fakes import ChokingScorer, FakeClock, mention

Client = TestClient[Any, Any]
CJK = re.compile(r"[\u4e00-\u9fff]")
CRISIS_TEXT = "X7 Pro 充电时冒烟起火了，已经报警"
NEWS = Author(id="news", name="某某新闻", followers=3_820_457, verified=True)


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("drafts")


def _app(client: Client) -> web.Application:
    app = client.app
    assert isinstance(app, web.Application)
    return app


def _store(client: Client) -> Store:
    return _app(client)[STORE]


def _pipeline(client: Client) -> Pipeline:
    pipeline = _app(client)[SERVICES].pipeline
    assert pipeline is not None
    return pipeline


async def _feed(client: Client, clock: FakeClock, *mentions: Any) -> None:
    await _store(client).ingest("demo", list(mentions), None, clock.now())
    assert await _pipeline(client).run_once() == len(mentions)


def _id(pid: str) -> str:
    return mention_id("weibo", "lanxing", pid)


async def _detail(client: Client, pid: str) -> dict[str, Any]:
    resp = await client.get(f"/api/mentions/{_id(pid)}")
    assert resp.status == 200
    return cast(dict[str, Any], await resp.json())


async def _queue(client: Client, sort: str | None = None) -> list[dict[str, Any]]:
    resp = await client.get("/api/queue" + (f"?sort={sort}" if sort else ""))
    assert resp.status == 200
    return cast(list[dict[str, Any]], (await resp.json())["items"])


async def _ids(client: Client, sort: str | None = None) -> list[str]:
    return [item["id"] for item in await _queue(client, sort)]


async def _approve(client: Client, pid: str, body: Any) -> tuple[int, dict[str, Any]]:
    resp = await client.post(f"/api/mentions/{_id(pid)}/approve", json=body)
    return resp.status, cast(dict[str, Any], await resp.json())


def _replied_event(detail: dict[str, Any]) -> dict[str, Any]:
    replied: list[dict[str, Any]] = [e for e in detail["events"] if e["type"] == "approved"]
    assert len(replied) == 1
    return replied[0]


async def _stats(client: Client) -> dict[str, int]:
    raw = await _store(client).draft_stats()
    return {field: int(value) for field, value in raw.items()}


def _delta(after: Mapping[str, int], before: Mapping[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


# 1 ---------------------------------------------------------------------------------------
async def test_pipeline_stores_intent_crisis_priority_and_drafts_in_the_same_enqueue(
    client: Client, clock: FakeClock
) -> None:
    await _feed(client, clock, mention("1", text="X7 又卡了，烦死了"))
    detail = await _detail(client, "1")
    assert detail["state"] == "queued"
    assert detail["intent"] == "lag" and detail["tone"] == "upset"
    assert detail["crisis"] == {"flag": False, "words": [], "kinds": []}
    assert detail["urgent"] is False and detail["spam"] is False
    priority = detail["priority"]
    assert set(priority) == {"score", "base", "reasons"}
    assert priority["base"] > 0 and "负面 +30" in priority["reasons"]
    drafts = detail["drafts"]
    assert [d["index"] for d in drafts] == [0, 1, 2]
    for draft in drafts:
        assert set(draft) == {"index", "text", "template"}
        assert CJK.search(draft["text"]) and "/" in draft["template"]
    assert len({d["template"] for d in drafts}) == 3
    # Understood and drafted before the one ENQUEUE: the first event already knows it all.
    types = [e["type"] for e in detail["events"]]
    assert types == ["ingested", "scored", "queued"]
    assert detail["events"][1]["intent"] == "lag"
    [item] = await _queue(client)
    assert item["id"] == _id("1")
    assert item["intent"] == "lag" and item["priority"] == priority
    assert "drafts" not in item


# 2 ---------------------------------------------------------------------------------------
async def test_a_crisis_jumps_to_the_top_regardless_of_deadline(
    client: Client, clock: FakeClock
) -> None:
    await _feed(client, clock, mention("plain", text="怎么还不发货？？？"))
    clock.advance(120)  # the complaint's deadline is two minutes earlier than the crisis's
    crisis = mention("fire", text=CRISIS_TEXT, author=NEWS, created_at=clock.now())
    await _feed(client, clock, crisis)
    by_deadline = await _queue(client)
    assert by_deadline[0]["deadline"] > by_deadline[1]["deadline"]
    assert [i["id"] for i in by_deadline] == [_id("fire"), _id("plain")]
    assert await _ids(client, "priority") == [_id("fire"), _id("plain")]
    top = by_deadline[0]
    assert top["crisis"]["flag"] is True
    assert {"起火", "冒烟"} <= set(top["crisis"]["words"])
    assert top["urgent"] is True and top["intent"] == "crisis"
    reasons = top["priority"]["reasons"]
    assert "危机 +1000" in reasons
    assert any(r.startswith("粉丝 382万 +") for r in reasons), reasons
    assert "认证 +10" in reasons


# 3 ---------------------------------------------------------------------------------------
async def test_a_crisis_follow_up_pins_its_conversation_to_the_top_of_both_orders(
    client: Client, clock: FakeClock
) -> None:
    # Earlier deadline and higher priority than the conversation we will watch.
    big = Author(id="big", name="大V", followers=500_000)
    loud = mention(
        "loud",
        text="X7 的续航真的太差了，失望",
        author=big,
        created_at=clock.now() - timedelta(minutes=5),
    )
    first = mention("head", text="X7 拍照怎么样", thread_id="t3", kind="comment")
    await _feed(client, clock, loud, first)
    assert await _ids(client) == [_id("loud"), _id("head")]
    assert await _ids(client, "priority") == [_id("loud"), _id("head")]
    clock.advance(60)
    follow = mention(
        "smoke",
        text="手机充电的时候冒烟了，吓死我了",
        thread_id="t3",
        kind="comment",
        created_at=clock.now(),
    )
    await _feed(client, clock, follow)
    joined = await _detail(client, "smoke")
    assert joined["state"] == "joined" and joined["head"] == _id("head")
    assert await _ids(client) == [_id("head"), _id("loud")]
    assert await _ids(client, "priority") == [_id("head"), _id("loud")]
    head = (await _queue(client))[0]
    assert head["urgent"] is True and head["followups"] == 1
    assert head["crisis"]["flag"] is True and "冒烟" in head["crisis"]["words"]


def _points(reason: str) -> float:
    return float(reason.rsplit(" ", 1)[1])


async def test_the_priority_shown_for_a_pinned_conversation_matches_its_place(
    client: Client, clock: FakeClock
) -> None:
    # priority.toml: "each item shows the parts that gave it points as its reasons", and
    # the priority order is the order of the scores shown. A conversation pinned by a
    # crisis follow-up is first by priority, so its score must say so too.
    loud = mention(
        "loud",
        text="X7 的续航真的太差了，失望",
        author=Author(id="big", name="大V", followers=500_000),
    )
    first = mention("head", text="X7 拍照怎么样", thread_id="t3", kind="comment")
    follow = mention("smoke", text="手机充电的时候冒烟了，吓死我了", thread_id="t3", kind="comment")
    await _feed(client, clock, loud, first)
    await _feed(client, clock, follow)
    items = await _queue(client, "priority")
    assert [i["id"] for i in items] == [_id("head"), _id("loud")]
    for item in items:
        priority = item["priority"]
        assert sum(map(_points, priority["reasons"])) == pytest.approx(
            priority["base"], abs=0.05
        ), f"{item['text']}: reasons {priority['reasons']} do not add up to {priority['base']}"
    scores = [i["priority"]["score"] for i in items]
    assert scores == sorted(scores, reverse=True), f"priority order shows scores {scores}"


async def test_a_reply_to_a_conversation_a_crisis_follow_up_pinned_is_checked_as_a_crisis(
    client: Client, clock: FakeClock
) -> None:
    # A happy first comment, then the same author reports smoke in the same thread: the
    # conversation is now a crisis, and laughing or playful marks must not go out to it.
    first = mention("head", text="谢谢澜星，X7 拍照太好看了[心]", thread_id="t", kind="comment")
    await _feed(client, clock, first)
    clock.advance(60)
    follow = mention("smoke", text="刚才充电的时候冒烟了，吓死我了", thread_id="t", kind="comment")
    await _feed(client, clock, replace(follow, created_at=clock.now()))
    head = await _detail(client, "head")
    assert head["urgent"] is True and head["crisis"]["flag"] is True
    status, body = await _approve(client, "head", {"text": "哈哈，马上帮你看看👍"})
    assert status == 422, f"a laughing reply went out to a crisis conversation: {body}"
    assert "laughing" in [f["rule"] for f in body["findings"]]


# 4 ---------------------------------------------------------------------------------------
async def test_priority_order_differs_from_deadline_order_and_grows_with_time(
    client: Client, clock: FakeClock
) -> None:
    small = mention(
        "small", text="请问X7支持无线充电吗", created_at=clock.now() - timedelta(minutes=5)
    )
    big = mention(
        "big",
        text="X7 的续航太差了，失望",  # the model reads 续航真的太差了 as praise (issue 23)
        author=Author(id="big", name="大V", followers=500_000),
    )
    await _feed(client, clock, small, big)
    assert await _ids(client) == [_id("small"), _id("big")]
    by_priority = await _queue(client, "priority")
    assert [i["id"] for i in by_priority] == [_id("big"), _id("small")]
    w = weights()
    before = {}
    for item in by_priority:
        minutes_left = item["seconds_left"] / 60
        expected = item["priority"]["base"] + w.per_minute * (w.window_minutes - minutes_left)
        assert item["priority"]["score"] == pytest.approx(expected, abs=0.051)
        before[item["id"]] = item["priority"]["score"]
    scores = [i["priority"]["score"] for i in by_priority]
    assert scores == sorted(scores, reverse=True)
    clock.advance(60)
    after = {i["id"]: i["priority"]["score"] for i in await _queue(client, "priority")}
    for mid, score in after.items():
        assert score == pytest.approx(before[mid] + w.per_minute, abs=0.051)
    resp = await client.get("/api/queue?sort=bogus")
    assert resp.status == 400
    body = await resp.json()
    assert body["field"] == "sort" and "deadline" in body["error"] and "priority" in body["error"]


# 5 ---------------------------------------------------------------------------------------
async def test_approving_a_draft_as_is_sends_it_and_counts_every_template_offered(
    client: Client, clock: FakeClock
) -> None:
    await _feed(client, clock, mention("1", text="怎么还不发货？？？"))
    drafts = (await _detail(client, "1"))["drafts"]
    clock.advance(30)
    status, body = await _approve(client, "1", {"draft": 1})
    assert status == 200, body
    assert body["draft_use"] == "as_is" and body["template"] == drafts[1]["template"]
    assert body["by"] == "amy" and body["overridden"] == []
    detail = await _detail(client, "1")
    assert detail["state"] == "approved" and detail["closed_by"] == "amy"
    assert detail["reply_text"] == drafts[1]["text"]
    replied = _replied_event(detail)
    assert replied["draft_use"] == "as_is" and replied["actor"] == "amy"
    assert replied["draft_template"] == drafts[1]["template"]
    assert "diff" not in replied and "override" not in replied
    t0, t1, t2 = (d["template"] for d in drafts)
    assert await _stats(client) == {
        f"{t0}|offered": 1,
        f"{t1}|offered": 1,
        f"{t2}|offered": 1,
        f"{t1}|as_is": 1,
        f"{t0}|passed": 1,
        f"{t2}|passed": 1,
    }
    stats_key = _store(client).keys.draft_stats
    assert await _store(client).redis.hget(stats_key, f"{t1}|as_is") == "1"
    assert await _queue(client) == []


# 6 ---------------------------------------------------------------------------------------
async def test_an_edited_reply_is_diffed_and_a_written_one_credits_no_template(
    client: Client, clock: FakeClock
) -> None:
    await _feed(
        client,
        clock,
        mention("1", text="怎么还不发货？？？"),
        mention("2", text="X7 又卡了，烦死了"),
    )
    drafts = (await _detail(client, "1"))["drafts"]
    original = drafts[0]["text"]
    assert "我们" in original
    edited = original.replace("我们", "咱们", 1)
    status, body = await _approve(client, "1", {"text": edited, "draft": 0})
    assert status == 200, body
    assert body["draft_use"] == "edited" and body["template"] == drafts[0]["template"]
    detail = await _detail(client, "1")
    assert detail["reply_text"] == edited
    replied = _replied_event(detail)
    assert replied["draft_use"] == "edited"
    diff = replied["diff"].splitlines()
    assert diff[:2] == ["--- draft", "+++ sent"]
    assert f"-{original}" in diff and f"+{edited}" in diff
    t0, t1, t2 = (d["template"] for d in drafts)
    assert await _stats(client) == {
        f"{t0}|offered": 1,
        f"{t1}|offered": 1,
        f"{t2}|offered": 1,
        f"{t0}|edited": 1,
        f"{t1}|passed": 1,
        f"{t2}|passed": 1,
    }

    others = [d["template"] for d in (await _detail(client, "2"))["drafts"]]
    before = await _stats(client)
    own = "好的，收到，我这就去查一下"
    status, body = await _approve(client, "2", {"text": own})
    assert status == 200, body
    assert body["draft_use"] == "written" and body["template"] is None
    replied = _replied_event(await _detail(client, "2"))
    assert replied["draft_use"] == "written" and replied["draft_template"] == ""
    assert "diff" not in replied
    changed = _delta(await _stats(client), before)
    assert changed == {
        **{f"{t}|offered": 1 for t in others},
        **{f"{t}|passed": 1 for t in others},
    }


# 7 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("亲，您好，您的问题我们已收到", "banned"),
        ("真的抱歉让你等这么久，我们这就去仓库查你的订单。" * 6, "length"),
        ("哈哈哈，马上帮你查", "laughing"),
    ],
)
async def test_the_style_check_blocks_approval_with_findings(
    client: Client, clock: FakeClock, text: str, rule: str
) -> None:
    await _feed(client, clock, mention("1", text="怎么还不发货？？？"))
    assert (await _detail(client, "1"))["tone"] == "upset"
    status, body = await _approve(client, "1", {"text": text})
    assert status == 422, body
    assert body["field"] == "text" and CJK.search(body["error"])
    assert [f["rule"] for f in body["findings"]] == [rule]
    assert CJK.search(body["findings"][0]["message"])
    assert await _ids(client) == [_id("1")]
    assert (await _detail(client, "1"))["state"] == "queued"
    assert await _stats(client) == {}


async def test_an_override_with_a_reason_sends_a_reply_the_style_check_refused(
    client: Client, clock: FakeClock
) -> None:
    await _feed(client, clock, mention("1", text="怎么还不发货？？？"))
    text = "哈哈哈，马上帮你查"
    reason = "老粉丝，平时就这么聊"
    status, body = await _approve(
        client, "1", {"text": text, "override": True, "override_reason": reason}
    )
    assert status == 200, body
    assert body["overridden"] == ["laughing"]
    detail = await _detail(client, "1")
    assert detail["state"] == "approved" and detail["reply_text"] == text
    override = _replied_event(detail)["override"]
    assert override["reason"] == reason
    assert [f["rule"] for f in override["findings"]] == ["laughing"]
    assert "哈哈" in override["findings"][0]["words"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"draft": 7}, '"draft" must be from 0 to 5'),
        ({}, 'give "draft"'),
        ({"draft": True}, '"draft" must be an integer'),
        ({"draft": 1.0}, '"draft" must be an integer'),
        ({"draft": "1"}, '"draft" must be an integer'),
        ({"draft": 0, "override": "yes"}, '"override" must be true or false'),
    ],
)
async def test_bad_approvals_are_400_and_change_nothing(
    client: Client, clock: FakeClock, body: dict[str, Any], error: str
) -> None:
    await _feed(client, clock, mention("1", text="怎么还不发货？？？"))
    status, answer = await _approve(client, "1", body)
    assert status == 400, answer
    assert answer["error"].startswith(error)
    assert await _ids(client) == [_id("1")]
    assert await _stats(client) == {}


async def test_approving_twice_is_409_and_counts_once(client: Client, clock: FakeClock) -> None:
    await _feed(client, clock, mention("1", text="怎么还不发货？？？"))
    assert (await _approve(client, "1", {"draft": 0}))[0] == 200
    stats = await _stats(client)
    status, body = await _approve(client, "1", {"draft": 1})
    assert status == 409
    assert body == {"error": f"mention {_id('1')} is already approved"}
    assert await _stats(client) == stats
    assert [e["type"] for e in (await _detail(client, "1"))["events"]].count("approved") == 1


# 8 ---------------------------------------------------------------------------------------
async def test_learning_from_approvals_changes_the_ranking_and_the_first_draft(
    client: Client, clock: FakeClock
) -> None:
    store = _store(client)
    await _feed(client, clock, mention("1", text="X7 又卡了，烦死了"))
    first = await _detail(client, "1")
    assert (first["intent"], first["tone"]) == ("lag", "upset")
    candidates = [b.id for b in Templates(default_directory()).candidates("lag", "upset")]
    # A general template: without learning the intent's own templates come first.
    favoured = next(c for c in candidates if c.startswith(f"{GENERAL}/"))
    assert first["drafts"][0]["template"] != favoured
    poor = next(c for c in candidates if c != favoured)

    # History: every candidate offered 40 times; agents always sent the favoured one.
    for template in candidates:
        await store.redis.hincrby(store.keys.draft_stats, f"{template}|offered", 40)
        outcome = "as_is" if template == favoured else "passed"
        await store.redis.hincrby(store.keys.draft_stats, f"{template}|{outcome}", 40)
    ranking = await store.draft_ranking()
    assert ranking[favoured] > ranking[poor]
    assert all(ranking[favoured] > ranking[c] for c in candidates if c != favoured)
    assert ranking[UNSEEN] > ranking[poor]  # a new template is tried before a poor one

    clock.advance(61)  # the pipeline reads the ranking again after a minute
    await _feed(client, clock, mention("2", text="X7 玩游戏一直卡顿，烦死了"))
    second = await _detail(client, "2")
    assert (second["intent"], second["tone"]) == ("lag", "upset")
    assert second["drafts"][0]["template"] == favoured


# 9 ---------------------------------------------------------------------------------------
async def test_no_sentence_is_drafted_twice_in_a_thread(client: Client, clock: FakeClock) -> None:
    store = _store(client)
    await _feed(client, clock, mention("1", text="怎么还不发货？？？", thread_id="t9"))
    earlier = [d["text"] for d in (await _detail(client, "1"))["drafts"]]
    assert earlier
    key = store.keys.said("weibo", "lanxing", "t9", "u1")
    assert await store.redis.ttl(key) > 0  # the drafted sentences are remembered, for a while
    # The agent adds a sentence of their own: it is remembered too.
    sent = earlier[0] + "今天之内一定给你答复。"
    status, body = await _approve(client, "1", {"draft": 0, "text": sent})
    assert status == 200 and body["draft_use"] == "edited", body
    clock.advance(120)
    # Same intent and tone; without the thread's memory this one's drafts would repeat one.
    follow = mention("3", text="还没发货，到底什么时候发货", thread_id="t9", created_at=clock.now())
    await _feed(client, clock, follow)
    second = await _detail(client, "3")
    assert second["state"] == "queued"  # the first was answered: a new conversation
    assert (second["intent"], second["tone"]) == ("shipping", "upset")
    new = [d["text"] for d in second["drafts"]]
    assert new, "the follow-up got no drafts at all"
    told = {s for text in [sent, *earlier] for s in sentences(text)}
    for text in new:
        assert not told.intersection(sentences(text)), text
    members = cast(set[str], await store.redis.smembers(key))
    assert told <= members and "今天之内一定给你答复" in members
    assert {s for text in new for s in sentences(text)} <= members
    ttl = await store.redis.ttl(key)
    assert 0 < ttl <= int(timedelta(days=30).total_seconds())


# 10 --------------------------------------------------------------------------------------
async def test_spam_is_set_aside_as_needing_no_answer_without_drafts(
    client: Client, clock: FakeClock
) -> None:
    await _feed(
        client,
        clock,
        mention("spam", text="加v信 xxxx 兼职日结，点击领取"),
        mention("ask", text="请问X7支持无线充电吗"),
    )
    detail = await _detail(client, "spam")
    assert (detail["state"], detail["reply_needed"], detail["reply_reason"]) == (
        "no_reply",
        False,
        "spam",
    )
    assert detail["spam"] is True and detail["intent"] == "spam"
    assert detail["drafts"] == []
    spam_weight = weights().intents["spam"]
    assert spam_weight < 0
    assert f"广告 {spam_weight:+g}" in detail["priority"]["reasons"]
    assert [i["id"] for i in await _queue(client, "priority")] == [_id("ask")]


async def test_a_mention_the_scorer_cannot_handle_is_queued_without_drafts_with_a_priority(
    client: Client, clock: FakeClock, scoring_pool: ScoringPool
) -> None:
    store = _store(client)
    worker = Pipeline(store, ChokingScorer(scoring_pool), clock, SlaConfig(), consumer="choke")
    await store.ingest("demo", [mention("ok"), mention("bomb", text="💣💣")], None, clock.now())
    assert await worker.run_once() == 2
    bad = await _detail(client, "bomb")
    assert bad["state"] == "queued" and bad["drafts"] == []
    assert bad["sentiment"]["cues"] == ["(not scored)"]
    assert bad["priority"] is not None and bad["priority"]["base"] > 0
    assert bad["priority"]["reasons"]
    good = await _detail(client, "ok")
    assert len(good["drafts"]) == 3
    assert {i["id"] for i in await _queue(client, "priority")} == {_id("ok"), _id("bomb")}
