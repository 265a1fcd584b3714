"""Every kind of delivery failure has words in the catalogue, in English and in French."""

from __future__ import annotations

from gpect_workflow.notifications.ledger import Failure
from gpect_workflow.notifications.problems import DeliveryProblem, Diagnosis
from gpect_workflow.services.catalogue import french
from gpect_workflow.vocabulary import DELIVERY_PROBLEMS


def test_every_code_has_words_and_every_word_a_code() -> None:
    assert set(DELIVERY_PROBLEMS) == {problem.value for problem in DeliveryProblem}
    assert all(len(problem.value) <= 40 for problem in DeliveryProblem), "the column holds 40 characters"


def test_every_code_reads_in_french() -> None:
    for problem in DeliveryProblem:
        assert french(problem.words) != problem.words, problem


def test_operators_read_the_english_words_and_the_detail() -> None:
    assert str(Diagnosis(DeliveryProblem.RELAY_DEFERRED, "451 4.3.0")) == (
        "The mail server asked to try again later: 451 4.3.0"
    )
    assert str(Diagnosis(DeliveryProblem.SUBJECT_UNUSABLE)) == "The subject holds a line break"
    failure = Failure(1, "reminder", "a@example.org", DeliveryProblem.RELAY_REFUSED_RECIPIENT, "550 5.1.1")
    assert failure.reason == "The mail server refused the recipient for good: 550 5.1.1"
