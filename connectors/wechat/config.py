"""Options of a `type = "wechat"` connector."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from connectors.secret import Secret

_AES_KEY = re.compile(r"[A-Za-z0-9]{43}")
_PATH = re.compile(r"/hooks/[A-Za-z0-9._~/-]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class WechatConfig:
    """What the WeChat console (开发 → 基本配置) shows, and where our web app takes pushes.

    `encoding_aes_key` is needed only for compatible and safe mode; when it is set, plain
    pushes are refused (safe mode would mean nothing if a forged plain body passed).
    """

    path: str = field(metadata={"nonempty": True})  # e.g. "/hooks/wechat/lanxing"
    app_id: str = field(metadata={"nonempty": True})
    token: Secret  # 令牌 (Token): signs every push
    app_secret: Secret  # AppSecret: fetches the access token for replies
    encoding_aes_key: Secret | None = None  # 消息加解密密钥: 43 characters
    api_base: str = "https://api.weixin.qq.com"
    replies_per_message: int = field(default=5, metadata={"gt": 0, "le": 100})

    def __post_init__(self) -> None:
        if not _PATH.fullmatch(self.path) or "//" in self.path or "/../" in f"{self.path}/":
            raise ValueError(
                f'path must start with "/hooks/" and be a plain URL path such as '
                f'"/hooks/wechat/lanxing", got "{self.path}"'
            )
        if not re.fullmatch(r"wx[0-9A-Za-z]+", self.app_id):
            raise ValueError(
                f'app_id must be the AppID from the WeChat console (such as "wx49f0ab532d5d035a"), '
                f'got "{self.app_id}"'
            )
        key = self.encoding_aes_key
        if key is not None and not _AES_KEY.fullmatch(key.reveal()):
            # Never echo the key: say only what is wrong with its shape.
            raise ValueError(
                "encoding_aes_key must be the 43 letters and digits the WeChat console shows "
                f"(EncodingAESKey), got {len(key.reveal())} characters"
            )
        if not self.api_base.startswith(("http://", "https://")):
            raise ValueError(f'api_base must be an http(s) URL, got "{self.api_base}"')
