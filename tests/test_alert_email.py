"""The email channel against a real local SMTP server (aiosmtpd) that demands STARTTLS and
a login, with a self-signed certificate made in the test."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors.secret import Secret
from responder.alerts.channels import Definite, Transient, mention_page
from responder.alerts.channels.smtp import Email, SmtpConfig
from responder.alerts.people import Person
from responder.schema import Binder
from responder.store.stages import Stage
from tests.fakes import FakeClock

PASSWORD = "smtp-pässword-😀"  # non-ASCII on purpose: it must survive AUTH untouched
TEXT = "充电口又坏了！😀𠮷，客服电话打不通？"


@dataclass(slots=True)
class Mailbox:
    """What the server received, and whether each message came over TLS."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str], bool]] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = cast(bytes, envelope.original_content or envelope.content)
        self.messages.append(message_from_bytes(raw, policy=policy.default))
        tls = session.ssl is not None
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos), tls))
        return "250 OK"

    def auth(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        ok = data.login == b"oncall" and data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)  # aiosmtpd then answers 535


def self_signed(where: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tiexin test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = where / "relay.pem", where / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def certs(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
async def relay(mailbox: Mailbox, certs: tuple[Path, Path]) -> AsyncIterator[int]:
    """aiosmtpd on 127.0.0.1, port 0, in the test's loop; STARTTLS and AUTH required."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(*certs)

    def protocol() -> SMTP:
        return SMTP(
            mailbox,
            hostname="relay.test",
            tls_context=tls,
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            authenticator=mailbox.auth,
        )

    server = await asyncio.get_running_loop().create_server(protocol, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


def channel(port: int, ca: Path, password: str = PASSWORD, clock: Any = None) -> Email:
    cfg = SmtpConfig(
        host="127.0.0.1",
        port=port,
        username="oncall",
        password=Secret(password),
        sender="alerts@tiexin.example",
        to=("duty@tiexin.example", "lead@tiexin.example"),
        ca_file=ca,
        timeout=5.0,
    )
    return Email("email", cfg, clock=clock or FakeClock())


def page() -> Any:
    return mention_page(
        key="m-42:breach:1",
        stage=Stage.BREACHED,
        source="微博评论",
        platform="weibo",
        followers=3_820_000,
        left=dt.timedelta(seconds=-130),
        text=TEXT,
        link="https://tiexin.example/m/42",
        ack_link="https://tiexin.example/ack/m-42?sig=a&exp=1",
    )


async def test_email_over_starttls_arrives_whole(
    relay: int, mailbox: Mailbox, certs: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    delivery = await channel(relay, certs[0], clock=clock).send(page())
    assert (delivery.channel, delivery.detail, delivery.at) == ("email", "sent", clock.now())
    assert mailbox.logins == [(b"oncall", PASSWORD.encode())]
    [(sender, rcpts, tls)] = mailbox.envelopes
    assert sender == "alerts@tiexin.example" and tls
    assert rcpts == ["duty@tiexin.example", "lead@tiexin.example"]
    [msg] = mailbox.messages
    assert msg["Subject"] == "【已超时】微博评论 · 粉丝 382万 · 超时 2分10秒"
    assert msg["From"] == "铁心值班 <alerts@tiexin.example>"
    assert msg["Date"] == "Fri, 20 Nov 2026 01:00:00 +0000"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == (
        "【已超时】微博评论 · 粉丝 382万 · 超时 2分10秒\n\n"
        f"{TEXT}\n\n"
        "查看：https://tiexin.example/m/42\n"
        "确认（停止升级）：https://tiexin.example/ack/m-42?sig=a&exp=1\n"
    )
    body = html.get_content()
    assert f"<p>{TEXT}</p>" in body
    assert '<a href="https://tiexin.example/ack/m-42?sig=a&amp;exp=1">确认</a>' in body
    again = await channel(relay, certs[0], clock=clock).send(page())
    assert again.detail == "sent"
    assert mailbox.messages[1]["Message-ID"] == msg["Message-ID"]  # same page, same id
    ours = [r.getMessage() for r in caplog.records if r.name != "mail.log"]  # not the relay's
    assert not any(PASSWORD in line for line in ours)


async def test_email_wrong_password_is_definite_and_hidden(
    relay: int, certs: tuple[Path, Path]
) -> None:
    with pytest.raises(Definite) as caught:
        await channel(relay, certs[0], password="wrong-pässword").send(page())
    assert caught.value.code == "535"
    assert "wrong-pässword" not in str(caught.value)


async def test_email_untrusted_certificate_and_no_relay(
    relay: int, certs: tuple[Path, Path], tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    other, _ = self_signed(tmp_path / "other")  # another CA with the same name
    with pytest.raises(Definite, match="not trusted"):
        await channel(relay, other).send(page())
    closed = await asyncio.get_running_loop().create_server(asyncio.Protocol, "127.0.0.1", 0)
    port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    with pytest.raises(Transient):
        await channel(port, certs[0]).send(page())


def test_email_config_binds_the_password_from_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIEXIN_SMTP_PASSWORD", PASSWORD)
    binder = Binder(tmp_path)
    table = {
        "host": "smtp.example.com",
        "username": "oncall",
        "password_env": "TIEXIN_SMTP_PASSWORD",
        "sender": "alerts@example.com",
        "to": ["duty@example.com"],
        "ca_file": "relay-ca.pem",
    }
    cfg = binder.bind(SmtpConfig, table, "alerts.channels.mail")
    assert binder.errors == []
    assert cfg.password.reveal() == PASSWORD and cfg.port == 587 and cfg.to == ("duty@example.com",)
    assert PASSWORD not in repr(cfg)
    assert binder.bind(SmtpConfig, {**table, "to": []}, "alerts.channels.mail") is None
    assert binder.errors == ["alerts.channels.mail: to must name at least one address"]


async def test_email_goes_to_the_people_on_duty_too(
    relay: int, mailbox: Mailbox, certs: tuple[Path, Path]
) -> None:
    """Each person's address joins the configured ones (once, whatever its case); people
    without one, or with one that is not an address, are named in the body instead."""
    wang = Person(name="wang", display="小王", email="wang@tiexin.example", phone="13800000001")
    li = Person(name="li", display="小李", phone="13900000002")
    lead = Person(name="lee", email="Lead@Tiexin.example")  # already configured
    forged = Person(name="eve", email="eve@x.example\r\nBcc: all@tiexin.example")
    paged = replace(page(), to=(wang, li, lead, forged, wang))
    await channel(relay, certs[0]).send(paged)
    [(_, rcpts, _)] = mailbox.envelopes
    assert rcpts == ["duty@tiexin.example", "lead@tiexin.example", "wang@tiexin.example"]
    [msg] = mailbox.messages
    assert msg["To"] == "duty@tiexin.example, lead@tiexin.example, 小王 <wang@tiexin.example>"
    assert msg["Bcc"] is None
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    plain = text.get_content().replace("\r\n", "\n")
    assert plain.startswith(
        "【已超时】微博评论 · 粉丝 382万 · 超时 2分10秒\n\n"
        "值班：小王 (wang)、小李 (li)、lee、eve\n\n"
        f"{TEXT}\n"
    )
    assert "<p>值班：小王 (wang)、小李 (li)、lee、eve</p>" in html.get_content()
    assert "13800000001" not in msg.as_string()  # a phone is no use in an email
