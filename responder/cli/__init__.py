"""The `tiexin` command."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from responder.cli import sentiment as sentiment_cli
from responder.config import Config, ConfigError, defaults, load

log = logging.getLogger("tiexin")
DEFAULT_CONFIG = Path("config.toml")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="tiexin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run Tiexin (embedded Redis and demo feed by default)")
    run.add_argument("--config", type=Path, help="config file (default: ./config.toml if present)")
    run.add_argument("--host", help="override [server] host")
    run.add_argument("--port", type=int, help="override [server] port")
    run.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("path", nargs="?", type=Path, default=DEFAULT_CONFIG)
    sentiment_cli.add_commands(commands)
    args = parser.parse_args(argv)
    if args.command == "check-config":
        return check_config(args.path)
    if args.command == "sentiment":
        return sentiment_cli.run(args)
    return run_service(args)


def check_config(path: Path) -> int:
    """Print every problem of a config file; exit 2 on errors, 0 when valid."""
    try:
        config = load(path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    names = ", ".join(c.name for c in config.connectors) or "none"
    print(f"{path}: valid ({len(config.connectors)} connectors: {names})")
    return 0


def config_for(path: Path | None) -> Config:
    if path is not None:
        return load(path)
    if DEFAULT_CONFIG.is_file():
        return load(DEFAULT_CONFIG)
    log.info("no config.toml here: using the embedded defaults (demo feed, embedded Redis)")
    return defaults()


def run_service(args: argparse.Namespace) -> int:
    """Start everything and serve until Ctrl-C or SIGTERM."""
    from dataclasses import replace

    from aiohttp import web
    from redis.exceptions import RedisError

    from responder.runtime import create_app
    from responder.store.embedded import EmbeddedRedisError

    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per job run is noise
    try:
        config = config_for(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    server = replace(
        config.server,
        host=args.host or config.server.host,
        port=args.port if args.port is not None else config.server.port,
    )
    config = replace(config, server=server)
    app = create_app(config)
    log.info("Tiexin on http://%s:%d/ with %s", server.host, server.port, config.source)
    try:
        web.run_app(
            app,
            host=server.host,
            port=server.port,
            print=None,
            handle_signals=True,
            shutdown_timeout=10,
        )
    except EmbeddedRedisError as exc:
        print(f"tiexin: {exc}", file=sys.stderr)
        return 1
    except RedisError as exc:  # its messages name host and port, never the password
        where = "[redis] url_env" if config.redis.url_env else "[redis] url"
        print(f"tiexin: cannot use the Redis from {where}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"tiexin: cannot serve on {server.host}:{server.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
