"""A sent reply made reusable: the mention's facts become slots, a new mention's facts fill
them, and a reply still about one person is not admitted."""

from __future__ import annotations

import pytest

from responder.drafts.brand import Brand, load_brand
from responder.drafts.drafter import default_directory
from responder.drafts.manners import Manners, load_manners
from responder.library.pattern import Pattern, Unfit, fill, make_pattern, values_of

ASKED = "订单号 LX202611110123 的 X7 Pro 怎么还没发货，我都等了三天了"
REPLY = "小澜你好，订单 LX202611110123 的 X7 Pro 已经催仓库加急了，有问题打 400-820-1688"


@pytest.fixture(scope="module")
def brand() -> Brand:
    return load_brand(default_directory() / "brand.toml")


@pytest.fixture(scope="module")
def manners() -> Manners:
    return load_manners(default_directory() / "manners.toml")


def pattern(brand: Brand, manners: Manners, mention: str, reply: str) -> Pattern:
    return make_pattern(mention, reply, author="小澜", author_id="u1", brand=brand, manners=manners)


def test_the_mentions_facts_become_slots(brand: Brand, manners: Manners) -> None:
    made = pattern(brand, manners, ASKED, REPLY)
    assert (
        made.reply
        == "{name}你好，订单 {order} 的 {product} 已经催仓库加急了，有问题打 400-820-1688"
    )
    assert made.slots == ("order", "product", "name")
    assert "LX202611110123" not in made.mention and "{order}" in made.mention
    assert made.lang == "zh"


def test_a_new_mentions_facts_fill_the_slots(brand: Brand, manners: Manners) -> None:
    made = pattern(brand, manners, ASKED, REPLY)
    new = values_of("订单号 LX202699990000 的 X7 还没发货", brand, name="阿杰")
    assert fill(made.reply, new) == (
        "阿杰你好，订单 LX202699990000 的 X7 已经催仓库加急了，有问题打 400-820-1688"
    )
    # No name to call the person by (a platform id): the greeting goes, the rest stays.
    nameless = values_of("订单号 LX202699990000 的 X7 还没发货", brand)
    assert fill(made.reply, nameless) == (
        "你好，订单 LX202699990000 的 X7 已经催仓库加急了，有问题打 400-820-1688"
    )


def test_an_entry_whose_slot_the_new_mention_cannot_fill_is_not_used(
    brand: Brand, manners: Manners
) -> None:
    made = pattern(brand, manners, ASKED, REPLY)
    assert fill(made.reply, values_of("X7 还没发货，等了好几天", brand, name="阿杰")) is None
    assert fill(made.reply, values_of("订单号 LX202699990000 还没发货", brand)) is None  # product


def test_the_persons_own_phone_number_is_a_slot(brand: Brand, manners: Manners) -> None:
    made = pattern(brand, manners, "电话 13812345678，还没发货", "稍后打 138-1234-5678 联系你")
    assert made.reply == "稍后打 {phone} 联系你" and "13812345678" not in made.mention
    assert fill(made.reply, values_of("139 0000 1111 这个号，没发货", brand)) == (
        "稍后打 139 0000 1111 联系你"
    )


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("好的，我们会打 13812345678 联系你", "手机号"),
        ("寄到上海市浦东新区张江路100号就行", "地址"),
        ("@阿杰 也遇到过，问问他", "@"),
        ("另一单 SF1234567890 已经发出", "单号"),
        ("写邮件到 someone@example.com", "邮箱"),
    ],
)
def test_a_reply_about_one_person_that_no_slot_covers_is_not_admitted(
    brand: Brand, manners: Manners, reply: str, why: str
) -> None:
    with pytest.raises(Unfit, match=why):
        pattern(brand, manners, "X7 还没发货", reply)


def test_the_brands_own_numbers_and_links_are_fine(brand: Brand, manners: Manners) -> None:
    reply = "门店查询 https://www.lanxing.example/service/stores ，热线 400-820-1688"
    assert pattern(brand, manners, "X7 去哪修", reply).reply == reply
