"""Library drafts as the scoring workers make them: the closest entry of the same intent
and tone, facts filled in, pinned first, after the style check and the channel's manners;
never for another intent or a crisis."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.model import Author
from responder.drafts.brand import load_brand
from responder.drafts.drafter import default_directory
from responder.drafts.manners import load_manners
from responder.drafts.render import Draft
from responder.drafts.said import sentences
from responder.drafts.suggest import Job, start, suggest_all
from responder.library.pattern import make_pattern
from responder.library.shelf import Ref, write_snapshot

ASKED = "订单号 LX202611110123 的 X7 怎么还没发货，我都等了三天了"
REPLY = "订单 LX202611110123 我刚催了仓库，今天之内一定发出，发出后第一时间告诉你"
NEW = "订单号 LX202699990000 的 X7 还没发货，等了好几天了"
_versions = itertools.count(1000)


@pytest.fixture(scope="module", autouse=True)
def drafter() -> None:
    start()


def row(eid: str, mention: str, reply: str, **more: str) -> dict[str, str]:
    """A library entry as Redis holds it, its pattern made as approving makes it."""
    brand = load_brand(default_directory() / "brand.toml")
    manners = load_manners(default_directory() / "manners.toml")
    made = make_pattern(mention, reply, author="小王", author_id="u1", brand=brand, manners=manners)
    base = {"id": eid, "intent": "shipping", "tone": "upset", "lang": made.lang}
    return {**base, "mention": made.mention, "reply": made.reply, "state": "active", **more}


def ref(tmp_path: Path, *rows: dict[str, str]) -> Ref:
    version = next(_versions)
    path = tmp_path / f"snapshot-{version}.json"
    write_snapshot(path, rows)
    return Ref(version, str(path))


def drafts(text: str, library: Ref | None, **job: Any) -> list[Draft]:
    base: dict[str, Any] = {
        "id": f"m-{text}",
        "text": text,
        "platform": "weibo",
        "kind": "comment",
        "author": Author(id="u9", name="阿杰"),
        "at": datetime.fromisoformat("2026-11-20T15:00+08:00"),
    }
    (made,) = suggest_all([Job(**{**base, **job})], library=library)
    return list(made.drafts)


def library_drafts(found: list[Draft]) -> list[Draft]:
    return [d for d in found if d.template.startswith("library/")]


def test_a_similar_mention_of_the_same_intent_gets_the_entry_with_its_own_facts(
    tmp_path: Path,
) -> None:
    plain = drafts(NEW, None)
    found = drafts(NEW, ref(tmp_path, row("e1", ASKED, REPLY)))
    assert len(found) == 3 and found[:2] == plain[:2]  # the lowest-ranked template went
    assert found[2] == Draft(
        text="订单 LX202699990000 我刚催了仓库，今天之内一定发出，发出后第一时间告诉你",
        template="library/e1",
    )


def test_another_intent_gets_no_library_draft(tmp_path: Path) -> None:
    library = ref(tmp_path, row("e1", ASKED, REPLY))
    assert not library_drafts(drafts("X7 升级以后相机打不开了，订单 LX202699990000", library))
    assert not library_drafts(drafts("今天天气真好，出去玩了", library))


def test_a_mention_without_the_facts_the_entry_needs_gets_none(tmp_path: Path) -> None:
    library = ref(tmp_path, row("e1", ASKED, REPLY))
    assert not library_drafts(drafts("X7 还没发货，等了好几天了", library))  # no order number


def test_a_crisis_never_gets_a_library_draft(tmp_path: Path) -> None:
    fire = "订单号 LX202611110123 的 X7 充电的时候冒烟了，好吓人"
    library = ref(
        tmp_path,
        row("e1", ASKED, REPLY),
        row(
            "e2",
            fire,
            "订单 LX202611110123 我们记下了，马上有人联系你",
            intent="crisis",
            tone="crisis",
        ),
    )
    found = drafts("订单号 LX202699990000 的 X7 充电的时候冒烟了，好吓人", library)
    assert found and not library_drafts(found)


def test_a_pinned_entry_is_preferred_and_a_retired_one_is_never_in_the_snapshot(
    tmp_path: Path,
) -> None:
    close = row("e1", NEW.replace("LX202699990000", "LX202611110123"), REPLY)
    pinned = row(
        "e2",
        ASKED,
        "订单 LX202611110123 已经加急处理，今天发出，单号出来马上告诉你",
        state="pinned",
    )
    (made,) = library_drafts(drafts(NEW, ref(tmp_path, close, pinned)))
    assert made.template == "library/e2"
    (made,) = library_drafts(drafts(NEW, ref(tmp_path, close)))
    assert made.template == "library/e1"


def test_an_entry_failing_the_style_check_is_not_proposed(tmp_path: Path) -> None:
    stiff = "订单 LX202611110123 已经催了，给您带来的不便敬请谅解"
    assert not library_drafts(drafts(NEW, ref(tmp_path, row("e1", ASKED, stiff))))


def test_a_private_chat_gets_the_entry_without_sending_the_person_to_private_messages(
    tmp_path: Path,
) -> None:
    public = "订单 LX202611110123 我刚催了仓库，今天一定发出，有变化私信我们"
    library = ref(tmp_path, row("e1", ASKED, public))
    (made,) = library_drafts(drafts(NEW, library))
    assert "私信" in made.text  # a public comment may send them there
    (made,) = library_drafts(drafts(NEW, library, platform="wechat", kind="message"))
    assert "私信" not in made.text and "LX202699990000" in made.text


def test_a_sentence_already_said_in_the_thread_is_not_said_again(tmp_path: Path) -> None:
    library = ref(tmp_path, row("e1", ASKED, REPLY))
    (made,) = library_drafts(drafts(NEW, library))
    again = drafts(NEW, library, avoid=frozenset(sentences(made.text)))
    assert not library_drafts(again)
