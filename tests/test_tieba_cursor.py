"""Tieba cursor arithmetic and config binding (no server needed)."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.tieba.config import TiebaConfig, forum_key
from connectors.tieba.cursor import KEEP, Seen, dump, parse
from responder.config import ConfigError, load
from tests.fake_tieba import BDUSS


@pytest.mark.parametrize(
    ("before", "pids", "after"),
    [
        (Seen(), [5, 4, 3], Seen(newest=5, recent=(5, 4, 3))),
        (Seen(newest=5, recent=(5, 4)), [7, 6, 5, 4], Seen(newest=7, recent=(7, 6, 5, 4))),
        (Seen(newest=5, recent=(5,)), [6, 6, 5], Seen(newest=6, recent=(6, 5))),  # overlap
        (Seen(newest=9, recent=(9,)), [], Seen(newest=9, recent=(9,))),
        (Seen(newest=9, recent=(9,)), [3], Seen(newest=9, recent=(3, 9))),  # a late arrival
    ],
)
def test_the_window_keeps_the_newest_ids_first(before: Seen, pids: list[int], after: Seen) -> None:
    assert before.add(pids) == after


def test_the_window_is_bounded_and_survives_a_round_trip() -> None:
    seen = Seen().add(range(10_000 + KEEP, 10_000, -1)).add(range(20_000, 19_990, -1))
    assert len(seen.recent) == KEEP and seen.recent[0] == 20_000 and seen.newest == 20_000
    back = parse(dump({"reply": seen}))
    assert back["reply"] == seen and back["at"] == Seen()


@pytest.mark.parametrize(
    "text", ["not json", "[1, 2]", '{"v": 99}', '{"v": 1, "at": {"recent": ["x"]}}']
)
def test_an_unreadable_cursor_starts_over_and_says_so(
    text: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="connectors.tieba.cursor")
    assert parse(text) == {"reply": Seen(), "at": Seen()}
    assert [getattr(r, "event", None) for r in caplog.records] == ["tieba_cursor_reset"]


@pytest.mark.parametrize(
    ("name", "key"), [("品牌吧", "品牌"), (" 品牌 ", "品牌"), ("PinPai吧", "pinpai"), ("吧", "吧")]
)
def test_forum_names_compare_without_the_ba_suffix(name: str, key: str) -> None:
    assert forum_key(name) == key


def test_a_config_file_binds_with_the_bduss_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIEBA_BDUSS", BDUSS)
    (tmp_path / "c.toml").write_text(
        '[connectors.tb]\ntype = "tieba"\nbduss_env = "TIEBA_BDUSS"\n'
        'forums = ["品牌吧"]\nmax_pages = 3\ntimeout = "5s"\npoll_interval = "1m"\n',
        "utf-8",
    )
    (entry,) = load(tmp_path / "c.toml").connectors
    options = entry.options
    assert isinstance(options, TiebaConfig) and options.bduss.reveal() == BDUSS
    assert (options.forums, options.max_pages, options.timeout) == (
        ("品牌吧",),
        3,
        timedelta(seconds=5),
    )
    assert options.api_base == "https://tiebac.baidu.com" and not options.redirected
    assert BDUSS not in repr(options)


def test_config_errors_name_the_key_and_never_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIEBA_BDUSS", "secret-but-too-short")
    (tmp_path / "c.toml").write_text(
        '[connectors.tb]\ntype = "tieba"\nbduss_env = "TIEBA_BDUSS"\nmax_pages = 0\n'
        '[connectors.tb2]\ntype = "tieba"\nbduss = "pasted"\n',
        "utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load(tmp_path / "c.toml")
    assert sorted(caught.value.problems) == [
        "connectors.tb.max_pages: must be an integer > 0 and <= 50, got 0",
        'connectors.tb2.bduss: secrets are read from the environment: write bduss_env = "VARIABLE"',
    ]
    monkeypatch.setenv("TIEBA_BDUSS", "secret-but-too-short")
    (tmp_path / "c.toml").write_text(
        '[connectors.tb]\ntype = "tieba"\nbduss_env = "TIEBA_BDUSS"\n', "utf-8"
    )
    with pytest.raises(ConfigError) as short:
        load(tmp_path / "c.toml")
    assert short.value.problems == [
        "connectors.tb: bduss: must be the 192-character BDUSS cookie, got 20 characters"
    ]
    assert "secret-but-too-short" not in str(short.value)


def test_aiotieba_loads_only_when_a_tieba_source_is_built() -> None:
    code = "import sys, connectors.registry; print('aiotieba' in sys.modules)"
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
