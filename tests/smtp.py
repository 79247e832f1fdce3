"""An SMTP server for tests: real aiosmtpd on loopback, recording what it accepts.

It can also misbehave on request, the way real mail servers do: answer DATA with an error
code, or take the message and then say nothing.
"""

from __future__ import annotations

import asyncio
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import partial
from urllib.parse import urlsplit

from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.waiting import eventually


class RecordingHandler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusals: list[str] = []  # replies to give to the next DATA commands, in order
        self.hold = asyncio.Event()  # cleared: DATA waits, as a hanging server does
        self.hold.set()
        self.data_commands = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_commands += 1
        await self.hold.wait()
        if self.refusals:
            return self.refusals.pop(0)
        message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


class SmtpSink:
    def __init__(self, port: int = 0):
        # 0: the system picks a free port at start, which nobody can take between choosing and
        # binding. A fixed port is for a server that must come back where the old one was.
        self.port = port
        self.handler = RecordingHandler()
        self._server: asyncio.Server | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    async def start(self) -> None:
        self._server = await asyncio.get_running_loop().create_server(
            partial(SMTP, self.handler, hostname="localhost"), host="127.0.0.1", port=self.port
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.handler.hold.set()
        if self._server is not None:
            self._server.close()
            if hasattr(self._server, "close_clients"):
                self._server.close_clients()
            await self._server.wait_closed()
            self._server = None

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """Wait until at least `count` messages have arrived; return them all."""
        await eventually(lambda: len(self.messages) >= count, timeout, interval=0.02)
        return self.messages


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_path(message: EmailMessage, action: str) -> str:
    """The path of the Approve or Reject link in a moderator email."""
    found = re.search(rf"^{action.capitalize()}: (\S+)\r?$", text_of(message), re.MULTILINE)
    assert found, f"no {action} link in the mail"
    return urlsplit(found.group(1)).path


def mails_for(messages: list[EmailMessage], comment_id: int) -> list[EmailMessage]:
    return [m for m in messages if str(m["Message-ID"]).startswith(f"<comment-{comment_id}.")]
