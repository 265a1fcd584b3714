"""Configuration keys, their defaults, and the start-up check that names any bad key.

Every key can be set from the environment with a ``GPECT_`` prefix (``GPECT_SECRET_KEY`` sets
``SECRET_KEY``); values are parsed as JSON when they can be, so ``GPECT_SCHEDULER_ENABLED=false`` is a
boolean. The README lists every key with its default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .resources import workflows_dir
from .validation import timezone_problem

#: Where links point when neither BASE_URL nor a request says where the app is served: ``flask run``'s address.
DEFAULT_SERVED_AT = "http://127.0.0.1:5000"

#: Secret keys that must never reach production.
WEAK_SECRET_KEYS = frozenset({"", "dev", "development", "secret", "changeme", "change-me", "test", "testing"})
MIN_SECRET_KEY_LENGTH = 32


@dataclass(frozen=True, slots=True)
class Setting:
    """A configuration key of the extension: its default, a check, and what it is for."""

    name: str
    default: Any
    check: Callable[[Any], str | None]
    help: str


def _prefix(value: Any) -> str | None:
    if not isinstance(value, str) or (value and (not value.startswith("/") or value.endswith("/"))):
        return "must be empty or a path such as /gpect (leading slash, no trailing slash)"
    return None


def _timezone(value: Any) -> str | None:
    """The time zone rule of every stored zone: new plans and people get this one."""
    if isinstance(value, str) and timezone_problem(value) is None:
        return None
    return f"unknown time zone {value!r}; use an IANA name such as Europe/Paris"


def _language(value: Any) -> str | None:
    return None if value in ("fr", "en") else f"must be fr or en, not {value!r}"


def _hour(value: Any) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value)
    return None if ok else f"must be a local time HH:MM such as 08:30, not {value!r}"


def _url(value: Any) -> str | None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an absolute http(s) URL such as https://gpect.example.org, not {value!r}"
    return None


def _optional_url(value: Any) -> str | None:
    return None if value is None else _url(value)


def _hosts(value: Any) -> str | None:
    if value is None or (isinstance(value, list | tuple) and all(isinstance(item, str) and item for item in value)):
        return None
    return f'must be a list of host names such as ["gpect.example.org"], or null, not {value!r}'


def _directories(value: Any) -> str | None:
    if isinstance(value, str):
        return None
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return None
    return "must be a list of folders (a JSON list, or folders separated by ':')"


def _positive_int(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return None if ok else f"must be a positive whole number, not {value!r}"


#: The longest deadline horizon accepted: a century, so that date arithmetic on it never overflows.
MAX_DEADLINE_HORIZON_DAYS = 36_500


def _horizon(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DEADLINE_HORIZON_DAYS
    return None if ok else f"must be a whole number of days from 0 to {MAX_DEADLINE_HORIZON_DAYS}, not {value!r}"


def _hops(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 5
    return None if ok else f"must be a whole number from 0 to 5 (proxies in front of the app), not {value!r}"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {value!r}"


def _optional_boolean(value: Any) -> str | None:
    return None if value is None or isinstance(value, bool) else f"must be true, false or null, not {value!r}"


#: How often committee members get their digest, and the working days it may leave on (weekly).
COMMITTEE_DIGEST_FREQUENCIES = ("weekly", "daily", "off")
COMMITTEE_DIGEST_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def _frequency(value: Any) -> str | None:
    ok = value in COMMITTEE_DIGEST_FREQUENCIES
    return None if ok else f"must be one of {', '.join(COMMITTEE_DIGEST_FREQUENCIES)}, not {value!r}"


def _weekday(value: Any) -> str | None:
    ok = value in COMMITTEE_DIGEST_WEEKDAYS
    return None if ok else f"must be a working day, one of {', '.join(COMMITTEE_DIGEST_WEEKDAYS)}, not {value!r}"


def _rate_limits(value: Any) -> str | None:
    """Limits as the ``limits`` library (and Flask-Limiter) write them: ``10 per minute; 30 per hour``."""
    from limits import parse_many

    try:
        ok = isinstance(value, str) and bool(parse_many(value))
    except ValueError:
        ok = False
    return None if ok else f"must be limits such as '10 per minute; 30 per hour', not {value!r}"


def _storage(value: Any) -> str | None:
    return None if value in ("local", "s3") else f"must be local or s3, not {value!r}"


def _addressing(value: Any) -> str | None:
    return None if value in ("auto", "path", "virtual") else f"must be auto, path or virtual, not {value!r}"


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else f"must be text, not {value!r}"


def _optional_text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, str) and value) else f"must be text or null, not {value!r}"


def _sender(value: Any) -> str | None:
    ok = isinstance(value, str) and "@" in value
    return None if ok else f"must be an address such as 'GPECT <no-reply@example.org>', not {value!r}"


SETTINGS: tuple[Setting, ...] = (
    Setting("URL_PREFIX", "/gpect", _prefix, "Path under which the UI is served; the API is under PREFIX/api/v1."),
    Setting("DEFAULT_TIMEZONE", "Europe/Paris", _timezone, "Time zone of new plans and people."),
    Setting("DEFAULT_LANGUAGE", "fr", _language, "Language of the UI when a person has not chosen."),
    Setting(
        "REMINDER_SEND_HOUR", "08:30", _hour, "Local hour at which reminders leave when a definition does not say."
    ),
    Setting(
        "COMMITTEE_DIGEST_FREQUENCY",
        "weekly",
        _frequency,
        "How often steering committee members get their digest: weekly, daily (working days) or off.",
    ),
    Setting(
        "COMMITTEE_DIGEST_WEEKDAY",
        "monday",
        _weekday,
        "Day of the weekly committee digest (the next working day when it is a public holiday).",
    ),
    Setting(
        "BASE_URL",
        None,
        _optional_url,
        "Public address of the application, used in email links and the calendar feed; null (the default) means "
        "the address the app is served at: the request's host when it is a loopback or TRUSTED_HOSTS one, else "
        f"{DEFAULT_SERVED_AT}.",
    ),
    Setting(
        "TRUSTED_HOSTS",
        None,
        _hosts,
        "Host names the app answers to (Flask refuses others with 400); without BASE_URL, links follow a request's "
        "host only when it is one of these or a loopback address.",
    ),
    Setting("WORKFLOWS_DIRS", [str(workflows_dir())], _directories, "Folders whose *.yaml definitions are registered."),
    Setting("PAGE_SIZE", 25, _positive_int, "Rows per page in lists."),
    Setting(
        "SCHEDULER_ENABLED", False, _boolean, "Run the scheduler inside the served app (one process per instance)."
    ),
    Setting(
        "DEADLINE_HORIZON_DAYS",
        365,
        _horizon,
        "Days after a plan's planned end (its last stage's) up to which a task's deadline may be moved.",
    ),
    Setting(
        "COMMENT_EDIT_MINUTES",
        15,
        _positive_int,
        "Minutes after writing a comment during which its author may still change or delete it.",
    ),
    Setting("SCHEDULER_INTERVAL_SECONDS", 60, _positive_int, "Seconds between two scheduler passes."),
    Setting(
        "OUTBOX_RETRY_FOR_HOURS",
        72,
        _positive_int,
        "Hours a message is retried after its first temporary failure (relay absent, 4xx answer) before it fails.",
    ),
    Setting(
        "OUTBOX_CLAIM_SECONDS",
        300,
        _positive_int,
        "Seconds a sending pass holds the messages it took, renewed as it sends (at least 6 × MAIL_TIMEOUT_SECONDS).",
    ),
    Setting(
        "LOGIN_LINKS_PER_HOUR",
        3,
        _positive_int,
        "Sign-in links sent to one address per hour at most; further requests get the same answer, no email.",
    ),
    Setting(
        "SIGN_IN_LIMITS_PER_ACCOUNT",
        "10 per minute; 30 per hour",
        _rate_limits,
        "Failed passwords one account may have in each moving window; then signing in to it is refused "
        "(the right password too) until the window frees up.",
    ),
    Setting(
        "SIGN_IN_LIMITS_PER_ADDRESS",
        "30 per minute; 300 per hour",
        _rate_limits,
        "Failed passwords one client address may have in each moving window, whatever the accounts tried.",
    ),
    Setting(
        "REMINDERS_PER_PASS",
        1000,
        _positive_int,
        "Reminders one scheduler pass renders at most; a busier send hour goes on at the next passes.",
    ),
    Setting(
        "OUTBOX_SEND_LIMIT", 2000, _positive_int, "Messages one sending pass takes at most; the rest leave at the next."
    ),
    Setting(
        "SECURE_COOKIES",
        None,
        _optional_boolean,
        "Mark the session and remember cookies Secure; null (the default) means: when BASE_URL is https.",
    ),
    Setting(
        "HSTS_SECONDS",
        31_536_000,
        _positive_int,
        "Strict-Transport-Security max-age sent when BASE_URL is https (one year).",
    ),
    Setting(
        "REQUEST_MAX_BYTES",
        8 * 1024 * 1024,
        _positive_int,
        "Largest request body our pages and API accept; larger ones are refused 413 unread (CSV imports: 1 MB).",
    ),
    Setting(
        "EVIDENCE_MAX_BYTES",
        20 * 1000 * 1000,
        _positive_int,
        "Largest evidence file accepted (20 MB); its upload requests may exceed REQUEST_MAX_BYTES by this much "
        "plus the form's few kilobytes.",
    ),
    Setting(
        "EVIDENCE_MAX_FILES",
        50,
        _positive_int,
        "Most evidence files one task or one gate review holds (50): the pages list them all, so a list stays "
        "short; one more is refused until one is deleted.",
    ),
    Setting(
        "EVIDENCE_STORAGE",
        "local",
        _storage,
        "Where evidence files are kept: local (a folder, EVIDENCE_DIR) or s3 (an S3-compatible bucket, "
        "for several hosts).",
    ),
    Setting(
        "EVIDENCE_DIR",
        None,
        _optional_text,
        "Folder of the local evidence storage; null (the default) means evidence/ in the Flask instance folder.",
    ),
    Setting("EVIDENCE_S3_BUCKET", None, _optional_text, "Bucket of the s3 evidence storage (required for s3)."),
    Setting(
        "EVIDENCE_S3_ENDPOINT_URL",
        None,
        _optional_url,
        "Address of an S3-compatible store (MinIO, Ceph, a provider's); null means AWS S3.",
    ),
    Setting("EVIDENCE_S3_REGION", None, _optional_text, "Region of the bucket; null means boto3's default."),
    Setting(
        "EVIDENCE_S3_ACCESS_KEY_ID",
        None,
        _optional_text,
        "Access key of the s3 storage; null means boto3's usual chain (AWS_ACCESS_KEY_ID, an instance role...).",
    ),
    Setting("EVIDENCE_S3_SECRET_ACCESS_KEY", None, _optional_text, "Secret key going with EVIDENCE_S3_ACCESS_KEY_ID."),
    Setting("EVIDENCE_S3_PREFIX", "", _text, "Prefix of the object names in the bucket, such as gpect/evidence/."),
    Setting(
        "EVIDENCE_S3_ADDRESSING_STYLE",
        "auto",
        _addressing,
        "How the bucket is named in requests: auto, path (most self-hosted stores) or virtual.",
    ),
    Setting("PROXY_FIX", 0, _hops, "Reverse proxies in front of the app whose X-Forwarded-* headers are trusted."),
    Setting(
        "SQLITE_BUSY_TIMEOUT_MS",
        10_000,
        _positive_int,
        "SQLite only: milliseconds a write waits for another one to finish (SQLite has one writer at a time) "
        "before failing with 'database is locked'.",
    ),
    Setting(
        "POSTGRES_JIT",
        False,
        _boolean,
        "PostgreSQL only: leave just-in-time compilation on (off by default: it costs pages more than it saves).",
    ),
    Setting("MAIL_TIMEOUT_SECONDS", 30, _positive_int, "SMTP connection timeout."),
    Setting("MAIL_DEFAULT_SENDER", "GPECT Workflow <no-reply@gpect.local>", _sender, "From address of emails."),
)


def apply_defaults(config: MutableMapping[str, Any]) -> None:
    """Fill every missing key with its default, leaving what the host or environment set."""
    for setting in SETTINGS:
        config.setdefault(setting.name, setting.default)


def workflow_dirs(config: Mapping[str, Any]) -> list[str]:
    """``WORKFLOWS_DIRS`` as a list, accepting the ``a:b`` form environment variables use."""
    value = config["WORKFLOWS_DIRS"]
    return [part for part in value.split(":") if part] if isinstance(value, str) else list(value)


def validate_config(config: Mapping[str, Any], *, debug: bool, testing: bool) -> None:
    """Raise ``ConfigurationError`` naming each bad key; refuse production without a real secret."""
    problems = [f"{s.name}: {message}" for s in SETTINGS if (message := s.check(config.get(s.name)))]
    if not problems:
        problems.extend(_claim_problems(config))
        problems.extend(_storage_problems(config))
    if not (debug or testing):
        problems.extend(_secret_key_problems(config.get("SECRET_KEY")))
        problems.extend(_sender_problems(config))
    if problems:
        raise ConfigurationError("invalid configuration:\n  " + "\n  ".join(problems))


#: A message's SMTP exchange (MAIL, RCPT, DATA, the data and the answer) waits at most this many socket timeouts;
#: a claim must outlast it, or another sender could take a message while it is being sent.
CLAIM_TIMEOUTS = 6


def _claim_problems(config: Mapping[str, Any]) -> list[str]:
    claim, timeout = config["OUTBOX_CLAIM_SECONDS"], config["MAIL_TIMEOUT_SECONDS"]
    if claim < CLAIM_TIMEOUTS * timeout:
        return [
            f"OUTBOX_CLAIM_SECONDS: {claim} is shorter than {CLAIM_TIMEOUTS} × MAIL_TIMEOUT_SECONDS ({timeout}); "
            "a message being sent could outlive its claim and be sent twice"
        ]
    return []


def _storage_problems(config: Mapping[str, Any]) -> list[str]:
    if config["EVIDENCE_STORAGE"] == "s3" and not config["EVIDENCE_S3_BUCKET"]:
        return ["EVIDENCE_S3_BUCKET: is not set; the s3 evidence storage needs a bucket"]
    return []


#: Top-level domains reserved for names that are never on the Internet (RFC 2606, 6761, 6762): mail from them
#: is refused or filed as spam by relays and by the partners' mail servers.
UNDELIVERABLE_SENDER_DOMAINS = ("local", "localhost", "invalid", "test", "example")


def _sender_problems(config: Mapping[str, Any]) -> list[str]:
    """Production sending through a relay from the shipped placeholder (``no-reply@gpect.local``) would have
    every reminder refused or junked, silently for whoever runs it: refuse to start instead. Without a relay
    the emails are captured in the outbox and the sender does not matter."""
    if not config.get("MAIL_SERVER"):
        return []
    address = parseaddr(str(config["MAIL_DEFAULT_SENDER"]))[1]
    domain = address.rpartition("@")[2].rstrip(".").lower()
    if "." in domain and domain.rsplit(".", 1)[1] not in UNDELIVERABLE_SENDER_DOMAINS:
        return []
    return [
        f"MAIL_DEFAULT_SENDER: {address!r} is not an address mail can come from once GPECT_MAIL_SERVER is set "
        "(a reserved or local domain: relays refuse or junk it); set GPECT_MAIL_DEFAULT_SENDER to an address of "
        "your organisation, such as 'GPECT <no-reply@votre-collectivite.fr>'"
    ]


def _secret_key_problems(secret: Any) -> list[str]:
    if not secret:
        return [
            "SECRET_KEY: is not set; set GPECT_SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_hex(32))')"
        ]
    if not isinstance(secret, str | bytes) or str(secret).lower() in WEAK_SECRET_KEYS:
        return ["SECRET_KEY: is a well-known development value; set GPECT_SECRET_KEY to a long random value"]
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        return [
            f"SECRET_KEY: is too short ({len(secret)} characters); "
            f"use at least {MIN_SECRET_KEY_LENGTH} random characters"
        ]
    return []
