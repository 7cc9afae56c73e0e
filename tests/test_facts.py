"""A mention's own facts: what the drafts acknowledge and never ask for again."""

from __future__ import annotations

import pytest

from responder.drafts.facts import facts_of, language
from responder.drafts.suggest import start
from tests.drafting import suggestions


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("@澜星 订单号LX202611110123 三天了还没发货", "order", "LX202611110123"),
        ("订单号：A1B2C3D4E5 怎么还没动", "order", "A1B2C3D4E5"),
        ("快递单号SF1234567890 显示签收了但我没收到", "tracking", "SF1234567890"),
        ("X7 升到 3.2.1 以后相机黑屏", "version", "3.2.1"),
        ("升完3.2 X7相机一打开就黑屏", "version", "3.2"),
        ("更新了澜OS 5.1之后耗电变快了好多", "version", "5.1"),
        ("这个价格99.9元的膜值吗", "version", ""),
        ("屏幕6.7寸的X7 Pro", "version", ""),
        ("充电口修了两次，这是第三次了", "count", "第三次"),
        ("修了3次了还是不行", "count", "3次了"),
        ("今天生日，用新手机拍的蛋糕", "occasion", "生日"),
        ("中秋快乐呀澜星", "occasion", "中秋"),
        ("X7能不能刷公交卡？深圳通那种", "feature", "NFC"),
        ("X7能不能刷公交卡？深圳通那种", "said", "公交卡"),
        ("WiFi隔十几分钟断一次", "said", "WiFi"),
        ("换新手机了 微信聊天记录怎么搬过去", "feature", "换机"),
        ("电话13812345678，麻烦回电", "phone", True),
        ("附几张样张，夜景真的绝", "photo", True),
    ],
)
def test_a_mention_says_its_own_facts(text: str, field: str, value: object) -> None:
    assert getattr(facts_of(text), field) == value


def test_nothing_is_found_in_a_plain_mention() -> None:
    found = facts_of("今天天气真好")
    assert (found.order, found.feature, found.said, found.occasion) == ("", "", "", "")
    assert found.given == frozenset()


def test_what_the_person_gave_earlier_in_the_thread_counts_as_given() -> None:
    found = facts_of("到哪了呀", ["你好", "我的订单 LX202611180045，电话 13900001111"])
    assert found.order == "LX202611180045"
    assert found.given == {"order", "phone"}
    # The topic comes from the mention itself, not from the earlier messages.
    assert facts_of("到哪了呀", ["公交卡怎么开"]).feature == ""


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("my Buds 2 left earbud stopped charging, any fix?", "en"),
        ("Hi, I need a fapiao for my company. Bought an X7 last week.", "en"),
        ("X7 的 NFC 怎么开", "zh"),
        ("这个bug什么时候修 OTA 推送了吗", "zh"),
        ("ok", "zh"),
    ],
)
def test_the_language_of_a_mention(text: str, lang: str) -> None:
    assert language(text) == lang


def test_only_a_fall_the_person_names_is_a_fall() -> None:
    assert facts_of("手机掉地上屏幕裂了").dropped
    assert facts_of("dropped my X7 and the screen cracked").dropped
    assert not facts_of("屏幕右下角有个亮点，刚买一周，能换吗").dropped


def test_a_screen_defect_is_not_drafted_as_a_fall() -> None:
    start()
    made = suggestions("屏幕右下角有个亮点，刚买一周，能换吗", times=6)
    assert {s.understanding.intent for s in made} == {"screen_damage"}
    drafts = [d.text for s in made for d in s.drafts]
    assert drafts and not [d for d in drafts if "摔" in d or "碎" in d]


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Pad 3配的手写笔画画老是断触，还有点延迟", "topic", "手写笔断触"),
        ("你们那个65W充电头 插上手机就滋滋响", "topic", "充电头滋滋响"),
        ("在商城买的官方钢化膜 贴了两天边上全是气泡", "topic", "钢化膜起气泡"),
        ("x7贴了个新膜之后 指纹十次有八次识别不了", "topic", "贴膜以后指纹识别不了"),
        ("x7贴了个新膜之后 指纹十次有八次识别不了", "core", "指纹识别不了"),
        ("升完3.2 X7相机一打开就黑屏", "topic", "升到 3.2 以后相机黑屏"),
        ("我X7掉马桶里了 屏幕一闪一闪的", "topic", "进水以后屏幕一闪一闪"),
        ("屏幕右下角有个亮点", "topic", "屏幕有亮点"),
        ("Watch S突然充不进电了", "topic", "Watch S 充不进电"),
        ("星空黑x7 寄来是白色的", "topic", "发错货"),  # about the order, not the colour
        ("之前的掉帧也没了，丝滑", "problem", ""),  # gone is no problem
        ("一点不发烫，续航也好", "problem", ""),  # negated
        ("x6充电口修了两次", "model", "X6"),
        ("note12真的是续航怪兽", "model", "Note 12"),
        ("刚买的x7pro", "model", "X7 Pro"),
        ("buds2左耳没声音了", "model", "Buds 2"),
        ("必须夸一下售后的王师傅！", "person", "王师傅"),
        ("维修师傅人很好", "person", ""),  # no name: nobody to thank by name
        ("从Note 7用到X7 整整五年了", "since", "五年"),
    ],
)
def test_what_a_mention_is_about_in_its_own_words(text: str, field: str, value: str) -> None:
    assert getattr(facts_of(text), field) == value


def test_a_short_follow_up_is_about_what_the_person_said_before() -> None:
    assert facts_of("还是不行", ["buds2左耳没声音了"]).topic == "左耳没声音"
    assert facts_of("笔呢还是没有", ["Pad3+手写笔套装开箱"]).topic == "手写笔"


def test_a_non_parcel_mention_read_as_shipping_is_drafted_elsewhere() -> None:
    from responder.drafts.routes import routes

    assert routes().route("shipping", (), "到哪了呀 快递三天没动") == "shipping"
    assert routes().route("shipping", (), "商城买的钢化膜 膜有问题") == "after_sales"
    assert routes().route("shipping", (), "下个版本啥时候") == "system_update"
    assert routes().route("shipping", ("camera",), "说好的月底公布") == "camera"
    assert routes().route("shipping", (), "说好的月底公布") == "_general"
    assert routes().route("battery", (), "说好的月底公布") == "battery"  # not gated
