"""A photo shared from somewhere is praised for that place, as the person named it."""

from __future__ import annotations

import pytest

from responder.drafts.facts import facts_of
from tests.drafting import drafts


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("在鼓浪屿拍的日落 用的X7", "鼓浪屿"),
        ("青海湖边上随手一拍 Note 12 也能这么清楚", "青海湖"),
        ("国内的手机拍照都卷疯了", ""),  # no place a photo is taken in
        ("X7 Pro 夜景真的绝了", ""),
        ("国庆去了趟梅里 X7 Pro长焦拍的日照金山", "梅里"),  # a trip jieba knows no place of
        ("去了趟医院 手机摔了", ""),  # an errand, not a trip
    ],
)
def test_the_place_is_read_as_named(text: str, place: str) -> None:
    assert facts_of(text).place == place


def test_a_photo_from_a_place_is_praised_for_it() -> None:
    for texts in drafts("青海湖边上随手一拍 X7 Pro 也能这么清楚 太美了", times=2):
        assert sum("青海湖" in t for t in texts) >= 2, texts


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("我家橘猫晒太阳 X7 拍的 毛茸茸", "猫主子"),
        ("给姥姥拍的 她说比照相馆的还好", "姥姥"),
        ("夜景模式拍的江边", ""),
    ],
)
def test_who_is_in_the_photo_is_named_as_a_friend_would(text: str, subject: str) -> None:
    assert facts_of(text).subject == subject


def test_a_photo_of_the_cat_is_praised_for_the_cat() -> None:
    for texts in drafts("我家橘猫晒太阳 用X7 Pro拍的 毛都看得清 太可爱了", times=2):
        assert sum("猫主子" in t for t in texts) >= 2, texts


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("谢谢湖滨店的小哥哥 耐心教我外婆用视频通话 外婆现在天天跟我视频 超级感动", "外婆"),
        ("情人节男朋友送了粉色X7 Pro！！颜色也太温柔了", "男朋友"),
    ],
)
def test_happy_news_about_someone_is_answered_about_them(text: str, who: str) -> None:
    assert facts_of(text).subject == who
    for texts in drafts(text, times=2):
        assert any(who in t for t in texts), texts


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("最后一排看演唱会 X7 Pro 长焦直接拉到舞台 神器yyds", "演唱会"),
        ("戴Watch S两个月 今天称重瘦了5公斤", ""),  # a clause, not a thing to name back
        ("@澜星 X7 Pro 有红外吗 想用手机开空调", "空调"),  # jieba: 红外 names no thing
    ],
)
def test_the_echo_is_a_thing_the_person_named(text: str, echo: str) -> None:
    assert facts_of(text).echo == echo


def test_someone_asking_where_hears_of_the_stores_near_their_place() -> None:
    found = drafts("x7pro屏幕碎了一个角 上海哪里可以修 最好是浦东的", times=3)
    assert any("上海附近的网点" in t for texts in found for t in texts), found


def test_a_place_named_without_asking_where_changes_no_store_line() -> None:
    for texts in drafts("在上海外滩拍的夜景 X7 Pro 太顶了", times=2):
        assert not any("上海附近" in t for t in texts), texts
