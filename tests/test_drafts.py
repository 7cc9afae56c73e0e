"""Reply drafts from the real templates in templates/drafts/: every block renders, platform
lengths, no laughing at upset people, festivals and time of day, no repeats in a thread, no
template leftovers, no drafts for spam, template errors at start-up, brand facts and reach."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import emoji
import pytest

from connectors.model import Author
from connectors.weibo.length import weibo_length
from responder.cli import main
from responder.drafts.crisis import Crisis
from responder.drafts.data import ALL_INTENTS
from responder.drafts.drafter import Drafter, DraftSet, default_directory
from responder.drafts.moments import moment_at
from responder.drafts.render import ENGLISH, GENERAL, TemplateProblem, Templates
from responder.drafts.routes import FOLLOWUP, PARCEL, routes
from responder.drafts.said import sentences
from responder.drafts.style import check
from responder.drafts.suggest import Job, start, suggest, suggest_all
from responder.drafts.understand import Understanding
from sentiment import Label, Sentiment, score_texts

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLATFORMS = {"weibo": "comment", "wechat": "dm", "tieba": "post"}  # platform -> mention kind
CHANNELS = {"weibo": "comment", "wechat": "private", "tieba": "post"}  # how the reply travels
WEEKDAY = datetime(2026, 5, 12, 15, 0, tzinfo=SHANGHAI)  # an ordinary Tuesday afternoon
MOMENTS = (
    WEEKDAY,
    datetime(2026, 9, 25, 20, 0, tzinfo=SHANGHAI),  # 中秋, evening
    datetime(2026, 11, 25, 23, 30, tzinfo=SHANGHAI),  # late night
    datetime(2026, 1, 4, 9, 0, tzinfo=SHANGHAI),  # a make-up workday, morning
    datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI),  # 国庆节, a day off
)
MENTION_IDS = [str(4_987_000_000_000_000 + 7919 * i) for i in range(200)]  # Weibo-like ids
SMALL = Author(id="a", name="小澜", followers=12)
BIG = Author(id="a", name="小澜", followers=3_000_000, verified=True)
LONG_NAME = Author(id="a", name="今天也要努力搬砖的澜星老用户阿杰同学")
LABELS = {
    "upset": Label.NEGATIVE,
    "crisis": Label.NEGATIVE,
    "happy": Label.POSITIVE,
    "question": Label.NEUTRAL,
    "neutral": Label.NEUTRAL,
}
SCORES = {"upset": 0.08, "crisis": 0.03, "happy": 0.93, "question": 0.5, "neutral": 0.5}
# Words that switch branches inside a block (`"降价" in words`): each branch gets a turn.
BRANCH_WORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "purchase_intent": (("纠结", "预算"), ("降价",)),
    "system_update": (("变砖",), ("推送",), ("推送", "更了", "bug")),
}
TEXTS = (("我的X7 Pro最近怎么回事", SMALL), ("你们好", Author(id="a", name="")))
LAUGHING = re.compile(r"哈哈|嘿嘿|嘻嘻|呵呵|hhh|233")
BRACKET_CODE = re.compile(r"\[[^\[\]\s]{1,8}\]")  # Weibo emoticons: [doge], [二哈], [哈哈]
LEFTOVER = re.compile(
    r"\bNone\b|\{\{|\}\}|\{%|%\}|<built-in|<bound method|<function|namespace\(| at 0x"
)


@pytest.fixture(scope="module")
def drafter() -> Drafter:
    """One Drafter on the packaged templates for the module, also the one suggest_all uses."""
    return start()


def understanding(
    intent: str, tone: str, words: tuple[str, ...] = (), *, spam: bool = False
) -> Understanding:
    """A mention understood as `intent`, written so that its drafts take `tone`."""
    sentiment = Sentiment(score=SCORES[tone], label=LABELS[tone], cues=("test",))
    crisis = (
        Crisis(flag=True, words=("起火", "冒烟"), kinds=("fire", "smoke"))
        if tone == "crisis"
        else Crisis()
    )
    return Understanding(
        intent=intent,
        intent_words=((intent, words),) if words else (),
        crisis=crisis,
        urgent=crisis.flag,
        spam=spam,
        question=tone == "question",
        sentiment=sentiment,
        model_sentiment=sentiment,
    )


def draft(
    drafter: Drafter,
    known: Understanding,
    *,
    platform: str,
    seed: str,
    at: datetime = WEEKDAY,
    text: str = TEXTS[0][0],
    author: Author = SMALL,
    avoid: frozenset[str] = frozenset(),
    ranking: Mapping[str, float] | None = None,
) -> DraftSet:
    if known.intent in routes().need and not routes().says(known.intent, text.lower()):
        text += " " + routes().words[known.intent][0]  # its templates draft only then
    return drafter.draft(
        known,
        text=text,
        platform=platform,
        kind=PLATFORMS[platform],
        author=author,
        at=at,
        seed=seed,
        avoid=avoid,
        ranking=ranking,
    )


def intent_tones(drafter: Drafter) -> list[tuple[str, str]]:
    """Every (intent, tone) an intent's own template file has blocks for."""
    return sorted(key for key in drafter.templates.blocks if key[0] != GENERAL)


def folder(path: Path, files: Mapping[str, str]) -> Path:
    """A template folder: the given files plus the packaged brand.toml and style.toml."""
    path.mkdir(parents=True, exist_ok=True)
    for name in ("brand.toml", "style.toml"):
        shutil.copy(default_directory() / name, path / name)
    for name, text in files.items():
        (path / name).write_text(text, "utf-8")
    return path


# 1. Every block renders, and every intent and tone gets three drafts on every platform.


def test_check_renders_every_block_with_no_warnings(drafter: Drafter) -> None:
    assert drafter.check() == []
    blocks = sum(len(b) for b in drafter.templates.blocks.values())
    assert blocks >= 150  # the whole packaged set was loaded, not an empty folder


def test_every_intent_and_tone_gets_three_distinct_drafts_on_every_platform(
    drafter: Drafter,
) -> None:
    failures: list[str] = []
    checked = 0
    for intent, tone in intent_tones(drafter):
        for platform in PLATFORMS:
            for m, at in enumerate(MOMENTS):
                for t, (text, author) in enumerate(TEXTS):
                    for words in ((), *BRANCH_WORDS.get(intent, ())):
                        got = draft(
                            drafter,
                            understanding(intent, tone, words),
                            platform=platform,
                            seed=f"{intent}-{tone}-{platform}-{m}-{t}-{words}",
                            at=at,
                            text=text,
                            author=author,
                        )
                        texts = [d.text for d in got.drafts]
                        checked += 1
                        if (
                            got.tone != tone
                            or len(set(texts)) != 3
                            or not any(d.template.startswith(f"{intent}/") for d in got.drafts)
                        ):
                            failures.append(f"{intent} {tone} {platform} {at} {words}: {got}")
    assert checked > 1500
    assert not failures, "\n".join(failures[:10])


def test_every_intent_but_spam_has_its_own_template_file(drafter: Drafter) -> None:
    files = {stem for stem, _ in drafter.templates.blocks}
    assert files == {*ALL_INTENTS, GENERAL, ENGLISH, FOLLOWUP, PARCEL} - {"spam"}


# 2. Lengths by Weibo's count.


@pytest.mark.parametrize(
    ("platform", "limit", "length", "mentions", "shortest_longest"),
    [
        ("weibo", 140, weibo_length, 200, 40),  # a Weibo comment, by Weibo's count
        ("wechat", 600, len, 100, 60),
    ],
)
def test_drafts_fit_the_platform_length_over_many_mentions(
    drafter: Drafter,
    platform: str,
    limit: int,
    length: Callable[[str], int],
    mentions: int,
    shortest_longest: int,
) -> None:
    longest = 0
    for i, seed in enumerate(MENTION_IDS[:mentions]):
        for intent, tone in intent_tones(drafter):
            got = draft(
                drafter,
                understanding(intent, tone),
                platform=platform,
                seed=seed,
                at=MOMENTS[i % len(MOMENTS)],
                author=LONG_NAME,
            )
            assert len(got.drafts) == 3, (intent, tone, seed)
            for d in got.drafts:
                assert length(d.text) <= limit, d
                longest = max(longest, length(d.text))
    assert longest > shortest_longest  # real replies were measured, not empty ones


# 3. No laughing at upset customers; crisis drafts are serious and take it offline.


def _upset_and_crisis(drafter: Drafter) -> list[tuple[str, str]]:
    return [(i, t) for i, t in intent_tones(drafter) if t in ("upset", "crisis")]


def test_upset_and_crisis_drafts_never_laugh_or_use_emoji(drafter: Drafter) -> None:
    offered: set[tuple[str, str]] = set()  # (platform, text): many mentions share a draft
    for intent, tone in _upset_and_crisis(drafter):
        for platform in PLATFORMS:
            for i, seed in enumerate(MENTION_IDS[:100]):
                got = draft(
                    drafter,
                    understanding(intent, tone),
                    platform=platform,
                    seed=seed,
                    at=MOMENTS[i % len(MOMENTS)],
                )
                assert got.tone == tone and len(got.drafts) == 3, (intent, tone, seed, got)
                offered.update((platform, d.text) for d in got.drafts)
    assert len(offered) > 500
    for platform, text in offered:
        findings = check(
            text, platform=platform, channel=CHANNELS[platform], tone="upset", rules=drafter.style
        )
        assert [f for f in findings if f.rule == "laughing"] == [], text
        assert not LAUGHING.search(text), text
        assert emoji.emoji_count(text) == 0, text
        assert not BRACKET_CODE.search(text), text


@pytest.mark.parametrize(
    "text",
    [
        "下单五天了还没发货，客服也不回，气死了",
        "X7 Pro更新完系统卡得要死，垃圾",
        "我的X7 Pro充电的时候起火了，床单都烧了",
        "手机发烫把手烫伤了，我要找媒体曝光",
    ],
)
def test_real_upset_and_crisis_mentions_get_serious_drafts(drafter: Drafter, text: str) -> None:
    for platform, channel in CHANNELS.items():
        job = Job(
            id=f"{platform}-{text}",
            text=text,
            platform=platform,
            kind=PLATFORMS[platform],
            author=SMALL,
            at=WEEKDAY,
        )
        got = suggest(job, score_texts([text])[0], drafter)
        assert got.tone in ("upset", "crisis"), got.understanding
        assert got.drafts
        for d in got.drafts:
            findings = check(
                d.text, platform=platform, channel=channel, tone=got.tone, rules=drafter.style
            )
            assert findings == [], d
            assert not LAUGHING.search(d.text) and emoji.emoji_count(d.text) == 0, d


def test_every_crisis_draft_names_a_way_to_take_it_offline(drafter: Drafter) -> None:
    brand = drafter.brand.facts
    # The named ways offline: the brand file's channels, hotline and email, or a private
    # message or a call from the named person ("私信" or 电话 with 专员 / 负责人 / 专人; in a
    # private chat, where no draft says 私信, the phone number asked for).
    ways = (brand.crisis_channel, brand.escalation_channel, brand.hotline, brand.crisis_email)
    missing: Counter[str] = Counter()
    offered = 0
    for platform in PLATFORMS:
        for seed in MENTION_IDS:
            got = draft(drafter, understanding("crisis", "crisis"), platform=platform, seed=seed)
            assert len(got.drafts) == 3
            for d in got.drafts:
                offered += 1
                named = any(w in d.text for w in ("专员", "负责人", "专人"))
                private = named and any(w in d.text for w in ("私信", "电话"))
                if not any(way in d.text for way in ways) and not private:
                    missing[f"{platform} {d.template}: {d.text}"] += 1
    assert offered == 3 * 3 * len(MENTION_IDS)
    assert not missing, "crisis drafts with no channel, hotline or email from brand.toml:\n" + (
        "\n".join(f"{n}x {what}" for what, n in missing.most_common(6))
    )


# 4. Holidays and time of day.

FACTS_BLOCK = (
    "festival={{ festival }};\ntime={{ time }};\nholiday={{ holiday }};\n"
    "makeup_workday={{ makeup_workday }}。\n"
)
MOMENT_TEMPLATES = {
    "_general.j2": (
        "{% block happy_1 %}\n" + FACTS_BLOCK + "{% endblock %}\n\n"
        "{% block happy_2 %}\n{% if festival %}{{ festival }}快乐呀朋友！"
        "{% else %}今天也开开心心的。{% endif %}\n{% endblock %}\n\n"
        "{% block question_1 %}\n" + FACTS_BLOCK + "{% endblock %}\n"
    )
}


@pytest.fixture(scope="module")
def moment_drafter(tmp_path_factory: pytest.TempPathFactory) -> Drafter:
    return Drafter(folder(tmp_path_factory.mktemp("moments"), MOMENT_TEMPLATES))


def _facts(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.removesuffix("。").split(";"))


@pytest.mark.parametrize(
    ("at", "intent", "festival", "time", "holiday", "makeup_workday"),
    [
        (
            datetime(2026, 9, 25, 20, tzinfo=SHANGHAI),
            "praise",
            "中秋",
            "evening",
            "中秋节",
            "False",
        ),
        (datetime(2027, 2, 6, 10, tzinfo=SHANGHAI), "chit_chat", "春节", "morning", None, "False"),
        (
            datetime.fromisoformat("2026-11-25T15:30:00+00:00"),
            "chit_chat",
            "",
            "late_night",
            "",
            "False",
        ),
        (datetime(2026, 10, 3, 10, tzinfo=SHANGHAI), "chit_chat", "", "morning", "国庆节", "False"),
        (datetime(2026, 1, 4, 10, tzinfo=SHANGHAI), "chit_chat", "", "morning", "", "True"),
    ],
    ids=["zhongqiu", "chunjie-2027", "late-night-utc", "guoqing-holiday", "makeup-workday"],
)
def test_festival_time_holiday_and_makeup_workday_reach_the_templates(
    moment_drafter: Drafter,
    at: datetime,
    intent: str,
    festival: str,
    time: str,
    holiday: str | None,
    makeup_workday: str,
) -> None:
    got = draft(moment_drafter, understanding(intent, "happy"), platform="weibo", seed="m1", at=at)
    assert len(got.drafts) == 2, got
    facts = _facts(next(d.text for d in got.drafts if d.template == "_general/happy_1"))
    moment = moment_at(at, "Asia/Shanghai")
    assert facts["festival"] == festival == moment.festival
    assert facts["time"] == time == moment.time
    if holiday is not None:  # chinese_calendar has no official days off for 2027 yet
        assert facts["holiday"] == holiday == moment.holiday
    assert facts["makeup_workday"] == makeup_workday == str(moment.makeup_workday)
    if festival:
        assert any(festival in d.text for d in got.drafts)  # "中秋快乐呀朋友！"
        assert f"{festival}快乐呀朋友！" in [d.text for d in got.drafts]


def test_a_question_late_at_night_gets_the_real_late_night_block(drafter: Drafter) -> None:
    late = datetime.fromisoformat("2026-11-25T15:30:00+00:00")  # 23:30 in Shanghai
    afternoon = datetime.fromisoformat("2026-11-25T07:00:00+00:00")  # 15:00
    first = {"_general/question_2": 1.0}  # rank the general question block first
    late_texts: list[str] = []
    day_texts: list[str] = []
    for seed in MENTION_IDS[:30]:
        for at, out in ((late, late_texts), (afternoon, day_texts)):
            got = draft(
                drafter,
                understanding("chit_chat", "question"),
                platform="weibo",
                seed=seed,
                at=at,
                ranking=first,
            )
            assert got.tone == "question" and got.drafts[0].template == "_general/question_2"
            out.append(got.drafts[0].text)
    assert all("这么晚还没睡呀" in t or "夜猫子你好" in t for t in late_texts), late_texts
    assert any("还没睡" in t for t in late_texts)
    assert not any("还没睡" in t or "夜猫子" in t for t in day_texts), day_texts


def test_templates_render_the_general_question_block_with_the_late_night_time(
    drafter: Drafter,
) -> None:
    block = next(
        b
        for b in drafter.templates.candidates("how_to", "question")
        if b.id == "_general/question_2"
    )
    moment = moment_at(datetime.fromisoformat("2026-11-25T15:30:00+00:00"), drafter.zone)
    variables = {
        "name": "",
        "platform": "weibo",
        "channel": "comment",
        "short": drafter.style_limit_is_short("weibo", "comment"),
        "product": "",
        "brand": drafter.brand.facts,
        "time": moment.time,
        "festival": moment.festival,
        "holiday": moment.holiday,
        "makeup_workday": moment.makeup_workday,
        "playful": False,
        "words": [],
        "crisis_words": [],
        "big": False,
    }
    texts = {drafter.templates.render(block, variables, seed) for seed in MENTION_IDS[:20]}
    assert moment.time == "late_night"
    assert any("还没睡" in t for t in texts), texts
    noon = drafter.templates.render(block, {**variables, "time": "noon"}, MENTION_IDS[0])
    assert "还没睡" not in noon and "夜猫子" not in noon


# 5. No repeat within a thread.

THREADS = [
    ("shipping", "upset", "weibo"),
    ("shipping", "upset", "wechat"),
    ("battery", "upset", "tieba"),
    ("chit_chat", "happy", "tieba"),
    ("crisis", "crisis", "weibo"),
    ("crisis", "crisis", "wechat"),
]


def _thread_of_four(drafter: Drafter, intent: str, tone: str, platform: str) -> list[list[str]]:
    """Four mentions from one person in one thread, each avoiding what was drafted before."""
    said: set[str] = set()
    out = []
    for k in range(4):
        got = draft(
            drafter,
            understanding(intent, tone),
            platform=platform,
            seed=f"{platform}-thread-7-mention-{k}",
            avoid=frozenset(said),
        )
        out.append([d.text for d in got.drafts])
        for d in got.drafts:
            said.update(sentences(d.text))
    return out


@pytest.mark.parametrize(("intent", "tone", "platform"), THREADS)
def test_no_sentence_repeats_across_four_mentions_in_a_thread(
    drafter: Drafter, intent: str, tone: str, platform: str
) -> None:
    thread = _thread_of_four(drafter, intent, tone, platform)
    seen: dict[str, tuple[int, int]] = {}
    for m, texts in enumerate(thread):
        for n, text in enumerate(texts):
            for sentence in sentences(text):
                assert sentence not in seen, (sentence, seen[sentence], (m, n), thread)
                seen[sentence] = (m, n)
    assert thread[0], "the first mention got drafts"


@pytest.mark.parametrize(("intent", "tone", "platform"), THREADS)
def test_each_of_four_mentions_in_a_thread_still_gets_two_drafts(
    drafter: Drafter, intent: str, tone: str, platform: str
) -> None:
    thread = _thread_of_four(drafter, intent, tone, platform)
    counts = [len(texts) for texts in thread]
    assert min(counts) >= 2, f"drafts per mention: {counts}\n" + "\n".join(map(str, thread))


def test_suggest_all_never_repeats_a_sentence_within_a_thread_in_one_batch(
    drafter: Drafter,
) -> None:
    texts = [
        "下单五天了还没发货，怎么回事",
        "物流一直不更新，到底发没发货",
        "客服也不回，快递到底什么时候到",
        "再不发货我就要退款了",
    ]

    def jobs(thread: str) -> list[Job]:
        return [
            Job(
                id=f"weibo-{i}",
                text=text,
                platform="weibo",
                kind="comment",
                author=SMALL,
                at=WEEKDAY,
                thread=thread,
            )
            for i, text in enumerate(texts)
        ]

    def repeats(batch: list[Job]) -> list[str]:
        """Sentences offered for more than one mention of the batch (one mention's drafts
        may all quote the same knowledge answer)."""
        counts = Counter(
            s
            for got in suggest_all(batch)
            for s in {s for d in got.drafts for s in sentences(d.text)}
        )
        return [s for s, n in counts.items() if n > 1]

    threaded = suggest_all(jobs("weibo:author-42"))
    assert all(len(s.drafts) >= 2 for s in threaded), [len(s.drafts) for s in threaded]
    assert repeats(jobs("weibo:author-42")) == []
    assert repeats(jobs("")) != []  # without the thread the same batch does repeat itself


# 6. No placeholder, None or template syntax reaches an agent.

LEAKS = {
    "praise.j2": (
        "{% block happy_1 %}\n谢谢你这么喜欢它。\n{{ none }}\n{% endblock %}\n\n"
        '{% block happy_2 %}\n{{ "{{" }} name }}，谢谢喜欢呀。\n{% endblock %}\n\n'
        "{% block happy_3 %}\n谢谢你的夸奖呀。\n{{ words.append }}\n{% endblock %}\n\n"
        "{% block happy_4 %}\n收到夸奖好开心。\n{{ brand.policy }}\n{% endblock %}\n\n"
        "{% block happy_5 %}\n替整个团队谢谢你。\n{{ {}.update }}\n{% endblock %}\n\n"
        "{% block happy_6 %}\n这条我们要收藏。\n{{ one_of }}\n{% endblock %}\n\n"
        "{% block happy_7 %}\n说到心坎里了。\n{{ brand.policy.update }}。\n{% endblock %}\n"
    ),
    "_general.j2": "{% block happy_1 %}\n谢谢你的喜欢，我们会继续努力。\n{% endblock %}\n",
}


def test_drafts_with_none_or_template_leftovers_are_dropped(tmp_path: Path) -> None:
    leaky = Drafter(folder(tmp_path / "leaky", LEAKS))
    for platform in PLATFORMS:
        for seed in MENTION_IDS[:20]:
            got = draft(leaky, understanding("praise", "happy"), platform=platform, seed=seed)
            assert [d.template for d in got.drafts] == ["praise/happy_7", "_general/happy_1"]
            for d in got.drafts:
                assert not LEFTOVER.search(d.text), d
            # brand.policy.update is the policy sentence, never a dict's update method
            assert leaky.brand.facts.policy.update in got.drafts[0].text
    warned = {w.split(":", 1)[0] for w in leaky.check()}
    assert warned == {f"praise/happy_{i}" for i in range(1, 7)}


def test_a_brand_fact_that_does_not_exist_is_refused_at_check(tmp_path: Path) -> None:
    templates = {
        "praise.j2": "{% block happy_1 %}\n谢谢夸奖呀。\n{{ brand.policy.keys }}\n{% endblock %}\n"
    }
    with pytest.raises(TemplateProblem, match=r"praise\.j2:.*keys"):
        Drafter(folder(tmp_path / "nokeys", templates)).check()


# 7. Spam gets no drafts.


def test_an_understanding_marked_spam_gets_no_drafts(drafter: Drafter) -> None:
    for platform in PLATFORMS:
        spam = draft(
            drafter, understanding("spam", "neutral", spam=True), platform=platform, seed="s"
        )
        assert spam.drafts == ()
        plain = draft(drafter, understanding("spam", "neutral"), platform=platform, seed="s")
        assert len(plain.drafts) == 3  # the spam flag, not a missing template, stops it


def test_a_real_spam_text_is_spam_with_no_drafts(drafter: Drafter) -> None:
    text = "加v信 xxxx 兼职日结 点击领取"
    for platform in PLATFORMS:
        job = Job(
            id="spam-1",
            text=text,
            platform=platform,
            kind=PLATFORMS[platform],
            author=SMALL,
            at=WEEKDAY,
        )
        got = suggest(job, score_texts([text])[0], drafter)
        assert got.understanding.spam is True
        assert got.drafts == ()


# 8. Template errors are caught at start-up, with file and line.

SYNTAX_ERROR = {
    "bad.j2": '{% block happy_1 %}\n谢谢你呀朋友。\n{{ one_of("a", "b" }}\n{% endblock %}\n'
}


def test_a_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem) as raised:
        Templates(folder(tmp_path / "bad", SYNTAX_ERROR))
    assert "bad.j2:3" in str(raised.value)


def test_an_undefined_variable_names_file_line_and_variable(tmp_path: Path) -> None:
    templates = {"typo.j2": "{% block happy_1 %}\n{{ nmae }}，谢谢你呀。\n{% endblock %}\n"}
    with pytest.raises(TemplateProblem) as raised:
        Drafter(folder(tmp_path / "typo", templates)).check()
    assert "typo.j2:2:" in str(raised.value) and "nmae" in str(raised.value), str(raised.value)


def test_an_undefined_variable_on_an_ordinary_day_branch_is_refused_at_check(
    tmp_path: Path,
) -> None:
    """check() renders two sample days: a make-up workday and a 国庆节 holiday. A typo in
    the branch for an ordinary day passes it, and then every ordinary-day draft of the
    block raises UndefinedError in the scoring workers."""
    templates = {
        "branch.j2": (
            "{% block happy_1 %}\n谢谢你这么喜欢呀。\n"
            "{% if makeup_workday %}调休辛苦啦。{% elif holiday %}假期快乐呀。"
            "{% else %}{{ brand.slogan }}。{% endif %}\n{% endblock %}\n"
        )
    }
    with pytest.raises(TemplateProblem, match=r"branch\.j2:\d+.*slogan"):
        Drafter(folder(tmp_path / "branch", templates)).check()


@pytest.mark.parametrize(
    ("name", "block"), [("odd.j2", "happy"), ("mood.j2", "angry_1"), ("label.j2", "upset_")]
)
def test_a_block_not_named_tone_label_names_the_file(tmp_path: Path, name: str, block: str) -> None:
    templates = {name: f"{{% block {block} %}}\n你好呀朋友。\n{{% endblock %}}\n"}
    with pytest.raises(TemplateProblem) as raised:
        Templates(folder(tmp_path / "names", templates))
    assert f"{name}:1" in str(raised.value) and repr(block) in str(raised.value)


def test_a_bad_block_name_is_reported_at_its_own_line(tmp_path: Path) -> None:
    templates = {
        "odd.j2": (
            "{% block happy_1 %}\n好的呀朋友。\n{% endblock %}\n\n"
            "{% block happy %}\n你好呀朋友。\n{% endblock %}\n"
        )
    }
    with pytest.raises(TemplateProblem) as raised:
        Templates(folder(tmp_path / "odd", templates))
    assert "odd.j2:5:" in str(raised.value), str(raised.value)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_tiexin_run_refuses_a_broken_template_and_starts_nothing(tmp_path: Path) -> None:
    bad = folder(tmp_path / "bad", SYNTAX_ERROR)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[redis]\ndata_dir = "data"\n[drafts]\ntemplates = "{bad.as_posix()}"\n', "utf-8"
    )
    # --port 0 is refused as a config error (server.port must be > 0): use a free port.
    port = str(_free_port())
    result = subprocess.run(
        [sys.executable, "-m", "responder.cli", "run", "--config", str(config), "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "bad.j2:3" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # no lock, no Redis, nothing queued


def test_drafts_check_passes_on_the_packaged_templates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[drafts]\ntimezone = "Asia/Shanghai"\n', "utf-8")
    assert main(["drafts", "check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("0 warning(s)"), out
    assert "warning:" not in out


def test_drafts_check_names_file_and_line_of_a_broken_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = folder(tmp_path / "bad", SYNTAX_ERROR)
    config = tmp_path / "config.toml"
    config.write_text(f'[drafts]\ntemplates = "{bad.as_posix()}"\n', "utf-8")
    assert main(["drafts", "check", "--config", str(config)]) == 2
    assert "bad.j2:3" in capsys.readouterr().err


# 9. Brand facts come from brand.toml.

NEW_HOTLINE = "400-100-2345"


@pytest.fixture(scope="module")
def rebranded(tmp_path_factory: pytest.TempPathFactory) -> Drafter:
    """The packaged templates with a brand.toml whose hotline changed."""
    path = tmp_path_factory.mktemp("rebranded") / "drafts"
    shutil.copytree(default_directory(), path)
    brand = (path / "brand.toml").read_text("utf-8")
    assert 'hotline = "400-820-1688"' in brand
    (path / "brand.toml").write_text(
        brand.replace('hotline = "400-820-1688"', f'hotline = "{NEW_HOTLINE}"'), "utf-8"
    )
    return Drafter(path)


def test_drafts_give_the_hotline_from_brand_toml(drafter: Drafter, rebranded: Drafter) -> None:
    old = drafter.brand.facts.hotline
    assert (old, rebranded.brand.facts.hotline) == ("400-820-1688", NEW_HOTLINE)
    with_hotline = 0
    for intent, tone in (("crisis", "crisis"), ("shipping", "upset"), ("chit_chat", "question")):
        for platform in ("wechat", "tieba"):
            for seed in MENTION_IDS[:40]:
                got = draft(rebranded, understanding(intent, tone), platform=platform, seed=seed)
                for d in got.drafts:
                    assert old not in d.text, d
                    with_hotline += NEW_HOTLINE in d.text
    assert with_hotline >= 40


def test_product_names_come_from_brand_toml(drafter: Drafter) -> None:
    assert drafter.brand.product_in("我的x7pro发烫") == "X7 Pro"
    assert drafter.brand.product_in("x7 卡") == "X7"
    assert drafter.brand.product_in("我的Ｘ７ ＰＲＯ发烫") == "X7 Pro"  # full-width, upper case
    assert drafter.brand.product_in("今天天气不错") == ""


def test_product_is_not_found_inside_another_brands_model_name(drafter: Drafter) -> None:
    assert drafter.brand.product_in("我的vivo x70发烫") == ""
    assert drafter.brand.product_in("我的ipad卡了") == ""


# 10. Reach: a big account gets the same facts as anyone.


def test_big_and_small_accounts_get_the_same_templates_and_facts(drafter: Drafter) -> None:
    brand = drafter.brand.facts
    facts = [
        brand.hotline,
        brand.store_finder,
        brand.repair_booking,
        brand.order_lookup,
        brand.update_notes,
        brand.crisis_channel,
        brand.crisis_email,
        brand.community,
        *vars(brand.policy).values(),
    ]

    def said(got: DraftSet) -> list[tuple[str, tuple[str, ...]]]:
        return [(d.template, tuple(f for f in facts if f in d.text)) for d in got.drafts]

    with_facts = 0
    for intent, tone in intent_tones(drafter):
        for platform in PLATFORMS:
            for seed in MENTION_IDS[:10]:
                known = understanding(intent, tone)
                small = said(draft(drafter, known, platform=platform, seed=seed, author=SMALL))
                big = said(draft(drafter, known, platform=platform, seed=seed, author=BIG))
                assert big == small, (intent, tone, platform, seed)
                with_facts += sum(bool(f) for _, f in small)
    assert with_facts >= 100


def test_an_author_known_only_by_id_is_not_greeted_by_it(drafter: Drafter) -> None:
    """WeChat gives an OpenID, not a nickname: "o6_bm…，" would read like a bug."""
    openid = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
    named = Author(id=openid, name="小澜")
    for author, shown in ((Author(id=openid, name=openid), False), (named, True)):
        for seed in ("1", "2", "3", "4"):
            result = draft(
                drafter,
                understanding("lag", "upset"),
                platform="wechat",
                seed=seed,
                author=author,
            )
            texts = [d.text for d in result.drafts]
            assert texts and all(openid not in t for t in texts)
            if shown:
                assert any("小澜" in t for t in texts)
