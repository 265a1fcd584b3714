"""The MIME builder against Flask-Mail: the same emails once parsed, in a stricter wire format.

Each message is built twice: the way ``sender.py`` built it before ``mime.py`` (a ``flask_mail.Message``,
its ``email.mime`` objects serialised under an unfolding SMTP policy) and the way it builds it now. Both
are parsed with ``email.policy.default`` and must give the same headers (decoded), bodies and attachments
(names, types, parameters, bytes). The new bytes must also be 7-bit, CRLF only, with no line over 998
characters, and parse without defects.
"""

from __future__ import annotations

import base64
import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask_mail import Mail, Message, email_dispatched
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpect_workflow.models import OutboxMessage
from gpect_workflow.notifications.ics import Deadline, deadlines_ics
from gpect_workflow.notifications.mime import build_message
from gpect_workflow.notifications.outbox import Attachment, attachments_of, message_id
from gpect_workflow.notifications.sender import _PreparedMessage, _TimedConnection
from gpect_workflow.notifications.views import ICS_TYPE
from tests.smtp_server import SmtpServer

SENDER = "GPECT Workflow <no-reply@gpect.test>"
DOMAIN = "gpect.test"
#: Tuesday 8 December 2026, 07:31:00 UTC: the Date of every message built here.
DATE = datetime(2026, 12, 8, 7, 31, tzinfo=UTC).timestamp()
HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "X-GPECT-Kind", "Auto-Submitted")
_UNFOLDED = email.policy.SMTP.clone(max_line_length=None)


@pytest.fixture(scope="module")
def mail_app() -> Iterator[Flask]:
    """Flask-Mail on a bare app: building messages needs its settings, not a database."""
    app = Flask(__name__)
    app.config.update(MAIL_DEFAULT_SENDER=SENDER, BASE_URL=f"http://{DOMAIN}", MAIL_TIMEOUT_SECONDS=5)
    Mail(app)
    with app.app_context():
        yield app


def outbox_message(
    subject: str,
    text: str,
    html: str | None,
    attachments: list[Attachment] | None = None,
    *,
    recipient: str = "paul.partner@gien.example.org",
    key: str = "reminder:42:d-7",
) -> OutboxMessage:
    """A message as the outbox stores it (not added to any session)."""
    stored = [
        {"filename": a.filename, "content_type": a.content_type, "data": base64.b64encode(a.data).decode()}
        for a in attachments or []
    ]
    return OutboxMessage(
        idempotency_key=key,
        kind="reminder",
        recipient_email=recipient,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=stored or None,
    )


def flask_mail_bytes(message: OutboxMessage, sender: str = SENDER) -> bytes:
    """The email as ``sender.py`` built it before ``mime.py``: Flask-Mail's ``email.mime``, headers unfolded."""
    mail = Message(
        subject=message.subject,
        recipients=[message.recipient_email],
        body=message.body_text,
        html=message.body_html,
        sender=sender,
        extra_headers={"X-GPECT-Kind": message.kind, "Auto-Submitted": "auto-generated"},
        date=DATE,
    )
    mail.msgId = message_id(message.idempotency_key, DOMAIN)
    for attachment in attachments_of(message):
        mail.attach(attachment.filename, attachment.content_type, attachment.data)
    return bytes(mail._message().as_bytes(policy=_UNFOLDED))


def builder_bytes(message: OutboxMessage) -> bytes:
    """The email as ``sender.py`` builds it now (its own message object, dated as the connection does)."""
    mail = _PreparedMessage(message, SENDER, DOMAIN)
    mail.date = DATE
    return mail.as_bytes()


def parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def summary(data: bytes) -> dict[str, Any]:
    """What a reader gets from an email: decoded headers, header names, bodies, attachments."""
    parsed = parse(data)
    bodies: dict[str, str] = {}
    attachments = []
    for part in parsed.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            content_type = part["Content-Type"]
            attachments.append(
                (
                    part.get_filename(),
                    part.get_content_type(),
                    dict(content_type.params),
                    part.get_content_disposition(),
                    part.get_payload(decode=True),
                )
            )
        else:
            assert part.get_content_type() not in bodies
            bodies[part.get_content_type()] = part.get_content()
    return {
        "headers": {name: str(parsed[name]) for name in HEADERS},
        "names": sorted(name.lower() for name in parsed),
        "bodies": bodies,
        "attachments": attachments,
    }


def assert_wire_format(data: bytes) -> None:
    """7-bit, CRLF line ends only, no line over 998 characters, parsed without defects."""
    data.decode("ascii")
    bare = data.replace(b"\r\n", b"")
    assert b"\r" not in bare and b"\n" not in bare, "a line ends otherwise than with CRLF"
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    head = data.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    for part in parse(data).walk():
        assert not part.defects, part.defects


def assert_same(message: OutboxMessage) -> dict[str, Any]:
    old, new = flask_mail_bytes(message), builder_bytes(message)
    assert_wire_format(new)
    expected = summary(old)
    assert summary(new) == expected
    return expected


def crlf(text: str) -> str:
    """Text as a reader gets it back: every line end a CRLF (as both builders write it)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def ics() -> Attachment:
    deadline = Deadline(
        7,
        3,
        "Repérer les demandeurs d'emploi",
        "Agents de fabrication cosmétique 2027",
        date(2026, 12, 31),
        "http://x/7",
    )
    stamp = datetime.fromtimestamp(DATE, UTC)
    return Attachment("echeances.ics", ICS_TYPE, deadlines_ics([deadline], domain=DOMAIN, stamp=stamp))


REMINDER_TEXT = (
    "Bonjour Paul,\n\nLa tâche « Repérer les demandeurs d'emploi » du plan « Agents de fabrication cosmétique "
    "2027 » arrive à échéance le 31 décembre 2026, dans 7 jours.\n\nC'est fait : http://gpect.test/links/mark_done/"
    "abcdef0123456789\nPlus de temps : http://gpect.test/links/more_time/abcdef0123456789\n\n-- \nGPECT Workflow\n"
)
REMINDER_HTML = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Rappel</title></head><body>\n'
    '<p style="font-family:Arial,Helvetica,sans-serif;color:#1f2933">La tâche <strong>« Repérer les demandeurs '
    "d'emploi »</strong> arrive à échéance le <strong>31 décembre 2026</strong>.</p>\n"
    '<p><a href="http://gpect.test/links/mark_done/abcdef0123456789?x=1&amp;y=2">C\'est fait</a></p>\n</body></html>\n'
)


def test_reminder_with_calendar_is_the_same_email(mail_app: Flask) -> None:
    subject = "Rappel : « Repérer les demandeurs d'emploi » arrive à échéance dans 7 jours"
    found = assert_same(outbox_message(subject, REMINDER_TEXT, REMINDER_HTML, [ics()]))
    assert found["headers"]["Subject"] == subject
    assert found["headers"]["From"] == SENDER and found["headers"]["To"] == "paul.partner@gien.example.org"
    assert found["headers"]["Message-ID"] == message_id("reminder:42:d-7", DOMAIN)
    assert found["headers"]["X-GPECT-Kind"] == "reminder" and found["headers"]["Auto-Submitted"] == "auto-generated"
    assert found["bodies"] == {"text/plain": crlf(REMINDER_TEXT), "text/html": crlf(REMINDER_HTML)}
    ((name, content_type, params, disposition, data),) = found["attachments"]
    assert (name, content_type, disposition) == ("echeances.ics", "text/calendar", "attachment")
    assert params == {"method": "PUBLISH", "charset": "utf-8"} and data == ics().data


def test_calendar_part_keeps_its_content_type_as_written(mail_app: Flask) -> None:
    new = builder_bytes(outbox_message("Rappel", "x\n", "<p>x</p>", [ics()]))
    assert b"\r\nContent-Type: text/calendar; method=PUBLISH; charset=utf-8\r\n" in new
    assert b'\r\nContent-Disposition: attachment; filename="echeances.ics"\r\n' in new


@pytest.mark.parametrize(
    "subject",
    [
        # Over 78 characters, accents among plain words: "le plan" must not arrive as "leplan".
        "Rappel : « Repérer les demandeurs d'emploi aux profils proches » du plan « Agents de fabrication "
        "cosmétique 2027 » arrive à échéance le 31 décembre",
        "Comité de pilotage : 3 décisions attendues, 2 plans à surveiller, le plan « Maintenance » en retard",
        "Plain ASCII subject that is longer than seventy-eight characters, with   several  spaces, and more words",
        "Réunion",
        # French typography: no-break spaces inside guillemets and before the colon survive the encoding.
        "Rappel\u00a0: «\u00a0Repérer les demandeurs d'emploi aux profils proches\u00a0» à rendre demain",
        "É",
        "Émoji 🎉 et « guillemets » — tiret cadratin, apostrophe ’ et ½ fraction",
        'Question ? Égal = souligné _ deux-points : virgule, point-virgule ; (parenthèses) <chevrons> @ "guillemets"',
        "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé",
        "a" * 300,
    ],
)
def test_subjects_are_the_same_and_lose_no_space(mail_app: Flask, subject: str) -> None:
    found = assert_same(outbox_message(subject, "Bonjour.\n", None))
    assert found["headers"]["Subject"] == subject


def test_subject_that_looks_encoded_arrives_as_written(mail_app: Flask) -> None:
    """Flask-Mail wrote it as it is, and readers decoded it; it is encoded now, so it reads as written."""
    subject = "=?utf-8?q?looks_encoded?= but is plain text"
    message = outbox_message(subject, "x\n", None)
    assert summary(builder_bytes(message))["headers"]["Subject"] == subject
    assert summary(flask_mail_bytes(message))["headers"]["Subject"] == "looks encoded but is plain text"


def test_text_only_message(mail_app: Flask) -> None:
    found = assert_same(outbox_message("Lien de connexion", "Bonjour,\n\nVotre lien : http://gpect.test/x\n", None))
    assert set(found["bodies"]) == {"text/plain"} and found["attachments"] == []


def test_text_and_attachment_without_html(mail_app: Flask) -> None:
    found = assert_same(outbox_message("Échéances", "Voir le fichier joint.\n", None, [ics()]))
    assert set(found["bodies"]) == {"text/plain"} and len(found["attachments"]) == 1


def test_several_attachments_of_any_name_and_type(mail_app: Flask) -> None:
    attachments = [
        ics(),
        Attachment("échéances du plan.ics", ICS_TYPE, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
        Attachment('rapport "final".pdf', "application/pdf", bytes(range(256)) * 5),
        Attachment("vide.txt", "text/plain; charset=utf-8", b""),
    ]
    found = assert_same(outbox_message("Documents", REMINDER_TEXT, REMINDER_HTML, attachments))
    assert [a[0] for a in found["attachments"]] == [a.filename for a in attachments]
    assert [a[4] for a in found["attachments"]] == [a.data for a in attachments]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no final line end",
        "trailing spaces   \nand tabs\t\t\nthen text\n",
        ".\n..\n. \nFrom the start of a line\n>From\n",
        "Windows\r\nline\r\nends\r\n and a lone\rcarriage return\r",
        "= signs == and =?utf-8?q?x?= and =_mix_ and --=_alt_ and =\n=",
        "\x00\x01 control \x7f characters \x0b\x0c\n",
        "a very long line " * 200 + "\n",
        "é" * 2000 + "\n",
        "Ünïcödé ∑ 数学 🎉\n" * 20,
        "Привет, это почти целиком кириллический текст, длиннее одной строки.\n" * 5,
    ],
)
def test_bodies_are_the_same(mail_app: Flask, text: str) -> None:
    found = assert_same(outbox_message("Corps", text, f"<p>{text}</p>"))
    assert found["bodies"] == {"text/plain": crlf(text), "text/html": crlf(f"<p>{text}</p>")}


@pytest.mark.parametrize(
    "sender",
    [
        "GPECT Workflow <no-reply@gpect.test>",
        "no-reply@gpect.test",
        "Équipe GPECT du Giennois <no-reply@gpect.test>",
        "GPECT, Loiret (45) <no-reply@gpect.test>",
        '"GPECT \\"Workflow\\"" <no-reply@gpect.test>',
    ],
)
def test_senders_and_recipients_are_the_same(mail_app: Flask, sender: str) -> None:
    message = outbox_message("Rappel", "x\n", "<p>x</p>", recipient="paul@mairie-gîen.fr")  # an IDN domain
    old = flask_mail_bytes(message, sender)
    new = build_message(
        sender=sender,
        recipient=message.recipient_email,
        subject=message.subject,
        message_id=message_id(message.idempotency_key, DOMAIN),
        date=DATE,
        text=message.body_text,
        html=message.body_html,
        headers=[("X-GPECT-Kind", "reminder"), ("Auto-Submitted", "auto-generated")],
    )
    assert_wire_format(new)
    assert summary(new) == summary(old)
    assert parse(new)["To"].addresses[0].domain == "xn--mairie-gen-28a.fr"
    (address,) = parse(new)["From"].addresses
    assert (address.display_name, address.addr_spec) == email.utils.parseaddr(sender)


def test_same_bytes_for_the_same_message(mail_app: Flask) -> None:
    message = outbox_message("Rappel : « x »", REMINDER_TEXT, REMINDER_HTML, [ics()])
    assert builder_bytes(message) == builder_bytes(message)


def test_header_lines_stay_short(mail_app: Flask) -> None:
    subject = "Rappel : « Repérer les demandeurs d'emploi aux profils proches » " * 3
    new = builder_bytes(outbox_message(subject.strip(), "x\n", "<p>x</p>", [ics()]))
    head = new.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    assert max(len(line) for line in new.split(b"\r\n")) <= 78


def test_prepared_message_has_the_attributes_of_a_flask_mail_message(mail_app: Flask) -> None:
    """It sets Flask-Mail's attributes itself (to skip ``make_msgid``): the same ones, of the same values."""
    message = outbox_message("Rappel : « x »", REMINDER_TEXT, REMINDER_HTML, [ics()])
    prepared = _PreparedMessage(message, SENDER, DOMAIN)
    plain = Message(
        subject=message.subject,
        recipients=[message.recipient_email],
        body=message.body_text,
        html=message.body_html,
        sender=SENDER,
        extra_headers={"X-GPECT-Kind": "reminder", "Auto-Submitted": "auto-generated"},
    )
    for attachment in attachments_of(message):
        plain.attach(attachment.filename, attachment.content_type, attachment.data)
    attachments = vars(prepared).pop("attachments"), vars(plain).pop("attachments")
    assert [vars(a) for a in attachments[0]] == [vars(a) for a in attachments[1]]
    flask_mail_attributes = {name: value for name, value in vars(prepared).items() if not name.startswith("_")}
    assert flask_mail_attributes | {"msgId": None} == vars(plain) | {"msgId": None}
    assert prepared.msgId == message_id(message.idempotency_key, DOMAIN)


def test_connection_sends_the_prepared_bytes_as_flask_mail_would(mail_app: Flask, smtp: SmtpServer) -> None:
    """The connection's own ``send``: sanitised envelope, the bytes as built, the dispatched signal."""
    mail_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    mail_app.extensions["mail"].server, mail_app.extensions["mail"].port = "127.0.0.1", smtp.port
    messages = [
        outbox_message("Rappel : « Réunion »", REMINDER_TEXT, REMINDER_HTML, [ics()], key=f"k{i}") for i in range(3)
    ]
    dispatched: list[Message] = []
    sent = [_PreparedMessage(m, "Équipe GPECT <no-reply@gpect.test>", DOMAIN) for m in messages]
    with (
        email_dispatched.connected_to(lambda app, message: dispatched.append(message)),
        _TimedConnection(mail_app.extensions["mail"]) as connection,
    ):
        for mail in sent:
            connection.send(mail)
    assert dispatched == sent
    assert [r.recipients for r in smtp.received] == [["paul.partner@gien.example.org"]] * 3
    for received, mail in zip(smtp.received, sent, strict=True):
        assert str(received.message["From"]) == "Équipe GPECT <no-reply@gpect.test>"
        assert summary(received.message.as_bytes(policy=email.policy.SMTP)) == summary(mail.as_bytes())


def test_header_injection_is_refused(mail_app: Flask) -> None:
    with pytest.raises(ValueError, match="line break"):
        build_message(
            sender=SENDER,
            recipient="a@example.org",
            subject="Bonjour\r\nBcc: everyone@example.org",
            message_id="<x@y>",
            date=DATE,
            text="",
        )


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
_SUBJECT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp", "Zs")) | st.just(" "), max_size=200
).map(lambda s: " ".join(s.split()))


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subject=_SUBJECT, text=_TEXT, html=st.none() | _TEXT)
def test_any_subject_and_body_round_trip(mail_app: Flask, subject: str, text: str, html: str | None) -> None:
    """What any text goes in as, a reader gets back (line ends as CRLF); the wire format holds."""
    new = builder_bytes(outbox_message(subject, text, html, [ics()]))
    assert_wire_format(new)
    found = summary(new)
    assert found["headers"]["Subject"] == (subject if subject else "None")
    expected = {"text/plain": crlf(text)} | ({} if html is None else {"text/html": crlf(html)})
    assert found["bodies"] == expected
