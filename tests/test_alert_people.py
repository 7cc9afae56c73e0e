"""Pages address the people on duty, each channel its own documented way: DingTalk's
at.atMobiles / at.atUserIds with "@id" in the text, WeCom's <@userid>, Feishu's
<at id=ou_…></at> in a card, the webhook's `to` list. The fake robots work out whom the
platform would @ from the request as the real service does; nobody is @-mentioned twice,
a handle that is not one is left out, and no secret or needless handle is sent."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from connectors.http import Http
from responder.alerts import schedule
from responder.alerts.channels import Page, group_page, mention_page
from responder.alerts.channels.text import Oldest, quote
from responder.alerts.people import Person
from responder.alerts.schedule import OnCall
from responder.store.stages import Stage
from tests.fake_robots import FakeRobots
from tests.fakes import FakeClock
from tests.test_alert_channels import SECRETS, TEXT, ding, feishu, hidden, hook, page, wecom

WANG = Person(
    name="wang",
    display="小王",
    phone="13800000001",
    email="wang@tiexin.example",
    dingtalk="wang01",
    wecom="WangXiao",
    feishu="ou_7d8a6e6df7621556ce0d21922b676706",
)
LI = Person(name="li", display="小李", phone="13900000002")  # a phone and nothing else
ZHAO = Person(name="zhao")  # no handle at all
MALLORY = Person(  # handles that are not handles, a name that is markup
    name="mallory",
    display="<at id=all></at><@all>坏人",
    phone="call me",
    dingtalk="x y",
    wecom="a>b",
    feishu="ou_1 2",
)
TITLE = "### 【即将超时】微博评论 · 粉丝 382万 · 剩 4分10秒"
LINKS = (
    "[查看](https://tiexin.example/m/42) · [确认](https://tiexin.example/ack/m-42?sig=abc&exp=1)"
)


def duty(*people: Person) -> Page:
    return page(to=people)


def test_a_page_is_for_nobody_unless_told() -> None:
    """Back compatible: old callers build pages without `to`; the builders pass it on."""
    assert Page(key="k", title="t").to == ()
    made = mention_page(
        key="k", stage=Stage.WARNED, source="微博评论", platform="weibo", followers=None,
        left=timedelta(seconds=5), text="", link="l", ack_link="a", to=(WANG, LI),
    )  # fmt: skip
    assert made.to == (WANG, LI)
    oldest = Oldest(source="微博评论", text=TEXT, left=timedelta(seconds=130))
    grouped = group_page(
        key="g", count=3, within=timedelta(minutes=5), earliest=oldest, crises=0,
        queue_link="q", to=(LI,),
    )  # fmt: skip
    assert grouped.to == (LI,)
    assert schedule.Person is Person  # the schedule's old import path still works
    assert OnCall(primary=WANG, secondary=WANG, until=None).people == (WANG,)
    assert OnCall(primary=None, secondary=LI, until=None).people == (LI,)


async def test_dingtalk_ats_by_user_id_else_phone(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    at_mobiles = ("13900000002", "13700000003", "13700000003")  # li's phone is configured too
    await ding(base, http, clock, at_mobiles=at_mobiles).send(duty(WANG, LI, ZHAO, WANG))
    [got] = robots.of("dingtalk")
    assert got.body["markdown"]["text"] == (
        f"{TITLE}\n\n值班：小王 (wang) @wang01、小李 (li) @13900000002、zhao\n\n"
        f"> {TEXT}\n\n{LINKS}\n\n@13700000003"
    )
    assert got.body["at"] == {
        "atMobiles": ["13900000002", "13700000003"],
        "atUserIds": ["wang01"],
        "isAtAll": False,
    }
    assert got.mentioned == ["13900000002", "13700000003", "wang01"]  # each once
    assert WANG.phone.encode() not in got.raw  # @-mentioned by userId, so no need to show it
    assert WANG.email.encode() not in got.raw


async def test_dingtalk_handle_may_be_the_phone_dingtalk_knows(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    """[[oncall.people]] allows `dingtalk` to hold a phone: that is @-mentioned as a phone,
    not sent as a userId nobody has."""
    zhao = Person(name="zhao", display="老赵", phone="13700000009", dingtalk="13800000000")
    await ding(base, http, clock).send(duty(zhao))
    [got] = robots.of("dingtalk")
    assert got.body["at"] == {"atMobiles": ["13800000000"], "isAtAll": False}
    assert "值班：老赵 (zhao) @13800000000\n" in got.body["markdown"]["text"]
    assert got.mentioned == ["13800000000"]


async def test_wecom_ats_by_userid_and_names_the_rest(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    channel = wecom(base, http, clock, mention_userids=("WangXiao", "zhangsan"))
    await channel.send(duty(WANG, LI, ZHAO))
    [got] = robots.of("wecom")
    assert got.body["markdown"]["content"] == (
        f"{TITLE}\n\n值班：小王 (wang) <@WangXiao>、小李 (li)、zhao\n\n> {TEXT}\n\n{LINKS}"
        "\n\n<@zhangsan>"
    )
    assert got.mentioned == ["WangXiao", "zhangsan"]  # the configured id is not repeated
    assert LI.phone.encode() not in got.raw  # markdown cannot @ by phone: not sent at all
    assert got.body["msgtype"] == "markdown" and set(got.body) == {"msgtype", "markdown"}


async def test_wecom_keeps_the_duty_line_when_the_text_is_cut(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    await wecom(base, http, clock).send(page(lines=("长" * 3000,), to=(WANG,)))
    [got] = robots.of("wecom")
    content = got.body["markdown"]["content"]
    assert len(content.encode()) <= 4096 and content.endswith("…")
    assert "值班：小王 (wang) <@WangXiao>" in content and got.mentioned == ["WangXiao"]


async def test_feishu_ats_by_open_id_in_the_card(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    user_id_only = Person(name="sun", display="小孙", feishu="a1b2c3d4")  # not an open_id
    await feishu(base, http, clock).send(duty(WANG, LI, user_id_only, WANG))
    [got] = robots.of("feishu")
    first, second = got.body["card"]["elements"][:2]
    assert first == {
        "tag": "div",
        "text": {
            "tag": "lark_md",
            "content": f"值班：小王 (wang) <at id={WANG.feishu}></at>、小李 (li)、小孙 (sun)",
        },
    }
    assert second["text"] == {"tag": "lark_md", "content": TEXT}
    assert got.mentioned == [WANG.feishu]
    assert b"a1b2c3d4" not in got.raw and LI.phone.encode() not in got.raw


async def test_webhook_lists_people_with_the_handles_they_have(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    await hook(base, http, clock).send(duty(WANG, LI, ZHAO, LI))
    [got] = robots.of("webhook")
    body = json.loads(got.raw)
    assert body["to"] == [
        {
            "name": "wang",
            "display": "小王",
            "phone": "13800000001",
            "email": "wang@tiexin.example",
            "dingtalk": "wang01",
            "wecom": "WangXiao",
            "feishu": WANG.feishu,
        },
        {"name": "li", "display": "小李", "phone": "13900000002"},
        {"name": "zhao"},
    ]
    assert body["duty"] == "值班：小王 (wang)、小李 (li)、zhao"
    assert got.mentioned == ["wang", "li", "zhao"]  # the fake accepted each entry


async def test_handles_that_are_not_handles_are_named_not_sent(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    """A malformed handle in config can neither break the message nor @ someone else."""
    shown = "值班：at id=all/at@all坏人 (mallory)"
    await ding(base, http, clock).send(duty(MALLORY))
    await wecom(base, http, clock).send(duty(MALLORY))
    await feishu(base, http, clock).send(duty(MALLORY))
    dingtalk, wecom_got, lark = robots.of("dingtalk"), robots.of("wecom"), robots.of("feishu")
    assert dingtalk[0].body["at"] == {"atMobiles": [], "isAtAll": False}
    assert shown in dingtalk[0].body["markdown"]["text"]
    assert shown in wecom_got[0].body["markdown"]["content"]
    assert lark[0].body["card"]["elements"][0]["text"]["content"] == shown
    for got in (*dingtalk, *wecom_got, *lark):
        assert got.mentioned == []
        assert b"<at " not in got.raw and b"<@" not in got.raw and b"call me" not in got.raw


async def test_no_secret_in_what_is_sent(
    base: str, http: Http, clock: FakeClock, robots: FakeRobots
) -> None:
    people: dict[str, Any] = {"to": (WANG, LI, ZHAO)}
    for channel in (ding, wecom, feishu, hook):
        await channel(base, http, clock).send(page(**people))
    assert len(robots.got) == 4
    for got in robots.got:
        hidden(got.raw.decode())  # bodies carry people, never a token or a secret
        for secret in SECRETS:
            assert secret not in json.dumps(got.body, ensure_ascii=False)


def test_a_strangers_markup_cannot_mention_or_link() -> None:
    """A comment that carries Feishu's @all, WeCom's <@id> or a markdown link is quoted
    with the markup defused; Weibo's [emoticons] stay as they are."""
    evil = "<at id=all></at> 看 <@zhangsan> [点这里](http://evil.example) [怒]"
    line = quote(evil)
    assert "<" not in line and ">" not in line and "](" not in line
    assert line == "＜at id=all＞＜/at＞ 看 ＜@zhangsan＞ [点这里]（http://evil.example) [怒]"
