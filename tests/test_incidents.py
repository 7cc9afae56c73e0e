"""Crisis incidents: one event across platforms, reposts and time is one incident, pinned
once in the queue and paged once per stage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from connectors.model import Author, Mention
from connectors.replay import demo_path
from responder.alerts.acking import Acks
from responder.incidents.match import Facts, chain_names, clues, person_key
from responder.incidents.store import IncidentStore
from responder.pipeline.worker import Pipeline
from responder.store.keys import mention_id
from responder.store.store import Store
from tests.alerting import fire, rig
from tests.fakes import T0, FakeClock, mention

VICTIM = "@澜星 我的X7昨晚充电的时候起火了，床单烧了一个洞，手还烫伤了"
SAME_PERSON = "我就是微博上说X7充电起火的那个人，手烫伤了，你们什么时候联系我"
REPORT = (
    "【网友称澜星X7充电时起火】网友发文称其澜星X7在夜间充电时起火，手部烫伤。"
    "晨锋新闻将持续关注。//@林小满Lin: @澜星 我的X7昨晚充电的时候起火了"
)
# The demo feed's Note fire (connectors/demo/mentions.jsonl, its last block): 林小满 on
# Weibo and WeChat, a journalist quoting her, two bystanders commenting, one repost.
DEMO_NOTE_FIRE = {
    *("5238463901180452", "7452139099120384211", "5238463909573120"),
    *("5238463910266041", "5238463910640377", "5238463912108816"),
}
OTHER = "@澜星 我的Watch充电时冒烟起火了 吓死"


def weibo(pid: str, text: str, name: str, followers: int = 50, **kw: Any) -> Mention:
    author = Author(id=f"u{pid}", name=name, followers=followers, verified=followers > 10**6)
    return mention(pid, text=text, author=author, **kw)


def wechat(pid: str, text: str, name: str, **kw: Any) -> Mention:
    author = Author(id="oX2Lb5zZ_abc", name=name)
    return mention(
        pid, platform="wechat", account="gh_1", kind="dm", text=text, author=author, **kw
    )


async def run(store: Store, pipeline: Pipeline, clock: FakeClock, *ms: Mention) -> None:
    await store.ingest("demo", list(ms), "c1", clock.now())
    while await pipeline.run_once():
        pass


def mid_of(m: Mention) -> str:
    return mention_id(*m.identity)


async def incident_of(store: Store, m: Mention) -> str:
    return cast(str, await store.redis.hget(store.keys.mention(mid_of(m)), "incident_id") or "")


async def test_the_same_fire_across_platforms_reposts_and_reports_is_one_incident(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    victim = weibo("1", VICTIM, "林小满Lin", 820)
    clock.advance(600)
    same = wechat("2", SAME_PERSON, "林小满", created_at=T0 + timedelta(minutes=10))
    report = weibo("3", REPORT, "晨锋新闻", 3_820_457, created_at=T0 + timedelta(hours=2))
    reply = weibo(
        "4",
        "吓人 我今晚不敢放床头充了",
        "不敢充电了",
        kind="comment",
        thread_id="3",
        parent_id="3",
        created_at=T0 + timedelta(hours=3),
    )
    other = weibo("5", OTHER, "路人乙", created_at=T0 + timedelta(hours=1))
    clock.advance(3 * 3600)
    await run(store, pipeline, clock, victim, same, report, reply, other)
    iid = await incident_of(store, victim)
    assert iid == mid_of(victim)
    assert [await incident_of(store, m) for m in (same, report, reply)] == [iid] * 3
    assert await incident_of(store, other) not in ("", iid)  # another product: its own
    found = await IncidentStore(store.redis, store.keys).read(iid)
    assert found is not None
    assert found["size"] == 4 and found["reach"] == 820 + 0 + 3_820_457 + 50
    assert found["lead"] == mid_of(victim)  # the first-hand report, not the big report
    assert set(found["members"]) == {mid_of(m) for m in (victim, same, report, reply)}
    hours = [((T0 + timedelta(hours=h)).isoformat(), n) for h, n in ((0, 2), (2, 1), (3, 1))]
    assert [(s["at"], s["count"]) for s in found["spread"]] == hours  # per 15 minutes
    detail = await store.mention(mid_of(report), ["incident"])
    assert detail is not None and iid in detail["incident"]


async def test_a_later_fire_outside_the_window_is_another_incident(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    first = weibo("1", VICTIM, "用户甲")
    later = weibo("2", VICTIM.replace("昨晚", "今早"), "用户乙", created_at=T0 + timedelta(hours=7))
    near = weibo("3", VICTIM.replace("昨晚", "刚才"), "用户丙", created_at=T0 + timedelta(hours=5))
    clock.advance(8 * 3600)
    await run(store, pipeline, clock, first)
    await run(store, pipeline, clock, near)
    await run(store, pipeline, clock, later)
    assert await incident_of(store, near) == await incident_of(store, first)
    # Seven hours after the first, two after the latest member: the window slides.
    assert await incident_of(store, later) == await incident_of(store, first)
    far = weibo("4", VICTIM, "用户丁", created_at=T0 + timedelta(hours=14))
    clock.advance(7 * 3600)
    await run(store, pipeline, clock, far)
    assert await incident_of(store, far) not in ("", await incident_of(store, first))


def test_clues_name_the_parent_the_repost_chain_and_the_person() -> None:
    assert chain_names("转发 //@小B: 是的 //@林小满Lin: 起火了") == ("林小满Lin", "小B")
    assert person_key("林小满_Lin ") == person_key("林小满 lin") == "林小满lin"
    assert person_key("A") == ""
    found = clues(
        Facts(
            id="x",
            platform="weibo",
            account="a",
            parent_id="9",
            author_id="1",
            author_name="路人",
            text="//@林小满: 起火",
            kinds=("fire",),
        )
    )
    assert found == [
        "mid:" + mention_id("weibo", "a", "9"),
        "chain:林小满",
        "person:路人",
        "event:*|fire",
    ]


async def test_an_incident_pages_once_per_stage_naming_its_size_and_reach(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        await run(store, pipeline, clock, weibo("1", VICTIM, "林小满Lin", 820, created_at=T0))
        await notifier.step()
        clock.advance(60)
        later = [
            weibo("2", REPORT, "晨锋新闻", 3_820_457, created_at=clock.now()),
            weibo("3", "X7充电起火太吓人了", "路人", 30, created_at=clock.now()),
        ]
        await run(store, pipeline, clock, *later)
        await notifier.step()  # new members: no new crisis page
        [crisis] = r.pages()
        iid = mid_of(weibo("1", VICTIM, "x"))
        assert crisis["key"] == f"{iid}:crisis:1"
        assert crisis["title"].startswith("【危机】") and "同一事件 1 条" in crisis["title"]
        clock.advance(10 * 60)  # every member's warning falls due: one page for the three
        assert await fire(store, clock) == 3
        await notifier.step()
        keys = [p["key"] for p in r.pages()]
        assert keys == [f"{iid}:crisis:1", f"{iid}:warned:1"]
        warn = r.pages()[-1]
        assert "同一事件 3 条" in warn["title"] and "总粉丝 382.1万" in warn["title"]
        clock.advance(5 * 60)
        assert await fire(store, clock) == 3
        await notifier.step()
        assert [p["key"] for p in r.pages()][2:] == [f"{iid}:breached:1"]


async def test_the_demo_feed_has_one_incident_across_weibo_and_wechat(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    block = map(Mention.from_json, demo_path().read_text("utf-8").splitlines())
    note = [m for m in block if m.platform_id in DEMO_NOTE_FIRE]
    assert len(note) == 6  # the journalist, bystanders and one person on two platforms
    clock.advance(24 * 3600)
    await run(store, pipeline, clock, *note)
    found = {await incident_of(store, m) for m in note}
    assert len(found) == 1 and "" not in found
    [iid] = found
    detail = await IncidentStore(store.redis, store.keys).read(iid)
    assert detail is not None and detail["size"] == 6
    assert detail["lead"] == mid_of(note[0])  # 林小满Lin's own report on Weibo
    assert {m.platform for m in note} == {"weibo", "wechat"}
    assert await store.redis.zcard(store.keys.queue) == 1  # one row for the six


async def test_acknowledging_the_incidents_page_stops_its_escalation(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        victim = weibo("1", VICTIM, "林小满Lin", 820, created_at=T0)
        await run(store, pipeline, clock, victim)
        clock.advance(60)
        report = weibo("2", REPORT, "晨锋新闻", 3_820_457, created_at=clock.now())
        await run(store, pipeline, clock, report)
        clock.advance(14 * 60)
        await fire(store, clock)
        await notifier.step()  # crisis, warned, breached: each once for the incident
        stages = sorted(p["key"].split(":", 1)[1] for p in r.pages())
        assert stages == ["breached:1", "crisis:1", "warned:1"]
        assert await Acks(store).mention(mid_of(victim), "zhao", clock.now(), "link")
        clock.advance(6 * 60)
        await fire(store, clock)  # the report's own escalation falls due: nobody is paged
        await notifier.step()
        assert len(r.pages()) == 3


async def test_a_reaction_set_aside_counts_in_its_incident_but_is_never_its_row(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    """A bystander's repost of the victim's post needs no answer (无需回复), yet it spreads
    the event: it is a member, in size and reach, while the victim's report is the row."""
    repost = weibo(
        "2",
        "太吓人了 大家充电别放床头 //@林小满Lin: @澜星 我的X7昨晚充电的时候起火了",
        "路过的猫",
        30_000,
        kind="repost",
        parent_id="1",
        reply_to=None,  # its own words @ nobody, as the Weibo connector reads such a repost
        created_at=T0 + timedelta(minutes=5),
    )
    victim = weibo("1", VICTIM, "林小满Lin", 820)
    clock.advance(600)
    await run(store, pipeline, clock, repost)  # first: an incident with no row yet
    assert await store.redis.hget(store.keys.mention(mid_of(repost)), "state") == "no_reply"
    assert await store.redis.zcard(store.keys.queue) == 0
    assert await store.redis.xlen(store.keys.alerts) == 0  # nothing to answer: no page
    await run(store, pipeline, clock, victim)
    iid = await incident_of(store, repost)
    assert iid and await incident_of(store, victim) == iid
    found = await IncidentStore(store.redis, store.keys).read(iid)
    assert found is not None and found["size"] == 2 and found["reach"] == 30_820
    assert found["lead"] == mid_of(victim)  # the first-hand report leads
    assert await store.redis.zrange(store.keys.queue, 0, -1) == [mid_of(victim)]
    assert await store.redis.xlen(store.keys.alerts) == 1  # paged once it had a row
