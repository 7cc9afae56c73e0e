"""Typed connector errors: the poller picks one retry policy per type."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error a connector raises."""


class AuthFailed(ConnectorError):
    """Credentials were refused: stop polling and tell a human."""


class RateLimited(ConnectorError):
    """The platform asked us to slow down; wait `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(ConnectorError):
    """The platform is down, timed out or answered garbage at the HTTP level."""


class TimedOut(Unavailable):
    """No answer in time: the request may still have been acted on (a reply posted), so a
    retry can post twice unless the platform can be read back."""


class BadPayload(ConnectorError):
    """One item or response could not be parsed; `raw` keeps what arrived."""

    def __init__(self, message: str, *, raw: str = "") -> None:
        super().__init__(message)
        self.raw = raw


class Refused(ConnectorError):
    """The platform definitely refused a reply (window closed, content rejected, quota used
    up): sending it again cannot help. `code` is the platform's error code, if any."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class PostByHand(ConnectorError):
    """This platform takes replies only from a person (Tieba): show the text and `url`, and
    let the agent mark it sent."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url
