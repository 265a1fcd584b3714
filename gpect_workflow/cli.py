"""The ``flask gpect`` command group: thin commands that call services.

Each command that reads or writes the database runs as one unit of work (``@unit_of_work.command``):
committed when it returns, rolled back when it fails; the tick and the scheduler run their own passes.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click
from flask.cli import AppGroup, with_appcontext

from .definitions import DefinitionError, load_definition_file
from .definitions.files import definition_files
from .definitions.json_schema import workflow_json_schema
from .errors import DefinitionConflict, ValidationError
from .models import DefinitionRecord, OutboxStatus, Person, PersonRole
from .services import unit_of_work
from .services.context import state
from .services.definitions import list_definition_records, register_definitions

gpect_cli = AppGroup("gpect", help="GPECT Workflow: definitions, demo data, users, database.")
workflows_cli = AppGroup("workflows", help="Validate, register and list workflow definitions.")
users_cli = AppGroup("users", help="Manage user accounts.")
db_cli = AppGroup("db", help="Migrate the GPECT tables (for host applications; standalone: flask db).")
gpect_cli.add_command(workflows_cli)
gpect_cli.add_command(users_cli)
tokens_cli = AppGroup("tokens", help="Personal API tokens.")
gpect_cli.add_command(db_cli)
gpect_cli.add_command(tokens_cli)


@workflows_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@with_appcontext
def validate_command(paths: tuple[str, ...]) -> None:
    """Check definition files (default: the configured folders); one line per error, exit 1 on any."""
    files = definition_files(paths or state().workflow_dirs)
    errors = 0
    for file in files:
        try:
            definition = load_definition_file(file)
        except DefinitionError as exc:
            errors += len(exc.problems)
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        click.echo(
            f"{file}: ok ({definition.key} v{definition.version}, {len(definition.stages)} stages, "
            f"{len(definition.tasks())} tasks)",
            err=True,
        )
    if not files:
        click.echo("no definition file found", err=True)
        sys.exit(1)
    if errors:
        click.echo(f"{errors} error(s) in {len(files)} file(s)", err=True)
        sys.exit(1)


@workflows_cli.command("register")
@with_appcontext
@unit_of_work.command
def register_command() -> None:
    """Register the definitions of the configured folders in the database (all or nothing)."""
    try:
        results = register_definitions(state().workflow_dirs)
    except (DefinitionError, DefinitionConflict) as exc:
        raise click.ClickException(str(exc)) from exc
    for result in results:
        click.echo(f"{result.key} v{result.version}: {result.outcome} ({result.file})")


@workflows_cli.command("list")
@with_appcontext
@unit_of_work.command
def list_command() -> None:
    """List registered definition versions and the files of the configured folders."""
    records = list_definition_records()
    registered = {(r.key, r.version): r for r in records}
    click.echo("Registered definitions:")
    for record in records:
        click.echo(f"  {record.key:<32} v{record.version:<3} {record.title_en}  [{record.content_hash[:12]}]")
    if not records:
        click.echo("  (none: run 'flask gpect workflows register')")
    click.echo("Definition files:")
    for file in definition_files(state().workflow_dirs):
        click.echo(f"  {_file_status(str(file), registered)}")


def _file_status(file: str, registered: dict[tuple[str, int], DefinitionRecord]) -> str:
    try:
        definition = load_definition_file(file)
    except DefinitionError as exc:
        return f"{file}: invalid ({len(exc.problems)} error(s); run 'workflows validate')"
    record = registered.get((definition.key, definition.version))
    if record is None:
        status = "not registered"
    elif record.content_hash == definition.content_hash:
        status = "registered"
    else:
        status = "CHANGED without a version raise"
    return f"{file}: {definition.key} v{definition.version} ({status})"


@workflows_cli.command("schema")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
def schema_command(output: str | None) -> None:
    """Print the JSON Schema of definition files (for editors' autocompletion)."""
    text = json.dumps(workflow_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in PersonRole]), required=True)
@click.option("--name", help="Full name (default: the address's local part).")
@click.option("--password", help="Password (at least 10 characters); partners may log in by emailed link instead.")
@with_appcontext
@unit_of_work.command
def create_user_command(email: str, role: str, name: str | None, password: str | None) -> None:
    """Create a user account."""
    from .services.partners.people import create_person

    try:
        person = create_person(email, PersonRole(role), name, password=password)
    except ValidationError as exc:
        details = "; ".join(f"{field}: {', '.join(messages)}" for field, messages in exc.fields.items())
        raise click.ClickException(details or str(exc)) from exc
    click.echo(f"created {person.role} {person.email} (id {person.id})")


@gpect_cli.command("doctor")
@with_appcontext
@unit_of_work.command
def doctor_command() -> None:
    """List stored addresses, time zones and dates the current rules refuse (one line each); exit 1 if any.

    Reads only. Such values were stored before the rules or around them, and stop the scheduler or an email
    when read: fix each where the line says (its page, the API, or the database).
    """
    from .services.doctor import stored_value_problems

    found = 0
    for finding in stored_value_problems():
        found += 1
        label = finding.label if finding.label.isprintable() else repr(finding.label)
        click.echo(f"{finding.table} #{finding.row_id} ({label}) {finding.field} = {finding.value!r}: {finding.reason}")
    if not found:
        click.echo("no problem found")
        return
    click.echo(f"{found} stored value(s) the current rules refuse")
    sys.exit(1)


@gpect_cli.command("demo")
@with_appcontext
@unit_of_work.command
def demo_command() -> None:
    """Load the demonstration territories, partners, people and plans (idempotent); once they are stored,
    the notices their starts announced are rendered into the outbox, where the demo shows them."""
    from .demo.loader import load_demo
    from .notifications.announcements import deliver_announcements

    try:
        report = load_demo()
    except (DefinitionError, DefinitionConflict, ValidationError) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in report:
        click.echo(line)
    unit_of_work.after_commit(deliver_announcements)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade_command(revision: str) -> None:
    """Upgrade the GPECT tables to ``revision`` (default: head)."""
    from alembic import command

    from .migration_config import alembic_config

    command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
@with_appcontext
def db_downgrade_command(revision: str) -> None:
    """Downgrade the GPECT tables to ``revision`` (default: one step back)."""
    from alembic import command

    from .migration_config import alembic_config

    command.downgrade(alembic_config(), revision)


@gpect_cli.command("tick")
@click.option("--at", "at", help="Run as of this instant (ISO 8601 with an offset, e.g. 2027-01-04T08:31:00+01:00).")
@click.option("--dry-run", is_flag=True, help="Show what would be queued and sent; change nothing.")
@with_appcontext
def tick_command(at: str | None, dry_run: bool) -> None:
    """One scheduler pass: scheduled plans whose start came opened, reminders, escalations and digests due
    since the last pass queued, then sending."""
    from .clock import FrozenClock
    from .scheduler.jobs import tick

    extension = state()
    real_clock = extension.clock
    if at is not None:
        extension.clock = FrozenClock(_instant(at))
    try:
        report = tick(dry_run=dry_run)
    finally:
        extension.clock = real_clock
    for line in report.lines():
        click.echo(line)


def _instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 instant: {text!r}", param_hint="--at") from exc
    if instant.tzinfo is None:
        raise click.BadParameter("give the offset, e.g. 2027-01-04T08:31:00+01:00 or ...Z", param_hint="--at")
    return instant


@gpect_cli.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler as its own process (production); any number may run against one database."""
    from flask import current_app

    from .heap import set_aside_long_lived_objects
    from .scheduler.runner import blocking_scheduler
    from .scheduler.warmup import warm_up_logged

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"GPECT scheduler: a pass every {app.config['SCHEDULER_INTERVAL_SECONDS']} s (Ctrl+C to stop)")
    prepared = warm_up_logged()
    click.echo(f"ready: {prepared}" if prepared else "not prepared (see the log): the first pass reads what it needs")
    frozen = set_aside_long_lived_objects()
    click.echo(f"{frozen:,} long-lived objects set aside from the garbage collector")
    try:
        blocking_scheduler(app).start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped")


@gpect_cli.command("outbox")
@click.option("--status", type=click.Choice([s.value for s in OutboxStatus]), help="Only messages of this status.")
@click.option("--limit", default=50, show_default=True, help="How many messages, newest first.")
@click.option("--show", "show_id", type=int, help="Print one message in full (text body).")
@click.option("--retry", "retry_id", type=int, help="Put a failed message back in the queue.")
@with_appcontext
@unit_of_work.command
def outbox_command(status: str | None, limit: int, show_id: int | None, retry_id: int | None) -> None:
    """List the outbox: queued, sent, failed and captured messages (captured: no SMTP server configured)."""
    from .errors import NotFound
    from .services.outbox import list_messages, message_detail, retry

    if retry_id is not None:
        if not retry(retry_id):
            raise click.ClickException(f"message {retry_id} is not a failed message")
        click.echo(f"message {retry_id} queued again")
        return
    if show_id is not None:
        try:
            message = message_detail(show_id).message
        except NotFound as exc:
            raise click.ClickException(f"no message {show_id}") from exc
        click.echo(f"To: {message.recipient_email}\nSubject: {message.subject}\nStatus: {message.status}\n")
        click.echo(message.body_text)
        return
    messages = list_messages(OutboxStatus(status) if status else None, limit)
    for message in messages:
        problem = [message.failure_code] if message.failure_code else []
        shown = ": ".join([*problem, *([message.last_error] if message.last_error else [])])
        error = f"  [{shown}]" if shown else ""
        click.echo(
            f"{message.id:>6} {message.status:<9} {message.created_dt:%Y-%m-%d %H:%M} "
            f"{message.recipient_email:<40} {message.subject}{error}"
        )
    if not messages:
        click.echo("no message")


def _account(email: str) -> Person:
    """The person with this address, or the command stops with a message (an address the rule refuses
    cannot have an account)."""
    from .services.partners.people import find_person

    try:
        person = find_person(email)
    except ValidationError:
        person = None
    if person is None:
        raise click.ClickException(f"no account for {email!r}")
    return person


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="API", show_default=True, help="A name to recognise the token by.")
@with_appcontext
@unit_of_work.command
def create_token_command(email: str, name: str) -> None:
    """Create an API token for EMAIL; the token is printed once, on the last line."""
    from .services.accounts.tokens import create_token

    person = _account(email)
    token, plain = create_token(person, name)
    click.echo(f"token '{token.name}' created for {person.email}; it is shown once, keep it safe:", err=True)
    click.echo(plain)


@tokens_cli.command("list")
@click.argument("email")
@with_appcontext
@unit_of_work.command
def list_tokens_command(email: str) -> None:
    """List EMAIL's API tokens (their first characters only), revoked ones marked."""
    from .services.accounts.tokens import list_tokens

    person = _account(email)
    for token in list_tokens(person):
        state_ = f"revoked {token.revoked_dt:%Y-%m-%d}" if token.revoked_dt else "active"
        used = f"last used {token.last_used_dt:%Y-%m-%d}" if token.last_used_dt else "never used"
        click.echo(f"{token.id:>5}  {token.prefix}…  {token.name:<30} {state_:<18} {used}")


@tokens_cli.command("revoke")
@click.argument("email")
@click.argument("token_id", type=int)
@with_appcontext
@unit_of_work.command
def revoke_token_command(email: str, token_id: int) -> None:
    """Revoke one of EMAIL's API tokens; requests with it are refused from now on."""
    from .errors import NotFound
    from .services.accounts.tokens import revoke_token

    person = _account(email)
    try:
        token = revoke_token(person, token_id)
    except NotFound as exc:
        raise click.ClickException(f"{email} has no token {token_id}") from exc
    click.echo(f"token {token.id} ({token.name}) revoked")
