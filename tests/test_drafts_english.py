"""A mention written in English gets English drafts; a crisis keeps its reviewed drafts."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from responder.drafts.said import sentences
from responder.drafts.suggest import start
from tests.drafting import drafts, suggestions

AT = datetime(2026, 5, 12, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True, scope="module")
def _started() -> None:
    start()  # the packaged templates, once for this file


HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
ENGLISH = [
    "Took this at the Chengdu panda base at dusk with the X7 Pro, no edits. Love it!",
    "how do I turn off the lock screen ads on my X7? they're everywhere",
    "Hi, when will my order ship? Paid two days ago and it still says processing",
    "The new update made my X7 super laggy, apps freeze all the time. Annoying.",
]


def _drafts(text: str, platform: str, kind: str) -> list[list[str]]:
    return drafts(text, platform=platform, kind=kind)


@pytest.mark.parametrize("text", ENGLISH)
@pytest.mark.parametrize(("platform", "kind"), [("weibo", "mention"), ("wechat", "message")])
def test_an_english_mention_gets_english_drafts(text: str, platform: str, kind: str) -> None:
    for made in _drafts(text, platform, kind):
        assert len(made) == 3, made
        for draft in made:
            # Product and brand names may stay as they are (澜星); the sentences are English.
            assert len(HAN.findall(draft)) <= 4 < len(LATIN.findall(draft)), draft


def test_an_english_question_the_knowledge_base_answers_gets_its_english_answer() -> None:
    offered = [d for ds in _drafts(ENGLISH[1], "weibo", "mention") for d in ds]
    assert any("Lock screen magazine" in d for d in offered), offered


def test_a_chinese_mention_keeps_chinese_drafts() -> None:
    for made in _drafts("X7 拍照太好看了，夜景绝绝子", "weibo", "mention"):
        assert all(len(HAN.findall(d)) > len(LATIN.findall(d)) for d in made), made


def test_an_english_crisis_keeps_the_reviewed_crisis_drafts() -> None:
    text = "My X7 caught fire while charging last night and burned my hand, this is dangerous"
    made = suggestions(text, times=1)[0]
    assert made.understanding.crisis.flag
    assert made.drafts and all(d.template.startswith("crisis/") for d in made.drafts)


def _fit(made: list[list[str]], word: str) -> None:
    for ds in made:
        assert len(ds) == 3, ds
        assert all(word.lower() in d.lower() for d in ds), ds


def test_english_drafts_name_what_was_asked_and_say_honestly_we_will_check() -> None:
    made = _drafts(
        "Is there any way to install Spotify on the X7? Can't find it anywhere", "tieba", "post"
    )
    _fit(made, "Spotify")
    assert all("in this thread" in d for ds in made for d in ds), made


def test_an_english_answer_from_the_knowledge_base_names_the_topic() -> None:
    made = _drafts("Quick question: does the X7 support eSIM?", "weibo", "mention")
    _fit(made, "eSIM")
    assert all("does not support eSIM yet" in d for ds in made for d in ds), made


def test_a_private_english_chat_echoes_the_order_and_never_says_dm() -> None:
    text = "hi, order LX202611150333 - can you deliver it to Macau? I'm there next week"
    made = _drafts(text, "wechat", "message")
    _fit(made, "LX202611150333")
    for d in (d for ds in made for d in ds):
        assert "DM" not in d and "order number" not in d.lower() and "right here" in d, d
    assert all(any("Macau" in d for d in ds) for ds in made), made


def test_a_photo_post_is_thanked_for_the_shot_without_tips() -> None:
    text = "Took this at the West Lake at sunset with my X7 Pro, no filter. Love it!"
    for ds in _drafts(text, "weibo", "comment"):
        assert sum("West Lake" in d or "shot" in d or "photo" in d for d in ds) >= 2, ds
        assert not any("Settings" in d or "repair" in d for d in ds), ds


def test_a_festival_greeting_is_wished_back_and_never_taken_for_a_topic() -> None:
    texts = [
        t
        for ds in drafts("Merry Christmas @澜星! Celebrating with hotpot and my X7", times=4)
        for t in ds
    ]
    assert any("Merry Christmas to you too" in t for t in texts), texts
    assert not any("Merry Christmas is" in t or "like Merry Christmas" in t for t in texts), texts


def test_a_photo_shot_abroad_names_what_and_where_with_its_accents() -> None:
    text = "Shot the Northern Lights in Tromsø last night with the X7 Pro, handheld."
    texts = [t for ds in drafts(text, times=3) for t in ds]
    assert any("Northern Lights in Tromsø" in t for t in texts), texts


def test_an_english_question_the_model_alone_half_suspects_is_no_crisis() -> None:
    # The model gives "waterproof … snorkelling" a crisis probability of about 0.28, over
    # its threshold; without a crisis word an English mention needs 0.5.
    [made] = suggestions("Is the X7 Pro waterproof? Going snorkelling in Bali next month", times=1)
    assert not made.understanding.crisis.flag
    assert made.drafts and not any("safety@" in d.text for d in made.drafts)
    assert any("IP68" in d.text for d in made.drafts), [d.text for d in made.drafts]
    [fire] = suggestions("my X7 caught fire while charging last night, the desk is burnt", times=1)
    assert fire.understanding.crisis.flag


def _all(text: str, platform: str = "weibo", kind: str = "mention") -> list[list[str]]:
    made = drafts(text, platform=platform, kind=kind, times=3)
    assert all(len(ds) == 3 for ds in made), made
    return made


def test_a_place_they_visited_is_a_good_time_not_a_thing_they_enjoy() -> None:
    made = _all("Hiked the Great Wall at Badaling today and my X7 battery lasted the whole day!")
    texts = [d for ds in made for d in ds]
    assert any("the Great Wall" in d for d in texts), texts
    for d in texts:
        assert not re.search(r"enjoying (the )?(Great )?Wall|Wall is (working|doing)", d), d


def test_a_shared_time_lapse_is_called_a_time_lapse_of_what_it_shows() -> None:
    for ds in _all("Filmed a time-lapse of the Old Town in Dali with my X7 Pro, so smooth!"):
        assert sum("time-lapse" in d and ("Old Town" in d or "Dali" in d) for d in ds) >= 2, ds


def test_an_order_update_is_answered_with_the_order_not_system_updates() -> None:
    text = (
        "Order LX202612019999 was paid on Monday and the tracking hasn't changed since. Any update?"
    )
    for ds in _all(text):
        assert all("LX202612019999" in d for d in ds), ds
        assert not any("System update" in d or "batches" in d or "service centre" in d for d in ds)


def test_a_quick_fix_for_a_broken_thing_names_it_and_answers_it() -> None:
    for ds in _all("my left earbud won't connect, any quick fix before my flight?"):
        assert all("left earbud" in d and "reset" in d for d in ds), ds
        assert not any("the repair" in d for d in ds), ds


def test_a_destination_before_the_question_is_named_in_every_draft() -> None:
    text = "hi, order LX202612020002, shipping to Taipei. how long does it usually take?"
    for ds in _all(text, "wechat", "message"):
        assert all("Taipei" in d and "LX202612020002" in d for d in ds), ds
        assert not any(", and" in d or ", now" in d for d in ds), ds  # no stray commas


@pytest.mark.parametrize(
    ("text", "wish"),
    [
        ("Happy New Year @澜星! Our family dinner pics came out great on the X7", "New Year"),
        (
            "Merry Christmas from Harbin @澜星, the ice lanterns look magic on my X7 Pro",
            "Christmas",
        ),
    ],
)
def test_every_happy_draft_returns_a_festival_greeting(text: str, wish: str) -> None:
    for ds in _all(text):
        assert all(wish in d for d in ds), ds


def test_a_long_place_question_on_a_weibo_comment_still_gets_three_drafts_naming_it() -> None:
    text = "Is there a service centre in Guangzhou where the staff speak English? My X7 buzzes."
    for ds in _all(text, "weibo", "comment"):
        assert all("Guangzhou" in d and "English" in d for d in ds), ds


def test_a_worry_about_bands_is_answered_with_the_bands_and_the_place() -> None:
    for ds in _all("Does the X7 work on Vodafone in Germany? concerned about bands"):
        assert all("bands" in d and "Germany" in d for d in ds), ds


def test_a_name_they_wrote_with_an_article_keeps_it() -> None:
    for ds in _all("does the Watch S work with an Android tablet?", "wechat", "message"):
        assert any("an Android tablet" in d for d in ds), ds
        assert not any(re.search(r"(about|into|on) Android tablet", d) for d in ds), ds


def test_praise_before_a_question_is_said_back_before_the_answer() -> None:
    text = "The noise cancelling on my Buds is unreal!! but how do I change what a long press does?"
    for ds in _all(text):
        assert sum("noise cancelling" in d for d in ds) >= 2, ds
        assert len({d.split("!")[0] for d in ds}) == len(ds), ds  # worded apart


def test_a_model_number_is_never_the_topic_of_a_draft() -> None:
    for ds in _all("Will the Note 12 work with Vodafone 4G in Spain? Which bands?"):
        assert not any(re.search(r"(about|on) 12\b", d) for d in ds), ds
        assert sum("bands" in d for d in ds) >= 2, ds


def test_an_order_asked_to_be_sent_somewhere_names_the_place_and_the_order() -> None:
    text = "Hi, could order LX202612040011 be delivered to Macau? It still shows as unpaid"
    for ds in _all(text, "wechat", "message"):
        assert all("Macau" in d and "LX202612040011" in d for d in ds), ds
        assert not any("the shows" in d or "unpaid" in d for d in ds), ds


def test_a_thing_named_after_the_verb_is_what_the_drafts_answer() -> None:
    for ds in _all("hello, can I pay in instalments with a Visa card on the app?"):
        assert sum("nstalment" in d and "card" in d for d in ds) >= 2, ds
        assert not any("about payment" in d for d in ds), ds
    for ds in _all("Can my Watch S pair with my Pixel 8, or only with your phones?"):
        assert all("your Pixel 8" in d for d in ds), ds
        assert not any("the pair" in d for d in ds), ds


def test_english_sentences_split_at_full_stops_but_leave_the_quoted_answer_out() -> None:
    answer = "Hold the button for 3 seconds. The light flashes white."
    text = f"Sorry about that. {answer} Still stuck? Call us."
    assert sentences(text) == [
        "sorryaboutthat" + "holdthebuttonfor3secondsthelightflasheswhitestillstuck",
        "callus",
    ]
    split = sentences(text, english=True, quoted=answer)
    assert split == ["sorryaboutthat", "stillstuck", "callus"]
    assert sentences("Version 3.1 is out. E.g. the X7 gets it", english=True) == [
        "version31isout",
        "egthex7getsit",
    ]


def test_no_two_english_drafts_of_a_mention_share_a_sentence_but_all_quote_the_answer() -> None:
    text = "Bought my X7 in Hangzhou, moving to Canada soon. Does the warranty work there?"
    for ds in _all(text, "wechat", "message"):
        quoted = [d for d in ds if "There is no international warranty yet." in d]
        assert len(quoted) >= 2, ds
        told = [s for d in ds for s in sentences(d, english=True, quoted=ANSWER)]
        assert len(told) == len(set(told)), ds


ANSWER = (
    "Warranty follows where it was bought: mainland models nationwide; Hong Kong and overseas"
    " models are repaired for a fee in the mainland. There is no international warranty yet."
)
