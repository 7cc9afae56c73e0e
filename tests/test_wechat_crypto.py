"""WeChat signatures and safe-mode crypto against published known answers and wechatpy."""

from __future__ import annotations

import base64
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.replies import TextReply

from connectors.wechat.crypto import MessageCrypto, PushError, signature
from connectors.wechat.messages import parse

# Known answers from wechatpy's tests/test_crypto.py (github.com/wechatpy/wechatpy, the
# WeCom class: the same algorithm, with a CorpID where an Official Account has its AppID),
# listed in PLATFORMS.md §2.3.
KAT_TOKEN = "123456"
KAT_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
KAT_ID = "wx49f0ab532d5d035a"
KAT_TIMESTAMP, KAT_NONCE = "1411525903", "461056294"
KAT_REPLY = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
KAT_REPLY_ENCRYPT = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNc"
    "BqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY"
    "0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsV"
    "bwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAG"
    "VRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
)
KAT_REPLY_SIGNATURE = "407518b7649e86ef23978113f92d27afa9296533"
KAT_PUSH_ENCRYPT = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHC"
    "rsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpX"
    "aG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQi"
    "MS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQi"
    "pvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)
KAT_PUSH_SIGNATURE = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
# wechatpy's echostr case: signed with timestamp 1411443780 and nonce 437374425.
KAT_ECHO = (
    "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
)
KAT_ECHO_SIGNATURE = "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"


def kat_crypto(app_id: str = KAT_ID) -> MessageCrypto:
    return MessageCrypto(KAT_TOKEN, KAT_KEY, app_id, random=lambda n: b"1234567890123456"[:n])


def test_url_signature_matches_the_spec_example() -> None:
    # PLATFORMS.md §2.1 [V]
    expected = "a70b5d4fa30362248c4a3d9dd3d6828f46539658"
    assert signature("mytoken", "1700000000", "123456789") == expected
    assert signature("123456789", "mytoken", "1700000000") == expected  # order-free


def test_encrypting_the_known_reply_gives_the_published_envelope() -> None:
    envelope = kat_crypto().envelope(KAT_REPLY, KAT_TIMESTAMP, KAT_NONCE)
    assert envelope == {
        "Encrypt": KAT_REPLY_ENCRYPT,
        "MsgSignature": KAT_REPLY_SIGNATURE,
        "TimeStamp": KAT_TIMESTAMP,
        "Nonce": KAT_NONCE,
    }


def test_the_known_push_verifies_and_decrypts() -> None:
    assert signature(KAT_TOKEN, KAT_TIMESTAMP, KAT_NONCE, KAT_PUSH_ENCRYPT) == KAT_PUSH_SIGNATURE
    fields = parse(kat_crypto().decrypt(KAT_PUSH_ENCRYPT))
    assert fields["Content"] == "test"
    assert fields["FromUserName"] == "messense"
    assert fields["MsgId"] == "4363689963896700987"
    assert signature(KAT_TOKEN, "1411443780", "437374425", KAT_ECHO) == KAT_ECHO_SIGNATURE
    assert kat_crypto().decrypt(KAT_ECHO)  # the echostr case carries the same id


def test_a_reply_we_encrypt_is_one_wechatpy_reads() -> None:
    reply = TextReply(source="gh_0123456789ab", target="o-user", content="收到😀𠮷，谢谢！")
    fields = kat_crypto().envelope(reply.render(), "1700000000", "5150")
    xml = (
        f"<xml><Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt>"
        f"<MsgSignature><![CDATA[{fields['MsgSignature']}]]></MsgSignature>"
        f"<TimeStamp>1700000000</TimeStamp><Nonce><![CDATA[5150]]></Nonce></xml>"
    )
    theirs = WeChatCrypto(KAT_TOKEN, KAT_KEY, KAT_ID)
    message = parse_message(
        theirs.decrypt_message(xml, fields["MsgSignature"], "1700000000", "5150")
    )
    assert (message.type, message.content, message.target) == ("text", "收到😀𠮷，谢谢！", "o-user")


def test_another_appid_is_refused() -> None:
    with pytest.raises(PushError, match="another AppID") as caught:
        kat_crypto("wx0000000000000000").decrypt(KAT_PUSH_ENCRYPT)
    assert caught.value.status == 403


def raw_aes(plain: bytes) -> str:
    """AES-CBC with the known key and no padding of ours: the test picks the bytes."""
    key = base64.b64decode(KAT_KEY + "=")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def _raw_decrypt(encrypted: str) -> bytes:
    key = base64.b64decode(KAT_KEY + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    return decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()


@pytest.mark.parametrize(
    "plain",
    [
        b"\x00" * 32,  # pad byte 0
        b"x" * 31 + b"\x21",  # 33 > 32
        b"x" * 28 + b"\x04\x04\x05\x04",  # pad bytes disagree
    ],
)
def test_bad_padding_is_refused(plain: bytes) -> None:
    with pytest.raises(PushError, match="padding") as caught:
        kat_crypto().decrypt(raw_aes(plain))
    assert caught.value.status == 400


@pytest.mark.parametrize("encrypted", ["not base64!", "", base64.b64encode(b"x" * 20).decode()])
def test_garbage_ciphertext_is_refused(encrypted: str) -> None:
    with pytest.raises(PushError):
        kat_crypto().decrypt(encrypted)


def test_a_length_field_past_the_end_is_refused() -> None:
    plain = b"r" * 16 + struct.pack(">I", 500) + b"<xml/>" + b"\x06" * 6
    with pytest.raises(PushError, match="shorter than its length"):
        kat_crypto().decrypt(raw_aes(plain))


def test_a_whole_block_message_gets_a_full_block_of_0x20() -> None:
    # 16 random + 4 length + 26 message + 18 AppID = 64 bytes: a multiple of 32.
    message = "<xml>" + "a" * 15 + "</xml>"
    assert len(message) == 26
    decrypted = _raw_decrypt(kat_crypto().encrypt(message))
    assert len(decrypted) == 96 and decrypted[-32:] == b"\x20" * 32
    assert kat_crypto().decrypt(kat_crypto().encrypt(message)) == message  # pad 32 > 16
    # 4-byte UTF-8: the length field counts bytes, not characters.
    decrypted = _raw_decrypt(kat_crypto().encrypt("😀𠮷"))
    assert decrypted[16:20] == struct.pack(">I", 8)
    pad = decrypted[-1]
    assert 1 <= pad <= 32 and decrypted[-pad:] == bytes([pad]) * pad
    assert len(decrypted) % 32 == 0


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_wechatpy_and_we_read_each_other(text: str) -> None:
    ours = MessageCrypto(KAT_TOKEN, KAT_KEY, KAT_ID)
    theirs = PrpCrypto(base64.b64decode(KAT_KEY + "="))
    assert theirs.decrypt(ours.encrypt(text), KAT_ID) == text
    assert ours.decrypt(theirs.encrypt(text, KAT_ID).decode()) == text
