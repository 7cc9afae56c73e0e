"""Weibo's created_at read whatever the process locale, and cursors that are not ours."""

from __future__ import annotations

import locale
from datetime import UTC, datetime

import pytest

from connectors.errors import BadPayload
from connectors.weibo.cursor import load
from connectors.weibo.parse import parse_time


def test_created_at_is_read_whatever_the_locale() -> None:
    old = locale.setlocale(locale.LC_TIME)
    names = ("de_DE.UTF-8", "zh_CN.UTF-8", "fr_FR.UTF-8", "ru_RU.UTF-8", "C.UTF-8", "C")
    try:
        tried = [name for name in names if _set_time_locale(name)]
        assert tried  # at least C; the parse never consults the locale anyway
        for _ in tried:
            parsed = parse_time("Tue Oct 07 20:42:48 +0800 2014")
            assert parsed == datetime(2014, 10, 7, 12, 42, 48, tzinfo=UTC)
            assert parse_time("Sun Jan 01 00:30:00 -0130 2023") == datetime(
                2023, 1, 1, 2, 0, tzinfo=UTC
            )
    finally:
        locale.setlocale(locale.LC_TIME, old)
    for bad in ("Tue Okt 07 20:42:48 +0800 2014", "2014-10-07T20:42:48+08:00", "", None):
        with pytest.raises(ValueError):
            parse_time(bad)


def _set_time_locale(name: str) -> bool:
    try:
        locale.setlocale(locale.LC_TIME, name)
    except locale.Error:
        return False
    return True


def test_a_cursor_that_is_not_ours_is_bad_payload() -> None:
    for bad in ("3:120", '{"v": 1, "kinds": {"mentions": {"since": 1.5e16}}}', "null"):
        with pytest.raises(BadPayload):
            load(bad)
