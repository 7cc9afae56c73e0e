"""Email over SMTP with STARTTLS (aiosmtplib): a UTF-8 subject, a text and an HTML part."""

from __future__ import annotations

import hashlib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

import aiosmtplib

from connectors.secret import Secret
from responder.alerts.channels.duty import EMAIL, duty_line, handle, unique
from responder.alerts.channels.page import Definite, Delivery, Page, Transient
from responder.alerts.channels.text import as_html, plain
from responder.clock import Clock


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpConfig:
    """The relay, the login and who gets the page. STARTTLS is always used: a page names
    customers and carries a signed ack link, so it never crosses the network in clear."""

    host: str = field(metadata={"nonempty": True})
    port: int = field(default=587, metadata={"gt": 0})
    username: str = ""
    password: Secret | None = None  # password_env = "VARIABLE"
    sender: str = field(metadata={"nonempty": True})
    sender_name: str = "铁心值班"
    to: tuple[str, ...]
    ca_file: Path | None = None  # trust this CA instead of the system's (a private relay)
    timeout: float = field(default=20.0, metadata={"gt": 0})

    def __post_init__(self) -> None:
        if not self.to:
            raise ValueError("to must name at least one address")
        if bool(self.username) != (self.password is not None):
            raise ValueError("username and password_env go together")


def message(page: Page, config: SmtpConfig, clock: Clock) -> EmailMessage:
    """The email: the title as subject (RFC 2047 encoded by the library), text and HTML."""
    msg = EmailMessage()
    msg["Subject"] = page.title
    msg["From"] = formataddr((config.sender_name, config.sender))
    msg["To"] = ", ".join(recipients(page, config))
    msg["Date"] = format_datetime(clock.now())
    # The same page gives the same Message-ID, so a mail client shows a resend once.
    msg["Message-ID"] = f"<{hashlib.sha256(page.key.encode()).hexdigest()[:32]}@tiexin>"
    duty = duty_line(page.to)  # everyone is named, with or without an address
    msg.set_content(plain(page, duty=duty), charset="utf-8")
    msg.add_alternative(as_html(page, duty=duty), subtype="html", charset="utf-8")
    return msg


def recipients(page: Page, config: SmtpConfig) -> list[str]:
    """The configured addresses, then each person's own ("小王 <wang@…>"), every address
    once. The envelope is taken from this To header, so the people get the page too."""
    seen = {a.strip().lower() for a in config.to}
    out = list(config.to)
    for person in unique(page.to):
        address = handle(person.email, EMAIL)
        if address and address.lower() not in seen:
            seen.add(address.lower())
            out.append(str(Address(display_name=person.display or person.name, addr_spec=address)))
    return out


class Email:
    """Sends pages by email through one relay."""

    def __init__(self, name: str, config: SmtpConfig, *, clock: Clock) -> None:
        self._name = name
        self.config = config
        self.clock = clock
        self.tls = ssl.create_default_context(
            cafile=str(config.ca_file) if config.ca_file else None
        )

    @property
    def name(self) -> str:
        return self._name

    async def send(self, page: Page) -> Delivery:
        cfg = self.config
        try:
            await aiosmtplib.send(
                message(page, cfg, self.clock),
                hostname=cfg.host,
                port=cfg.port,
                start_tls=True,
                tls_context=self.tls,
                username=cfg.username or None,
                password=cfg.password.reveal() if cfg.password else None,
                timeout=cfg.timeout,
            )
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise Definite(f"{self.name}: login refused ({exc.code})", code=str(exc.code)) from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = sorted({str(r.code) for r in exc.recipients})
            raise Definite(f"{self.name}: recipients refused ({', '.join(codes)})") from None
        except aiosmtplib.SMTPNotSupported:
            raise Definite(f"{self.name}: the relay does not offer STARTTLS or AUTH") from None
        except aiosmtplib.SMTPResponseException as exc:
            if 400 <= exc.code < 500:
                raise Transient(f"{self.name}: SMTP {exc.code}, try later") from None
            raise Definite(f"{self.name}: SMTP {exc.code}", code=str(exc.code)) from None
        except (aiosmtplib.SMTPException, OSError) as exc:  # includes ssl.SSLError
            if isinstance(exc, ssl.SSLCertVerificationError):
                raise Definite(f"{self.name}: the relay's certificate is not trusted") from None
            raise Transient(f"{self.name}: {type(exc).__name__}") from None
        return Delivery(channel=self.name, at=self.clock.now(), detail="sent")
