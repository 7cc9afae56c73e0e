"""config.toml: parsed once into frozen dataclasses, every problem reported at once."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from connectors.registry import TYPES
from connectors.replay import ReplayConfig
from connectors.secret import Secret
from responder.accounts import DEMO_USER, AuthConfig, UserConfig, check_user_names
from responder.alerts.channels.config import AlertsConfig, bind_alerts
from responder.alerts.oncall_config import OncallConfig, unknown_people
from responder.drafts.llm.config import LlmConfig
from responder.library.config import LibraryConfig
from responder.schema import Binder, KeyProblems
from responder.store.urls import parse_url
from responder.voice.weekly import parse_when

_COMMON_KEYS = ("type", "enabled", "poll_interval")
MIN_WAIT, MAX_WAIT = timedelta(milliseconds=1), timedelta(seconds=5)  # [redis] wait_timeout


class ConfigError(Exception):
    """A config file that cannot be used; `problems` lists each as `path: message`."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{source}: {count}\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConfig:
    host: str = field(default="127.0.0.1", metadata={"nonempty": True})
    port: int = field(default=8080, metadata={"gt": 0, "le": 65535})
    # A connection that has not sent a whole request this long after opening (or after
    # its last answer), or a body this long in coming, is closed: slow clients hold no
    # connection for long.
    read_timeout: timedelta = timedelta(seconds=15)
    # Reload when config.toml changes (its mtime, looked at every 2 s): docs/config-reload.md.
    watch_config: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RedisConfig:
    url: str | None = None  # None: start the embedded server
    url_env: str | None = None  # name of an env var holding the URL (with password)
    prefix: str = field(default="tiexin", metadata={"nonempty": True})
    data_dir: Path = Path(".tiexin")  # the embedded server's socket and AOF files
    # Replicas that must have a write before it is acknowledged outside (a webhook's 200,
    # an agent's action, a reply about to be posted): Redis WAIT, docs/redis.md. Unset: 1
    # with a redis+sentinel:// URL, 0 otherwise.
    wait_replicas: int | None = field(default=None, metadata={"ge": 0, "le": 16})
    wait_timeout: timedelta = timedelta(seconds=1)  # how long a write waits for them

    def __post_init__(self) -> None:
        if self.url and self.url_env:
            raise ValueError("set url or url_env, not both")
        if self.url:
            parse_url(self.url)  # a Sentinel or Cluster URL is read here, so a check lists it
        problems: list[tuple[str, str]] = []
        if self.wait_timeout < MIN_WAIT:
            problems.append(("wait_timeout", "must be at least 1ms (WAIT 0 waits forever)"))
        if self.wait_timeout > MAX_WAIT:
            problems.append(
                ("wait_timeout", "must be at most 5s: platforms give a webhook about 5s to answer")
            )
        if self.wait_replicas and not (self.url or self.url_env):
            problems.append(
                ("wait_replicas", "the embedded Redis has no replicas: leave it unset or 0")
            )
        if problems:
            raise KeyProblems(problems)

    def resolved_url(self) -> Secret | None:
        """Return the external Redis URL, or None for the embedded server."""
        if self.url_env:
            return Secret(os.environ[self.url_env])
        return Secret(self.url) if self.url else None

    def replicas_to_wait(self) -> int:
        """`wait_replicas`, or its default for the URL in effect: 1 behind Sentinel (a
        failover promotes a replica), 0 otherwise (the embedded server, one server, and a
        cluster, whose replicas are optional)."""
        if self.wait_replicas is not None:
            return self.wait_replicas
        url = self.resolved_url()
        return 1 if url is not None and parse_url(url.reveal()).kind == "sentinel" else 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaOverride:
    platform: str = field(metadata={"nonempty": True})
    account: str | None = None
    respond_within: timedelta | None = None
    warn_after: timedelta | None = None
    escalate_after: timedelta | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaConfig:
    respond_within: timedelta = timedelta(minutes=15)
    warn_after: timedelta = timedelta(minutes=10)
    # After a breach nobody acknowledged, page again (primary and secondary) this much later.
    escalate_after: timedelta = timedelta(minutes=5)
    overrides: tuple[SlaOverride, ...] = ()

    def __post_init__(self) -> None:
        if self.warn_after >= self.respond_within:
            raise ValueError("warn_after must be shorter than respond_within")
        for index, rule in enumerate(self.overrides):
            within = rule.respond_within or self.respond_within
            if (rule.warn_after or self.warn_after) >= within:
                raise ValueError(
                    f"overrides[{index}]: warn_after must be shorter than respond_within"
                )

    def for_account(self, platform: str, account: str) -> tuple[timedelta, timedelta]:
        """Return (respond_within, warn_after) for one account; the most specific rule wins."""
        within, warn = self.respond_within, self.warn_after
        ranked = sorted(self.overrides, key=lambda rule: rule.account is not None)
        for rule in ranked:
            if rule.platform == platform and rule.account in (None, account):
                within = rule.respond_within or within
                warn = rule.warn_after or warn
        return within, warn

    def escalations(self) -> dict[str, float]:
        """Seconds from breach to escalation, keyed "*", "platform" and "platform/account"
        (most specific wins): what the sweep's script reads, so no mention stores its own."""
        out = {"*": self.escalate_after.total_seconds()}
        for rule in sorted(self.overrides, key=lambda rule: rule.account is not None):
            if rule.escalate_after is not None:
                key = rule.platform if rule.account is None else f"{rule.platform}/{rule.account}"
                out[key] = rule.escalate_after.total_seconds()
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineConfig:
    batch_size: int = field(default=100, metadata={"gt": 0, "le": 10000})
    # Processes that score, understand and draft (bench/pipeline.py: 2 on 2 cores).
    scoring_processes: int = field(default=2, metadata={"gt": 0, "le": 64})
    # Pipeline workers in the service process, each a consumer of the ingest stream.
    workers: int = field(default=3, metadata={"gt": 0, "le": 32})
    # Idle time before another worker takes over a dead worker's entries.
    reclaim_after: timedelta = timedelta(seconds=60)
    # An entry read this many times without being queued is set aside as a dead letter.
    max_deliveries: int = field(default=5, metadata={"gt": 0, "le": 1000})


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionConfig:
    """How long and how much Tiexin keeps, so Redis does not grow without bound."""

    closed: timedelta = timedelta(days=30)  # an approved or dismissed mention, then it expires
    dedupe: timedelta = timedelta(days=90)  # a re-delivery of a mention is dropped this long
    events: int = field(default=200_000, metadata={"gt": 0})  # global event stream entries
    rejected: int = field(default=10_000, metadata={"gt": 0})  # unusable inputs kept
    dead_letters: int = field(default=10_000, metadata={"gt": 0})
    corrections: int = field(default=100_000, metadata={"gt": 0})  # training samples kept

    def __post_init__(self) -> None:
        if self.dedupe < self.closed:
            raise ValueError("dedupe must be at least as long as closed")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportsConfig:
    """How long the reports' rollups are kept (docs/reports.md)."""

    hours_kept: timedelta = timedelta(days=35)  # hourly counters: the hour-of-day views
    days_kept: timedelta = timedelta(days=400)  # daily counters (in the team's zone)
    listed: int = field(default=1000, metadata={"gt": 0, "le": 100_000})  # breaches a day
    batch: int = field(default=500, metadata={"gt": 0, "le": 10_000})  # entries a step
    # The week's voice of the customer to the alert channels, e.g. "mon 09:30"; "" is off.
    digest: str = ""
    spikes: bool = True  # page when a complaint topic or a product's complaints spike
    # The usual level a spike is measured against: the same hours on this many days before.
    spike_days: int = field(default=7, metadata={"gt": 0, "le": 30})

    def __post_init__(self) -> None:
        if self.days_kept < self.hours_kept:
            raise ValueError("days_kept must be at least as long as hours_kept")
        if self.digest:
            try:
                parse_when(self.digest)
            except ValueError as exc:
                raise ValueError(f"digest {exc}") from None
        if timedelta(days=self.spike_days + 1) > self.hours_kept:
            raise ValueError("spike_days must be shorter than hours_kept (the hours compared)")


@dataclass(frozen=True, slots=True, kw_only=True)
class SweeperConfig:
    # The sweeper wakes at the next due stage; this caps its wait, so a stage queued after
    # it looked fires at most this late.
    interval: timedelta = timedelta(milliseconds=250)


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxConfig:
    # An approved reply waits this many seconds before it counts, with a countdown and
    # 撤销 in the workspace; nothing reaches the platform until then. 0: at once.
    undo_seconds: int = field(default=10, metadata={"gt": -1, "le": 300})


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftsConfig:
    """Where reply templates live and whose clock they read (time of day, festivals)."""

    templates: Path | None = None  # None: the packaged templates/drafts folder
    timezone: str = field(default="Asia/Shanghai", metadata={"nonempty": True})
    llm: LlmConfig | None = None  # [drafts.llm]: generated drafts besides (docs/drafts/llm.md)
    # [drafts.library]: the team's best replies (frozen, so one default instance is safe)
    library: LibraryConfig = LibraryConfig()  # noqa: RUF009

    def __post_init__(self) -> None:
        from responder.drafts.moments import time_zone

        time_zone(self.timezone)  # ValueError naming the zone if it is unknown


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentsConfig:
    """How crisis mentions group into incidents and who may answer them
    (docs/incidents.md)."""

    # Mentions of the same product and hazard this close to an incident's latest member
    # join it (the same person too); reposts and replies of a member join at any time.
    window: timedelta = timedelta(hours=6)
    # The incident's spread is counted per interval of this length.
    spread_every: timedelta = timedelta(minutes=15)
    # Incidents pinned above the rest of the queue at most; the others go by deadline,
    # so breached ordinary mentions stay on the first screen.
    pin_most: int = field(default=3, metadata={"gt": 0, "le": 50})
    # An author with this many followers is a big account: replying to them on a crisis
    # needs a lead's or an admin's approval, like replying to media.
    big_account: int = field(default=100_000, metadata={"gt": 0})


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricsConfig:
    """GET /metrics for Prometheus (docs/metrics.md): off until a scrape token is set."""

    token: Secret | None = None  # `token_env`: the variable holding it; sent as a Bearer token


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorConfig:
    name: str
    type: str
    options: Any
    enabled: bool = True
    poll_interval: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    server: ServerConfig = ServerConfig()
    redis: RedisConfig = RedisConfig()
    sla: SlaConfig = SlaConfig()
    pipeline: PipelineConfig = PipelineConfig()
    retention: RetentionConfig = RetentionConfig()
    reports: ReportsConfig = ReportsConfig()
    sweeper: SweeperConfig = SweeperConfig()
    outbox: OutboxConfig = OutboxConfig()
    drafts: DraftsConfig = DraftsConfig()
    incidents: IncidentsConfig = IncidentsConfig()
    metrics: MetricsConfig = MetricsConfig()
    connectors: tuple[ConnectorConfig, ...] = ()
    # How the team names the brand's own accounts: "platform/account" = "澜星官方微博".
    accounts: dict[str, str] = field(default_factory=dict)
    auth: AuthConfig = AuthConfig()  # noqa: RUF009  (frozen; ruff cannot see it in another module)
    users: tuple[UserConfig, ...] = ()
    oncall: OncallConfig = OncallConfig()  # noqa: RUF009  (frozen, as auth above)
    alerts: AlertsConfig = AlertsConfig()  # noqa: RUF009  (frozen, as auth above)
    source: str = "<defaults>"


def load(path: Path) -> Config:
    """Read and validate a config file; raise ConfigError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot read the file: {exc}"]) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"invalid TOML: {exc}"]) from exc
    return parse(data, base_dir=path.resolve().parent, source=str(path))


def parse(data: Mapping[str, Any], *, base_dir: Path, source: str) -> Config:
    """Validate an already-parsed TOML document."""
    binder = Binder(base_dir)
    tables = {k: v for k, v in data.items() if k not in ("connectors", "alerts")}
    connectors = _connectors(binder, data.get("connectors", {}))
    alerts = bind_alerts(binder, data.get("alerts", {}))
    config = binder.bind(Config, tables, "", connectors=connectors, alerts=alerts, source=source)
    check_user_names(binder, data.get("users"))
    if config is not None:
        _check_env(binder, config)
        for problem in unknown_people(config.oncall, {u.name for u in config.users}):
            binder.error("", problem)
    if binder.errors:
        raise ConfigError(source, binder.errors)
    assert isinstance(config, Config)
    return config


def defaults() -> Config:
    """The embedded defaults: the demo replay feed, embedded Redis, 127.0.0.1:8080."""
    demo = ConnectorConfig(
        name="demo",
        type="replay",
        options=ReplayConfig(loop=True, time_mode="now"),
        poll_interval=timedelta(seconds=2),
    )
    return Config(connectors=(demo,), users=(DEMO_USER,))


def with_server(config: Config, *, host: str | None, port: int | None) -> Config:
    """Apply `--host`/`--port` from the command line, validated like the file's values."""
    table: dict[str, Any] = {"host": config.server.host, "port": config.server.port}
    table.update({k: v for k, v in (("host", host), ("port", port)) if v is not None})
    binder = Binder(Path.cwd())
    server = binder.bind(ServerConfig, table, "server")
    if binder.errors:
        raise ConfigError("command line", binder.errors)
    return dataclasses.replace(config, server=server)


def _connectors(binder: Binder, table: Any) -> tuple[ConnectorConfig, ...]:
    types = {name: kind.config for name, kind in TYPES.items()}
    found: list[ConnectorConfig] = []
    for name, _kind, options, common in binder.typed_tables(
        table, "connectors", types, what="connectors", common=_COMMON_KEYS
    ):
        path = f"connectors.{name}"
        bound = binder.bind(ConnectorConfig, common, path, name=name, options=options)
        if bound is not None and options is not None:
            found.append(bound)
    _check_routes(binder, found)
    return tuple(found)


def _check_routes(binder: Binder, connectors: list[ConnectorConfig]) -> None:
    """Two push connectors cannot answer at one URL path (a replay `path` is a file)."""
    taken: dict[str, str] = {}
    for connector in connectors:
        route = getattr(connector.options, "path", None)
        if not isinstance(route, str):
            continue
        if route in taken:
            binder.error(
                f"connectors.{connector.name}.path",
                f'"{route}" is already the path of connectors.{taken[route]}',
            )
        taken.setdefault(route, connector.name)


def _check_env(binder: Binder, config: Config) -> None:
    env_name = config.redis.url_env
    if env_name and not os.environ.get(env_name):
        binder.error("redis.url_env", f'environment variable "{env_name}" is not set')
