"""The WeChat API calls replies need (PLATFORMS.md §2.5, §2.6): the access token and the
customer-service text message, with WeChat's error codes turned into our typed errors."""

from __future__ import annotations

import json
from typing import Any

from connectors.errors import AuthFailed, RateLimited, Refused, Unavailable
from connectors.http import Http
from connectors.shared import TokenCache
from connectors.wechat.config import WechatConfig

# The platform refused the token: someone fetched a newer one, or it expired (§2.6).
STALE_TOKEN = frozenset({40001, 40014, 42001})
# What a person must fix in the console or the config; no reply can pass until then.
SETUP = {
    40013: "invalid AppID (app_id)",
    40125: "invalid AppSecret (app_secret_env)",
    40164: "this server's IP is not on the account's IP whitelist (IP白名单)",
    48001: "the account has no customer-service API permission (api unauthorized)",
}
# A definite refusal of this one reply, in words an agent reads.
REFUSED = {
    45015: "已超过48小时回复窗口，或用户已取消关注 (out of the 48 h window or unsubscribed)",
    45047: "本次互动的客服消息条数已用完 (reply quota for this interaction used up)",
    40003: "无效的 openid (invalid openid)",
    43004: "用户未关注公众号 (user has not subscribed)",
    43019: "用户已将公众号拉黑 (user blocked the account)",
    45002: "消息内容过长 (text too long)",
    44004: "消息内容为空 (empty text)",
    40033: "消息含有不合法字符 (invalid characters)",
}


class WechatApi:
    """One account's calls to api.weixin.qq.com (or `api_base`)."""

    def __init__(self, http: Http, config: WechatConfig, tokens: TokenCache) -> None:
        self.http, self.config, self.tokens = http, config, tokens

    async def fetch_token(self) -> tuple[str, float]:
        """Fetch a new access token (TokenCache calls this, once per app at a time)."""
        reply = await self.http.request(
            "GET",
            f"{self.config.api_base}/cgi-bin/token",
            params={
                "grant_type": "client_credential",
                "appid": self.config.app_id,
                "secret": self.config.app_secret.reveal(),
            },
        )
        data = _object(reply.data)
        token = data.get("access_token")
        if isinstance(token, str) and token:
            lifetime = data.get("expires_in")
            return token, float(lifetime) if isinstance(lifetime, int | float) else 7200.0
        code = _code(data)
        if code in SETUP or code == -1:
            raise _error("fetching the access token", code, data)
        said = str(data.get("errmsg", ""))[:200]
        raise AuthFailed(f"WeChat gave no access token (errcode {code}: {said})")

    async def send_text(self, openid: str, text: str) -> dict[str, Any]:
        """Send one customer-service text; refresh a refused token once and retry."""
        message = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        # Raw UTF-8, never \\u escapes: WeChat shows those literally or refuses them (§2.5).
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        token = await self.tokens.get()
        data = await self._post(token, body)
        if _code(data) in STALE_TOKEN:
            data = await self._post(await self.tokens.refresh(token), body)
        code = _code(data)
        if code == 0:
            return data
        raise _error("sending a customer-service message", code, data)

    async def _post(self, token: str, body: bytes) -> dict[str, Any]:
        reply = await self.http.request(
            "POST",
            f"{self.config.api_base}/cgi-bin/message/custom/send",
            params={"access_token": token},
            body=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        return _object(reply.data)


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Unavailable(f"WeChat answered JSON that is not an object: {type(data).__name__}")
    return data


def _code(data: dict[str, Any]) -> int:
    value = data.get("errcode", 0)
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _error(doing: str, code: int, data: dict[str, Any]) -> Exception:
    """Map an errcode to a typed error; errmsg is shown, never compared (it ends in a rid)."""
    said = str(data.get("errmsg", ""))[:200]
    if code in SETUP:
        return AuthFailed(f"WeChat refused {doing}: {SETUP[code]} (errcode {code}: {said})")
    if code in STALE_TOKEN or code == 41001:
        return AuthFailed(f"WeChat refused a fresh access token (errcode {code}: {said})")
    if code == -1:
        return Unavailable(f"WeChat is busy (errcode -1, 系统繁忙) while {doing}")
    if code == 45009:
        return RateLimited(f"WeChat API frequency limit (errcode 45009: {said})", retry_after=60.0)
    reason = REFUSED.get(code, "微信拒绝了这条消息 (WeChat refused the message)")
    return Refused(f"{reason} (errcode {code}: {said})", code=str(code))
