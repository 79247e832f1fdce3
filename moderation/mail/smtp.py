"""The SMTP transport: aiosmtplib, one session for a batch of messages."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from ..config import Config, SmtpTls
from ..errors import SessionFailed


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: SmtpTls = SmtpTls.NONE
    username: str = ""
    password: str = ""
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Config) -> SmtpSettings:
        return cls(
            host=config.smtp_host,
            port=config.smtp_port,
            tls=config.smtp_tls,
            username=config.smtp_username,
            password=config.smtp_password,
            timeout=config.smtp_timeout,
        )


class SmtpConnection:
    """One SMTP session for a batch of messages: connect once, send many, always quit."""

    def __init__(self, settings: SmtpSettings):
        self._settings = settings
        self._client = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            timeout=settings.timeout,
            use_tls=settings.tls is SmtpTls.TLS,
            start_tls=settings.tls is SmtpTls.STARTTLS,
        )

    async def __aenter__(self) -> SmtpConnection:
        # Whatever goes wrong before the first message (greeting, TLS, login) is the server's
        # trouble, even a 5xx: a wrong password must not throw the waiting mail away.
        try:
            await self._client.connect()
            if self._settings.username:
                await self._client.login(self._settings.username, self._settings.password)
        except (aiosmtplib.SMTPException, OSError) as error:
            self._client.close()
            raise SessionFailed(str(error) or type(error).__name__) from error
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # The messages are handed over already; a failing goodbye changes nothing.
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await self._client.quit()
        self._client.close()

    @property
    def is_open(self) -> bool:
        return self._client.is_connected

    async def send(self, message: EmailMessage[str, str]) -> None:
        """Hand one message over. A refusal of it raises aiosmtplib's error; a broken session, SessionFailed."""
        try:
            await self._client.send_message(message)
        except OSError as error:  # aiosmtplib's disconnects and timeouts are OSErrors too
            raise SessionFailed(str(error) or type(error).__name__) from error
