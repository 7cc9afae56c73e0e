"""The replay connector and the Mention model's parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.errors import BadPayload, Unavailable
from connectors.model import Mention
from connectors.replay import ReplayConfig, ReplayConnector, demo_path
from tests.fakes import T0, mention


def _write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


async def test_reads_in_batches_and_resumes_from_the_cursor(tmp_path: Path) -> None:
    lines = [mention(str(i)).to_json() for i in range(5)]
    replay = ReplayConnector(
        "r", ReplayConfig(path=_write(tmp_path / "m.jsonl", *lines), batch_size=2)
    )
    await replay.start()
    first = await replay.fetch(None)
    assert [m.platform_id for m in first.mentions] == ["0", "1"]
    second = await replay.fetch(first.cursor)
    third = await replay.fetch(second.cursor)
    assert [m.platform_id for m in second.mentions + third.mentions] == ["2", "3", "4"]
    end = await replay.fetch(third.cursor)
    assert end.mentions == () and end.cursor == third.cursor


async def test_loop_starts_over_with_new_ids(tmp_path: Path) -> None:
    lines = [mention(str(i), thread_id="t").to_json() for i in range(2)]
    replay = ReplayConnector(
        "r", ReplayConfig(path=_write(tmp_path / "m.jsonl", *lines), batch_size=3, loop=True)
    )
    batch = await replay.fetch(None)
    assert [m.platform_id for m in batch.mentions] == ["0", "1", "0~r1"]
    assert batch.mentions[2].thread_id == "t~r1"


async def test_bad_lines_are_rejected_and_skipped(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "m.jsonl",
        mention("1").to_json(),
        "{broken",
        '{"platform": "weibo"}',
        "",
        mention("2").to_json(),
    )
    batch = await ReplayConnector("r", ReplayConfig(path=path, batch_size=10)).fetch(None)
    assert [m.platform_id for m in batch.mentions] == ["1", "2"]
    assert str(batch.rejected[1]).startswith("missing fields 'account', 'id'")
    assert batch.rejected[0].raw == "{broken\n"


async def test_time_mode_now_stamps_fetch_time(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.jsonl", mention("1").to_json())
    stamp = datetime(2026, 12, 1, tzinfo=UTC)
    replay = ReplayConnector("r", ReplayConfig(path=path, time_mode="now"), now=lambda: stamp)
    assert (await replay.fetch(None)).mentions[0].created_at == stamp


async def test_missing_file_is_unavailable(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.jsonl", mention("1").to_json())
    replay = ReplayConnector("r", ReplayConfig(path=path))
    path.unlink()  # deleted after the config was checked
    with pytest.raises(Unavailable, match="replay file not found"):
        await replay.start()
    with pytest.raises(Unavailable, match="cannot read replay file"):
        await replay.fetch(None)


def test_mention_round_trips_and_keeps_raw() -> None:
    original = mention("9", text="🔥🔥 [哈哈] 太强了", raw={"idstr": "9"})
    again = Mention.from_json(original.to_json())
    assert again == original and again.raw == {"idstr": "9"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"platform": "weibo"}, "missing fields 'account', 'id', 'author', 'text', 'created_at'"),
        (
            {**json.loads(mention().to_json()), "created_at": "2026-11-20T09:00:00"},
            "has no UTC offset",
        ),
        ({**json.loads(mention().to_json()), "created_at": 5}, "must be an ISO 8601 string"),
        ({**json.loads(mention().to_json()), "text": None}, "text must be a string"),
        ({**json.loads(mention().to_json()), "id": ""}, "platform_id must not be empty"),
        ({**json.loads(mention().to_json()), "author": "x"}, "author must be an object"),
    ],
)
def test_malformed_mentions_raise_bad_payload(payload: dict[str, object], message: str) -> None:
    with pytest.raises(BadPayload, match=message):
        Mention.from_dict(payload)


def test_created_at_is_normalised_to_utc() -> None:
    local = Mention.from_dict(
        {**json.loads(mention().to_json()), "created_at": "2026-11-20T09:00:00+08:00"}
    )
    assert local.created_at == T0 and local.created_at.tzinfo == UTC


def test_demo_file_parses_cleanly() -> None:
    lines = demo_path().read_text("utf-8").splitlines()
    mentions = [Mention.from_json(line) for line in lines]
    assert len(mentions) >= 300
    assert {m.platform for m in mentions} == {"weibo", "wechat", "tieba"}
    assert len({m.identity for m in mentions}) >= 300
