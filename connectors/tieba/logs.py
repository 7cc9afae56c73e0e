"""aiotieba's log records, routed into ours under "connectors.tieba.aiotieba", BDUSS masked.

aiotieba logs through a module-global logger of its own that prints to stdout and is not
part of the `logging` hierarchy; `aiotieba.logging.set_logger` is its one supported hook.
Importing it also renames the WARNING and CRITICAL levels ("WARN", "FATAL") and turns off
`logging.raiseExceptions` for the whole process, which this module undoes.
"""

from __future__ import annotations

import logging

import aiotieba.logging as tieba_logging

LOGGER_NAME = "connectors.tieba.aiotieba"
MASK = "***"


class Mask(logging.Filter):
    """Replace every known secret in a record's message before any handler sees it."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, MASK)
            record.msg, record.args = message, None
        return True


_mask = Mask()


def route(*secrets: str) -> logging.Logger:
    """Send aiotieba's records to our logger and mask `secrets` in them; idempotent.

    aiotieba keeps one logger per process, so this is process-wide by nature: every Tieba
    connector shares the child logger, and each adds its BDUSS to the mask.
    """
    logger = logging.getLogger(LOGGER_NAME)
    if logger.level == logging.NOTSET:
        # aiotieba warns on every failed call, so one outage would log once per poll; the
        # poller already says it once. Set this logger's level to see them.
        logger.setLevel(logging.ERROR)
    if _mask not in logger.filters:
        logger.addFilter(_mask)
    _mask.secrets.update(s for s in secrets if s)
    if tieba_logging.LOGGER is not logger:
        tieba_logging.set_logger(logger)
    return logger


def mask(text: str) -> str:
    """Return `text` with every known secret masked (for our own messages and errors)."""
    for secret in _mask.secrets:
        text = text.replace(secret, MASK)
    return text


def _undo_import_side_effects() -> None:
    logging.addLevelName(logging.WARNING, "WARNING")
    logging.addLevelName(logging.CRITICAL, "CRITICAL")
    logging.raiseExceptions = True  # the library default; aiotieba silences broken handlers


_undo_import_side_effects()
