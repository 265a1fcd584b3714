"""Search through the service: only what a person may see, accents and case ignored in both languages,
ranked, grouped by kind and paged, hostile text answered without error, indexes kept in step with rows."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from gpect_workflow.errors import ValidationError
from gpect_workflow.models import Organisation, OrganisationKind, Person, PersonRole, Plan, Task
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.services.plans.changes import rename_plan
from gpect_workflow.services.search import search, search_kinds, sources
from gpect_workflow.services.search.terms import MAX_QUERY_LENGTH, highlight, parse_terms
from tests.search_support import World, build_world

SIZE = 4


@pytest.fixture
def world(definitions: None, territory: Any, dummy_lead: Person) -> World:
    return build_world(territory, dummy_lead, SIZE)


def every_hit(person: Person, text: str, kind: str) -> list[int]:
    """Every id of ``kind`` the search gives ``person`` for ``text``, all pages read."""
    found: list[int] = []
    page = 1
    while True:
        result = search(person, text, kind, page, per_page=3)
        (group,) = result.groups
        found += [hit.id for hit in group.items]
        if page >= group.pages:
            return found
        page += 1


def expected(world: World, person: Person, kind: str) -> set[int]:
    """What ``person`` may find of ``kind``, worked out from how the world was built."""
    plans = world.plans_seen_by(person)
    if kind == "plans":
        return plans
    if kind == "tasks":
        return set(session().scalars(sa.select(Task.id).where(Task.plan_id.in_(plans))))
    everyone = set(session().scalars(sa.select(Organisation.id)))
    if person.role is not PersonRole.PARTNER:
        return everyone
    return {person.organisation_id} if person.organisation_id else set()


# --- Nothing outside a person's plans ------------------------------------------------------------------------

PEOPLE = ("lead", "other_lead", "admin", "outsider", "committee", "partner_of_one", "partner_of_last")
#: Words found in every plan, task and organisation of the world (and more).
QUERIES = ("région", "REGION", "competences", "Structure", "plan", "a", "e", "atelier", "1")


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("kind", ["plans", "tasks", "organisations"])
def test_nothing_outside_a_persons_plans_is_ever_found(world: World, who: str, kind: str) -> None:
    person = world.people()[who]
    allowed = expected(world, person, kind)
    for text in QUERIES:
        found = every_hit(person, text, kind)
        assert len(found) == len(set(found)), "no hit twice across pages"
        assert set(found) <= allowed, (who, kind, text)


@pytest.mark.parametrize("who", PEOPLE)
def test_everything_a_person_may_see_is_found(world: World, who: str) -> None:
    person = world.people()[who]
    plans = world.plans_seen_by(person)
    assert set(every_hit(person, "compétences région", "plans")) == plans
    one_off = {task.id for task in world.one_off_tasks if task.plan_id in plans}
    assert set(every_hit(person, "atelier", "tasks")) == one_off
    counts = search(person, "région").counts
    assert counts["plans"] == len(plans)


def test_the_outsider_finds_nothing_and_a_partner_of_one_plan_only_it(world: World) -> None:
    assert search(world.outsider, "région compétences plan").total == 0
    first = search(world.partners[0], "plan")
    assert [hit.id for hit in first.groups[0].items] == [world.plans[0].id]
    assert "Plan secret" not in repr(search(world.partners[0], "secret"))


# --- Accents, case, both languages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("region", "plans"),
        ("RÉGION", "plans"),
        ("competences", "plans"),
        ("compétences", "plans"),
        ("competen", "plans"),
        ("numeriques", "tasks"),
        ("digital skills", "tasks"),
        ("workshop", "tasks"),
        ("reunion centre", "tasks"),
        ("structure emploi", "organisations"),
    ],
)
def test_accents_and_case_are_ignored_in_both_languages(world: World, text: str, kind: str) -> None:
    assert search(world.lead, text).counts[kind] >= SIZE


def test_definition_task_titles_are_found_in_both_languages(world: World) -> None:
    """ "Enquêter auprès des entreprises" / "Survey local companies": a definition task's words."""
    for text in ("enqueter entreprises", "survey local companies", "ENQUÊTER"):
        hits = every_hit(world.lead, text, "tasks")
        keys = set(session().scalars(sa.select(Task.task_key).where(Task.id.in_(hits))))
        assert keys == {"business-survey"}, text
        assert len(hits) == SIZE
    assert every_hit(world.partners[0], "survey local companies", "tasks") == [
        task.id for task in world.plans[0].stages[0].tasks if task.task_key == "business-survey"
    ]


def test_every_word_must_be_found(world: World) -> None:
    assert search(world.lead, "compétences introuvable").total == 0
    assert search(world.lead, "Plan 3").counts["plans"] >= 1
    assert world.plans[2].id in every_hit(world.lead, "plan 3", "plans")


# --- Ranking, grouping, paging -------------------------------------------------------------------------------


def test_a_match_in_the_title_ranks_before_one_in_the_description(world: World) -> None:
    """ "Région" is in every one-off task's description; one task has it in its title too."""
    task = world.one_off_tasks[2]
    task.title_fr = "Atelier de la Région"
    session().commit()
    hits = every_hit(world.lead, "région", "tasks")
    assert hits[0] == task.id
    assert set(hits) == {t.id for t in world.one_off_tasks}


def test_a_closer_name_ranks_first(world: World) -> None:
    rename_plan(world.lead, world.plans[3].id, "Région Région compétences Région")
    session().commit()
    assert every_hit(world.lead, "région", "plans")[0] == world.plans[3].id


def test_results_are_grouped_by_kind_with_counts_and_paged(world: World) -> None:
    result = search(world.lead, "région")
    assert [group.kind for group in result.groups] == [k for k in search_kinds() if result.counts[k]]
    # Every plan and one-off task holds "Région"; of the organisations, "Organisme caché de la Région".
    assert result.counts == {"plans": SIZE, "tasks": SIZE, "comments": 0, "organisations": 1}
    first = search(world.lead, "région", "plans", 1, per_page=3)
    second = search(world.lead, "région", "plans", 2, per_page=3)
    assert first.groups[0].pages == 2 and len(first.groups[0].items) == 3
    assert len(second.groups[0].items) == SIZE - 3
    assert not {hit.id for hit in first.groups[0].items} & {hit.id for hit in second.groups[0].items}
    assert search(world.lead, "région", "plans", 9, per_page=3).groups[0].items == []


# --- Hostile text --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"région',
        "région*",
        "*",
        "NEAR(région compétences)",
        "NEAR(",
        "-région",
        "région AND OR NOT",
        "AND",
        "région\x00compétences",
        "{plans} : région",
        "name:région",
        "région' OR '1'='1",
        "\\",
        "!!! ??? ...",
        "région:* & !plan | (",
        "ééé ﬁ œuvre ß",
        "\u202e\u200b",
        "9" * MAX_QUERY_LENGTH,
    ],
)
def test_hostile_text_finds_by_its_words_without_error(world: World, text: str) -> None:
    result = search(world.lead, text)
    assert result.terms.words == parse_terms(text).words
    if result.terms and set(result.terms.words) <= {"region", "competences"}:  # the syntax was dropped
        assert result.counts["plans"] == SIZE


def test_text_without_words_finds_nothing_without_statement(world: World) -> None:
    result = search(world.lead, "!!! ... --- ***")
    assert not result.terms and result.total == 0 and result.groups == []


def test_too_long_or_unknown_kind_is_refused_with_field_messages(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        search(world.lead, "a" * (MAX_QUERY_LENGTH + 1))
    assert set(refused.value.fields) == {"q"}
    with pytest.raises(ValidationError) as refused:
        search(world.lead, "région", "people")
    assert set(refused.value.fields) == {"kind"}
    with pytest.raises(ValidationError):
        search(world.lead, "x" * 10_000)


def test_highlighting_escapes_everything_but_its_marks() -> None:
    terms = parse_terms("region")
    shown = highlight('<script>alert("Région")</script> & région', terms)
    assert str(shown) == ("&lt;script&gt;alert(&#34;<mark>Région</mark>&#34;)&lt;/script&gt; &amp; <mark>région</mark>")
    long = " ".join(["mot"] * 100 + ["Région"] + ["fin"] * 100)
    snippet = str(highlight(long, terms, snippet=True))
    assert "<mark>Région</mark>" in snippet and snippet.startswith("…") and snippet.endswith("…")
    assert snippet.count("mot") < 20


# --- The indexes follow the rows -----------------------------------------------------------------------------


def test_a_renamed_plan_is_found_by_its_new_name_only(world: World) -> None:
    plan = world.plans[0]
    rename_plan(world.lead, plan.id, "Programme horticulture")
    session().commit()
    assert every_hit(world.lead, "horticulture", "plans") == [plan.id]
    assert plan.id not in every_hit(world.lead, "compétences", "plans")


def test_deleted_rows_are_no_longer_found(world: World) -> None:
    organisation = ensure_organisation("Pépinière éphémère", OrganisationKind.OTHER, None)
    session().commit()
    assert every_hit(world.lead, "pepiniere", "organisations") == [organisation.id]
    session().delete(organisation)
    session().commit()
    assert every_hit(world.lead, "pepiniere", "organisations") == []
    task = world.one_off_tasks[0]
    task.description = "Tout autre chose"
    session().commit()
    assert task.id not in every_hit(world.lead, "réunion", "tasks")


def test_rows_changed_outside_the_app_are_found_by_their_new_words(world: World) -> None:
    """A name changed by plain SQL, not through the app, is found by its new words: the database keeps the
    index in step (triggers on SQLite, an expression index on PostgreSQL)."""
    session().execute(sa.update(Plan).where(Plan.id == world.plans[1].id).values(name="Plan écrit à la main"))
    session().commit()
    assert every_hit(world.lead, "ecrit main", "plans") == [world.plans[1].id]


@pytest.mark.parametrize("source", ["plans", "tasks", "organisations"])
def test_postgresql_finds_words_through_the_gin_indexes(world: World, source: str) -> None:
    """The query's expression is the very one migration 0017 indexed (with sequential scans off, the plan
    names the index: it would not if the expressions differed by a cast or a bound constant)."""
    connection = session().connection()
    if connection.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's indexes")
    (found,) = [s for s in sources() if s.kind == source]
    query = found.matching(world.admin, parse_terms("région"), "postgresql")
    connection.execute(sa.text("SET LOCAL enable_seqscan = off"))
    compiled = str(query.compile(connection, compile_kwargs={"literal_binds": True}))
    plan = "\n".join(connection.execute(sa.text("EXPLAIN " + compiled.replace("%", "%%"))).scalars())
    assert f"gpect_search_{source}" in plan
