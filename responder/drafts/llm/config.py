"""`[drafts.llm]`: an OpenAI-compatible chat-completions endpoint (docs/drafts/llm.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from connectors.secret import Secret


class LlmConfigError(ValueError):
    """Problems naming their own keys (the config binder reports each with its path)."""

    def __init__(self, problems: tuple[tuple[str, str], ...]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class LlmConfig:
    """A model service that adds generated drafts after the template ones. Absent: off."""

    base_url: str = field(metadata={"nonempty": True})  # e.g. https://api.deepseek.com/v1
    model: str = field(metadata={"nonempty": True})
    # Read from the environment variable `api_key_env` names; none for a local server.
    api_key: Secret | None = None
    timeout: timedelta = timedelta(seconds=8)  # per request; the template drafts stay
    max_per_minute: int = field(default=30, metadata={"gt": 0, "le": 10_000})  # all processes
    max_drafts: int = field(default=1, metadata={"gt": 0, "le": 3})  # kept per mention
    workers: int = field(default=2, metadata={"gt": 0, "le": 16})  # requests in flight
    queue: int = field(default=50, metadata={"gt": 0, "le": 10_000})  # waiting; more: skipped

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise LlmConfigError(
                (("base_url", f'must start with http:// or https://, got "{self.base_url}"'),)
            )
        if self.timeout > timedelta(minutes=2):
            raise LlmConfigError((("timeout", "must be at most 2m (drafts are for now)"),))

    @property
    def url(self) -> str:
        """The chat-completions URL."""
        return self.base_url.rstrip("/") + "/chat/completions"
