"""Signatures and safe-mode crypto, byte for byte as PLATFORMS.md §2.1 and §2.3 say.

AES comes from `cryptography` (AES-256-CBC, IV = the key's first 16 bytes) and so does the
PKCS#7 padding, with WeChat's 32-byte block rather than AES's 16.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Callable

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_BITS = 256  # WeChat pads to 32 bytes (wechatpy PKCS7Encoder.block_size = 32)


class PushError(ValueError):
    """A push failed a check; `status` is our HTTP answer and the message is safe to log."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def signature(*parts: str) -> str:
    """Return sha1 over the parts sorted and joined (the push and msg_signature rule)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def same(given: str, expected: str) -> bool:
    """Compare signatures in constant time."""
    return hmac.compare_digest(given.lower().encode("utf-8"), expected.encode("utf-8"))


class MessageCrypto:
    """Encrypt and decrypt one account's messages (the `Encrypt` element)."""

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        app_id: str,
        *,
        random: Callable[[int], bytes] = os.urandom,
    ) -> None:
        key = base64.b64decode(encoding_aes_key + "=")
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self._key, self._token, self.app_id, self._random = key, token, app_id, random

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, xml: str) -> str:
        """Return base64(AES(random16 || len || xml || appid), padded to 32 bytes)."""
        body = xml.encode("utf-8")
        plain = self._random(16) + struct.pack(">I", len(body)) + body + self.app_id.encode()
        padder = padding.PKCS7(BLOCK_BITS).padder()
        padded = padder.update(plain) + padder.finalize()
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """Return the XML inside `encrypted`; raise PushError if any check fails."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PushError("Encrypt is not base64") from exc
        if not data or len(data) % 16:
            raise PushError("Encrypt is not whole AES blocks")
        decryptor = self._cipher().decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(BLOCK_BITS).unpadder()
        try:
            plain = unpadder.update(padded) + unpadder.finalize()
        except ValueError as exc:  # a wrong key shows up here first, almost always
            raise PushError("bad PKCS#7 padding (wrong EncodingAESKey?)") from exc
        if len(plain) < 20:
            raise PushError("decrypted message is too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, app_id = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length:
            raise PushError("decrypted message is shorter than its length field")
        if not hmac.compare_digest(app_id, self.app_id.encode("utf-8")):
            raise PushError("the message is for another AppID", status=403)
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PushError("decrypted message is not UTF-8") from exc

    def envelope(self, xml: str, timestamp: str, nonce: str) -> dict[str, str]:
        """Return the fields of an encrypted reply: Encrypt, MsgSignature, TimeStamp, Nonce."""
        encrypted = self.encrypt(xml)
        return {
            "Encrypt": encrypted,
            "MsgSignature": signature(self._token, timestamp, nonce, encrypted),
            "TimeStamp": timestamp,
            "Nonce": nonce,
        }
