"""The relevance sets and `tiexin drafts eval --relevance`: does a draft answer what was said."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from responder.cli import main
from responder.drafts.relevance import Judged, Relevance, job_of, judge, read_rows
from responder.drafts.suggest import suggest_all
from tests.drafting import drafts

DATA = Path(__file__).parent / "data"
HELDOUT, DEV = DATA / "relevance.jsonl", DATA / "relevance_dev.jsonl"
CHECK = DATA / "relevance_check.jsonl"  # accepts or refuses a change; never tuned on
FIELDS = {"id", "situation", "platform", "kind", "author", "reply_to", "context", "text"}
FIELDS |= {"must", "must_not", "lang"}
LAST = re.compile(r"drafts relevant=([01]\.\d{4}) fits_2of3=([01]\.\d{4}) n=(\d+)")


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(("path", "least"), [(HELDOUT, 150), (DEV, 80), (CHECK, 80)])
def test_a_relevance_set_is_whole(path: Path, least: int) -> None:
    rows = _rows(path)
    assert len(rows) >= least
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert set(row) == FIELDS, row["id"]
        assert row["platform"] in ("weibo", "wechat", "tieba")
        assert row["lang"] in ("zh", "en")
        assert row["must"] and all(
            g and all(isinstance(o, str) and o for o in g) for g in row["must"]
        )
        if row["kind"] == "message":
            assert "私信" in row["must_not"], row["id"]
    assert sum(r["lang"] == "en" for r in rows) >= len(rows) // 20  # English is in it


@pytest.mark.parametrize("kept", [HELDOUT, CHECK])
def test_the_held_out_and_check_sets_share_nothing_with_the_tuning_sets(kept: Path) -> None:
    held = _rows(kept)
    tuning = _rows(DEV) + _rows(DATA / "understanding_train.jsonl")
    texts = {r["text"] for r in tuning if len(r["text"]) > 8}
    assert not {r["id"] for r in held} & {r["id"] for r in tuning}
    assert not [r["id"] for r in held if r["text"] in texts]


ROW = {"id": "r1", "text": "x", "must": [["换机", "迁移"], ["微信"]], "must_not": ["私信"]}


@pytest.mark.parametrize(
    ("draft", "why"),
    [
        ("用「澜星换机」把微信也搬过去", ""),
        ("数据 迁移 时 WeChat 和 微信 都行", ""),  # spaces do not count
        ("用「澜星换机」就行", "没提到 微信"),
        ("微信聊天记录私信我们", "没提到 换机/迁移"),
        ("换机时微信记录私信我们", "说了 私信"),
    ],
)
def test_a_draft_fits_when_it_says_one_of_each_group_and_nothing_forbidden(
    draft: str, why: str
) -> None:
    assert judge(ROW, draft) == why


def test_the_figures_count_drafts_and_mentions_with_two_fitting() -> None:
    judged = (
        Judged(row=ROW, drafts=("a", "b", "c"), why=("", "", "x")),
        Judged(row=ROW, drafts=("a",), why=("",)),  # one draft only: two missing
    )
    assert Relevance(judged).lines()[-1] == "drafts relevant=0.5000 fits_2of3=0.5000 n=2"


def test_a_bad_row_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(ROW) + "\n{oops\n", "utf-8")
    with pytest.raises(ValueError, match=r"r\.jsonl:2: not JSON"):
        read_rows(path)
    path.write_text(json.dumps({**ROW, "must": "换机"}) + "\n", "utf-8")
    with pytest.raises(ValueError, match=r"r\.jsonl:1: 'must'"):
        read_rows(path)


def test_eval_relevance_drafts_each_mention_and_prints_the_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {
            "id": "t1",
            "platform": "wechat",
            "kind": "message",
            "author": {"name": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "followers": 0, "verified": "none"},
            "reply_to": "brand",
            "context": [],
            "text": "小区门禁卡能用手机刷吗",
            "must": [["门禁"]],
            "must_not": ["私信", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"],
        },
        {
            "id": "t2",
            "platform": "weibo",
            "kind": "mention",
            "author": {"name": "小澜", "followers": 10, "verified": "none"},
            "reply_to": "brand",
            "context": [],
            "text": "@澜星 三天了还没发货",
            "must": [["一个所有草稿都不会说的词"]],
            "must_not": [],
        },
    ]
    path = tmp_path / "rel.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    assert main(["drafts", "eval", "--relevance", "--errors", "--data", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    found = LAST.fullmatch(out[-1])
    assert found is not None and found[3] == "2", out
    assert out[0].startswith("t2 ") and "没提到 一个所有草稿都不会说的词" in out[1]
    assert not any(line.startswith("t1 ") for line in out)  # it fits: not listed
    assert float(found[2]) == 0.5


def test_no_draft_of_the_development_set_joins_its_parts_twice() -> None:
    """A template branch that ends a sentence its caller ends again ("发给我们。。"), or
    names the model before a topic that already names it ("X7 Pro 的X7 Pro 黑屏"), is a
    template bug the style check does not catch (an agent may type what they like)."""
    rows = _rows(DEV)
    made = suggest_all([job_of(r) for r in rows])
    doubled = re.compile(r"[。，！？][。，]|，，|(\b[A-Za-z]+ ?\d*(?: Pro)?) ?的\1")
    texts = [(r["id"], d.text) for r, s in zip(rows, made, strict=True) for d in s.drafts]
    assert not [(rid, text) for rid, text in texts if doubled.search(text)]


def test_a_model_in_the_topic_is_not_named_twice() -> None:
    text = "@澜星 X7 Pro 今天第二次黑屏重启了 正在导航呢直接没了 你们这系统是不是有问题"
    texts = [t for ds in drafts(text, times=6) for t in ds]
    assert texts and not [t for t in texts if "X7 Pro 的X7 Pro" in t]
