"""Crisis drafts by who is speaking: safety for the person it happened to, reassurance for
bystanders, the brand's approved statement for media and big accounts."""

from __future__ import annotations

import pytest

from connectors.model import Author
from responder.drafts.brand import load_brand
from responder.drafts.crisis import Crisis
from responder.drafts.drafter import Drafter, crisis_audience, default_directory
from responder.drafts.understand import Understanding
from sentiment import Label, Sentiment
from tests.fakes import T0

NEGATIVE = Sentiment(score=0.1, label=Label.NEGATIVE, cues=())
FIRE = Crisis(flag=True, words=("起火",), kinds=("fire",))
ASKS = ("电话", "私信", "确认你和身边的人都安全", "先确认安全")


def drafts(role: str, followers: int = 50, text: str = "X7 充电起火了") -> list[str]:
    known = Understanding(
        intent="crisis",
        crisis=FIRE,
        urgent=True,
        sentiment=NEGATIVE,
        model_sentiment=NEGATIVE,
        role=role,
    )
    author = Author(id="u1", name="某人", followers=followers, verified=followers > 10**6)
    made = Drafter().draft(
        known, text=text, platform="weibo", kind="comment", author=author, at=T0, seed="s"
    )
    return [d.text for d in made.drafts]


def test_the_person_it_happened_to_is_asked_about_their_safety_first() -> None:
    texts = drafts("customer")
    assert len(texts) == 3 and any("安全" in t for t in texts)


def test_a_bystander_is_reassured_and_asked_for_nothing() -> None:
    texts = drafts("bystander", text="吓人 我今晚不敢放床头充了")
    assert len(texts) == 3
    assert not [t for t in texts if any(word in t for word in ASKS)]
    assert all("澜星官方微博" in t for t in texts)


@pytest.mark.parametrize(("role", "followers"), [("media", 3_820_457), ("bystander", 500_000)])
def test_media_and_big_accounts_get_the_approved_statement_word_for_word(
    role: str, followers: int
) -> None:
    crisis = load_brand(default_directory() / "brand.toml").facts.crisis
    texts = drafts(role, followers)
    assert len(texts) == 3 and [t for t in texts if crisis.statement in t]
    assert not [t for t in texts if any(word in t for word in ASKS)]
    # The others say only where to ask and where the news will be: facts of brand.toml.
    rest = [t for t in texts if crisis.statement not in t]
    assert all(crisis.press_contact in t for t in rest)


@pytest.mark.parametrize(
    ("role", "big", "who"),
    [
        ("customer", True, "affected"),  # a big account it happened to: safety first
        ("customer", False, "affected"),
        ("bystander", False, "bystander"),
        ("fan_reply", False, "bystander"),
        ("bystander", True, "media"),
        ("media", False, "media"),
        ("brand", True, "affected"),
    ],
)
def test_whom_a_crisis_draft_speaks_to(role: str, big: bool, who: str) -> None:
    assert crisis_audience(role, big=big) == who
