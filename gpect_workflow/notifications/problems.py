"""What went wrong with an email, as a stable code: stored with the message, told in the reader's language.

The sender records each failure (and each temporary one it retries) as a :class:`DeliveryProblem` in the
outbox's ``failure_code``, and only the technical detail (the relay's answer, the error) in
``last_error``. The code's words are messages of the catalogue (``vocabulary.DELIVERY_PROBLEMS``), so the
outbox pages and the administrators' notice name the failure in their reader's language; operators' logs
and the CLI read the English words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..vocabulary import DELIVERY_PROBLEMS


class DeliveryProblem(StrEnum):
    """The kinds of failure an email meets; their values are stored, so they never change."""

    #: The pass could not connect to the relay (refused, timed out, TLS or login failed).
    RELAY_UNREACHABLE = "relay_unreachable"
    #: The connection broke while the message was being sent.
    CONNECTION_LOST = "connection_lost"
    #: The relay refused our own sender address: its configuration, not this message.
    SENDER_REFUSED = "sender_refused"
    #: The relay answered 4xx: try again later.
    RELAY_DEFERRED = "relay_deferred"
    #: The relay answered 5xx to the recipient.
    RELAY_REFUSED_RECIPIENT = "relay_refused_recipient"
    #: The relay answered 5xx to the message's content.
    RELAY_REFUSED_MESSAGE = "relay_refused_message"
    #: The relay lacks an extension the message needs (SMTPUTF8, say).
    MESSAGE_NOT_CARRIED = "message_not_carried"
    #: The stored recipient address fails the address rule.
    ADDRESS_UNUSABLE = "address_unusable"
    #: The stored subject holds a line break, which would forge headers.
    SUBJECT_UNUSABLE = "subject_unusable"
    #: The message's bytes could not be written (an encoding error, say).
    MESSAGE_UNBUILDABLE = "message_unbuildable"
    #: An error that is not the relay's answer came up while sending.
    SEND_FAILED = "send_failed"
    #: Temporary failures outlasted ``OUTBOX_RETRY_FOR_HOURS``.
    GAVE_UP_AFTER_RETRIES = "gave_up_after_retries"

    @property
    def words(self) -> str:
        """The English message of the catalogue naming this problem (readers translate it)."""
        return DELIVERY_PROBLEMS[self.value]


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What went wrong with one message: the problem's code and the technical detail ("" when none)."""

    problem: DeliveryProblem
    detail: str = ""

    def __str__(self) -> str:
        """In English, for operators' logs and the CLI."""
        return f"{self.problem.words}: {self.detail}" if self.detail else self.problem.words
