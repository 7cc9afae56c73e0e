"""The soak's config: names every part agrees on, the short timers, and the config.toml
each `tiexin run` gets (one Redis, the fake forum through `http_json`, the webhook)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

PREFIX = "soak"
CONNECTOR = "forum"
PLATFORM = "soakforum"
TOKEN = "soak-ops-token"
HOOK_SECRET_ENV = "SOAK_HOOK_SECRET"

USERS = (
    '\n[[users]]\nname = "ops"\nrole = "admin"\n'
    # argon2id of "ops-password" with cheap parameters (a throwaway login for the soak)
    'password_hash = "$argon2id$v=19$m=8,t=1,p=1$yY6QQV/2B9yX+WXpe8lJow$'
    'ZpPfljI6M3gWAkzo1Udvc7rcwq9IwEFgug9lFvskFzo"\n'
    f'token_hash = "{hashlib.sha256(TOKEN.encode()).hexdigest()}"\n'
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Timers:
    """The SLA and poll settings every process gets (short, so every stage fires often)."""

    respond_within: int = 60
    warn_after: int = 30
    escalate_after: int = 20
    group_window: int = 20
    poll_interval: float = 2.0


def config_text(
    index: int, port: int, redis_url: str, fake_port: int, t: Timers, *, lookup: bool
) -> str:
    base = f"http://127.0.0.1:{fake_port}"
    text = f"""
[server]
port = {port}
[redis]
url = "{redis_url}"
prefix = "{PREFIX}"
data_dir = "data{index}"
[sla]
respond_within = "{t.respond_within}s"
warn_after = "{t.warn_after}s"
escalate_after = "{t.escalate_after}s"
[pipeline]
scoring_processes = 1
[outbox]
undo_seconds = 2
[alerts]
group_window = "{t.group_window}s"
group_min = 3
[alerts.channels.hook]
type = "webhook"
url = "{base}/hook"
secret_env = "{HOOK_SECRET_ENV}"
[[oncall.people]]
name = "zhao"
[[oncall.people]]
name = "qian"
[[oncall.rotations]]
name = "p"
people = ["zhao"]
start = 2026-01-01
[[oncall.rotations]]
name = "s"
role = "secondary"
people = ["qian"]
start = 2026-01-01
[connectors.{CONNECTOR}]
type = "http_json"
poll_interval = "{int(t.poll_interval * 1000)}ms"
platform = "{PLATFORM}"
url = "{base}/api/mentions"
items = "data.posts"
params = {{ limit = "100" }}
[connectors.{CONNECTOR}.fields]
id = "id"
text = "body"
author_id = "user.id"
author_name = "user.name"
followers = "user.followers"
created_at = "created"
[connectors.{CONNECTOR}.cursor]
param = "after"
next = "meta.next"
more = "meta.has_more"
max_pages = 10
[connectors.{CONNECTOR}.reply]
url = "{base}/api/posts/{{id}}/replies"
body = '{{"post": "{{id}}", "raw": "{{text}}"}}'
id = "reply.id"
success = "ok"
"""
    if lookup:
        text += f"""[connectors.{CONNECTOR}.reply.lookup]
url = "{base}/api/replies?parent={{id}}"
method = "GET"
items = "replies"
text = "text"
id = "id"
parent = "parent"
"""
    return text + USERS
