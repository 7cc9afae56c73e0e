"""The shipped sentiment model, its file format, features, training and splitting."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from sentiment.base import Label
from sentiment.data import Example, read_labelled
from sentiment.features import features
from sentiment.linear import Header, LinearScorer, save
from sentiment.snow import SnowScorer
from sentiment.split import split
from sentiment.train import Recipe, Source, train

SAMPLE = Path(__file__).parent / "data" / "demo_sentiment.csv"


def _accuracy(scorer: LinearScorer | SnowScorer, examples: list[Example]) -> float:
    right = sum((scorer.score(e.text).score >= 0.5) == (e.label == "pos") for e in examples)
    return right / len(examples)


def test_shipped_model_beats_snownlp_by_a_clear_margin() -> None:
    examples = read_labelled(SAMPLE)  # phone-brand posts written for this project, hand-labelled
    shipped, baseline = _accuracy(LinearScorer(), examples), _accuracy(SnowScorer(), examples)
    assert shipped >= 0.88
    assert shipped - baseline >= 0.10


def test_sarcasm_and_praise_read_right() -> None:
    scorer = LinearScorer()
    assert scorer.score("真是太好了，又卡死了[微笑]").label is Label.NEGATIVE
    assert scorer.score("X7 拍照太好看了，爱了爱了[心]").label is Label.POSITIVE
    assert scorer.score("气死了，客服根本不管，退货！！！").label is Label.NEGATIVE


def _toy(tmp_path: Path) -> LinearScorer:
    header = Header(
        n_max=1, scale=0.001, bias=0.0, platt=(1.0, 0.0), band=(0.35, 0.65), provenance={}
    )
    path = tmp_path / "toy.tsm.gz"
    save(path, header, ["好", "坏", "E[微笑]", "笑"], [3000, -3000, -2000, 500])
    return LinearScorer(path)


def test_three_labels_from_the_band(tmp_path: Path) -> None:
    scorer = _toy(tmp_path)
    assert scorer.score("好").label is Label.POSITIVE
    assert scorer.score("坏").label is Label.NEGATIVE
    assert scorer.score("好坏").label is Label.NEUTRAL
    assert scorer.score("").label is Label.NEUTRAL
    assert scorer.score("好").score == pytest.approx(1 / (1 + 2.718281828**-3.0), rel=1e-6)


def test_cues_are_whole_emoticons_and_words(tmp_path: Path) -> None:
    cues = _toy(tmp_path).score("坏[微笑]").cues
    assert cues == ("坏", "[微笑]")


def test_cues_never_show_placeholders() -> None:
    cues = LinearScorer().score("@澜星 售后点个赞 服务真不错[赞] https://t.cn/abc").cues
    assert cues and not any(c in cue for cue in cues for c in "@URL")
    latin = LinearScorer().score("集美们 Watch S 樱花粉也太好看了吧 X7 Pro").cues
    assert latin and not any(len(cue) == 1 and cue.isascii() for cue in latin)


def test_a_damaged_model_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsm.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"\x00\x00\x00\x02{}")
    with pytest.raises(ValueError, match="not a tiexin-sentiment-linear/1 model file"):
        LinearScorer(path)


def test_features_keep_emoticons_emoji_and_mask_noise() -> None:
    found = features("@小王 看 https://t.cn/x 价格999😭[泪]")
    assert {"E[泪]", "J😭", "[泪]", "泪"} <= found
    assert "URL" in found and "@U" in found and "000" not in found and "0" in found
    assert not any("t.cn" in f or "小王" in f for f in found)


def test_training_learns_and_survives_a_save(tmp_path: Path) -> None:
    examples = read_labelled(SAMPLE)
    trained = train(
        [Source(name="demo", examples=examples, calibrate=True)],
        Recipe(min_df=1, folds=3, keep=50_000),
    )
    path = tmp_path / "m.tsm.gz"
    save(path, trained.header, trained.names, trained.weights)
    assert _accuracy(LinearScorer(path), examples) >= 0.95  # it fits what it saw
    assert trained.header.platt[0] > 0  # calibration keeps the direction


def test_training_refuses_one_sided_data() -> None:
    with pytest.raises(ValueError, match="both pos and neg"):
        train([Source(name="x", examples=[Example(text="好", label="pos")])])


def test_split_is_stratified_repeatable_and_keeps_duplicates_together() -> None:
    examples = [Example(text=f"t{i}", label="pos" if i % 4 else "neg") for i in range(100)]
    examples += [Example(text="t1", label="pos")]  # a duplicate
    train_a, held_a = split(examples, 0.2, seed=7)
    train_b, held_b = split(examples, 0.2, seed=7)
    assert (train_a, held_a) == (train_b, held_b)
    held_texts = {(e.text, e.label) for e in held_a}  # 25 neg and 75 pos distinct texts
    assert sum(label == "neg" for _, label in held_texts) == 5
    assert sum(label == "pos" for _, label in held_texts) == 15
    sides = {e.text in {h.text for h in held_a} for e in examples if e.text == "t1"}
    assert len(sides) == 1
