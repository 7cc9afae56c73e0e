"""What every channel that posts over HTTP keeps: its name, its options, the shared HTTP
session and the clock."""

from __future__ import annotations

from typing import Generic, TypeVar

from connectors.http import Http
from responder.clock import Clock

C = TypeVar("C")


class HttpChannel(Generic[C]):
    """A named channel with options `config` of type C."""

    def __init__(self, name: str, config: C, *, http: Http, clock: Clock) -> None:
        self._name = name
        self.config = config
        self.http = http
        self.clock = clock

    @property
    def name(self) -> str:
        return self._name
