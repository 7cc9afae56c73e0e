"""One aiotieba Client per account: pointed at `api_base`, every result's `.err` checked.

aiotieba never raises from its API methods; it returns an empty result with `.err` set.
`check` turns that into our typed errors. The Client uses its own connection pool (it
builds its own TLS context and request objects), not the shared `Http` session.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import aiotieba
from aiotieba.exception import HTTPStatusError, TiebaServerError
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]  # no stubs
from yarl import URL

from connectors.errors import AuthFailed, BadPayload, Unavailable
from connectors.tieba import logs
from connectors.tieba.config import TiebaConfig

log = logging.getLogger(__name__)
RAW_KEPT = 4096  # bytes of a bad answer kept for the rejected stream
NOT_LOGGED_IN = 1  # "用户未登录或登录失败": the BDUSS was logged out or is wrong


class TiebaClient:
    """The account's aiotieba Client, plus the last raw answer it read (for `raw`).

    Calls are made one at a time (a poll reads its pages in order), so `last_body` is the
    answer to the call that just returned. This reaches into `Client._http_core`, which is
    private: fine with aiotieba pinned to 4.8, to be checked on any upgrade.
    """

    def __init__(self, config: TiebaConfig) -> None:
        self.config = config
        self.last_body = b""
        self._client: Any = None
        self._own_id = 0

    async def start(self) -> None:
        """Open the Client's connection pool (no request is sent yet)."""
        if self._client is not None:
            return
        # Only the read timeout: aiotieba rounds the loop clock to whole seconds when it
        # times a connect, so a connect timeout under a second would fire at random.
        timeout = aiotieba.TimeoutConfig(http_read=self.config.timeout.total_seconds())
        client = aiotieba.Client(self.config.bduss.reveal(), timeout=timeout)
        await client.__aenter__()
        core = client._http_core  # created by __aenter__; ours alone
        if self.config.redirected:
            _redirect(core, URL(self.config.api_base))
        core.net_core.send = self._tap(core.net_core.send)
        self._client = client

    async def stop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def own_id(self) -> int:
        """Return the account's user id, asked once (the login call) and then kept."""
        if not self._own_id:
            user = await self._call("login", lambda c: c.get_self_info(aiotieba.ReqUInfo.BASIC))
            if not user.user_id:
                raise BadPayload("tieba login: answered without a user id", raw=self._raw())
            self._own_id = int(user.user_id)
        return self._own_id

    async def ats(self, pn: int) -> Any:
        """Return page `pn` of the account's @-mentions (aiotieba `Ats`)."""
        return await self._call(f"get_ats page {pn}", lambda c: c.get_ats(pn))

    async def replys(self, pn: int) -> Any:
        """Return page `pn` of the replies to the account's posts (aiotieba `Replys`)."""
        return await self._call(f"get_replys page {pn}", lambda c: c.get_replys(pn), proto=True)

    async def _call(
        self, what: str, call: Callable[[Any], Awaitable[Any]], *, proto: bool = False
    ) -> Any:
        if self._client is None:
            await self.start()
        self.last_body = b""
        result = await call(self._client)
        check(getattr(result, "err", None), what, self._raw(proto=proto))  # success may lack .err
        return result

    def _tap(self, send: Callable[..., Awaitable[bytes]]) -> Callable[..., Awaitable[bytes]]:
        async def tapped(request: aiohttp.ClientRequest, *args: Any, **kwargs: Any) -> bytes:
            body = await send(request, *args, **kwargs)
            self.last_body = body
            return body

        return tapped

    def _raw(self, *, proto: bool = False) -> str:
        """Return the last answer as text: JSON as UTF-8 (a cut character replaced),
        protobuf as "base64:..."."""
        body = self.last_body[:RAW_KEPT]
        if proto:
            return "base64:" + base64.b64encode(body).decode("ascii")
        return body.decode("utf-8", errors="replace")


def check(err: Exception | None, what: str, raw: str = "") -> None:
    """Raise the typed error for an aiotieba `.err`; return if there is none."""
    if err is None:
        return
    detail = logs.mask(f"{type(err).__name__}: {err}")
    if isinstance(err, TiebaServerError):
        if err.code == NOT_LOGGED_IN:
            raise AuthFailed(
                f"tieba {what}: the BDUSS was refused (error_code 1, {logs.mask(str(err.msg))}); "
                "log in to Tieba again and set a new BDUSS"
            )
        # No read error code is documented as a rate limit; anything else may pass.
        raise Unavailable(f"tieba {what}: error_code {err.code}: {logs.mask(str(err.msg))}")
    if isinstance(err, HTTPStatusError):
        raise Unavailable(f"tieba {what}: HTTP {err.code} {err.msg}")
    if isinstance(err, TimeoutError | aiohttp.ClientError | OSError):
        raise Unavailable(f"tieba {what}: {detail}")
    if raw.lstrip().startswith("<"):  # an HTML error or maintenance page, as Http sees it
        raise Unavailable(f"tieba {what}: answered an HTML page, not data")
    if isinstance(err, ValueError | KeyError | TypeError | IndexError | DecodeError):
        # orjson's JSONDecodeError is a ValueError; a missing key a KeyError.
        raise BadPayload(f"tieba {what}: unreadable answer: {detail}", raw=raw)
    raise Unavailable(f"tieba {what}: {detail}")


def _redirect(core: Any, base: URL) -> None:
    """Send this Client's app requests to `base` (a fake), changing only scheme, host and
    port: path, query, headers (Host included) and body stay as aiotieba built them.

    aiotieba builds its URLs from a constant imported by value in every API module, so
    there is no setting; wrapping the two packers on this Client's own HttpCore instance
    keeps the change to this Client (no process-wide patch).
    """
    scheme, host, port = base.scheme, base.host or "", base.port
    for name in ("pack_form_request", "pack_proto_request"):
        pack = getattr(core, name)

        def packed(url: URL, data: Any, _pack: Any = pack) -> Any:
            return _pack(url.with_scheme(scheme).with_host(host).with_port(port), data)

        setattr(core, name, packed)
    log.info("tieba requests go to %s instead of the real Tieba", base)
