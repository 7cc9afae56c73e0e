"""The monitor: pages at once for trouble that is not one mention's timer.

A connector whose credentials were refused (auth_failed), a source failing longer than
its threshold (`[alerts] down_after`, per platform and account in `overrides`), and the
pipeline falling behind (`lag_after`) each page once per outage, and once more when it
clears ("已恢复"). Every process runs the monitor; each check is one Lua script that reads
the trouble, decides and appends to the alerts stream, so processes racing page once.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from redis.commands.core import AsyncScript

from connectors.secret import Secret
from responder.alerts.monitor_lua import LAG, SOURCE
from responder.clock import Clock
from responder.config import Config, ConnectorConfig
from responder.store.source_health import LAST_ERROR, LUA_SCHEMA
from responder.store.store import Store

INTERVAL = 5.0  # seconds between checks: an auth failure pages within this of being seen
SOONEST = 0.1  # never spin when a threshold is crossed right now
PIPELINE = "pipeline"  # the subject of pipeline lag
REASON_MAX = 200  # characters of a source's last error a page quotes
# The platform each connector type reads (http_json names its own in `platform`).
PLATFORMS = {"weibo": "weibo", "weibo_dm": "weibo", "wechat": "wechat", "tieba": "tieba"}
# key=value pairs whose value may be a credential, wherever a message quotes a URL or form.
_CREDENTIAL = re.compile(
    r"(?i)\b(access_token|token|secret|app_secret|password|passwd|bduss|sign|signature|"
    r"key|auth|authorization|cookie)(\s*[=:]\s*)([^\s&,;)\"']+)"
)
_LONG = re.compile(r"[A-Za-z0-9+/_\-]{32,}={0,2}")  # a bare token-like run


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One enabled connector as pages name it."""

    name: str  # the connector's config name, which is also its mentions' account
    platform: str
    secrets: tuple[str, ...]  # its configured secrets, scrubbed from any reason quoted

    @property
    def subject(self) -> str:
        return f"source:{self.name}"


def source_of(connector: ConnectorConfig) -> Source:
    """Name a connector's platform and account the way its mentions carry them."""
    own = getattr(connector.options, "platform", None)
    platform = own if isinstance(own, str) and own else PLATFORMS.get(connector.type)
    return Source(
        name=connector.name,
        platform=platform or connector.type,
        secrets=tuple(secret.reveal() for secret in _secrets(connector.options)),
    )


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """A connector's error made safe to page: its secrets, credential-looking values and long
    token-like runs replaced by ***, shortened to REASON_MAX characters."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _CREDENTIAL.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _LONG.sub("***", " ".join(text.split()))
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


class Monitor:
    """Check every enabled source and the pipeline; page what crossed its threshold."""

    def __init__(
        self,
        store: Store,
        config: Config,
        clock: Clock,
        *,
        stall_grace: Mapping[str, float] | None = None,
    ) -> None:
        """`stall_grace`: each polled source's grace past its planned next poll before it is
        stalled (from its lease timing); a source not in it is never stalled."""
        self.store = store
        self.stall_grace = dict(stall_grace or {})
        self.started = clock.now().timestamp()  # see monitor_lua.SOURCE's ARGV 8
        self.alerts = config.alerts
        self.maxlen = config.retention.events
        self.clock = clock
        self.sources = tuple(source_of(c) for c in config.connectors if c.enabled)
        self._source = store.redis.register_script(SOURCE)
        self._lag = store.redis.register_script(LAG)

    async def step(self) -> float:
        """Check once; return the seconds until the next check (sooner when a threshold is
        due before INTERVAL)."""
        now = self.clock.now().timestamp()
        wakes = [now + INTERVAL]
        reasons = await self._reasons()
        for source, reason in zip(self.sources, reasons, strict=True):
            wakes.append(await self._check_source(source, reason, now))
        wakes.append(await self._check_lag(now))
        return max(SOONEST, min(wakes) - now)

    async def _reasons(self) -> list[str]:
        """Each source's last error, scrubbed (read before the scripts: a reason a moment old
        is fine; what decides a page is read inside the script)."""
        keys = self.store.keys
        async with self.store.redis.pipeline(transaction=False) as pipe:
            for source in self.sources:
                pipe.hget(keys.health(source.name), LAST_ERROR)
            rows = cast(list[str | None], await pipe.execute())
        return [
            scrub(row or "", source.secrets) for source, row in zip(self.sources, rows, strict=True)
        ]

    async def _check_source(self, source: Source, reason: str, now: float) -> float:
        after = self.alerts.down_after_for(source.platform, source.name)
        detail = {
            "connector": source.name,
            "platform": source.platform,
            "account": source.name,
            "reason": reason,
            "threshold_s": after.total_seconds(),
        }
        keys = self.store.keys
        watched = [keys.health(source.name), keys.alert_raised(source.subject), keys.alerts]
        grace = self.stall_grace.get(source.name)
        stall = "" if grace is None else f"{grace:.3f}"
        return await self._run(
            self._source,
            watched,
            source.subject,
            after.total_seconds(),
            detail,
            now,
            LUA_SCHEMA,
            stall,
            f"{self.started:.3f}",
        )

    async def _check_lag(self, now: float) -> float:
        after = self.alerts.lag_after.total_seconds()
        keys = self.store.keys
        watched = [keys.ingest, keys.alert_raised(PIPELINE), keys.alerts]
        return await self._run(self._lag, watched, PIPELINE, after, {"threshold_s": after}, now)

    async def _run(
        self,
        script: AsyncScript,
        keys: list[str],
        subject: str,
        after: float,
        detail: dict[str, Any],
        now: float,
        *more: str,
    ) -> float:
        """Run one check; return when it wants to look again (epoch s)."""
        argv: list[str | int | float] = [self.maxlen, f"{now:.3f}", after, subject]
        argv += [json.dumps(detail, ensure_ascii=False), *more]
        _code, wake = await script(keys=keys, args=argv)
        return float(wake) if wake else now + INTERVAL


def _secrets(options: Any) -> Iterator[Secret]:
    """Every Secret in a connector's options (nested dataclasses and tuples included)."""
    if isinstance(options, Secret):
        yield options
    elif dataclasses.is_dataclass(options) and not isinstance(options, type):
        for item in dataclasses.fields(options):
            yield from _secrets(getattr(options, item.name))
    elif isinstance(options, tuple | list):
        for value in options:
            yield from _secrets(value)
