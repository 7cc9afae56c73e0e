"""The style check on drafts and edited replies: rules from templates/drafts/style.toml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connectors.weibo.length import weibo_length
from responder.drafts.style import (
    StyleError,
    StyleRules,
    check,
    length_of,
    limit_for,
    load_style,
    packaged_path,
)

PLACES = [
    ("weibo", "comment"),
    ("weibo", "private"),
    ("wechat", "private"),
    ("tieba", "post"),
    ("douyin", "comment"),  # another JSON API: only the global rules apply
]
TONES = ("upset", "happy", "question", "neutral", "crisis")
FRIENDLY = "抱歉让你等这么久！私信发我们订单号，我们直接找仓库查到底卡在哪，今天给你准信。"


@pytest.fixture(scope="module")
def rules() -> StyleRules:
    return load_style()


def rules_of(
    text: str, tone: str, rules: StyleRules, place: tuple[str, str] = PLACES[0]
) -> list[str]:
    platform, channel = place
    findings = check(text, platform=platform, channel=channel, tone=tone, rules=rules)
    return [f.rule for f in findings]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好世界", 4),  # CJK counts 1
        ("，。！", 3),  # so does full-width punctuation
        ("ＡＢ", 2),  # and full-width letters
        ("Test", 2),  # ASCII counts half
        ("abc", 2),  # rounded up
        ("a", 1),
        ("", 0),
        ("你好abc", 4),
        ("X7 Pro 真香", 6),  # 7 ASCII (spaces too) = 3.5, rounded up to 4, plus 2
        ("😂", 1),  # per code point
        ("好😂", 2),
        ("👍🏻", 2),  # emoji plus skin tone: two code points
        ("https://t.cn/abc", 8),  # no URL rule in the spec: plain ASCII
    ],
)
def test_weibo_length(text: str, expected: int) -> None:
    assert weibo_length(text) == expected


def test_length_units() -> None:
    assert length_of("ab你", "weibo") == 2
    assert length_of("ab你", "chars") == 3
    with pytest.raises(ValueError, match="bytes"):
        length_of("ab", "bytes")


def test_limits(rules: StyleRules) -> None:
    assert limit_for("weibo", "comment", rules) == (140, "weibo")
    assert limit_for("weibo", "private", rules) == (299, "chars")
    assert limit_for("wechat", "private", rules) == (600, "chars")
    assert limit_for("tieba", "post", rules) == (1000, "chars")
    assert limit_for("wechat", "comment", rules) is None
    assert limit_for("douyin", "comment", rules) is None


def test_weibo_comment_boundary(rules: StyleRules) -> None:
    assert rules_of("好" * 140, "neutral", rules) == []
    assert rules_of("a" * 280, "neutral", rules) == []  # 280 ASCII count 140
    for text in ("好" * 141, "a" * 281, "好" * 139 + "ab😂"):
        (finding,) = check(text, platform="weibo", channel="comment", tone="neutral", rules=rules)
        assert finding.rule == "length"
        assert "140" in finding.message and "141" in finding.message
    # The same 141 characters are fine in a Weibo private message, not past 299.
    assert rules_of("好" * 141, "neutral", rules, ("weibo", "private")) == []
    assert rules_of("好" * 300, "neutral", rules, ("weibo", "private")) == ["length"]
    assert rules_of("好" * 5000, "neutral", rules, ("douyin", "comment")) == []


@pytest.mark.parametrize(
    "text", ["亲，您好，有什么问题吗", "亲,您好,有什么问题吗", "亲 你好～有什么问题吗"]
)
def test_banned_phrase_whatever_the_punctuation(text: str, rules: StyleRules) -> None:
    (finding,) = check(text, platform="weibo", channel="comment", tone="neutral", rules=rules)
    assert finding.rule == "banned"
    assert finding.words == ("亲，您好",)
    assert "“亲，您好”" in finding.message


def test_banned_lists_every_phrase_in_order(rules: StyleRules) -> None:
    text = "给您带来的不便敬请谅解，请您耐心等待。祝您生活愉快！"
    (finding,) = check(text, platform="tieba", channel="post", tone="upset", rules=rules)
    assert finding.words == ("给您带来的不便敬请谅解", "请您耐心等待", "祝您生活愉快")


def test_sensitive_words(rules: StyleRules) -> None:
    (finding,) = check(
        "这个问题我们免费换新，保证赔偿",
        platform="wechat",
        channel="private",
        tone="upset",
        rules=rules,
    )
    assert finding.rule == "sensitive"
    assert finding.words == ("免费换新", "保证赔偿")
    # An ASCII word only counts whole: "sb" is an insult, USB is a port.
    assert rules_of("你是 SB 吗", "neutral", rules) == ["sensitive"]
    assert rules_of("USB 接口松了可以来店里看看", "neutral", rules) == []


@pytest.mark.parametrize("text", ["哈哈哈，马上帮你查", "这就去查 [doge]", "收到 hhhh", "好的~~~"])
def test_no_laughing_at_an_upset_person_or_in_a_crisis(text: str, rules: StyleRules) -> None:
    for tone in ("upset", "crisis"):
        (finding,) = check(text, platform="weibo", channel="comment", tone=tone, rules=rules)
        assert finding.rule == "laughing"
        assert finding.words
    for tone in ("happy", "neutral", "question"):
        assert rules_of(text, tone, rules) == []


def test_laughing_message_says_why(rules: StyleRules) -> None:
    (upset,) = check("哈哈 😂", platform="weibo", channel="comment", tone="upset", rules=rules)
    (crisis,) = check("哈哈 😂", platform="weibo", channel="comment", tone="crisis", rules=rules)
    assert upset.words == crisis.words == ("哈哈", "😂")
    assert "生气" in upset.message and "危机" in crisis.message
    assert "“哈哈”" in upset.message and "😂" in upset.message


@pytest.mark.parametrize("mark", ["😂", "❤️", "👍🏻", "🇨🇳", "1️⃣", "☀️", "(｡･ω･｡)", "^_^", "[笑cry]"])
def test_emoji_and_kaomoji_refused_when_upset(mark: str, rules: StyleRules) -> None:
    (finding,) = check(
        f"真的抱歉{mark}", platform="tieba", channel="post", tone="upset", rules=rules
    )
    assert finding.rule == "laughing"
    assert finding.words == (mark,)
    assert rules_of(f"真的抱歉{mark}", "happy", rules) == []


def test_typography_is_not_emoji(rules: StyleRules) -> None:
    assert rules_of("澜OS™ 是 ©澜星 的系统，订单尾号 12330", "upset", rules) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("None，你的订单到了", ("None",)),
        ("{{ name }}，你的订单到了", ("{{", "}}")),
        ("订单 nan 已发货", ("nan",)),
        ("{% if x %}到了", ("{%", "%}")),
    ],
)
def test_template_leftovers(text: str, words: tuple[str, ...], rules: StyleRules) -> None:
    (finding,) = check(text, platform="weibo", channel="comment", tone="happy", rules=rules)
    assert finding.rule == "template"
    assert finding.words == words


def test_words_that_only_contain_a_leftover(rules: StyleRules) -> None:
    assert rules_of("banana 和 Nonesuch 都不是模板错误", "neutral", rules) == []


@pytest.mark.parametrize("text", ["", "   ", "\u3000\n", "\u200b"])
def test_empty(text: str, rules: StyleRules) -> None:
    assert rules_of(text, "neutral", rules) == ["empty"]


def test_findings_in_rule_order(rules: StyleRules) -> None:
    text = "None 亲，您好 免费换新 哈哈" + "好" * 140
    assert rules_of(text, "upset", rules) == [
        "template",
        "banned",
        "sensitive",
        "laughing",
        "length",
    ]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("tone", TONES)
def test_friendly_reply_passes(place: tuple[str, str], tone: str, rules: StyleRules) -> None:
    assert rules_of(FRIENDLY, tone, rules, place) == []


def test_default_is_the_packaged_file() -> None:
    path = packaged_path()
    assert path.parts[-3:] == ("templates", "drafts", "style.toml")
    assert load_style(path) == load_style()


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = packaged_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "style.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('message = "套话：', 'mesage = "套话：', "banned.message: missing"),
        ('message = "套话：', 'mesage = "套话：', "banned.mesage: unknown key"),
        ("limit = 140", 'limit = "140"', "length.weibo.comment.limit: must be int"),
        ("limit = 140", "limit = 0", "length.weibo.comment.limit: must be above 0"),
        ('unit = "weibo"', 'unit = "bytes"', "length.weibo.comment.unit"),
        ("{limit} 字（按微博计数", "{max} 字（按微博计数", "length.weibo.comment.message"),
        ('upset = "', 'angry = "', "laughing.tones.angry: unknown key"),
        ("'hhh+'", "'hhh+('", "laughing.patterns[1]: not a valid regex"),
        ('phrases = [\n  "哈哈"', "phrases = [\n  3", "laughing.phrases: must be a list of"),
        ("[sensitive]", "[sensitiv]", "sensitive: missing"),
    ],
)
def test_broken_file_names_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(StyleError) as caught:
        load_style(path)
    assert isinstance(caught.value, ValueError)
    assert f"{path}: {key}" in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    path = broken(tmp_path, "[banned]", "[banned")
    with pytest.raises(StyleError, match=re.escape(f"{path}: cannot read")):
        load_style(path)
    with pytest.raises(StyleError, match=re.escape(f"{tmp_path / 'nothing.toml'}: cannot read")):
        load_style(tmp_path / "nothing.toml")
