"""The deadline rule and the stages that follow moved tasks, on the task and plan pages.

The plan (``plan_support``) starts on 1 December 2026; its first stage ends on 1 March 2027 and its last on
25 January 2028, so deadlines may be set from 1 December 2026 to 24 January 2029.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.models import Language
from gpect_workflow.services.context import session
from tests.services.test_deadline_rule import keep_plan, stages

from .plan_support import Cast, as_, cast_fixture, events, field_value, post, section, task, text  # noqa: F401
from .test_plan_actions import deadline_form, preview_rows

SHIFT_SENTENCE = (
    "The stage “Observe and analyse” will end on 13 March 2027 instead of 1 March 2027; "
    "the following stages move by 12 days."
)
SHIFT_SENTENCE_FR = (
    "L'étape «\u00a0Observer et analyser\u00a0» finira le 13 mars 2027 au lieu du 1er mars 2027\u00a0; "
    "les étapes suivantes sont décalées de 12 jours."
)


def stage_sentences(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", s).strip() for s in re.findall(r'<p class="stage-move">(.*?)</p>', page, re.S)]


def due_error(page: str, task_id: int) -> str | None:
    found = re.search(rf'id="due-{task_id}-error"[^>]*>([^<]+)<', page)
    return found.group(1) if found else None


@pytest.mark.parametrize("step", ["preview", "confirm"])
@pytest.mark.parametrize("return_to", ["plan", "task"])
@pytest.mark.parametrize(
    ("due", "shown"),
    [("2026-11-30", "30/11/2026"), ("2020-01-01", "01/01/2020"), ("2029-01-25", "25/01/2029")],
)
def test_a_deadline_outside_the_plan_comes_back_with_the_range_beside_the_field(
    client: FlaskClient, cast: Cast, step: str, return_to: str, due: str, shown: str
) -> None:
    survey = task(cast.plan, "business-survey")
    form = deadline_form(survey, due, step, "Note", return_to)
    response = post(as_(client, cast.lead), f"/tasks/{survey.id}/deadline", form)
    page = text(response)
    assert response.status_code == 422
    assert due_error(page, survey.id) == "Choose a date from 1 Dec 2026 to 24 Jan 2029."
    assert field_value(page, f"due-{survey.id}") == due and field_value(page, f"due-note-{survey.id}") == "Note"
    assert 'class="preview"' not in page
    assert task(cast.plan, "business-survey").due_date == date(2027, 1, 30) and not events(cast.plan, "deadline_moved")


def test_the_range_is_told_in_french(client: FlaskClient, cast: Cast) -> None:
    cast.lead.language = Language.FR
    session().commit()
    survey = task(cast.plan, "business-survey")
    response = post(
        as_(client, cast.lead), f"/tasks/{survey.id}/deadline", deadline_form(survey, "01/01/2020", "preview")
    )
    assert response.status_code == 422
    assert due_error(text(response), survey.id) == "Choisissez une date du 01/12/2026 au 24/01/2029."


def test_the_plan_start_and_the_horizon_edge_are_accepted(app: Flask, client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    as_(client, cast.lead)
    response = post(client, f"/tasks/{data.id}/deadline", deadline_form(data, "01/12/2026", "confirm"))
    assert response.status_code == 302 and task(cast.plan, "employment-data").due_date == date(2026, 12, 1)
    app.config["DEADLINE_HORIZON_DAYS"] = 10
    final = task(cast.plan, "final-review")
    refused = post(client, f"/tasks/{final.id}/deadline", deadline_form(final, "2028-02-05", "preview"))
    assert refused.status_code == 422
    assert due_error(text(refused), final.id) == "Choose a date from 1 Dec 2026 to 4 Feb 2028."
    accepted = post(client, f"/tasks/{final.id}/deadline", deadline_form(final, "2028-02-04", "confirm"))
    assert accepted.status_code == 302 and task(cast.plan, "final-review").due_date == date(2028, 2, 4)


@pytest.mark.parametrize("due", ["1e30", "10" * 30, "99999-01-01", "0000-00-00", "2027-02-25\x00", "", "   "])
def test_non_dates_are_refused_before_any_rule(client: FlaskClient, cast: Cast, due: str) -> None:
    survey = task(cast.plan, "business-survey")
    response = post(as_(client, cast.lead), f"/tasks/{survey.id}/deadline", deadline_form(survey, due, "confirm"))
    assert response.status_code in (400, 422)
    if response.status_code == 422:
        assert due_error(text(response), survey.id) == "Give a date, for example 31/03/2027."
    assert task(cast.plan, "business-survey").due_date == date(2027, 1, 30)


def test_the_preview_says_the_stage_ends_later_and_the_following_ones_move(client: FlaskClient, cast: Cast) -> None:
    diagnosis = task(cast.plan, "shared-diagnosis")
    before = stages(cast.plan)
    response = post(
        as_(client, cast.lead), f"/tasks/{diagnosis.id}/deadline", deadline_form(diagnosis, "2027-03-13", "preview")
    )
    page = text(response)
    assert response.status_code == 200
    assert preview_rows(page) == [("Write the shared action-oriented diagnosis", "19 Feb 2027", "13 Mar 2027")]
    assert stage_sentences(page) == [SHIFT_SENTENCE, "11 deadlines of the following stages move with them."]
    assert "No other deadline moves." not in page
    assert stages(cast.plan) == before, "a preview changes nothing"


def test_the_preview_speaks_french(client: FlaskClient, cast: Cast) -> None:
    cast.lead.language = Language.FR
    session().commit()
    diagnosis = task(cast.plan, "shared-diagnosis")
    response = post(
        as_(client, cast.lead), f"/tasks/{diagnosis.id}/deadline", deadline_form(diagnosis, "13/03/2027", "preview")
    )
    assert stage_sentences(text(response)) == [
        SHIFT_SENTENCE_FR,
        "11 échéances des étapes suivantes sont décalées avec elles.",
    ]


def test_a_move_within_its_stage_says_nothing_of_stages(client: FlaskClient, cast: Cast) -> None:
    diagnosis = task(cast.plan, "shared-diagnosis")
    response = post(
        as_(client, cast.lead), f"/tasks/{diagnosis.id}/deadline", deadline_form(diagnosis, "2027-03-01", "preview")
    )
    page = text(response)
    assert stage_sentences(page) == [] and "No other deadline moves." in page


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        (
            Language.EN,
            "The stage “Observe and analyse” will end on 13 March 2027 instead of 1 March 2027; it would then "
            "overlap the stage “Experiment and evaluate”, which keeps its dates.",
        ),
        (
            Language.FR,
            "L'étape «\u00a0Observer et analyser\u00a0» finira le 13 mars 2027 au lieu du 1er mars 2027\u00a0; elle "
            "chevauchera alors l'étape «\u00a0Expérimenter et évaluer\u00a0», qui garde ses dates.",
        ),
    ],
)
def test_with_the_keep_policy_the_preview_warns_of_the_overlap(
    client: FlaskClient, cast: Cast, tmp_path: Path, language: Language, sentence: str
) -> None:
    plan = keep_plan(cast.lead, tmp_path)
    cast.lead.language = language
    session().commit()
    diagnosis = task(plan, "shared-diagnosis")
    form = deadline_form(diagnosis, "2027-03-13", "preview", return_to="task")
    response = post(as_(client, cast.lead), f"/tasks/{diagnosis.id}/deadline", form)
    assert stage_sentences(text(response)) == [sentence]


def test_confirming_moves_the_stages_and_the_journal_tells_it(client: FlaskClient, cast: Cast) -> None:
    diagnosis = task(cast.plan, "shared-diagnosis")
    before = stages(cast.plan)
    as_(client, cast.lead)
    response = post(client, f"/tasks/{diagnosis.id}/deadline", deadline_form(diagnosis, "2027-03-13", "confirm"))
    assert response.status_code == 302
    flashed = text(client.get(response.headers["Location"]))
    assert "The deadline is now 13 Mar 2027. The stage “Observe and analyse” now ends on 13 Mar 2027." in flashed
    after = stages(cast.plan)
    assert after["observe"] == (before["observe"][0], date(2027, 3, 13))
    assert after["experiment"] == (date(2027, 3, 13), date(2027, 7, 11))
    assert len(events(cast.plan, "stage_dates_changed")) == 5
    journal = section(text(client.get(f"/plans/{cast.plan.id}")), "journal")
    assert "The stage “Observe and analyse” now ends on 13 Mar 2027 instead of 1 Mar 2027, its tasks running later" in (
        journal
    )
    assert (
        "Moved the stage “Experiment and evaluate” by 12 days (now 13 Mar 2027 – 11 Jul 2027): an earlier stage "
        "ends later" in journal
    )
    cast.lead.language = Language.FR
    session().commit()
    french = section(text(client.get(f"/plans/{cast.plan.id}")), "journal")
    assert "L'étape «\u00a0Observer et analyser\u00a0» finit désormais le 13/03/2027 au lieu du 01/03/2027" in french
    assert (
        "A décalé l'étape «\u00a0Expérimenter et évaluer\u00a0» de 12 jours (désormais 13/03/2027 – 11/07/2027)\u00a0: "
        "une étape précédente finit plus tard" in french
    )
