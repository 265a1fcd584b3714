"""Benchmark of sending the outbox to a local SMTP server, against raw ``smtplib`` on the same messages.

DESIGN.md §8: sending 10,000 reminders to a local SMTP server runs at ≥ 50% of the rate of raw
``smtplib`` sending the same messages, prepared beforehand, over one connection.

A minimal aiosmtpd server runs in a child process (so it does not share the GIL with the sender) and
only counts what it receives. The messages are queued with ``gpect_workflow.notifications.outbox.enqueue``
in the outbox of a fresh SQLite database (migrated with the shipped migrations): reminder-like emails of
about 3 KB of text, 6.5 KB of HTML and a 0.7 KB ``.ics`` attachment (the tick's real reminders have
1.3 KB of text, 6.5 KB of HTML and a 0.7 KB ``.ics``). Then, in the same run:

* ``send_pending()`` is timed with ``MAIL_SERVER`` pointing at the server, pass after pass as the
  scheduler calls it until nothing is due (a pass claims up to ``OUTBOX_SEND_LIMIT`` messages in one
  statement, then for each message checks its claim, builds its bytes with ``notifications.mime``, sends
  it over the pass's one Flask-Mail connection and records its fate as the server answers: two short
  statements a message, each committed, so a crash re-sends at most the message in flight);
* raw ``smtplib.SMTP(...).sendmail`` is timed on the same messages, built beforehand as bytes with the
  standard library (text and HTML alternatives, the attachment), over one connection.

It prints both rates and their ratio, and exits with 1 when the ratio is below 0.5 or when the server
did not receive every message. Run: ``.venv/bin/python benchmarks/send.py [--count 10000]``.
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import smtplib
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import _common  # puts the repository on sys.path: keep before gpect_workflow
import sqlalchemy as sa
from alembic import command
from flask import Flask

from gpect_workflow import create_app
from gpect_workflow.clock import FrozenClock
from gpect_workflow.migration_config import alembic_config
from gpect_workflow.models import OutboxMessage, OutboxStatus
from gpect_workflow.notifications.outbox import Attachment, NewMessage, enqueue
from gpect_workflow.notifications.sender import SendReport, send_pending
from gpect_workflow.services.context import session
from gpect_workflow.state import EXTENSION_NAME

TARGET_RATIO = 0.5
INSTANT = datetime(2027, 3, 8, 7, 30, tzinfo=UTC)
SENDER = "GPECT Workflow <no-reply@gpect.example.org>"
ICS_TYPE = "text/calendar; method=PUBLISH; charset=utf-8"


# --- the SMTP server, in a child process ----------------------------------------------------------------


def _serve(port: int, received: Synchronized[int], octets: Synchronized[int], stop: Any) -> None:
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
            with received.get_lock():
                received.value += 1
            with octets.get_lock():
                octets.value += len(envelope.content)
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        stop.wait()
    finally:
        controller.stop()


class CountingServer:
    """A local SMTP server in a child process that accepts everything and counts messages and bytes."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.received: Synchronized[int] = context.Value("q", 0)
        self.octets: Synchronized[int] = context.Value("q", 0)
        self._stop = context.Event()
        self._process = context.Process(
            target=_serve, args=(self.port, self.received, self.octets, self._stop), daemon=True
        )

    def __enter__(self) -> CountingServer:
        self._process.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=2) as probe:
                    probe.noop()
                return self
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the SMTP server did not start")

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()

    def reset(self) -> None:
        with self.received.get_lock():
            self.received.value = 0
        with self.octets.get_lock():
            self.octets.value = 0


# --- messages -------------------------------------------------------------------------------------------

_TEXT_PARAGRAPH = (
    "La tâche « {title} » du plan « {plan} » arrive à échéance le {due}. Elle vous est confiée au titre de "
    "votre organisation ; si elle est déjà faite, un clic sur le lien « C'est fait » ci-dessous suffit à la "
    "clore. S'il vous faut plus de temps, demandez un délai au chef de projet : il en sera prévenu.\n"
)
_HTML_BLOCK = (
    '<tr><td style="padding:12px 24px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;'
    'color:#1f2933">La tâche <strong>« {title} »</strong> du plan <em>« {plan} »</em> arrive à échéance le '
    "<strong>{due}</strong>. Si elle est déjà faite, un clic suffit à la clore ; s'il vous faut plus de temps, "
    "demandez un délai au chef de projet.</td></tr>\n"
)


def reminder(index: int) -> NewMessage:
    """A reminder-like message: ~3 KB of text, ~6.5 KB of HTML, a ~0.7 KB calendar file (varied per message)."""
    title = f"Enquêter auprès des entreprises du bassin n° {index % 97}"
    plan = f"Agents de fabrication en industrie cosmétique {2027 + index % 3} – plan {index}"
    due = (INSTANT + timedelta(days=7 + index % 5)).date()
    token = base64.urlsafe_b64encode(f"{index:08d}-task-{index * 7919 % 100_003}".encode() * 3).decode()
    links = "\n".join(
        f"{label} : https://gpect.example.org/gpect/links/{purpose}/{token}.{purpose}"
        for label, purpose in (("Ouvrir", "open_task"), ("C'est fait", "mark_done"), ("Plus de temps", "more_time"))
    )
    paragraph = _TEXT_PARAGRAPH.format(title=title, plan=plan, due=due.isoformat())
    text = f"Bonjour Personne {index % 35},\n\n" + paragraph * 7 + "\n" + links + "\n\n-- \nGPECT Workflow\n"
    block = _HTML_BLOCK.format(title=title, plan=plan, due=due.isoformat())
    anchors = "".join(
        f'<a href="https://gpect.example.org/gpect/links/{purpose}/{token}" style="display:inline-block;'
        f'padding:10px 16px;background:#0b5394;color:#ffffff;text-decoration:none;border-radius:4px">{label}</a> '
        for label, purpose in (("Ouvrir", "open_task"), ("C'est fait", "mark_done"), ("Plus de temps", "more_time"))
    )
    html = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Rappel</title></head>'
        '<body style="margin:0;background:#f4f6f8"><table role="presentation" width="100%" cellpadding="0" '
        f'cellspacing="0">\n{block * 12}<tr><td style="padding:12px 24px">{anchors}</td></tr>\n'
        "</table></body></html>\n"
    )
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//GPECT Workflow//Deadlines//FR\r\nMETHOD:PUBLISH\r\n"
        f"BEGIN:VEVENT\r\nSUMMARY:{title} – {plan}\r\nDTSTART;VALUE=DATE:{due:%Y%m%d}\r\n"
        f"DTEND;VALUE=DATE:{due + timedelta(days=1):%Y%m%d}\r\nDTSTAMP:20270308T073000Z\r\n"
        f"UID:gpect-task-{index}@gpect.example.org\r\nSEQUENCE:1\r\nTRANSP:TRANSPARENT\r\n"
        f"URL:https://gpect.example.org/gpect/links/open_task/{token}\r\n"
        f"DESCRIPTION:https://gpect.example.org/gpect/links/open_task/{token}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    return NewMessage(
        f"bench:r{index}",
        "reminder",
        f"personne.{index % 35}@bench.example.org",
        f"Rappel : « {title} » arrive à échéance le {due.isoformat()}",
        text,
        html,
        attachments=[Attachment("echeances.ics", ICS_TYPE, ics)],
    )


def prepared_bytes(message: OutboxMessage) -> bytes:
    """The stored message as a MIME email, built with the standard library (for raw ``smtplib``)."""
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = SENDER
    email["To"] = message.recipient_email
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="gpect.example.org")
    email["X-GPECT-Kind"] = message.kind
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    email.add_alternative(message.body_html or "", subtype="html")
    for item in message.attachments or []:
        maintype, subtype = item["content_type"].split(";")[0].split("/")
        email.add_attachment(
            base64.b64decode(item["data"]), maintype=maintype, subtype=subtype, filename=item["filename"]
        )
    return email.as_bytes(policy=email_policy.SMTP)  # CRLF line ends: smtplib sends bytes as they are


# --- the run --------------------------------------------------------------------------------------------


def make_app(database: Path, port: int) -> Flask:
    app = create_app(
        {
            "SECRET_KEY": _common.SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "BASE_URL": "https://gpect.example.org",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "MAIL_DEFAULT_SENDER": SENDER,
            "SCHEDULER_ENABLED": False,
        }
    )
    app.extensions[EXTENSION_NAME].clock = FrozenClock(INSTANT)
    return app


def queue(app: Flask, count: int) -> tuple[int, float]:
    """Empty the outbox and queue ``count`` reminders; return how many and their average size in bytes."""
    with app.app_context():
        session().execute(sa.delete(OutboxMessage))
        messages = [reminder(i) for i in range(count)]
        queued = enqueue(messages)
        session().commit()
        size = sum(
            len(m.body_text) + len(m.body_html or "") + sum(len(a.data) for a in m.attachments) for m in messages
        )
        session().remove()
    return len(queued), size / max(count, 1)


def send_all() -> tuple[SendReport, int]:
    """Call ``send_pending()`` until a pass finds nothing due; the summed report and the number of passes."""
    total, passes = SendReport(), 0
    while True:
        report = send_pending()
        passes += 1
        if not report.sent + report.failed + report.retried:
            return total, passes
        total.sent, total.failed, total.retried = (
            total.sent + report.sent,
            total.failed + report.failed,
            total.retried + report.retried,
        )
        total.errors += report.errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="messages to send (default %(default)s)")
    args = parser.parse_args(argv)
    if args.count <= 0:
        parser.error("--count must be positive")

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]  # progress shows when piped
    with tempfile.TemporaryDirectory() as folder, CountingServer() as server:
        app = make_app(Path(folder) / "send-bench.sqlite3", server.port)
        with app.app_context():
            command.upgrade(alembic_config(), "head")
        engine = _common_engine(app)

        # Warm up both paths (connections, SQLite caches) on a few messages.
        queue(app, 20)
        with app.app_context():
            send_pending()
            warm = [prepared_bytes(m) for m in session().scalars(sa.select(OutboxMessage))]
            session().remove()
        raw_send(server.port, warm)

        queued, size = queue(app, args.count)
        print(f"queued {queued:,} messages in a SQLite outbox, {size / 1024:.1f} KB each on average (text, HTML, .ics)")
        server.reset()
        with app.app_context(), _common.count_queries(engine) as log:
            start, cpu_start = time.perf_counter(), time.process_time()
            report, passes = send_all()
            app_seconds, app_cpu = time.perf_counter() - start, time.process_time() - cpu_start
            statuses = dict(
                session().execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)).all()
            )
            session().remove()
        app_received, app_octets = server.received.value, server.octets.value

        with app.app_context():
            prepared = [
                prepared_bytes(m) for m in session().scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
            ]
            session().remove()
        server.reset()
        start, cpu_start = time.perf_counter(), time.process_time()
        raw_send(server.port, prepared)
        raw_seconds, raw_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        raw_received, raw_octets = server.received.value, server.octets.value

    app_rate, raw_rate = args.count / app_seconds, args.count / raw_seconds
    ratio = app_rate / raw_rate
    print()
    print(f"{'':<44} {'messages':>9} {'seconds':>8} {'CPU s':>7} {'messages/s':>11} {'received':>9} {'KB/msg':>7}")
    print(
        f"{f'send_pending() x {passes} (fate per message)':<44} {report.sent:>9,} {app_seconds:>8.2f} {app_cpu:>7.2f}"
        f" {app_rate:>11,.0f} {app_received:>9,} {app_octets / max(app_received, 1) / 1024:>7.1f}"
    )
    print(
        f"{'raw smtplib, prepared bytes, 1 connection':<44} {len(prepared):>9,} {raw_seconds:>8.2f} {raw_cpu:>7.2f}"
        f" {raw_rate:>11,.0f} {raw_received:>9,} {raw_octets / max(raw_received, 1) / 1024:>7.1f}"
    )
    print("  CPU s: this process's CPU time (the SMTP server runs in a child process, not counted)")
    print(f"ratio send_pending / raw: {ratio:.2f} (target ≥ {TARGET_RATIO})")
    print(f"outbox after sending: {', '.join(f'{s.value} {n:,}' for s, n in statuses.items())}; {report}")
    print(f"send_pending ran {log.count:,} SQL statements ({log.count / args.count:.2f} per message); most frequent:")
    for shape, count in log.top(6):
        print(f"  {count:>7,}  {shape}")
    print(f"process max RSS (getrusage): {_common.max_rss_mb():.0f} MB")

    failures = []
    if ratio < TARGET_RATIO:
        failures.append(f"send_pending runs at {ratio:.2f} of raw smtplib (target ≥ {TARGET_RATIO})")
    if report.sent != args.count or app_received != args.count or statuses.get(OutboxStatus.SENT) != args.count:
        failures.append(f"send_pending sent {report.sent:,}, the server received {app_received:,} of {args.count:,}")
    if raw_received != args.count:
        failures.append(f"raw smtplib: the server received {raw_received:,} of {args.count:,}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("OK")
    return 0


def raw_send(port: int, messages: list[bytes]) -> None:
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for index, data in enumerate(messages):
            connection.sendmail("no-reply@gpect.example.org", [f"personne.{index % 35}@bench.example.org"], data)


def _common_engine(app: Flask) -> sa.Engine:
    with app.app_context():
        return app.extensions[EXTENSION_NAME].db.engine  # type: ignore[no-any-return]


if __name__ == "__main__":
    sys.exit(main())
