"""The OpenAI-compatible chat-completions call (DeepSeek, Qwen's compatible mode, Ollama,
vLLM): one POST, its failures mapped to typed errors in one place. Knows nothing of
Tiexin's store; the key is sent in one header and never put in an error or a log."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import aiohttp

from responder.drafts.llm.config import LlmConfig

MAX_BODY = 1024 * 1024  # an answer of a few drafts is far smaller
MAX_TOKENS = 800  # enough for three short replies in JSON; a cut-off answer is malformed
TEMPERATURE = 0.7
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


class LlmError(Exception):
    """A request that gave no usable answer; `reason` is what health counts it under."""

    reason = "error"


class TimedOut(LlmError):
    reason = "timeout"


class Unreachable(LlmError):
    reason = "unreachable"


class HttpStatus(LlmError):
    """The service answered with an error status (429: over quota or rate limit)."""

    def __init__(self, status: int, retry_after: float | None, detail: str) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"HTTP {status}: {detail}")

    @property
    def reason(self) -> str:  # type: ignore[override]  # per status, e.g. "http_429"
        return f"http_{self.status}"


class Malformed(LlmError):
    """A 200 whose body is not the JSON asked for (`{"drafts": ["..."]}`)."""

    reason = "malformed"


@dataclass(frozen=True, slots=True)
class Completion:
    """The drafts a model wrote, and the tokens it counted (0 when it did not say)."""

    drafts: tuple[str, ...]
    tokens_in: int
    tokens_out: int


class ChatClient:
    """Calls one endpoint with its own session (started and stopped by its owner)."""

    def __init__(self, config: LlmConfig) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self.config.timeout.total_seconds())
            self._session = aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": "tiexin"})

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def complete(self, messages: list[dict[str, str]]) -> Completion:
        """Ask for drafts; raise an LlmError subclass when no usable answer came (its
        message never holds the key, even where the service echoed it)."""
        try:
            return await self._complete(messages)
        except LlmError as exc:
            if self.config.api_key is not None:
                key = self.config.api_key.reveal()
                exc.args = tuple(str(a).replace(key, "***") for a in exc.args)
            raise

    async def _complete(self, messages: list[dict[str, str]]) -> Completion:
        await self.start()
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if self.config.api_key is not None:
            headers["Authorization"] = f"Bearer {self.config.api_key.reveal()}"
        body = {
            "model": self.config.model,
            "messages": messages,
            "response_format": {"type": "json_object"},
            "temperature": TEMPERATURE,
            "max_tokens": MAX_TOKENS,
            "stream": False,
        }
        try:
            async with self._session.post(self.config.url, json=body, headers=headers) as resp:
                raw = await resp.content.read(MAX_BODY + 1)
                status, retry = resp.status, resp.headers.get("Retry-After")
        except TimeoutError as exc:
            raise TimedOut(f"no answer within {self.config.timeout.total_seconds():g}s") from exc
        except aiohttp.ClientError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        text = raw[:MAX_BODY].decode("utf-8", "replace")
        if status != 200:
            raise HttpStatus(status, _seconds(retry), _error_of(text))
        if len(raw) > MAX_BODY:
            raise Malformed(f"answer longer than {MAX_BODY} bytes")
        return parse(text)


def parse(text: str) -> Completion:
    """Read a chat-completions answer whose message is `{"drafts": ["...", ...]}`."""
    try:
        data = json.loads(text)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise Malformed(f"not a chat-completions answer: {text[:200]!r}") from exc
    if not isinstance(content, str) or not content.strip():
        # DeepSeek's JSON mode may answer blank content when the model strayed from JSON.
        raise Malformed("the message is empty")
    try:
        drafts = json.loads(_FENCE.sub("", content))["drafts"]
    except (ValueError, KeyError, TypeError) as exc:
        raise Malformed(f'the message is not {{"drafts": [...]}}: {content[:200]!r}') from exc
    if not isinstance(drafts, list) or not all(isinstance(d, str) for d in drafts):
        raise Malformed(f'"drafts" is not a list of strings: {content[:200]!r}')
    usage: Any = data.get("usage") if isinstance(data, dict) else None
    return Completion(
        drafts=tuple(d.strip() for d in drafts if d.strip()),
        tokens_in=_count(usage, "prompt_tokens"),
        tokens_out=_count(usage, "completion_tokens"),
    )


def _count(usage: Any, name: str) -> int:
    value = usage.get(name) if isinstance(usage, dict) else None
    return value if isinstance(value, int) and value >= 0 else 0


def _seconds(header: str | None) -> float | None:
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None  # an HTTP date: the caller's own pause applies


def _error_of(text: str) -> str:
    """The service's own error message (OpenAI shape: {"error": {"message": ...}})."""
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError):
        return text[:200]
    if isinstance(error, dict):
        return str(error.get("message") or error)[:200]
    return str(error)[:200]
