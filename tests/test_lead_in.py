"""A draft leads into a quoted knowledge answer without naming its topic twice
("充电保护是这样的：充到 80% 停住是「充电保护」") and without two colons in a row."""

from __future__ import annotations

import re
from types import SimpleNamespace

from responder.drafts.said import no_restated_lead, one_colon
from responder.drafts.suggest import Job, start, suggest
from sentiment import score_texts
from tests.test_drafts import SMALL, WEEKDAY

GUARD = SimpleNamespace(title="充电保护", answer="充到 80% 停住是「充电保护」：在设置里开关。")
PIXEL = SimpleNamespace(title="屏幕坏点", answer="屏幕坏点、亮点都算质量问题，一年内免费修。")
PRICE = SimpleNamespace(title="价保", answer="买后 7 天内降价，退你差价。")


def test_a_lead_in_naming_what_the_answer_names_first_is_dropped() -> None:
    assert no_restated_lead("抱歉。先说屏幕坏点：" + PIXEL.answer, PIXEL) == "抱歉。" + PIXEL.answer
    said = "关于 Pad，充电保护是这样的：" + GUARD.answer
    assert no_restated_lead(said, GUARD) == "关于 Pad，" + GUARD.answer
    assert no_restated_lead("问充电保护的话，看这里：" + GUARD.answer, GUARD) == GUARD.answer
    assert no_restated_lead("屏幕坏点的话，" + PIXEL.answer, PIXEL) == PIXEL.answer


def test_a_lead_in_is_kept_where_the_answer_does_not_name_its_topic_first() -> None:
    assert no_restated_lead("说下价保：" + PRICE.answer, PRICE) == "说下价保：" + PRICE.answer
    kept = "澜星 Pad 的充电保护我们来查，说下：" + GUARD.answer  # two clauses back: kept
    assert no_restated_lead(kept, GUARD) == kept
    assert no_restated_lead("给你个准信：" + PIXEL.answer, PIXEL) == "给你个准信：" + PIXEL.answer
    swap = SimpleNamespace(title="以旧换新", answer="商城「以旧换新」里先给旧机估价。")
    mine = "在的，拿小米12以旧换新这么弄：" + swap.answer  # says what they have: kept
    assert no_restated_lead(mine, swap) == mine
    twin = SimpleNamespace(title="应用分身", answer="「设置-应用-应用分身」里打开。")
    now = "谢谢你的建议。先说下现在的应用分身：" + twin.answer  # it exists already: kept
    assert no_restated_lead(now, twin) == now
    theirs = "说到拿苹果以旧换新：" + swap.answer  # short, but names their phone: kept
    assert no_restated_lead(theirs, swap, "我有个苹果11，能抵多少") == theirs
    assert no_restated_lead("说到以旧换新：" + swap.answer, swap, "我有个苹果11") == swap.answer
    assert no_restated_lead("没有答案。", None) == "没有答案。"


def test_an_answer_with_its_own_colon_takes_a_comma_before_it() -> None:
    assert one_colon("给你个准信：" + GUARD.answer, GUARD) == "给你个准信，" + GUARD.answer
    assert one_colon("说下价保：" + PRICE.answer, PRICE) == "说下价保：" + PRICE.answer
    hours = SimpleNamespace(title="门店", answer="澜星之家每天 10:00-22:00 营业。")
    assert one_colon("门店是这样的：" + hours.answer, hours) == "门店是这样的：" + hours.answer


def test_the_pad_that_stops_at_80_gets_the_answer_once_in_every_draft() -> None:
    drafter = start()
    job = Job(
        id="pad-80",
        text="澜星Pad充电到80%就不充了，是不是电池坏了？",
        platform="weibo",
        kind="comment",
        author=SMALL,
        at=WEEKDAY,
    )
    entry = next(e for e in drafter.knowledge.entries if e.title == "充电保护")
    texts = [d.text for d in suggest(job, score_texts([job.text])[0], drafter).drafts]
    assert len(texts) == 3 and all(entry.answer in t for t in texts), texts
    twice = re.compile(
        re.escape(entry.title) + r"[^。！？]{0,8}[：:，]" + re.escape(entry.answer[:8])
    )
    assert not [t for t in texts if twice.search(t)], texts
    assert not [t for t in texts if re.search(r"：[^。！？]*：", t.split(entry.answer)[0] + "：")]
