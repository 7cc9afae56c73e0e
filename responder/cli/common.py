"""What several subcommands share: finding the config file."""

from __future__ import annotations

import logging
from pathlib import Path

from responder.config import Config, defaults, load

log = logging.getLogger("tiexin")
DEFAULT_CONFIG = Path("config.toml")


def config_for(path: Path | None) -> Config:
    """Load `path`, else ./config.toml, else the embedded defaults; raise ConfigError."""
    if path is not None:
        return load(path)
    if DEFAULT_CONFIG.is_file():
        return load(DEFAULT_CONFIG)
    log.info("no config.toml here: using the embedded defaults (demo feed, embedded Redis)")
    return defaults()
