"""A real `tiexin run` pages a signed webhook on loopback: warnings and breaches arrive
when due, an ack link (followed the way a person does) stops that mention's escalation,
the other escalates to primary and secondary, and health shows the channel."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from responder.store.keys import mention_id
from tests.fakes import mention
from tests.running import (
    OPS_TOKEN,
    USERS_TOML,
    free_port,
    get_json,
    start_tiexin,
    stop_tiexin,
    wait_for,
)

SECRET = "e2e-webhook-secret"


class Receiver(ThreadingHTTPServer):
    pages: list[dict[str, Any]]


class Hook(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        mac = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(self.headers.get("X-Tiexin-Signature", ""), mac):
            self.send_response(401)
            self.end_headers()
            return
        self.server.pages.append(json.loads(raw))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), Hook)
    server.pages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_running_service_pages_acks_and_escalates(tmp_path: Path, receiver: Receiver) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(mention(p).to_json() + "\n" for p in ("1", "2")), "utf-8")
    port = free_port()
    hook_port = receiver.server_address[1]
    config = tmp_path / "config.toml"
    config.write_text(
        f'[server]\nport = {port}\n[redis]\ndata_dir = "data"\n'
        # Escalation comes 6 s after the breach: time for the ack below to land first even on
        # a loaded machine (at 2 s, both escalations could fire before it, and none is "the
        # other").
        '[sla]\nrespond_within = "4s"\nwarn_after = "2s"\nescalate_after = "6s"\n'
        '[connectors.feed]\ntype = "replay"\npath = "feed.jsonl"\ntime_mode = "now"\n'
        'poll_interval = "100ms"\nbatch_size = 2\n'
        "[alerts.channels.hook]\n"
        f'type = "webhook"\nurl = "http://127.0.0.1:{hook_port}/hook"\nsecret_env = "E2E_HOOK"\n'
        '[[oncall.people]]\nname = "zhao"\n[[oncall.people]]\nname = "qian"\n'
        '[[oncall.rotations]]\nname = "p"\npeople = ["zhao"]\nstart = 2026-01-01\n'
        '[[oncall.rotations]]\nname = "s"\nrole = "secondary"\npeople = ["qian"]\n'
        "start = 2026-01-01\n" + USERS_TOML,
        "utf-8",
    )
    process = start_tiexin(config, env={**os.environ, "E2E_HOOK": SECRET})
    try:

        def stages(stage: str) -> list[dict[str, Any]]:
            return [p for p in receiver.pages if p["key"].split(":")[1:2] == [stage]]

        wait_for(lambda: len(stages("warned")) == 2, "two warnings paged", process)
        # Ack the first mention: it was written first, so its escalation would be due first
        # and fire no later than the other's (every sweep fires all that are due).
        acked_id = mention_id("weibo", "lanxing", "1")
        [first] = [p for p in stages("warned") if p["key"].startswith(acked_id)]
        assert first["link"] == f"http://127.0.0.1:{port}/?m={acked_id}"
        with urllib.request.urlopen(first["ack_link"], timeout=5) as resp:  # only shows
            assert "确认" in resp.read().decode()
        post = urllib.request.Request(first["ack_link"], data=b"", method="POST")
        with urllib.request.urlopen(post, timeout=5) as resp:
            assert "已确认" in resp.read().decode()
        try:
            wait_for(lambda: len(stages("escalated")) == 1, "the other escalated", process)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; pages: {[p['key'] for p in receiver.pages]}") from exc
        [escalated] = stages("escalated")
        assert escalated["key"].split(":")[0] != acked_id
        assert [p["name"] for p in escalated["to"]] == ["zhao", "qian"]
        assert len(stages("breached")) == 2
        keys = [p["key"] for p in receiver.pages]
        assert len(keys) == len(set(keys)) == 5
        detail = get_json(port, f"/api/mentions/{acked_id}", OPS_TOKEN)
        types = [e["type"] for e in detail["events"]]
        assert "acked" in types and "escalated" not in types and types.count("paged") == 2
        health = get_json(port, "/api/health", OPS_TOKEN)
        [channel] = health["alerts"]["channels"]
        assert channel["name"] == "hook" and channel["state"] == "ok"
        assert channel["last_success"] is not None
    finally:
        if process.poll() is None:
            stop_tiexin(process)


# Real processes: one such module at a time (pyproject.toml, [tool.pytest], says why).
pytestmark = pytest.mark.xdist_group("processes")
