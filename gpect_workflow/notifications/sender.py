"""Sending claimed messages over one SMTP connection per batch, with retries and backoff.

A 4xx answer, a refused connection or a timeout is transient: the message goes back to the queue with
exponential backoff. A 5xx answer is permanent: the message is marked failed with the server's answer.
After ``OUTBOX_MAX_ATTEMPTS`` attempts a message is failed whatever the reason. Without an SMTP server
configured (``MAIL_SERVER`` unset, the embedded default), messages are kept as ``captured``.
"""

from __future__ import annotations

import contextlib
import smtplib
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_mail import Attachment as MailAttachment
from flask_mail import BadHeaderError, Connection, Message, email_dispatched, sanitize_address

from ..models import OutboxMessage, OutboxStatus
from ..services.context import now, session
from .mime import build_message
from .outbox import attachments_of, capture_due, claim, claimer_name, message_id

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

    def send(self, message: Message, envelope_from: str | tuple[str, str] | None = None) -> None:
        """Flask-Mail's ``send``, with each envelope address sanitised once rather than for every message.

        ``flask_mail.sanitize_address`` parses and re-encodes an address each time (about 0.1 ms), and the
        same sender and recipients come back batch after batch. The rest is Flask-Mail 0.10's ``send``.
        """
        assert message.send_to, "No recipients have been added"
        assert message.sender, "The message does not specify a sender and a default sender has not been configured"
        if message.has_bad_headers():
            raise BadHeaderError
        if message.date is None:
            message.date = time.time()
        if self.host is not None:
            self.host.sendmail(
                _envelope_address(envelope_from or message.sender),
                [_envelope_address(address) for address in message.send_to],
                message.as_bytes(),
                message.mail_options,
                message.rcpt_options,
            )
        email_dispatched.send(current_app._get_current_object(), message=message)  # type: ignore[attr-defined]
        self.num_emails += 1
        if self.num_emails == self.mail.max_emails:
            self.num_emails = 0
            if self.host:
                self.host.quit()
                self.host = self.configure_host()


_envelope_address = lru_cache(maxsize=1024)(sanitize_address)


def capturing() -> bool:
    """True when no SMTP server is configured: messages are kept, not sent."""
    return not current_app.config.get("MAIL_SERVER")


#: Messages sent over one SMTP connection; what a batch sent is committed before the next begins.
BATCH_SIZE = 500


def send_pending(limit: int | None = None, *, keys: Collection[str] | None = None) -> SendReport:
    """Send the messages due, at most ``limit`` (``OUTBOX_SEND_LIMIT``) in this pass; commits as it goes.

    With ``keys``, only those messages: a request that cannot wait for the scheduler (a sign-in link)
    sends its own email, not the backlog of a busy send hour.

    The due messages are claimed in one statement, then sent batch after batch, each over one SMTP
    connection and committed before the next, so a crash re-sends at most one batch (with the same
    Message-ID). The statements of a pass are bounded by the limit, whatever the backlog: what is left
    leaves at the next pass. Without an SMTP server, the due messages are marked captured in one statement.
    """
    report = SendReport()
    limit = limit or int(current_app.config["OUTBOX_SEND_LIMIT"])
    if capturing():
        report.captured = capture_due(limit, keys)
        session().commit()
        return report
    messages = claim(limit, claimer_name(), keys)
    _commit_keeping(messages)
    for start in range(0, len(messages), BATCH_SIZE):
        batch = messages[start : start + BATCH_SIZE]
        _send_batch(batch, report)
        _commit_keeping(messages[start + BATCH_SIZE :])
    return report


def _commit_keeping(messages: list[OutboxMessage]) -> None:
    """Commit, leaving ``messages`` loaded; everything else in the session expires as on any commit.

    The claimed rows were read in the transaction that claimed them, and no other sender touches a row
    while its claim holds: reloading them (bodies and attachments) after the commit would only cost time.
    """
    db = session().registry()
    kept = {id(message) for message in messages}
    others = [instance for instance in db.identity_map.values() if id(instance) not in kept] + list(db.new)
    expiring, db.expire_on_commit = db.expire_on_commit, False
    try:
        db.commit()
    finally:
        db.expire_on_commit = expiring
    if expiring:
        for instance in others:
            db.expire(instance)


def _send_batch(messages: list[OutboxMessage], report: SendReport) -> None:
    try:
        sender, domain = current_app.config["MAIL_DEFAULT_SENDER"], _mail_domain()
        with _TimedConnection(current_app.extensions["mail"]) as connection:
            for index, message in enumerate(messages):
                try:
                    connection.send(_PreparedMessage(message, sender, domain))
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


class _PreparedMessage(Message):
    """An outbox message as Flask-Mail's message, its bytes written by :func:`.mime.build_message`.

    Flask-Mail's own bytes (``email.mime`` objects serialised under an SMTP policy) cost about 2.3 ms a
    message. Its connection still sends this one (envelope, bad-header check, ``email_dispatched``).
    """

    def __init__(self, message: OutboxMessage, sender: str, domain: str) -> None:
        # The attributes Flask-Mail 0.10's ``Message.__init__`` sets, without calling it: it draws a
        # Message-ID with ``make_msgid()``, which looks the host name up each time, for nothing here.
        self.recipients: list[str | tuple[str, str]] = [message.recipient_email]
        self.subject = message.subject
        self.sender = sender
        self.reply_to = None
        self.cc = []
        self.bcc = []
        self.body = message.body_text
        self.alts = {} if message.body_html is None else {"html": message.body_html}
        self.date = None
        self.msgId = message_id(message.idempotency_key, domain)
        self.charset = None
        self.extra_headers = {"X-GPECT-Kind": message.kind, "Auto-Submitted": "auto-generated"}
        self.mail_options = []
        self.rcpt_options = []
        self.attachments = [
            MailAttachment(item.filename, item.content_type, item.data) for item in attachments_of(message)
        ]

    def as_bytes(self) -> bytes:
        return build_message(
            sender=str(self.sender),
            recipient=str(self.recipients[0]),
            subject=self.subject,
            message_id=self.msgId,
            date=time.time() if self.date is None else self.date,  # the connection dates it before sending
            text=self.body or "",
            html=self.html,
            headers=(self.extra_headers or {}).items(),
            attachments=self.attachments,
            ascii_filenames=current_app.extensions["mail"].ascii_attachments,
        )


def _mail_domain() -> str:
    """The domain of Message-IDs: the host of ``BASE_URL``."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "gpect.local"


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
