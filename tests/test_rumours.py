"""Rumour drafts: never confirm or deny, point to the official channel, and answer from the
brand files what a worried person asked about their own phone."""

from __future__ import annotations

import pytest

from responder.drafts.brand import load_brand
from responder.drafts.drafter import default_directory
from responder.drafts.suggest import start
from tests.drafting import suggestions

BRAND = load_brand(default_directory() / "brand.toml")


@pytest.fixture(autouse=True, scope="module")
def _started() -> None:
    start()


def test_a_worry_about_after_sales_gets_the_warranty_as_it_stands() -> None:
    made = suggestions("听说澜星要裁员了？？真的假的 我刚想入x7 以后售后会不会没人管啊", times=3)
    assert all(s.understanding.intent == "rumor_news" for s in made)
    texts = [d.text for s in made for d in s.drafts]
    warranty = BRAND.facts.policy.warranty
    assert sum(warranty in t for t in texts) >= len(texts) // 2, texts
    assert not any("谣言" in t or "假的" in t for t in texts), texts


def test_a_buyer_waiting_for_the_next_model_hears_of_price_protection() -> None:
    made = suggestions("听说X8明年三月发布？那现在买X7是不是冤种 官方透露一下呗", times=3)
    texts = [d.text for s in made for d in s.drafts]
    protect = BRAND.facts.policy.price_protect
    assert sum(protect in t for t in texts) >= len(texts) // 2, texts
    assert all(BRAND.facts.crisis.updates in " ".join(s.text for s in x.drafts) for x in made)


def test_a_rumour_without_a_worry_of_their_own_gets_neither() -> None:
    texts = [
        d.text for s in suggestions("听说澜星要出折叠屏了？有没有懂哥", times=3) for d in s.drafts
    ]
    assert texts
    assert not any(BRAND.facts.policy.warranty in t for t in texts), texts
