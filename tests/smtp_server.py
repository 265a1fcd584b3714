"""A real SMTP server in the test process (aiosmtpd), with programmable answers and outages."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """One message as the server got it."""

    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode(part.get_content_charset() or "utf-8")
        raise AssertionError(f"no {content_type} part")

    @property
    def text(self) -> str:
        return self.part("text/plain")

    @property
    def html(self) -> str:
        return self.part("text/html")

    def attachment(self, filename: str) -> bytes:
        for part in self.message.walk():
            if part.get_filename() == filename:
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload
        raise AssertionError(f"no attachment {filename}")


@dataclass
class Handler:
    """Records messages; ``answers`` is a queue of SMTP answers to give to the next DATA commands.

    ``close_after_answers``: a refusal from ``answers`` also closes the connection, as a relay shutting down
    does after ``421``. ``refuse_sender``: the answer to every ``MAIL FROM`` (a relay that refuses us).
    ``refuse_recipients``: the answer to ``RCPT TO`` for these addresses (a relay that knows them unknown).
    """

    received: list[Received] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    close_after_answers: bool = False
    refuse_sender: str | None = None
    refuse_recipients: dict[str, str] = field(default_factory=dict)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:  # noqa: N802 - aiosmtpd's name
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:  # noqa: N802 - aiosmtpd's name
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            if self.answers:
                answer = self.answers.pop(0)
                if not answer.startswith("250"):
                    if self.close_after_answers:
                        asyncio.get_running_loop().call_later(0.05, server.transport.close)
                    return answer
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.received.append(Received(list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SlowHandler(Handler):
    """A relay that takes ``delay`` seconds to accept each message (the sender must not outrun its claim)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


class SmtpServer:
    """Start, stop (an outage) and restart a local SMTP server on a fixed port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Handler()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def answer_next(self, *answers: str) -> None:
        """Answer the next DATA commands with these (e.g. ``451 try later``), then accept again."""
        self.handler.answers.extend(answers)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
