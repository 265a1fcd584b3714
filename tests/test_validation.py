"""The rules of stored addresses, time zones and dates (``gpect_workflow.validation``), on their own."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpect_workflow.errors import ValidationError
from gpect_workflow.validation import (
    DATE_MESSAGE,
    EMAIL_MESSAGE,
    FIRST_DAY,
    LAST_DAY,
    SCHEDULE_MESSAGE,
    TIMEZONE_MESSAGE,
    check_date,
    check_timezone,
    collect,
    date_problem,
    email_problem,
    envelope_address,
    normalise_email,
    timezone_problem,
)

HOSTILE_EMAILS = {
    "header injection": "victim@example.org\r\nbcc:x@y.org",
    "line feed": "victim@example.org\nbcc:x@y.org",
    "NUL": "victim@example.org\x00",
    "inner space": "jean dupont@example.org",
    "domain IDNA cannot encode": "a@" + "é" * 64 + ".fr",
    "special-use domain": "contact@mairie.local",
    "test domain": "someone@example.test",
    "unicode local part": "josé@example.org",
    "no domain dot": "a@localhost",
    "no at sign": "not-an-address",
    "empty": "",
    "over-long": "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".fr",
}


@pytest.mark.parametrize("text", HOSTILE_EMAILS.values(), ids=HOSTILE_EMAILS.keys())
def test_hostile_addresses_are_refused_with_a_field_message(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        normalise_email(text)
    assert refused.value.fields == {"email": [EMAIL_MESSAGE]}
    assert email_problem(text)
    with pytest.raises(ValidationError):
        envelope_address(text)


def test_the_field_is_named_by_the_caller() -> None:
    with pytest.raises(ValidationError) as refused:
        normalise_email("nope", field="new-person.lead.email")
    assert refused.value.fields == {"new-person.lead.email": [EMAIL_MESSAGE]}


def test_addresses_are_stored_lower_case_without_blanks() -> None:
    assert normalise_email("  Claire.Martin@MEE-Chartres.Example.ORG \t") == "claire.martin@mee-chartres.example.org"
    assert normalise_email("a@ÉÉ.fr") == "a@éé.fr"


def test_the_envelope_carries_the_idna_form_of_a_stored_address() -> None:
    assert envelope_address("a@éé.fr") == "a@xn--9caa.fr"
    assert envelope_address("claire.martin@example.org") == "claire.martin@example.org"


def test_a_stored_address_not_in_its_stored_form_is_a_problem_for_reports() -> None:
    assert email_problem("claire.martin@example.org") is None
    assert email_problem("a@éé.fr") is None
    assert email_problem("Claire@Example.org") == "not in its stored form 'claire@example.org'"
    assert email_problem(" claire@example.org") is not None
    assert "invalid characters" in (email_problem("victim@example.org\r\nbcc:x@y.org") or "")


@given(st.emails())
def test_what_the_rule_stores_it_accepts_again_unchanged(text: str) -> None:
    try:
        stored = normalise_email(text)
    except ValidationError:
        return
    assert normalise_email(stored) == stored and email_problem(stored) is None
    assert envelope_address(stored).isascii()


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "0", "../../etc/passwd", "/etc/localtime", "localtime", "", "Europe/paris", "Paris"]
)
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_timezone(name)
    assert refused.value.fields == {"timezone": [TIMEZONE_MESSAGE]}
    assert timezone_problem(name) == "not an IANA time zone name"


@pytest.mark.parametrize("name", ["Europe/Paris", "America/Cayenne", "Indian/Reunion", "Pacific/Noumea", "UTC"])
def test_iana_time_zones_are_accepted(name: str) -> None:
    assert check_timezone(name) == name and timezone_problem(name) is None


def test_surrounding_blanks_are_dropped_from_a_typed_zone_but_a_stored_one_must_have_none() -> None:
    assert check_timezone("Europe/Paris ") == "Europe/Paris"
    assert check_timezone("\tEurope/Paris", field="tz") == "Europe/Paris"
    assert timezone_problem("Europe/Paris ") == "not an IANA time zone name"


@pytest.mark.parametrize("day", [date(1999, 12, 31), date(2100, 1, 1), date(9999, 12, 31), date(1, 1, 1)])
def test_dates_out_of_the_supported_range_are_refused(day: date) -> None:
    with pytest.raises(ValidationError) as refused:
        check_date(day, "due_date")
    assert refused.value.fields == {"due_date": [DATE_MESSAGE]}
    assert date_problem(day) in (f"before {FIRST_DAY.isoformat()}", f"after {LAST_DAY.isoformat()}")


@pytest.mark.parametrize("day", [FIRST_DAY, date(2026, 11, 30), LAST_DAY])
def test_dates_in_the_range_are_accepted(day: date) -> None:
    assert check_date(day, "start_date") == day and date_problem(day) is None


def test_the_date_messages_name_the_years_of_the_range() -> None:
    assert f"between {FIRST_DAY.year} and {LAST_DAY.year}" in DATE_MESSAGE
    assert f"after {LAST_DAY.year}" in SCHEDULE_MESSAGE
    assert (FIRST_DAY.month, FIRST_DAY.day, LAST_DAY.month, LAST_DAY.day) == (1, 1, 12, 31), "whole years"


def test_collect_gathers_the_field_messages_of_several_rules() -> None:
    problems: dict[str, list[str]] = {}
    assert collect(problems, normalise_email, "nope") is None
    assert collect(problems, check_timezone, "Mars/Olympus") is None
    assert collect(problems, check_date, date(2026, 1, 5), "start_date") == date(2026, 1, 5)
    assert problems == {"email": [EMAIL_MESSAGE], "timezone": [TIMEZONE_MESSAGE]}
