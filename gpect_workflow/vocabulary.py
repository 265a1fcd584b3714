"""The words of the application that readers see translated: one marker, and the labels of stored values.

``N_`` marks an English sentence or label as a message of the catalogue without translating it: the
code that stores or passes it on stays free of the reader's language (services, the engine, the rules),
and the reader (a page, an email, the API) translates it with gettext when it shows it. The
``make translations`` extraction looks for ``N_`` (see babel.cfg and the Makefile).

Stored values (statuses, decisions, levers, units, roles...) are English keys. Their labels live here,
once, so that a state reads the same word on every page and in every email: ``LABELS[kind][value]`` is
the English message, which readers translate (``web.labels.label``). This module imports nothing of
Flask or of the database: every layer may read it.
"""

from __future__ import annotations

from enum import Enum


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extraction tools look for
    """Mark ``message`` for the catalogue; the reader translates it."""
    return message


LEVERS = {
    "observe": N_("Observe and analyse"),
    "experiment": N_("Experiment and evaluate"),
    "adapt": N_("Adapt the interventions"),
    "articulate": N_("Articulate the partners"),
    "lead_change": N_("Lead change"),
}
PLAN_STATUSES = {
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "active": N_("active"),
    "on_hold": N_("on hold"),
    "completed": N_("completed"),
    "cancelled": N_("cancelled"),
}
STAGE_STATUSES = {
    "pending": N_("upcoming"),
    "open": N_("in progress"),
    "awaiting_decision": N_("awaiting the committee's decision"),
    "closed": N_("closed"),
}
TASK_STATUSES = {
    "todo": N_("to do"),
    "in_progress": N_("in progress"),
    "blocked": N_("blocked"),
    "done": N_("done"),
    "skipped": N_("not applicable"),
}
#: What the button or option that moves a task to a status says.
TASK_TARGETS = {
    "todo": N_("Back to “to do”"),
    "in_progress": N_("Start (in progress)"),
    "blocked": N_("Mark as blocked"),
    "done": N_("Mark as done"),
    "skipped": N_("Not applicable (skip)"),
}
#: Where a stage stands on a plan's timeline (worked out, not stored, but named the same way).
STAGE_PLACES = {
    "done": N_("Finished stage"),
    "current": N_("Current stage"),
    "next": N_("Next stage"),
    "upcoming": N_("Upcoming stage"),
    "not_reached": N_("Stage not reached"),
}
GATES = {
    "auto": N_("closes when its tasks are done"),
    "committee": N_("steering committee decision"),
}
DECISIONS = {
    "approve": N_("approved"),
    "rework": N_("sent back for rework"),
    "hold": N_("put on hold"),
}
UNITS = {
    "count": N_("number"),
    "people": N_("people"),
    "percent": N_("%"),
    "euro": N_("euros"),
    "days": N_("days"),
    "hours": N_("hours"),
}
DIRECTIONS = {
    "increase": N_("higher is better"),
    "decrease": N_("lower is better"),
}
#: Where an indicator stands against its target (``services.indicators.status.IndicatorStatus``).
INDICATOR_STATUSES = {
    "on_target": N_("target reached"),
    "off_target": N_("behind target"),
    "no_target": N_("no target"),
    "no_measurement": N_("no data"),
}
#: The target with the comparison its direction asks for (``TargetComparison``), e.g. "target ≤ 120,000".
TARGET_COMPARISONS = {
    "at_least": N_("target ≥ %(target)s"),
    "at_most": N_("target ≤ %(target)s"),
}
#: The comparison alone, the same in every language (emails, CSV).
COMPARISON_SIGNS = {"at_least": "≥", "at_most": "≤"}
ORGANISATION_KINDS = {
    "local_authority": N_("Local authority"),
    "employment_house": N_("Employment house (Maison de l'Emploi)"),
    "employment_service": N_("Employment service (France Travail)"),
    "region": N_("Region"),
    "state_service": N_("State service"),
    "chamber": N_("Chamber (commerce, trades, agriculture)"),
    "employers_group": N_("Employers' group"),
    "cluster": N_("Cluster"),
    "training_body": N_("Training body"),
    "company": N_("Company"),
    "youth_service": N_("Youth service (Mission locale)"),
    "other": N_("Other"),
}
#: How far an organisation reaches (``OrganisationScope``).
ORGANISATION_SCOPES = {
    "territory": N_("Territory"),
    "region": N_("Whole region"),
    "national": N_("National"),
}
PERSON_ROLES = {
    "partner": N_("Partner"),
    "lead": N_("Project lead"),
    "committee": N_("Committee member"),
    "admin": N_("Administrator"),
}
#: What went wrong with an email, by its code (``notifications.problems.DeliveryProblem``): the outbox
#: pages and the administrators' notice name it so, the technical detail beside it.
DELIVERY_PROBLEMS = {
    "relay_unreachable": N_("The mail server cannot be reached"),
    "connection_lost": N_("The connection to the mail server was lost"),
    "sender_refused": N_("The mail server refuses the sender's address"),
    "relay_deferred": N_("The mail server asked to try again later"),
    "relay_refused_recipient": N_("The mail server refused the recipient for good"),
    "relay_refused_message": N_("The mail server refused the message for good"),
    "message_not_carried": N_("The mail server cannot carry this message"),
    "address_unusable": N_("The recipient's address breaks the address rule"),
    "subject_unusable": N_("The subject holds a line break"),
    "message_unbuildable": N_("The message cannot be built"),
    "send_failed": N_("The message cannot be sent"),
    "gave_up_after_retries": N_("Given up: temporary failures lasted the whole retry period"),
}
#: The kinds of email (``OutboxMessage.kind``), as the outbox and the inbox name them: one for every email
#: template (``emails/<language>/<kind>.txt``), which a test checks.
MESSAGE_KINDS = {
    "reminder": N_("Reminder"),
    "escalation": N_("Escalation to the project lead"),
    "digest": N_("Digest"),
    "stage_opened": N_("Stage opened"),
    "stage_closed": N_("Stage closed"),
    "gate_awaiting": N_("Awaiting the committee's decision"),
    "gate_decided": N_("Committee decision"),
    "plan_status": N_("Plan status"),
    "deadline_moved": N_("Deadline moved"),
    "comment_added": N_("Comment"),
    "delay_requested": N_("Delay request"),
    "delay_accepted": N_("Delay accepted"),
    "delay_refused": N_("Delay refused"),
    "role_assigned": N_("Role in a plan"),
    "login_link": N_("Sign-in link"),
    "password_reset": N_("Password reset"),
    "committee_digest": N_("Committee digest"),
    "delivery_failures": N_("Emails that failed (to administrators)"),
    "data_problems": N_("Data to correct (to administrators)"),
    "notice_failures": N_("Notices that could not be written (to administrators)"),
}
#: Languages are named in themselves, as language switches do.
LANGUAGES = {"fr": N_("Français"), "en": N_("English")}

#: A word quoted in a sentence: French guillemets, English curly quotes.
QUOTED = N_("“%(label)s”")

#: Every table by the kind of value it names.
LABELS: dict[str, dict[str, str]] = {
    "lever": LEVERS,
    "plan_status": PLAN_STATUSES,
    "stage_status": STAGE_STATUSES,
    "task_status": TASK_STATUSES,
    "task_target": TASK_TARGETS,
    "stage_place": STAGE_PLACES,
    "gate": GATES,
    "decision": DECISIONS,
    "unit": UNITS,
    "direction": DIRECTIONS,
    "indicator_status": INDICATOR_STATUSES,
    "organisation_kind": ORGANISATION_KINDS,
    "organisation_scope": ORGANISATION_SCOPES,
    "person_role": PERSON_ROLES,
    "delivery_problem": DELIVERY_PROBLEMS,
    "message_kind": MESSAGE_KINDS,
    "language": LANGUAGES,
}


def key(value: object) -> str:
    """The stored key of ``value``: an enum's value, else the value as text ("" for none)."""
    if value is None:
        return ""
    return str(value.value if isinstance(value, Enum) else value)


def message(kind: str, value: object) -> str | None:
    """The English message naming ``value`` of ``kind``, untranslated (``None`` when it has none)."""
    return LABELS[kind].get(key(value))
