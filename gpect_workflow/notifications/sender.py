"""Sending claimed messages over one SMTP connection per batch, with retries and backoff.

A 4xx answer, a refused connection or a timeout is transient: the message goes back to the queue with
exponential backoff. A 5xx answer is permanent: the message is marked failed with the server's answer.
After ``OUTBOX_MAX_ATTEMPTS`` attempts a message is failed whatever the reason. Without an SMTP server
configured (``MAIL_SERVER`` unset, the embedded default), messages are kept as ``captured``.
"""

from __future__ import annotations

import contextlib
import email.policy
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_mail import Connection, Message

from ..models import OutboxMessage, OutboxStatus
from ..services.context import now, session
from .outbox import attachments_of, claim, claimer_name, message_id

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=2)


@dataclass
class SendReport:
    """What a sending pass did."""

    sent: int = 0
    captured: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"sent {self.sent}, captured {self.captured}, to retry {self.retried}, failed {self.failed}"


class _TimedConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so a hung server cannot hang the scheduler."""

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        timeout = current_app.config["MAIL_TIMEOUT_SECONDS"]
        mail = self.mail
        host = (smtplib.SMTP_SSL if mail.use_ssl else smtplib.SMTP)(mail.server, mail.port, timeout=timeout)
        if mail.use_tls:
            host.starttls()
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host

    def __exit__(self, *exc: Any) -> None:
        # The server may have gone away after the batch: what was sent is already marked.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            super().__exit__(*exc)


def capturing() -> bool:
    """True when no SMTP server is configured: messages are kept, not sent."""
    return not current_app.config.get("MAIL_SERVER")


def send_pending(batch_size: int = 200) -> SendReport:
    """Claim and send due messages batch after batch until none is due; commits as it goes."""
    report = SendReport()
    while True:
        ids = [message.id for message in claim(batch_size, claimer_name())]
        session().commit()
        if not ids:
            return report
        # One query reloads the batch the commit expired (instead of one per message).
        query = sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        messages = list(session().scalars(query))
        if capturing():
            _capture(messages, report)
        else:
            _send_batch(messages, report)
        session().commit()


def _capture(messages: list[OutboxMessage], report: SendReport) -> None:
    for message in messages:
        message.status, message.sent_dt, message.claimed_until_dt = OutboxStatus.CAPTURED, now(), None
        message.attempts += 1
        report.captured += 1


def _send_batch(messages: list[OutboxMessage], report: SendReport) -> None:
    try:
        with _TimedConnection(current_app.extensions["mail"]) as connection:
            for index, message in enumerate(messages):
                try:
                    connection.send(_mail_message(message))
                except smtplib.SMTPResponseException as exc:
                    _failed(message, exc.smtp_code, _answer(exc.smtp_code, exc.smtp_error), report)
                except smtplib.SMTPRecipientsRefused as exc:
                    code, answer = next(iter(exc.recipients.values()))
                    _failed(message, code, _answer(code, answer), report)
                except (smtplib.SMTPServerDisconnected, OSError) as exc:
                    for unsent in messages[index:]:
                        _transient(unsent, f"connection lost: {exc}", report)
                    return
                else:
                    _sent(message, report)
    except (smtplib.SMTPException, OSError) as exc:
        for message in messages:
            if message.status is OutboxStatus.SENDING:
                _transient(message, f"cannot reach the SMTP server: {exc}", report)


def _answer(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}".strip()


class _UnfoldedMessage(Message):
    """Flask-Mail's message, with headers left unfolded on the wire.

    Flask-Mail encodes a non-ASCII subject, then the SMTP policy folds it again, and some folds lose the
    space between an encoded and a plain word ("le plan" arrives as "leplan"). Our subjects are short, so
    they need no folding at all (RFC 5322 allows 998 characters a line).
    """

    def as_bytes(self) -> bytes:
        return bytes(self._message().as_bytes(policy=_NO_FOLDING))


_NO_FOLDING = email.policy.SMTP.clone(max_line_length=None)


def _mail_message(message: OutboxMessage) -> Message:
    mail = _UnfoldedMessage(
        subject=message.subject,
        recipients=[message.recipient_email],
        body=message.body_text,
        html=message.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={"X-GPECT-Kind": message.kind, "Auto-Submitted": "auto-generated"},
    )
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "gpect.local"
    mail.msgId = message_id(message.idempotency_key, domain)
    for attachment in attachments_of(message):
        mail.attach(attachment.filename, attachment.content_type, attachment.data)
    return mail


def _sent(message: OutboxMessage, report: SendReport) -> None:
    message.attempts += 1
    message.status, message.sent_dt, message.claimed_until_dt, message.last_error = OutboxStatus.SENT, now(), None, None
    report.sent += 1


def _failed(message: OutboxMessage, code: int, answer: str, report: SendReport) -> None:
    if 400 <= code < 500:
        _transient(message, answer, report)
        return
    message.attempts += 1
    message.status, message.last_error, message.claimed_until_dt = OutboxStatus.FAILED, answer, None
    report.failed += 1
    report.errors.append(f"{message.recipient_email}: {answer}")


def _transient(message: OutboxMessage, error: str, report: SendReport) -> None:
    message.attempts += 1
    message.last_error, message.claimed_until_dt = error, None
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
        report.failed += 1
        report.errors.append(f"{message.recipient_email}: gave up after {message.attempts} attempts: {error}")
        return
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (message.attempts - 1))
    message.status, message.next_attempt_dt = OutboxStatus.PENDING, now() + delay
    report.retried += 1
