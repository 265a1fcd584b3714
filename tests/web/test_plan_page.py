"""The plan page: header, stage timeline, tasks by stage, indicators, journal; who sees what; query count."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Decision, Event, Indicator, Language, PlanStage, Task, TaskStatus
from gpect_workflow.services.context import session
from gpect_workflow.services.indicators.measurements import record_measurement
from gpect_workflow.services.journal import JOURNAL_PAGE_SIZE
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import change_task_status, move_deadline, reassign_task
from tests.engine_drive import drive_to_completion
from tests.query_count import count_queries

from .plan_support import Cast, as_, cast_fixture, english, section, start_plan_of, task, text  # noqa: F401

#: Monday 28 December 2026, 09:00 in Paris: the inventory (due 22 Dec) is 6 days late.
AFTER_CHRISTMAS = datetime(2026, 12, 28, 8, 0, tzinfo=UTC)


def url(cast: Cast) -> str:
    return f"/plans/{cast.plan.id}"


def finish_observe_tasks(cast: Cast) -> None:
    """Every task of the first stage done by its assignee: the stage waits for the committee."""
    for key in ("inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis"):
        work = task(cast.plan, key)
        assignee = work.assignee
        assert assignee is not None
        change_task_status(assignee, work.id, TaskStatus.DONE)
    session().commit()


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, cast: Cast) -> None:
    response = client.get(url(cast))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/plans/{cast.plan.id}"


def test_the_header_tells_what_the_plan_is_and_how_far_it_has_come(client: FlaskClient, cast: Cast) -> None:
    change_task_status(cast.lead, task(cast.plan, "inventory-existing-studies").id, TaskStatus.DONE)
    session().commit()
    page = text(as_(client, cast.lead).get(url(cast)))
    facts = section(page, "facts-title")
    assert "<h1>Plan de test" in page
    assert "Agglomération chartraine" in facts
    assert "Territorial GPECT approach in five levers" in facts and "(version 1)" in facts
    assert "Claire Lead" in facts and "1 December 2026" in facts and "Europe/Paris" in facts
    assert ">active<" in facts
    # weights: inventory 1 of 1+1+3+3 + 1+1+4+2 + 1+1 + 1+2 + 1+2+1 = 25
    assert 'value="4"' in facts and "1 of 15 tasks finished" in facts
    assert "4 % of weighted progress" in facts and "counts for its weight" in facts, "the weighting is stated"


def test_a_french_reader_gets_the_definition_s_french_titles(client: FlaskClient, cast: Cast) -> None:
    cast.lead.language = Language.FR
    session().commit()
    page = text(as_(client, cast.lead).get(url(cast)))
    assert "Démarche GPECT territoriale en cinq leviers" in page
    assert "Recenser les études et outils existants" in page and "Observer et analyser" in page
    assert "0\u00a0% de l'avancement pondéré" in page and "0 tâche terminée sur 15" in page
    assert 'lang="fr"' in page


def test_the_timeline_shows_each_stage_s_place_dates_and_gate(client: FlaskClient, cast: Cast) -> None:
    page = text(as_(client, cast.lead).get(url(cast)))
    stages = section(page, "stages-title")
    items = re.findall(r"<li class=\"([a-z_]+) place-([a-z_]+)\"", stages)
    assert items == [
        ("open", "current"),
        ("pending", "next"),
        ("pending", "upcoming"),
        ("pending", "upcoming"),
        ("pending", "upcoming"),
    ]
    observe = stages.split("<li")[1]
    assert "Observe and analyse" in observe and "Current stage" in observe
    assert "Planned: 1 Dec 2026 → 1 Mar 2027" in observe
    assert "Actual: 30 Nov 2026 → ongoing" in observe, "opened when the plan was created, in Paris"
    assert "Committee gate" in observe and "0 of 4 tasks finished" in observe
    assert "No gate: closes when its required tasks are finished" in stages.split("<li")[3]


def test_a_gate_awaiting_then_decided(client: FlaskClient, cast: Cast) -> None:
    finish_observe_tasks(cast)
    page = text(as_(client, cast.lead).get(url(cast)))
    observe = section(page, "stages-title").split("<li")[1]
    assert "Committee gate: awaiting decision" in observe
    stage_id = task(cast.plan, "shared-diagnosis").stage_id
    assert f'href="/stages/{stage_id}/review"' in observe, "the committee's page for the gate"
    assert "/review" not in section(page, "stages-title").split("<li")[2], "no gate to review yet"
    stage = session().get(PlanStage, stage_id)
    assert stage is not None
    decide_gate(cast.committee, stage.id, Decision.APPROVE, minutes="Diagnostic validé")
    session().commit()
    stages = section(text(client.get(url(cast))), "stages-title").split("<li")
    assert "Committee gate: decided (approved)" in stages[1] and "Finished stage" in stages[1]
    assert "Actual: 30 Nov 2026 → 30 Nov 2026" in stages[1]
    assert "Current stage" in stages[2] and "Next stage" in stages[3]


def test_tasks_are_grouped_by_stage_with_owner_assignee_dependencies_and_lateness(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    clock.set(AFTER_CHRISTMAS)
    page = text(as_(client, cast.lead).get(url(cast)))
    tasks = section(page, "tasks-title")
    headings = re.findall(r'<h3 id="stage-\d+">([^<]+)<', tasks)
    assert [h.strip() for h in headings] == [
        "Observe and analyse",
        "Experiment and evaluate",
        "Adapt the interventions",
        "Articulate the partners",
        "Lead change",
    ]
    inventory = task(cast.plan, "inventory-existing-studies")
    row = tasks.split(f'<tr id="task-{inventory.id}">')[1].split("</tr>")[0]
    assert "List existing studies and tools" in row and "GPECT project lead" in row
    assert "22 Dec 2026" in row and "6 days late" in row and "to do" in row
    survey = task(cast.plan, "business-survey")
    row = tasks.split(f'<tr id="task-{survey.id}">')[1].split("</tr>")[0]
    assert "Chamber of commerce and industry" in row and "Chambre de commerce et d'industrie" in row
    assert f'href="/tasks/{inventory.id}">List existing studies and tools</a>' in row, "its dependency, linked"
    assert "late" not in row, "due on 30 January"
    diagnosis = task(cast.plan, "shared-diagnosis")
    row = tasks.split(f'<tr id="task-{diagnosis.id}">')[1].split("</tr>")[0]
    assert "Provide employment and job-seeker data" in row and "Survey local companies" in row
    optional = task(cast.plan, "company-feedback")
    assert "(optional task)" in tasks.split(f'<tr id="task-{optional.id}">')[1].split("</tr>")[0]


def test_lateness_counts_days_in_the_plan_s_time_zone(client: FlaskClient, cast: Cast, clock: FrozenClock) -> None:
    inventory = task(cast.plan, "inventory-existing-studies")
    clock.set(datetime(2026, 12, 23, 22, 30, tzinfo=UTC))  # 23:30 on 23 Dec in Paris: one day late
    page = text(as_(client, cast.lead).get(url(cast)))
    assert "1 day late" in page.split(f'<tr id="task-{inventory.id}">')[1].split("</tr>")[0]
    clock.set(datetime(2026, 12, 23, 23, 30, tzinfo=UTC))  # already 24 Dec in Paris
    page = text(client.get(url(cast)))
    assert "2 days late" in page.split(f'<tr id="task-{inventory.id}">')[1].split("</tr>")[0]
    change_task_status(cast.lead, inventory.id, TaskStatus.DONE)
    session().commit()
    page = text(client.get(url(cast)))
    assert "late" not in page.split(f'<tr id="task-{inventory.id}">')[1].split("</tr>")[0], "a finished task is not"


def test_indicators_show_target_and_latest_value(client: FlaskClient, cast: Cast) -> None:
    surveyed = session().scalar(
        sa.select(Indicator.id).where(Indicator.plan_id == cast.plan.id, Indicator.key == "companies-surveyed")
    )
    record_measurement(cast.lead, surveyed, 12, date(2026, 11, 15), "CCI")
    record_measurement(cast.lead, surveyed, 31, date(2026, 11, 29), "CCI enquête")
    session().commit()
    indicators = section(text(as_(client, cast.lead).get(url(cast))), "indicators-title")
    row = indicators.split("Companies surveyed")[1].split("</tr>")[0]
    assert "50" in row and "31" in row and "29 Nov 2026" in row and "CCI enquête" in row and ">12<" not in row
    assert "not measured yet" in indicators.split("Partners involved")[1].split("</tr>")[0]


def test_the_journal_tells_who_did_what_newest_first_in_the_reader_s_time_zone(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    data = task(cast.plan, "employment-data")
    clock.advance(timedelta(hours=1))
    change_task_status(cast.partner, data.id, TaskStatus.BLOCKED, note="Extraction en attente")
    clock.advance(timedelta(hours=1))
    reassign_task(cast.lead, data.id, cast.colleague.id)
    clock.advance(timedelta(hours=1))
    move_deadline(cast.lead, task(cast.plan, "business-survey").id, date(2027, 2, 25))
    cast.lead.timezone = "America/Cayenne"  # UTC-3
    session().commit()
    journal = section(text(as_(client, cast.lead).get(url(cast))), "journal")
    rows = journal.split("<tbody>")[1].split("<tr>")[1:]
    sentences = [re.sub(r"<[^>]+>", "", r.split("<td>")[3]).strip() for r in rows]
    assert "Moved the deadline of “Survey local companies” from 30 Jan 2027 to 25 Feb 2027" in sentences
    assert (
        "Moved the deadline of “Write the shared action-oriented diagnosis” from 19 Feb 2027 to 17 Mar 2027, "
        "following “Survey local companies”" in sentences
    )
    assert (
        "Gave “Provide employment and job-seeker data” to Colette Collègue instead of Service public de l'emploi"
        in (sentences)
    )
    assert "Moved “Provide employment and job-seeker data” from “to do” to “blocked”" in sentences
    assert sentences[-2:] == ["Opened the stage “Observe and analyse”", "Created the plan"]
    blocked = next(r for r in rows if "to “blocked”" in r)
    assert "Service public de l'emploi" in blocked and "Extraction en attente" in blocked
    assert "30 Nov 2026, 06:00" in blocked, "09:00 UTC read in Cayenne"
    assert "America/Cayenne" in journal
    assert sentences.index("Created the plan") > sentences.index(
        "Moved “Provide employment and job-seeker data” from “to do” to “blocked”"
    ), "newest first"


def test_an_optional_task_skipped_with_its_stage_is_told_in_the_reader_s_language(
    client: FlaskClient, cast: Cast
) -> None:
    drive_to_completion(cast.plan)
    session().commit()
    feedback = task(cast.plan, "company-feedback")
    assert feedback.status is TaskStatus.SKIPPED and feedback.status_reason is None, "no note in words is stored"
    cast.lead.language = Language.FR
    session().commit()
    journal = section(text(as_(client, cast.lead).get(f"{url(cast)}?journal_page=1")), "journal")
    pages = [journal]
    page = 2
    while "Recueillir l'avis des entreprises" not in " ".join(pages) and page < 10:
        pages.append(section(text(client.get(f"{url(cast)}?journal_page={page}")), "journal"))
        page += 1
    assert (
        "A marqué «\u00a0Recueillir l'avis des entreprises\u00a0» sans objet\u00a0: "
        "tâche facultative laissée ouverte à la clôture de son étape" in " ".join(pages)
    )


def test_a_long_journal_comes_a_page_at_a_time(client: FlaskClient, cast: Cast) -> None:
    base = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    session().add_all(
        Event(
            plan_id=cast.plan.id,
            actor_id=cast.lead.id,
            kind="plan_status_changed",
            from_state="active",
            to_state="on_hold",
            note=f"note {number}",
            occurred_dt=base + timedelta(minutes=number),
        )
        for number in range(45)
    )
    session().commit()
    first = section(text(as_(client, cast.lead).get(url(cast))), "journal")
    assert first.count("<time ") == JOURNAL_PAGE_SIZE
    assert "note 44" in first and "note 25" in first and "note 24" not in first
    assert f'href="/plans/{cast.plan.id}?journal_page=2#journal"' in first and "Newer entries" not in first
    third = section(text(client.get(f"{url(cast)}?journal_page=3")), "journal")
    assert "note 4<" in third and "Created the plan" in third and "Older entries" not in third
    assert f'href="/plans/{cast.plan.id}?journal_page=2#journal"' in third
    total = session().scalar(sa.select(sa.func.count()).select_from(Event).where(Event.plan_id == cast.plan.id))
    assert total is not None and total > 2 * JOURNAL_PAGE_SIZE
    assert f"1–{JOURNAL_PAGE_SIZE} of {total}" in first, "the count of the whole journal"
    assert f"{2 * JOURNAL_PAGE_SIZE + 1}–{total} of {total}" in third
    beyond = section(text(client.get(f"{url(cast)}?journal_page=99999999999999999999")), "journal")
    assert beyond == third, "a page past the end shows the last one"


def test_the_lead_and_administrators_get_every_action(client: FlaskClient, cast: Cast) -> None:
    for person in (cast.lead, cast.admin):
        page = text(as_(client, person).get(url(cast)))
        assert 'id="plan-actions"' in page and f'action="/plans/{cast.plan.id}/hold"' in page
        assert f'action="/plans/{cast.plan.id}/cancel"' in page and "/resume" not in page
        assert page.count('class="task-actions"') == 15
        inventory = task(cast.plan, "inventory-existing-studies")
        assert f'action="/tasks/{inventory.id}/assignee"' in page and f'action="/tasks/{inventory.id}/deadline"' in page


def test_a_partner_may_act_only_on_their_role_s_tasks(client: FlaskClient, cast: Cast) -> None:
    page = text(as_(client, cast.partner).get(url(cast)))
    assert 'id="plan-actions"' not in page and "/hold" not in page and "/cancel" not in page
    data = task(cast.plan, "employment-data")
    assert page.count('class="task-actions"') == 1
    assert f'action="/tasks/{data.id}/status"' in page
    assert "/assignee" not in page and "/deadline" not in page, "reassigning and deadlines are the lead's"
    options = re.findall(r'<option value="([a-z_]+)"', section(page, f"task-{data.id}-actions"))
    assert options == ["in_progress", "done", "blocked"], "skipping is the lead's"


def test_a_partner_is_not_offered_to_start_a_task_whose_dependencies_are_open(client: FlaskClient, cast: Cast) -> None:
    survey = task(cast.plan, "business-survey")
    page = text(as_(client, cast.chamber).get(url(cast)))
    options = re.findall(r'<option value="([a-z_]+)"', section(page, f"task-{survey.id}-actions"))
    assert options == ["blocked"]
    lead_page = text(as_(client, cast.lead).get(url(cast)))
    actions = section(lead_page, f"task-{survey.id}-actions")
    assert "in_progress" in actions and 'name="override_dependencies"' in actions


def test_a_committee_member_sees_the_plan_but_is_offered_no_action(client: FlaskClient, cast: Cast) -> None:
    response = as_(client, cast.committee).get(url(cast))
    page = text(response)
    assert response.status_code == 200 and "Plan de test" in page and "Observe and analyse" in page
    assert 'class="task-actions"' not in page and 'id="plan-actions"' not in page
    assert "Created the plan" in page


def test_people_outside_the_plan_are_told_it_does_not_exist(client: FlaskClient, cast: Cast) -> None:
    for person in (cast.outsider, cast.other_lead):
        response = as_(client, person).get(url(cast))
        assert response.status_code == 404 and "Plan de test" not in text(response)
    assert as_(client, cast.lead).get("/plans/987654").status_code == 404


def test_on_hold_plans_offer_resume_and_no_task_action(client: FlaskClient, cast: Cast) -> None:
    from gpect_workflow.services.plans.lifecycle import hold_plan

    hold_plan(cast.lead, cast.plan.id, "Attente du financement")
    session().commit()
    page = text(as_(client, cast.lead).get(url(cast)))
    assert "on hold" in section(page, "facts-title")
    assert f'action="/plans/{cast.plan.id}/resume"' in page and "/hold" not in page
    assert 'class="task-actions"' not in page
    assert "Put the plan on hold" in section(page, "journal") and "Attente du financement" in page


def _page_queries(client: FlaskClient, address: str) -> list[str]:
    """The statements one page view runs, from a cold request (nothing cached from earlier requests)."""
    g.pop("gpect_definitions", None)
    g.pop("gpect_task_defs", None)
    g.pop("_login_user", None)
    session().expire_all()
    with count_queries() as statements:
        response = client.get(address)
    assert response.status_code == 200
    return statements


def test_the_reader_s_roles_in_the_plan_are_read_with_the_plan(client: FlaskClient, cast: Cast) -> None:
    """What the reader may see and do depends on the roles they hold in the plan: the statement reading the
    plan reads them too, and none reads them apart (one statement fewer on every page of a plan or task)."""
    as_(client, cast.partner)
    statements = _page_queries(client, url(cast))
    plan_reads = [statement for statement in statements if statement.startswith("SELECT gpect_plans.id")]
    assert len(plan_reads) == 1 and "gpect_role_assignment_members.role_key" in plan_reads[0]
    assert not [statement for statement in statements if statement.startswith("SELECT gpect_role_assignment_members")]


def test_the_page_costs_the_same_queries_whatever_the_plan_s_size(app: Flask, client: FlaskClient, cast: Cast) -> None:
    small = cast.plan
    large = start_plan_of(cast.lead, "lochois-business-survey", "Enquête Lochois")
    session().add_all(
        Event(
            plan_id=large.id,
            task_id=None,
            actor_id=cast.partner.id,
            kind="more_time_requested",
            from_state="2027-01-01",
            to_state="2027-01-15",
            data={"days": 14},
            occurred_dt=datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(minutes=number),
        )
        for number in range(120)
    )
    helpers = [english(f"helper{number}@example.org", name=f"Helper {number}") for number in range(12)]
    for number, work in enumerate(session().scalars(sa.select(Task).where(Task.plan_id == large.id))):
        work.assignee_id = helpers[number % len(helpers)].id  # many different people on the large plan
    session().commit()
    as_(client, cast.lead)
    small_queries = _page_queries(client, f"/plans/{small.id}")
    large_queries = _page_queries(client, f"/plans/{large.id}")
    page = text(client.get(f"/plans/{large.id}"))
    assert page.count('<tr id="task-') == 27 and "Older entries" in page
    assert len(large_queries) == len(small_queries), (small_queries, large_queries)
    assert len(small_queries) <= 20, len(small_queries)


def test_the_page_costs_the_same_queries_with_10_and_200_plans(app: Flask, client: FlaskClient, cast: Cast) -> None:
    for number in range(9):
        start_plan_of(cast.lead, name=f"Plan {number}")
    session().commit()
    as_(client, cast.lead)
    with_10 = _page_queries(client, url(cast))
    for number in range(9, 199):
        start_plan_of(cast.lead, name=f"Plan {number}")
    session().commit()
    with_200 = _page_queries(client, url(cast))
    assert len(with_200) == len(with_10), (with_10, with_200)
