"""The actions of the plan and task pages: status, reassignment, deadline (preview, confirm), hold, resume, cancel.

For each: success (database and journal checked), forbidden (403, or 404 outside the plan), input errors
(422, beside the field, input kept), a change made meanwhile (409: who, what, when; input kept).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Plan, PlanStatus, Task, TaskStatus
from gpect_workflow.services.context import session
from gpect_workflow.services.plans.lifecycle import hold_plan, resume_plan
from gpect_workflow.services.tasks.changes import change_task_status
from gpect_workflow.validation import DATE_MESSAGE, SCHEDULE_MESSAGE

from .plan_support import Cast, as_, cast_fixture, events, field_value, post, section, selected, task, text  # noqa: F401


def fresh_plan(cast: Cast) -> Plan:
    session().expire_all()
    plan = session().get(Plan, cast.plan.id)
    assert plan is not None
    return plan


def status_form(work: Task, status: str, note: str = "", return_to: str = "plan", **extra: Any) -> dict[str, Any]:
    return {"status": status, "note": note, "expected_version": work.version, "return_to": return_to, **extra}


# --- status -------------------------------------------------------------------------------------------


def test_a_partner_starts_their_task_from_the_plan_page(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    response = post(
        as_(client, cast.partner), f"/tasks/{data.id}/status", status_form(data, "in_progress", "On s'y met")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/plans/{cast.plan.id}#task-{data.id}"
    assert task(cast.plan, "employment-data").status is TaskStatus.IN_PROGRESS
    (event,) = events(cast.plan, "task_status_changed")
    assert (event.actor_id, event.task_id, event.from_state, event.to_state, event.note) == (
        cast.partner.id,
        data.id,
        "todo",
        "in_progress",
        "On s'y met",
    )
    assert "The task is now “in progress”." in text(client.get(f"/plans/{cast.plan.id}"))


def test_blocking_without_a_reason_comes_back_with_the_error_beside_the_note(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    response = post(as_(client, cast.partner), f"/tasks/{data.id}/status", status_form(data, "blocked", "  "))
    page = text(response)
    assert response.status_code == 422
    error = re.search(rf'id="status-note-{data.id}-error"[^>]*role="alert">([^<]+)<', page)
    assert error and error.group(1) == "Say why: this change needs a reason."
    assert f'aria-describedby="status-note-{data.id}-hint status-note-{data.id}-error" aria-invalid="true"' in page
    assert selected(page, f"status-{data.id}") == "blocked", "the choice is kept"
    assert "<details open>" in page and "Go to the form" in page
    assert task(cast.plan, "employment-data").status is TaskStatus.TODO
    assert not events(cast.plan, "task_status_changed")


def test_an_unknown_status_is_refused_in_place_with_the_note_kept(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    response = post(
        as_(client, cast.partner), f"/tasks/{data.id}/status", status_form(data, "finished", "Tout est prêt", "task")
    )
    page = text(response)
    assert response.status_code == 422 and "Choose a status from the list." in page
    assert "<h1>Provide employment and job-seeker data" in page, "back on the task page"
    assert field_value(page, f"status-note-{data.id}") == "Tout est prêt"


def test_a_note_longer_than_the_journal_takes_is_refused(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    response = post(as_(client, cast.partner), f"/tasks/{data.id}/status", status_form(data, "blocked", "x" * 2001))
    assert response.status_code == 422 and "Write at most 2000 characters." in text(response)


def test_a_stale_status_change_says_who_changed_what_and_when_and_keeps_the_input(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    seen = task(cast.plan, "employment-data")
    form = status_form(seen, "blocked", "Données absentes")  # with the version the lead's page showed
    clock.advance(timedelta(minutes=25))
    change_task_status(cast.partner, seen.id, TaskStatus.IN_PROGRESS)
    session().commit()
    response = post(as_(client, cast.lead), f"/tasks/{seen.id}/status", form)
    page = text(response)
    assert response.status_code == 409
    alert = page.split('class="alert" role="alert">')[1].split("</div>")[0]
    assert (
        "This task was changed since you opened the page, by Service public de l'emploi on 30 Nov 2026, 09:25" in alert
    )
    assert "Moved “Provide employment and job-seeker data” from “to do” to “in progress”" in alert
    assert field_value(page, f"status-note-{seen.id}") == "Données absentes"
    assert selected(page, f"status-{seen.id}") == "blocked"
    now = task(cast.plan, "employment-data")
    assert now.status is TaskStatus.IN_PROGRESS and now.status_reason is None, "nothing overwritten"
    actions = section(page, f"task-{seen.id}-actions")
    assert f'name="expected_version" value="{now.version}"' in actions, "sending again acts on what is shown now"


def test_a_worker_may_not_start_before_the_dependencies_the_lead_may_override(client: FlaskClient, cast: Cast) -> None:
    survey = task(cast.plan, "business-survey")
    response = post(as_(client, cast.chamber), f"/tasks/{survey.id}/status", status_form(survey, "in_progress"))
    assert response.status_code == 409
    assert "The tasks this one depends on are not finished yet." in text(response)
    assert task(cast.plan, "business-survey").status is TaskStatus.TODO
    response = post(
        as_(client, cast.lead),
        f"/tasks/{survey.id}/status",
        status_form(survey, "in_progress", "Urgence", override_dependencies="yes"),
    )
    assert response.status_code == 302
    assert task(cast.plan, "business-survey").status is TaskStatus.IN_PROGRESS
    (event,) = events(cast.plan, "task_status_changed")
    assert event.actor_id == cast.lead.id and event.data == {"overrode_dependencies": True}


def test_only_the_task_s_people_and_the_lead_change_its_status(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    for person in (cast.committee, cast.chamber):
        response = post(as_(client, person), f"/tasks/{data.id}/status", status_form(data, "in_progress"))
        assert response.status_code == 403
    bad_input = post(as_(client, cast.committee), f"/tasks/{data.id}/status", status_form(data, "nonsense"))
    assert bad_input.status_code == 403, "no form to correct for someone who may not use it"
    skipping = post(as_(client, cast.partner), f"/tasks/{data.id}/status", status_form(data, "skipped", "Inutile"))
    assert skipping.status_code == 403, "skipping is the lead's"
    for person in (cast.outsider, cast.other_lead):
        assert post(as_(client, person), f"/tasks/{data.id}/status", status_form(data, "done")).status_code == 404
    assert task(cast.plan, "employment-data").status is TaskStatus.TODO and not events(cast.plan, "task_status_changed")


def test_a_plan_on_hold_refuses_task_changes(client: FlaskClient, cast: Cast) -> None:
    hold_plan(cast.lead, cast.plan.id, None)
    session().commit()
    data = task(cast.plan, "employment-data")
    response = post(as_(client, cast.partner), f"/tasks/{data.id}/status", status_form(data, "done", "Fini"))
    assert response.status_code == 409 and "The plan is on hold: resume it first." in text(response)
    assert task(cast.plan, "employment-data").status is TaskStatus.TODO


def test_anonymous_posts_are_sent_to_sign_in(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    response = post(client, f"/tasks/{data.id}/status", status_form(data, "done"))
    assert response.status_code == 302 and response.headers["Location"] == f"/login?next=/tasks/{data.id}"
    response = post(client, f"/plans/{cast.plan.id}/hold", {"note": ""})
    assert response.status_code == 302 and response.headers["Location"] == f"/login?next=/plans/{cast.plan.id}"
    assert task(cast.plan, "employment-data").status is TaskStatus.TODO


# --- reassignment -------------------------------------------------------------------------------------


def test_the_lead_reassigns_a_task_to_another_member_of_its_role(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    response = post(
        as_(client, cast.lead),
        f"/tasks/{data.id}/assignee",
        {"assignee_id": cast.colleague.id, "expected_version": data.version, "return_to": "task"},
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{data.id}"
    assert task(cast.plan, "employment-data").assignee_id == cast.colleague.id
    (event,) = events(cast.plan, "task_reassigned")
    assert (event.actor_id, event.from_state, event.to_state) == (
        cast.lead.id,
        str(cast.partner.id),
        str(cast.colleague.id),
    )
    page = text(client.get(f"/tasks/{data.id}"))
    assert "The task is now assigned to Colette Collègue." in page
    assert "Gave “Provide employment and job-seeker data” to Colette Collègue instead of Service public" in page


def test_reassigning_outside_the_role_is_refused_beside_the_field(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    as_(client, cast.lead)
    response = post(
        client,
        f"/tasks/{data.id}/assignee",
        {"assignee_id": cast.outsider.id, "expected_version": data.version, "return_to": "plan"},
    )
    page = text(response)
    assert response.status_code == 422
    error = re.search(rf'id="assignee-{data.id}-error"[^>]*>([^<]+)<', page)
    assert error and error.group(1) == "Choose a member of the task's role, or the project lead."
    garbage = post(client, f"/tasks/{data.id}/assignee", {"assignee_id": "abc", "expected_version": data.version})
    assert garbage.status_code == 422 and "Choose a person from the list." in text(garbage)
    assert task(cast.plan, "employment-data").assignee_id == cast.partner.id and not events(
        cast.plan, "task_reassigned"
    )


def test_a_stale_reassignment_keeps_the_chosen_person(client: FlaskClient, cast: Cast) -> None:
    seen = task(cast.plan, "employment-data")
    form = {"assignee_id": cast.colleague.id, "expected_version": seen.version, "return_to": "plan"}
    change_task_status(cast.partner, seen.id, TaskStatus.BLOCKED, note="Attente DR")
    session().commit()
    response = post(as_(client, cast.lead), f"/tasks/{seen.id}/assignee", form)
    page = text(response)
    assert response.status_code == 409
    assert "by Service public de l'emploi on 30 Nov 2026, 09:00" in page and "to “blocked”" in page
    assert selected(page, f"assignee-{seen.id}") == str(cast.colleague.id)
    assert task(cast.plan, "employment-data").assignee_id == cast.partner.id


def test_only_the_lead_reassigns(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    for person in (cast.partner, cast.committee):
        for value in (cast.colleague.id, "abc"):
            response = post(
                as_(client, person), f"/tasks/{data.id}/assignee", {"assignee_id": value, "expected_version": ""}
            )
            assert response.status_code == 403
    assert task(cast.plan, "employment-data").assignee_id == cast.partner.id


# --- deadline -----------------------------------------------------------------------------------------


def deadline_form(work: Task, due: str, step: str, note: str = "", return_to: str = "plan") -> dict[str, Any]:
    return {"due_date": due, "note": note, "step": step, "expected_version": work.version, "return_to": return_to}


def preview_rows(page: str) -> list[tuple[str, str, str]]:
    table = page.split('class="preview"')[1].split("</table>")[0]
    rows = []
    for row in table.split("<tbody>")[1].split("<tr")[1:]:
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split("<td>")[1:]]
        rows.append((cells[0], cells[1], cells[2]))
    return rows


def test_a_deadline_move_is_previewed_with_the_dependents_it_shifts(client: FlaskClient, cast: Cast) -> None:
    survey = task(cast.plan, "business-survey")
    response = post(
        as_(client, cast.lead), f"/tasks/{survey.id}/deadline", deadline_form(survey, "2027-02-25", "preview", "CCI")
    )
    page = text(response)
    assert response.status_code == 200
    assert preview_rows(page) == [
        ("Survey local companies", "30 Jan 2027", "25 Feb 2027"),
        ("Write the shared action-oriented diagnosis (depends on it)", "19 Feb 2027", "17 Mar 2027"),
    ]
    confirm = page.split('class="preview"')[1].split("</form>")[0]
    assert 'name="step" value="confirm"' in confirm and 'name="due_date" value="2027-02-25"' in confirm
    assert 'name="note" value="CCI"' in confirm and 'name="return_to" value="plan"' in confirm
    assert task(cast.plan, "business-survey").due_date == date(2027, 1, 30), "a preview changes nothing"
    assert task(cast.plan, "shared-diagnosis").due_date == date(2027, 2, 19)
    assert not events(cast.plan, "deadline_moved")


def test_a_move_without_dependents_says_so_and_people_may_type_french_dates(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    response = post(as_(client, cast.lead), f"/tasks/{data.id}/deadline", deadline_form(data, "08/01/2027", "preview"))
    page = text(response)
    assert response.status_code == 200 and "No other deadline moves." in page
    assert preview_rows(page) == [("Provide employment and job-seeker data", "31 Dec 2026", "8 Jan 2027")]


def test_confirming_moves_the_deadline_and_its_dependents(client: FlaskClient, cast: Cast) -> None:
    survey = task(cast.plan, "business-survey")
    response = post(
        as_(client, cast.lead),
        f"/tasks/{survey.id}/deadline",
        deadline_form(survey, "2027-02-25", "confirm", "Retard de la CCI", "task"),
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{survey.id}"
    assert task(cast.plan, "business-survey").due_date == date(2027, 2, 25)
    assert task(cast.plan, "shared-diagnosis").due_date == date(2027, 3, 17)
    moved, shifted = events(cast.plan, "deadline_moved")
    assert (moved.task_id, moved.from_state, moved.to_state, moved.note, moved.data) == (
        survey.id,
        "2027-01-30",
        "2027-02-25",
        "Retard de la CCI",
        None,
    )
    assert shifted.data == {"caused_by": "business-survey"} and shifted.to_state == "2027-03-17"
    assert "The deadline is now 25 Feb 2027. 1 dependent task moved with it." in text(client.get(f"/tasks/{survey.id}"))


def test_a_bad_date_is_refused_beside_the_field_with_the_input_kept(client: FlaskClient, cast: Cast) -> None:
    survey = task(cast.plan, "business-survey")
    response = post(
        as_(client, cast.lead), f"/tasks/{survey.id}/deadline", deadline_form(survey, "31/02/2027", "preview", "Note")
    )
    page = text(response)
    assert response.status_code == 422
    assert re.search(rf'id="due-{survey.id}-error"[^>]*>Give a date, for example 31/03/2027.<', page)
    assert field_value(page, f"due-{survey.id}") == "31/02/2027"
    assert field_value(page, f"due-note-{survey.id}") == "Note"
    assert 'class="preview"' not in page


@pytest.mark.parametrize(
    ("due", "message"),
    [("9999-12-31", DATE_MESSAGE), ("0001-01-01", DATE_MESSAGE), ("2099-12-25", SCHEDULE_MESSAGE)],
)
@pytest.mark.parametrize("step", ["preview", "confirm"])
def test_a_deadline_out_of_the_supported_dates_is_refused_beside_the_field(
    app: Flask, client: FlaskClient, cast: Cast, due: str, message: str, step: str
) -> None:
    """9999 would overflow the reminders' date arithmetic; 2099-12-25 is in range but shifts the dependent
    diagnosis past it. The horizon is made as wide as it may be, so that the supported range alone decides."""
    app.config["DEADLINE_HORIZON_DAYS"] = 36_500
    survey = task(cast.plan, "business-survey")
    response = post(as_(client, cast.lead), f"/tasks/{survey.id}/deadline", deadline_form(survey, due, step, "Note"))
    page = text(response)
    assert response.status_code == 422
    assert re.search(rf'id="due-{survey.id}-error"[^>]*>{re.escape(message)}<', page)
    assert field_value(page, f"due-{survey.id}") == due and field_value(page, f"due-note-{survey.id}") == "Note"
    assert task(cast.plan, "business-survey").due_date == date(2027, 1, 30)
    assert task(cast.plan, "shared-diagnosis").due_date == date(2027, 2, 19) and not events(cast.plan, "deadline_moved")


def test_a_stale_confirmation_names_who_changed_the_task_and_keeps_the_date(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    survey = task(cast.plan, "business-survey")
    preview = deadline_form(survey, "2027-02-25", "preview")
    confirm = deadline_form(survey, "2027-02-25", "confirm", "Décalage")
    as_(client, cast.lead)
    assert post(client, f"/tasks/{survey.id}/deadline", preview).status_code == 200
    clock.advance(timedelta(hours=2))
    change_task_status(cast.chamber, survey.id, TaskStatus.BLOCKED, note="Enquêteurs indisponibles")
    session().commit()
    response = post(client, f"/tasks/{survey.id}/deadline", confirm)
    page = text(response)
    assert response.status_code == 409
    assert "by Chambre de commerce et d'industrie on 30 Nov 2026, 11:00" in page
    assert "Moved “Survey local companies” from “to do” to “blocked”" in page
    assert field_value(page, f"due-{survey.id}") == "2027-02-25"
    assert field_value(page, f"due-note-{survey.id}") == "Décalage"
    assert task(cast.plan, "business-survey").due_date == date(2027, 1, 30) and not events(cast.plan, "deadline_moved")
    again = post(client, f"/tasks/{survey.id}/deadline", preview)
    assert again.status_code == 409, "a preview of a task changed meanwhile is not offered either"


def test_only_the_lead_moves_deadlines(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    for person in (cast.partner, cast.committee):
        for step in ("preview", "confirm"):
            form = deadline_form(data, "2027-01-08", step)
            assert post(as_(client, person), f"/tasks/{data.id}/deadline", form).status_code == 403
        assert post(client, f"/tasks/{data.id}/deadline", deadline_form(data, "bad", "preview")).status_code == 403
    outsider = post(
        as_(client, cast.outsider), f"/tasks/{data.id}/deadline", deadline_form(data, "2027-01-08", "preview")
    )
    assert outsider.status_code == 404
    assert task(cast.plan, "employment-data").due_date == date(2026, 12, 31)


def test_a_finished_task_s_deadline_does_not_move(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    change_task_status(cast.partner, data.id, TaskStatus.DONE)
    session().commit()
    data = task(cast.plan, "employment-data")
    response = post(as_(client, cast.lead), f"/tasks/{data.id}/deadline", deadline_form(data, "2027-01-08", "confirm"))
    assert response.status_code == 409
    assert "The task is finished: its deadline no longer matters." in text(response)


# --- the plan: hold, resume, cancel -------------------------------------------------------------------


def test_the_lead_puts_the_plan_on_hold_with_a_note(client: FlaskClient, cast: Cast) -> None:
    plan = fresh_plan(cast)
    response = post(
        as_(client, cast.lead),
        f"/plans/{plan.id}/hold",
        {"note": "Attente du financement régional", "expected_version": plan.version},
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/plans/{plan.id}"
    assert fresh_plan(cast).status is PlanStatus.ON_HOLD
    (event,) = events(cast.plan, "plan_status_changed")
    assert (event.actor_id, event.from_state, event.to_state, event.note) == (
        cast.lead.id,
        "active",
        "on_hold",
        "Attente du financement régional",
    )
    assert "The plan is on hold: reminders stop until it resumes." in text(client.get(f"/plans/{plan.id}"))


def test_an_administrator_may_hold_and_resume_shifting_open_deadlines(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    as_(client, cast.admin)
    assert (
        post(client, f"/plans/{cast.plan.id}/hold", {"expected_version": fresh_plan(cast).version}).status_code == 302
    )
    clock.advance(timedelta(days=10))
    response = post(
        client,
        f"/plans/{cast.plan.id}/resume",
        {"note": "Financement obtenu", "shift_deadlines": "yes", "expected_version": fresh_plan(cast).version},
    )
    assert response.status_code == 302 and fresh_plan(cast).status is PlanStatus.ACTIVE
    assert task(cast.plan, "inventory-existing-studies").due_date == date(2027, 1, 1), "22 Dec + 10 days"
    (shifted,) = events(cast.plan, "deadlines_shifted")
    assert shifted.data == {"days": 10, "tasks": 15} and shifted.note is None  # the journal tells the days
    page = text(client.get(f"/plans/{cast.plan.id}"))
    assert "Resumed the plan" in page and "Moved every open deadline by 10 days, the time spent on hold" in page


def test_resuming_without_shifting_keeps_the_deadlines(client: FlaskClient, cast: Cast, clock: FrozenClock) -> None:
    hold_plan(cast.lead, cast.plan.id, None)
    session().commit()
    clock.advance(timedelta(days=10))
    response = post(as_(client, cast.lead), f"/plans/{cast.plan.id}/resume", {"note": ""})
    assert response.status_code == 302 and fresh_plan(cast).status is PlanStatus.ACTIVE
    assert task(cast.plan, "inventory-existing-studies").due_date == date(2026, 12, 22)
    assert not events(cast.plan, "deadlines_shifted")


def test_cancelling_asks_for_confirmation_first(client: FlaskClient, cast: Cast) -> None:
    plan = fresh_plan(cast)
    as_(client, cast.lead)
    response = post(client, f"/plans/{plan.id}/cancel", {"note": "Projet abandonné", "expected_version": plan.version})
    page = text(response)
    assert response.status_code == 200 and "Cancel this plan for good?" in page
    confirmation = page.split('id="cancel-confirmation"')[1].split("</form>")[0]
    assert 'name="confirm" value="yes"' in confirmation and 'name="note" value="Projet abandonné"' in confirmation
    assert fresh_plan(cast).status is PlanStatus.ACTIVE and not events(cast.plan, "plan_status_changed")
    response = post(
        client,
        f"/plans/{plan.id}/cancel",
        {"note": "Projet abandonné", "confirm": "yes", "expected_version": plan.version},
    )
    assert response.status_code == 302 and fresh_plan(cast).status is PlanStatus.CANCELLED
    (event,) = events(cast.plan, "plan_status_changed")
    assert (event.to_state, event.note, event.actor_id) == ("cancelled", "Projet abandonné", cast.lead.id)
    page = text(client.get(f"/plans/{plan.id}"))
    assert "The plan is cancelled. Its history stays available." in page and 'id="plan-actions"' not in page
    assert "Stage not reached" in section(page, "stages-title")


def test_only_the_lead_holds_resumes_or_cancels(client: FlaskClient, cast: Cast) -> None:
    for person in (cast.partner, cast.committee, cast.chamber):
        as_(client, person)
        for action, data in (
            ("hold", {"note": "x"}),
            ("resume", {}),
            ("cancel", {}),
            ("cancel", {"confirm": "yes"}),
            ("hold", {"note": "x" * 3000}),
        ):
            assert post(client, f"/plans/{cast.plan.id}/{action}", data).status_code == 403, (person.email, action)
    for person in (cast.outsider, cast.other_lead):
        assert post(as_(client, person), f"/plans/{cast.plan.id}/hold", {}).status_code == 404
        assert post(client, f"/plans/{cast.plan.id}/cancel", {}).status_code == 404
    assert fresh_plan(cast).status is PlanStatus.ACTIVE and not events(cast.plan, "plan_status_changed")


def test_a_stale_hold_says_who_changed_the_plan_and_keeps_the_note(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    seen = fresh_plan(cast).version
    clock.advance(timedelta(minutes=30))
    hold_plan(cast.admin, cast.plan.id, None)
    resume_plan(cast.admin, cast.plan.id, shift_deadlines=False)
    session().commit()
    response = post(
        as_(client, cast.lead), f"/plans/{cast.plan.id}/hold", {"note": "Pause estivale", "expected_version": seen}
    )
    page = text(response)
    assert response.status_code == 409
    assert (
        "This plan was changed since you opened the page, by Ada Admin on 30 Nov 2026, 09:30: Resumed the plan" in page
    )
    assert field_value(page, "hold-note") == "Pause estivale"
    assert fresh_plan(cast).status is PlanStatus.ACTIVE


def test_a_too_long_note_comes_back_in_place(client: FlaskClient, cast: Cast) -> None:
    response = post(as_(client, cast.lead), f"/plans/{cast.plan.id}/hold", {"note": "é" * 2001})
    page = text(response)
    assert response.status_code == 422
    assert re.search(r'id="hold-note-error"[^>]*>Write at most 2000 characters.<', page)
    assert field_value(page, "hold-note") == "é" * 2001
    assert fresh_plan(cast).status is PlanStatus.ACTIVE


def test_a_change_the_plan_s_status_does_not_allow_is_refused(client: FlaskClient, cast: Cast) -> None:
    hold_plan(cast.lead, cast.plan.id, None)
    session().commit()
    as_(client, cast.lead)
    response = post(client, f"/plans/{cast.plan.id}/hold", {"note": "encore"})
    assert response.status_code == 409
    assert "The plan is already “on hold”: someone may have done it a moment ago." in text(response)
    post(client, f"/plans/{cast.plan.id}/cancel", {"confirm": "yes"})
    assert fresh_plan(cast).status is PlanStatus.CANCELLED
    response = post(client, f"/plans/{cast.plan.id}/cancel", {"note": "x"})
    assert response.status_code == 409, "a cancelled plan is not offered a second cancellation"
    assert fresh_plan(cast).status is PlanStatus.CANCELLED


def test_a_gate_stage_s_finished_task_is_reopened_only_by_the_lead(client: FlaskClient, cast: Cast) -> None:
    for key in ("inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis"):
        work = task(cast.plan, key)
        assert work.assignee is not None
        change_task_status(work.assignee, work.id, TaskStatus.DONE)
    session().commit()
    data = task(cast.plan, "employment-data")
    response = post(as_(client, cast.partner), f"/tasks/{data.id}/status", status_form(data, "todo", "À revoir"))
    assert response.status_code == 403
    response = post(as_(client, cast.lead), f"/tasks/{data.id}/status", status_form(data, "todo", "À revoir"))
    assert response.status_code == 302 and task(cast.plan, "employment-data").status is TaskStatus.TODO
    assert [e.kind for e in events(cast.plan)][-2:] == ["task_status_changed", "stage_reopened"]
    stage_sentence = "Reopened the stage “Observe and analyse”"
    assert stage_sentence in text(client.get(f"/plans/{cast.plan.id}"))


def test_the_journal_keeps_times_in_the_reader_s_zone_after_an_action(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 12, 2, 15, 45, tzinfo=UTC))
    cast.partner.timezone = "Indian/Reunion"  # UTC+4
    session().commit()
    data = task(cast.plan, "employment-data")
    post(as_(client, cast.partner), f"/tasks/{data.id}/status", status_form(data, "done", "Envoyé", "task"))
    assert "2 Dec 2026, 19:45" in section(text(client.get(f"/tasks/{data.id}")), "journal")
