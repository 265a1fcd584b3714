"""Sending claimed messages over one SMTP connection, each message's fate recorded as the server answers.

What can happen to one message, and what it does:

Each failure, for good or for now, is recorded as a code (``problems.DeliveryProblem``) and the technical
detail (the server's answer, or the error); readers see the code in their own language.

* accepted (2xx): recorded ``sent`` at once, so a crash afterwards does not send it again;
* refused for good for that recipient or that content (5xx to RCPT or DATA), or impossible to build or to
  address (a stored address or subject the rules refuse, an encoding error): ``failed`` with the reason,
  alone; the rest of the pass goes on, and the administrators are told (``notifications.delivery_alerts``);
* refused for now (4xx): back to the queue with a capped backoff, for ``OUTBOX_RETRY_FOR_HOURS`` from the
  first temporary failure, then ``failed``;
* the relay cannot be reached, or the connection breaks: the message in flight and every message the pass
  still holds go back to the queue (an outage delays mail, it does not fail it), and the pass stops.

Before each send the pass checks that it still holds the message (``Ledger.hold``), so a second scheduler
that took over an expired claim and this one never both send it. Without an SMTP server configured
(``MAIL_SERVER`` unset, the embedded default), messages are kept as ``captured``.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_mail import Attachment as MailAttachment
from flask_mail import Connection, Message, email_dispatched, sanitize_address

from ..errors import ValidationError
from ..services.context import session
from ..services.urls import public_host
from ..validation import envelope_address
from .delivery_alerts import alert_administrators
from .ledger import Failure, Ledger
from .mime import build_message
from .outbox import ClaimedMessage, attachments_of, capture_due, claim, claimer_name, message_id, new_claim_token
from .problems import DeliveryProblem, Diagnosis

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    """What a sending pass did."""

    sent: int = 0
    captured: int = 0
    retried: int = 0
    failed: int = 0
    #: Messages another sender took over after this pass's claim expired (it did not send them).
    taken_over: int = 0
    errors: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"sent {self.sent}, captured {self.captured}, to retry {self.retried}, failed {self.failed}"
        return text + (f", taken over by another sender {self.taken_over}" if self.taken_over else "")

    def failed_for_good(self, failures: list[Failure]) -> None:
        """Count messages that failed for good."""
        self.failed += len(failures)
        self.failures += failures
        self.errors += [f"{failure.recipient_email!r}: {failure.reason}" for failure in failures]


class _TimedConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so a hung server cannot hang the scheduler."""

    #: Whether the next message goes over a new connection (``MAIL_MAX_EMAILS`` reached).
    _reconnect_due = False

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
        # The server may have gone away after the pass: what was sent is already recorded.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            super().__exit__(*exc)

    def open(self) -> None:
        """Connect (what Flask-Mail's ``__enter__`` does), raising when the relay cannot be reached."""
        self.host = None if self.mail.suppress else self.configure_host()
        self.num_emails = 0

    def close(self) -> None:
        self.__exit__(None, None, None)

    def send(self, message: Message, envelope_from: str | tuple[str, str] | None = None) -> None:
        """Flask-Mail's ``send`` for a prepared message: its envelope and bytes built (and checked) first.

        The rest is Flask-Mail 0.10's ``send`` (the ``email_dispatched`` signal, a new connection after
        ``MAIL_MAX_EMAILS``), in an order where nothing can raise once the server accepted the message: an
        error then would put an email already delivered back in the queue. The new connection is made before
        the next message instead, and a receiver of the signal that fails is logged.
        """
        assert isinstance(message, _PreparedMessage)
        message.prepare()
        if self.host is not None and self._reconnect_due:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.host.quit()
            self.host = None
            self.host = self.configure_host()  # raises when the relay is gone: this message is not sent
            self._reconnect_due = False
        if self.host is not None:
            self.host.sendmail(message.envelope_from, [message.envelope_to], message.as_bytes())
        try:
            email_dispatched.send(current_app._get_current_object(), message=message)  # type: ignore[attr-defined]
        except Exception:
            log.exception("a receiver of email_dispatched failed; the message was sent all the same")
        self.num_emails += 1
        if self.num_emails == self.mail.max_emails:
            self.num_emails = 0
            self._reconnect_due = True

    def reset(self) -> None:
        """Abort a half-done SMTP transaction (``RSET``), so the next message starts clean."""
        if self.host is not None:
            self.host.rset()


_envelope_address = lru_cache(maxsize=1024)(sanitize_address)


def capturing() -> bool:
    """True when no SMTP server is configured: messages are kept, not sent."""
    return not current_app.config.get("MAIL_SERVER")


def send_pending(limit: int | None = None, *, keys: Collection[str] | None = None) -> SendReport:
    """Send the messages due, at most ``limit`` (``OUTBOX_SEND_LIMIT``) in this pass.

    With ``keys``, only those messages: a request that cannot wait for the scheduler (a sign-in link)
    sends its own email, not the backlog of a busy send hour.

    The due messages are claimed in one statement and committed; then each is checked, sent and recorded
    in turn (two short statements a message, on the ledger's own connection), over one SMTP connection.
    What is left leaves at the next pass. Without an SMTP server, the due messages are marked captured in
    one statement. Commits; never raises for one message's sake.
    """
    report = SendReport()
    limit = limit or int(current_app.config["OUTBOX_SEND_LIMIT"])
    if capturing():
        report.captured = capture_due(limit, keys)
        session().commit()
        return report
    token = new_claim_token()
    messages = claim(limit, claimer_name(), keys, token=token)
    session().commit()
    if not messages:
        return report
    with Ledger.opened(token) as ledger:
        _send_claimed(messages, ledger, report)
    if report.taken_over:
        # The claim lapsed while this pass still held rows: renewal failed to keep it (the process froze longer
        # than OUTBOX_CLAIM_SECONDS, say). The fence kept each message from being sent twice; operators should know.
        log.warning(
            "outbox: %s message(s) of this pass were taken over by another sender after its claim lapsed",
            report.taken_over,
        )
    if report.failures:
        alert_administrators(report.failures)
        session().commit()
    return report


class _Outcome(Enum):
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"
    RELAY_DOWN = "relay down"


def _send_claimed(messages: list[ClaimedMessage], ledger: Ledger, report: SendReport) -> None:
    sender, domain = current_app.config["MAIL_DEFAULT_SENDER"], public_host()
    connection = _TimedConnection(current_app.extensions["mail"])
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        unreachable = Diagnosis(DeliveryProblem.RELAY_UNREACHABLE, _describe(exc))
        report.failed_for_good(ledger.release(unreachable, attempted=True))
        return
    try:
        for message in messages:
            if not ledger.hold(message.id):
                report.taken_over += 1
                continue
            relay_problem = _send_one(connection, message, sender, domain, ledger, report)
            if relay_problem is not None:
                report.failed_for_good(ledger.release(relay_problem, attempted=False))
                return
    finally:
        connection.close()


def _send_one(
    connection: _TimedConnection, message: ClaimedMessage, sender: str, domain: str, ledger: Ledger, report: SendReport
) -> Diagnosis | None:
    """Build, send and record one message; the relay's problem when the pass must stop, else ``None``."""
    try:
        prepared = _PreparedMessage(message, sender, domain)
        prepared.prepare()
    except Unsendable as exc:
        report.failed_for_good([ledger.failed(message, exc.diagnosis)])
        return None
    except Exception as exc:  # whatever one message holds, it fails alone
        unbuildable = Diagnosis(DeliveryProblem.MESSAGE_UNBUILDABLE, _describe(exc))
        report.failed_for_good([ledger.failed(message, unbuildable)])
        return None
    outcome, diagnosis = _deliver(connection, prepared)
    if diagnosis is None:
        ledger.sent(message)
        report.sent += 1
    elif outcome is _Outcome.FAILED:
        report.failed_for_good([ledger.failed(message, diagnosis)])
    elif outcome is _Outcome.RETRY:
        gave_up = ledger.retry_later(message, diagnosis)
        if gave_up is None:
            report.retried += 1
        else:
            report.failed_for_good([gave_up])
    return diagnosis if outcome is _Outcome.RELAY_DOWN else None


def _deliver(connection: _TimedConnection, prepared: _PreparedMessage) -> tuple[_Outcome, Diagnosis | None]:
    """Send one prepared message; what came of it, and what went wrong (``None`` when it was sent)."""
    try:
        connection.send(prepared)
    except smtplib.SMTPRecipientsRefused as exc:
        code, answer = next(iter(exc.recipients.values()))
        return _by_code(code, answer, DeliveryProblem.RELAY_REFUSED_RECIPIENT)
    except smtplib.SMTPSenderRefused as exc:
        # Our own sender refused: the relay's configuration, not this message; the pass stops.
        refused = Diagnosis(DeliveryProblem.SENDER_REFUSED, _answer(exc.smtp_code, exc.smtp_error))
        return (_Outcome.RELAY_DOWN, refused)
    except smtplib.SMTPDataError as exc:
        return _by_code(exc.smtp_code, exc.smtp_error, DeliveryProblem.RELAY_REFUSED_MESSAGE)
    except smtplib.SMTPNotSupportedError as exc:
        return (_Outcome.FAILED, Diagnosis(DeliveryProblem.MESSAGE_NOT_CARRIED, _describe(exc)))
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
        return (_Outcome.RELAY_DOWN, Diagnosis(DeliveryProblem.CONNECTION_LOST, _describe(exc)))
    except Exception as exc:  # one message's error must not stop the others
        return _unexpected(connection, exc)
    return (_Outcome.SENT, None)


def _by_code(code: int, answer: bytes | str, refused: DeliveryProblem) -> tuple[_Outcome, Diagnosis]:
    """The server's answer about this recipient or this content: 4xx, try again later; 5xx, ``refused`` for good."""
    if 400 <= code < 500:
        return (_Outcome.RETRY, Diagnosis(DeliveryProblem.RELAY_DEFERRED, _answer(code, answer)))
    return (_Outcome.FAILED, Diagnosis(refused, _answer(code, answer)))


def _unexpected(connection: _TimedConnection, exc: Exception) -> tuple[_Outcome, Diagnosis]:
    """An error that is not the server's answer (an encoding error in smtplib, say): this message fails,
    and the SMTP transaction it left half done is reset; if even that fails, the connection is lost."""
    log.warning("outbox message could not be sent: %s", _describe(exc))
    try:
        connection.reset()
    except (smtplib.SMTPException, OSError) as reset_error:
        return (_Outcome.RELAY_DOWN, Diagnosis(DeliveryProblem.CONNECTION_LOST, _describe(reset_error)))
    return (_Outcome.FAILED, Diagnosis(DeliveryProblem.SEND_FAILED, _describe(exc)))


def _answer(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}".strip()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class Unsendable(Exception):
    """A message that cannot be sent as stored (its address or subject breaks the rules); it fails alone."""

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(str(diagnosis))
        self.diagnosis = diagnosis


class _PreparedMessage(Message):
    """An outbox message as Flask-Mail's message, its bytes written by :func:`.mime.build_message`.

    Flask-Mail's own bytes (``email.mime`` objects serialised under an SMTP policy) cost about 2.3 ms a
    message. Its connection still sends this one (envelope, ``email_dispatched``). :meth:`prepare` builds
    the envelope and the bytes before anything is sent, so that a message that cannot be built or
    addressed fails alone, before it reaches the SMTP conversation.
    """

    def __init__(self, message: ClaimedMessage, sender: str, domain: str) -> None:
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
        # The stored attachments build the bytes; Flask-Mail's own list (whose data may be text) is kept
        # for what Flask-Mail reads of a message.
        self._attachments = attachments_of(message)
        self.attachments = [MailAttachment(item.filename, item.content_type, item.data) for item in self._attachments]
        self._bytes: bytes | None = None

    def prepare(self) -> None:
        """Build the envelope and the bytes (once); raises whatever stops this message from being sent.

        The recipient passes the one address rule again (``validation.envelope_address``): a row stored
        behind the rules' back must fail here, alone, not in the middle of the SMTP conversation.
        """
        if self._bytes is not None:
            return
        try:
            self.envelope_to = envelope_address(str(self.recipients[0]))
        except ValidationError as error:
            detail = str(error.params.get("detail") or error)
            raise Unsendable(Diagnosis(DeliveryProblem.ADDRESS_UNUSABLE, detail)) from error
        if self.has_bad_headers():
            raise Unsendable(Diagnosis(DeliveryProblem.SUBJECT_UNUSABLE, repr(self.subject)))
        self.envelope_from = _envelope_address(self.sender)
        self._bytes = self._build()

    def as_bytes(self) -> bytes:
        return self._bytes if self._bytes is not None else self._build()

    def _build(self) -> bytes:
        """The connection dates the message just before sending it; a message built earlier is dated now."""
        return build_message(
            sender=str(self.sender),
            recipient=str(self.recipients[0]),
            subject=self.subject,
            message_id=self.msgId,
            date=time.time() if self.date is None else self.date,
            text=self.body or "",
            html=self.html,
            headers=(self.extra_headers or {}).items(),
            attachments=self._attachments,
            ascii_filenames=current_app.extensions["mail"].ascii_attachments,
        )
