"""The English detector of the French page walk: it catches the application's English, not French or data."""

from __future__ import annotations

from .language_check import english_in, english_labels, english_messages, english_short_messages


def test_a_french_page_passes() -> None:
    page = (
        "Tableau de bord\nVos tâches en retard : 3. Le comité de pilotage doit se prononcer sur l'étape "
        "« Observer et analyser ».\nAucune tâche à faire aujourd'hui."
    )
    assert english_in(page) == []


def test_a_message_of_the_catalogue_left_in_english_is_caught() -> None:
    assert "Choose a time zone from the list, such as Europe/Paris" in english_messages()
    leaks = english_in("Préférences\nChoose a time zone from the list, such as Europe/Paris.\nEnregistrer")
    assert "catalogue" in [leak.reason for leak in leaks]


def test_a_service_message_that_never_reached_the_catalogue_is_caught() -> None:
    (leak,) = english_in("Erreur\nthe task is finished: no more time is needed\nRetour")
    assert leak.reason == "English words" and "no more time" in leak.text


def test_a_short_english_sentence_without_a_french_word_is_caught() -> None:
    (leak,) = english_in("Erreur 416\nThe server cannot provide the requested range.\nRetour à l'accueil")
    assert leak.reason == "English words"
    assert english_in("Chargé de mission the best of GPECT") == []  # too short to tell


def test_data_the_reader_typed_is_left_out() -> None:
    typed = "Plan for the region and all of its partners"
    assert english_in(f"Plan : {typed}") != []
    assert english_in(f"Plan : {typed}", ignore=[typed]) == []


def test_a_placeholder_splits_a_message_into_fragments() -> None:
    fragments = english_messages()
    assert all("%(" not in fragment for fragment in fragments)


def test_a_short_label_left_in_english_is_caught_whole() -> None:
    assert "My tasks" in english_short_messages()
    leaks = english_labels(["Tableau de bord", "My  tasks\n", "Enregistrer"])
    assert [(leak.text, leak.reason) for leak in leaks] == [("My tasks", "English label")]


def test_a_label_french_writes_the_same_way_is_no_leak() -> None:
    assert english_labels(["Date", "Source", "Plans"]) == []
    assert english_labels(["My tasks"], ignore=["My tasks"]) == []
