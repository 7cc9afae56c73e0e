"""Links a page points at: the workspace with one mention open, or the queue filtered the
way a group page means. The workspace reads the same query parameters when it loads."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from responder.config import Config

# The query parameters the workspace honours on load (templates/ui/static/alerts.js).
FILTERS = ("view", "sort", "platform", "account", "kind", "intent", "sentiment", "state", "q")


def public_base(config: Config) -> str:
    """Where people reach this server: `alerts.public_url`, else the address it listens on."""
    if config.alerts.public_url:
        return config.alerts.public_url.rstrip("/")
    host = config.server.host
    if ":" in host:  # an IPv6 address goes in brackets in a URL
        host = f"[{host}]"
    return f"http://{host}:{config.server.port}"


def mention_link(base: str, mid: str) -> str:
    """The workspace with mention `mid` open (even if it is not on the first page)."""
    return f"{base}/?{urlencode({'m': mid})}"


def queue_link(base: str, **filters: str) -> str:
    """The workspace with `filters` applied (e.g. platform="weibo", sort="deadline");
    empty values are left out, unknown names refused so a link never silently means less."""
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise ValueError(f"unknown queue filter {unknown[0]!r}; known: {', '.join(FILTERS)}")
    chosen = {name: value for name, value in filters.items() if value}
    return f"{base}/?{urlencode(chosen)}" if chosen else f"{base}/"


def ack_link(base: str, token: str) -> str:
    """The page that acknowledges what `token` names (responder.web.ack)."""
    return f"{base}/ack/{quote(token, safe='')}"
