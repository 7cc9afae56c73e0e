"""`tiexin oncall`: who is on call now (or `--at` a local time) and who is next, in the
team's zone; `tiexin oncall test CHANNEL` sends a test page through responder.alerts.channels."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from responder.alerts.channels import run_test
from responder.alerts.schedule import OnCall, Schedule, check_people
from responder.cli.common import config_for
from responder.config import ConfigError
from responder.drafts.moments import day_facts

ROLE_LABELS = {"primary": "主值班", "secondary": "副值班"}
WEEKDAYS = "一二三四五六日"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `oncall` and `oncall test CHANNEL` under the main parser."""
    oncall = commands.add_parser("oncall", help="who is on call now and next")
    oncall.add_argument("--config", type=Path, default=None, help="config.toml to read")
    oncall.add_argument(
        "--at", default=None, help='a local time in the team\'s zone, e.g. "2026-12-24 09:00"'
    )
    actions = oncall.add_subparsers(dest="oncall_command")
    test = actions.add_parser("test", help="send a test page through one channel")
    test.add_argument("channel")
    test.add_argument("--config", type=Path, default=None, dest="test_config")


def run(args: argparse.Namespace) -> int:
    """Run `oncall` or `oncall test`; return the exit status."""
    try:
        config = config_for(getattr(args, "test_config", None) or args.config)
        problems = check_people(config)
        if problems:
            raise ConfigError(config.source, problems)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.oncall_command == "test":
        return run_test(config, args.channel)
    schedule = Schedule.from_config(config)
    try:
        at = _instant(args.at, schedule) if args.at else datetime.now(UTC)
    except ValueError:
        print(
            f'tiexin: --at wants a local time such as "2026-12-24 09:00", got {args.at!r}',
            file=sys.stderr,
        )
        return 2
    print("\n".join(report(schedule, at)))
    return 0


def report(schedule: Schedule, at: datetime) -> list[str]:
    """The lines `tiexin oncall` prints for the instant `at`."""
    now = schedule.who_is_on_call(at)
    lines = [f"值班表（{schedule.zone.key}）  {_local(schedule, at)}"]
    if not schedule.config.rotations and not schedule.config.overrides:
        return [*lines, "未配置值班：在 config.toml 的 [oncall] 中添加 [[oncall.rotations]]"]
    lines += _who(now)
    if now.until is None:
        lines.append("交接：无（值班人不会变）")
    else:
        lines.append(f"值到：{_local(schedule, now.until)}")
        lines += [f"下一班（{_local(schedule, now.until)} 起）："]
        lines += ["  " + line for line in _who(schedule.who_is_on_call(now.until))]
    lines.append(_quiet(schedule, at))
    return lines


def _who(on_call: OnCall) -> list[str]:
    return [
        f"{ROLE_LABELS['primary']}：{on_call.primary.label if on_call.primary else '（无）'}",
        f"{ROLE_LABELS['secondary']}：{on_call.secondary.label if on_call.secondary else '（无）'}",
    ]


def _quiet(schedule: Schedule, at: datetime) -> str:
    if not schedule.config.quiet.enabled:
        return "免打扰：未启用（7×24 小时呼叫）"
    holiday = day_facts(at.astimezone(schedule.zone).date())[1]
    if schedule.in_quiet_hours(at):
        state = f"是（{holiday}，法定假日）" if holiday else "是（非工作时间）"
    else:
        state = "否（工作时间）"
    if not schedule.holidays_known(at):
        state += "；注意：节假日数据不含这一年，只按星期和时段判断"
    return f"免打扰：{state}"


def _local(schedule: Schedule, at: datetime) -> str:
    local = at.astimezone(schedule.zone)
    return f"{local:%Y-%m-%d %H:%M} 周{WEEKDAYS[local.weekday()]}"


def _instant(text: str, schedule: Schedule) -> datetime:
    """`--at`: a local time in the team's zone, or any ISO time with a UTC offset."""
    parsed = datetime.fromisoformat(text.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=schedule.zone)
