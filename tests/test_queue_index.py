"""The queue index (store/index.py, kept by store/index_sync.py) against the truth: after
the demo feed (conversations, follow-ups, crisis incidents that move rows) and a day's
worth of agents' actions over HTTP, every filter answers what a plain walk of Redis finds.

The walk below reads every queue member's hash and checks it in Python: slow and
obvious, and written apart from the index on purpose."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from connectors.model import Mention
from connectors.replay import demo_path
from responder.services import STORE
from responder.store import index as queue_index
from responder.store.index import SORTS, QueueFilter, QueueIndex, Row
from responder.store.index_sync import FIELDS, LiveIndex
from responder.store.store import Store
from responder.web import labels
from responder.web.filtered import index_of
from tests.conftest import MakeClient
from tests.fakes import FakeClock
from tests.workspace import Client, app_of, as_user, feed

AGENTS = ("amy", "bo", "lee")


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("qindex")


def _demo(clock: FakeClock) -> list[Mention]:
    lines = demo_path().read_text("utf-8").splitlines()
    return [Mention.from_json(line) for line in lines]


async def _walk(store: Store, want: QueueFilter, by: str, now: datetime) -> tuple[int, list[str]]:
    """Every member of the chosen queue order, checked one by one."""
    return _check((await _read_all(store))[by], want, now)


Snapshot = dict[str, list[tuple[str, dict[str, str], str]]]  # by sort: id, fields, words


async def _read_all(store: Store) -> Snapshot:
    """Each queue order's members, with their fields and what a keyword searches."""
    out: Snapshot = {}
    for by in SORTS:
        key = store.keys.priority if by == "priority" else store.keys.queue
        ids = cast(list[str], await store.redis.zrange(key, 0, -1))
        rows = {r["id"]: r for r in await store.mentions(ids, FIELDS)}
        out[by] = []
        for mid in ids:
            r = rows[mid]
            later = cast(list[str], await store.redis.lrange(store.keys.followups(mid), 0, -1))
            said = [f["text"] for f in await store.mentions(later, ("id", "text"))]
            words = "\n".join([r.get("text", ""), r.get("author_name", ""), *said])
            out[by].append((mid, r, _fold(words)))
    return out


def _check(
    rows: list[tuple[str, dict[str, str], str]], want: QueueFilter, now: datetime
) -> tuple[int, list[str]]:
    found = []
    for mid, r, words in rows:
        shown = {
            "platform": r.get("platform", ""),
            "account": r.get("account", ""),
            "kind": r.get("kind", ""),
            "intent": r.get("intent_corrected") or r.get("intent", ""),
            "sentiment": r.get("sentiment_corrected") or r.get("sentiment_label", ""),
            "state": r.get("state", ""),
        }
        state = "" if want.state == "open" else want.state
        wanted = {**{n: str(getattr(want, n)) for n in shown if n != "state"}, "state": state}
        if any(v and shown[n] != v for n, v in wanted.items()):
            continue
        held = bool(r.get("claimed_by")) and float(r.get("claim_until") or 0) > now.timestamp()
        if want.view == "unassigned" and held:
            continue
        if want.view == "mine" and not (held and r.get("claimed_by") == want.user):
            continue
        if want.q and _fold(want.q) not in words:
            continue
        found.append(mid)
    return len(found), found


def _fold(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


def _questions(items: list[dict[str, Any]], rng: random.Random) -> list[QueueFilter]:
    """Filters that find something and some that find nothing, from what is queued."""
    asked = [QueueFilter(view=v, user=u) for v in ("mine", "unassigned") for u in AGENTS]
    for item in items[:40]:
        text = item["text"]
        start = rng.randrange(max(1, len(text) - 2))
        asked += [
            QueueFilter(q=text[start : start + rng.choice((1, 2, 3))]),
            QueueFilter(intent=item["intent"] or "", view="unassigned"),
            QueueFilter(sentiment=item["sentiment"]["corrected"] or item["sentiment"]["label"]),
            QueueFilter(platform=item["platform"], kind=item["kind"], q=item["author"]["name"]),
        ]
    asked += [QueueFilter(state="failed"), QueueFilter(q="没有这句话"), QueueFilter(q="X7")]
    asked += [QueueFilter(account="lanxing", state="queued", view="unassigned")]
    return asked


async def _agree(client: Client, clock: FakeClock, rng: random.Random) -> int:
    app = app_of(client)
    store, index, now = app[STORE], index_of(app), clock.now()
    items = (await (await client.get("/api/queue", params={"limit": "1000"})).json())["items"]
    checked, snapshot = 0, await _read_all(store)
    for want in _questions(items, rng):
        for by in SORTS:
            truth = _check(snapshot[by], want, now)
            page = (truth[0], truth[1][3:13])
            assert await index.find(want, 10, 3, by=by, now=now) == page, (want, by)
            checked += 1
    return checked


async def _act(client: Client, clock: FakeClock, rng: random.Random, steps: int) -> None:
    """What agents do in a shift, each over the API as they would."""
    for _ in range(steps):
        items = (await (await client.get("/api/queue", params={"limit": "300"})).json())["items"]
        if not items:
            return
        m = rng.choice(items)["id"]
        who = as_user(rng.choice(AGENTS))
        act = rng.randrange(8)
        if act == 0:
            await client.post(f"/api/mentions/{m}/claim", headers=who)
        elif act == 1:
            intent = rng.choice(sorted(labels.INTENTS))
            await client.post(f"/api/mentions/{m}/intent", json={"intent": intent}, headers=who)
        elif act == 2:
            label = rng.choice(sorted(labels.LABELS))
            await client.post(f"/api/mentions/{m}/sentiment", json={"label": label}, headers=who)
        elif act == 3:
            await client.post(f"/api/mentions/{m}/approve", json={"text": "收到"}, headers=who)
        elif act == 4:
            await client.post(f"/api/mentions/{m}/dismiss", json={}, headers=who)
        elif act == 5:
            await client.post(
                f"/api/mentions/{m}/no_reply", json={"reason": "chatter"}, headers=who
            )
        elif act == 6:
            body = {"to": rng.choice(AGENTS)}
            await client.post(f"/api/mentions/{m}/handoff", json=body, headers=who)
        else:
            clock.advance(rng.choice((30, 90, 240)))  # claims renewed, or run out


async def test_every_filter_answers_what_a_walk_of_redis_finds(
    client: Client, clock: FakeClock
) -> None:
    rng = random.Random(25)
    demo = _demo(clock)
    await feed(client, clock, *demo[:150])
    assert await _agree(client, clock, rng) > 300  # built from the queue
    for start in range(150, len(demo), 50):  # then kept up as things happen
        await feed(client, clock, *demo[start : start + 50])
        await _act(client, clock, rng, 40)
        assert await _agree(client, clock, rng) > 300


async def test_a_renewed_claim_keeps_the_mention_out_of_unassigned(
    client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, *_demo(clock)[:20])
    index, store = index_of(app_of(client)), app_of(client)[STORE]
    first = (await store.queue(1))[1][0]["id"]
    free = QueueFilter(view="unassigned")
    before = (await index.find(free, 50, 0, by="deadline", now=clock.now()))[0]
    assert (await client.post(f"/api/mentions/{first}/claim")).status == 200
    clock.advance(4 * 60)
    assert (await client.post(f"/api/mentions/{first}/claim")).status == 200  # renewed
    clock.advance(2 * 60)  # past the first claim's 5 minutes, inside the renewed one
    total, ids = await index.find(free, 50, 0, by="deadline", now=clock.now())
    assert total == before - 1 and first not in ids
    clock.advance(4 * 60)
    total, ids = await index.find(free, 50, 0, by="deadline", now=clock.now())
    assert total == before and first in ids


async def test_a_stream_trimmed_past_the_index_builds_it_again(
    client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, *_demo(clock)[:30])
    app = app_of(client)
    index, store = index_of(app), app[STORE]
    everyone = QueueFilter(view="unassigned")
    await index.find(everyone, 5, 0, by="deadline", now=clock.now())  # built
    first = (await store.queue(1))[1][0]["id"]
    assert (await client.post(f"/api/mentions/{first}/dismiss", json={})).status == 200
    await store.redis.xtrim(store.keys.events, maxlen=0)  # every entry is gone, its news too
    found = await index.find(everyone, 50, 0, by="deadline", now=clock.now())
    assert first not in found[1]
    assert found == await _walk(store, everyone, "deadline", clock.now())


async def test_an_index_in_another_process_sees_a_change_made_here(
    client: Client, clock: FakeClock
) -> None:
    """Two web processes on one Redis: each reads the stream before answering."""
    await feed(client, clock, *_demo(clock)[:30])
    app = app_of(client)
    store = app[STORE]
    other = LiveIndex(store)  # another process's index: its own memory, the same Redis
    mine = QueueFilter(view="mine", user="amy")
    assert (await other.find(mine, 5, 0, by="deadline", now=clock.now()))[0] == 0
    first = (await store.queue(1))[1][0]["id"]
    assert (await client.post(f"/api/mentions/{first}/claim")).status == 200  # here, as amy
    assert await other.find(mine, 5, 0, by="deadline", now=clock.now()) == (1, [first])
    assert (await client.post(f"/api/mentions/{first}/dismiss", json={})).status == 200
    assert await other.find(mine, 5, 0, by="deadline", now=clock.now()) == (0, [])


def test_many_matches_are_paged_by_walking_the_order_as_few_are_by_sorting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past SORTED_AT_MOST matches the page comes from walking the kept order: the same
    page, offset and count as sorting the matches gives."""
    index = QueueIndex()
    for n in range(60):
        intent = "lag" if n % 3 else "battery"
        row = Row(
            facets=("weibo", "lanxing", "comment", intent, "negative", "queued"),
            claimed_by="amy" if n % 7 == 0 else "",
            claim_until=2e9,
            author=f"weibo\nu{n}",
            words=f"第{n}条 卡了",
            scores=(float(60 - n), float(n)),
        )
        index.put(f"{n:016x}", row)
    now = datetime(2026, 12, 7, tzinfo=UTC)
    asked = [QueueFilter(view="unassigned"), QueueFilter(intent="lag", q="卡")]
    sorted_pages = [index.find(w, 7, 5, by=by, now=now) for w in asked for by in SORTS]
    monkeypatch.setattr(queue_index, "SORTED_AT_MOST", 3)
    assert [index.find(w, 7, 5, by=by, now=now) for w in asked for by in SORTS] == sorted_pages
    assert sorted_pages[0][0] == 60 - 9 and len(sorted_pages[0][1]) == 7
