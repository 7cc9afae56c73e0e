"""`tiexin run`: config, port and data-dir lock first, then Redis, then workers, then serve."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import signal
import socket
import sys
from pathlib import Path

from responder import roles
from responder.cli.common import config_for
from responder.config import Config, ConfigError, with_server
from responder.drafts.drafter import Drafter
from responder.drafts.render import TemplateProblem

log = logging.getLogger("tiexin")
STOP_GRACE = 0.25  # seconds in-flight HTTP requests get at shutdown (stop within 1 s)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `run` under the main parser."""
    run_cmd = commands.add_parser(
        "run", help="run Tiexin (embedded Redis and demo feed by default)"
    )
    run_cmd.add_argument("--config", type=Path, help="config file (default: ./config.toml)")
    run_cmd.add_argument("--host", help="override [server] host")
    run_cmd.add_argument("--port", type=int, help="override [server] port")
    run_cmd.add_argument(
        "--data-dir", type=Path, help="override [redis] data_dir (one per process on a machine)"
    )
    run_cmd.add_argument(
        "--role",
        type=roles.parse,
        default=roles.ALL,
        help="which loops to run: all (default), or web, worker, poller, sweeper,"
        " or a comma list such as web,sweeper (docs/deploy.md)",
    )
    run_cmd.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )


def run(args: argparse.Namespace) -> int:
    """Start everything or nothing, and serve until Ctrl-C or SIGTERM; return the exit status."""
    from redis.exceptions import RedisError

    from responder.store.embedded import EmbeddedRedisError

    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per job run is noise
    try:
        config = with_server(config_for(args.config), host=args.host, port=args.port)
        if args.data_dir is not None:
            redis = dataclasses.replace(config.redis, data_dir=args.data_dir.resolve())
            config = dataclasses.replace(config, redis=redis)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        check_templates(config)
    except (TemplateProblem, ValueError) as exc:  # a broken template, brand or style file
        print(f"tiexin: {exc}", file=sys.stderr)
        return 2
    host, port = config.server.host, config.server.port
    try:
        sock = bind(host, port)
    except OSError as exc:
        print(f"tiexin: cannot serve on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        return asyncio.run(serve(config, sock, args.role))
    except EmbeddedRedisError as exc:
        print(f"tiexin: {exc}", file=sys.stderr)
        return 1
    except RedisError as exc:  # its messages name host and port, never the password
        where = "[redis] url_env" if config.redis.url_env else "[redis] url"
        print(f"tiexin: cannot use the Redis from {where}: {exc}", file=sys.stderr)
        return 1
    finally:
        sock.close()


def check_templates(config: Config) -> None:
    """Load and render every reply template now, so a broken one stops the start with its
    file and line instead of failing when a mention arrives; log what will never show."""
    drafter = Drafter(config.drafts.templates, zone=config.drafts.timezone)
    for warning in drafter.check():
        logging.getLogger("responder.drafts").warning("template %s", warning)


def bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket before anything starts, so a taken port costs nothing."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio would
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


async def serve(
    config: Config, sock: socket.socket, role: frozenset[roles.Role] = roles.ALL
) -> int:
    """Start the app on the bound socket; stop on a signal or when the supervisor gives up."""
    from aiohttp import web

    from responder.reload.triggers import on_sighup
    from responder.runtime import create_app
    from responder.services import SERVICES
    from responder.web.front import Runner

    app = create_app(config, roles=role)
    supervisor = app[SERVICES].supervisor
    assert supervisor is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    on_sighup(app)  # SIGHUP: reload config.toml on every process (responder/reload)
    runner = Runner(app, shutdown_timeout=STOP_GRACE)  # with server.read_timeout
    try:
        await runner.setup()  # data-dir lock, Redis, workers, supervised tasks
        await web.SockSite(runner, sock).start()
        where = sock.getsockname()[:2]
        what = (*where, config.source, roles.describe(role))
        log.info("Tiexin on http://%s:%d/ with %s, role %s", *what)
        waiters = [
            asyncio.create_task(stop.wait()),
            asyncio.create_task(supervisor.stopping.wait()),
        ]
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
    finally:
        await runner.cleanup()  # reverse order of start: web, tasks, workers, Redis, lock
    if supervisor.fatal_error is not None:
        print(f"tiexin: {supervisor.fatal_error}", file=sys.stderr)
        return 1
    return 0
