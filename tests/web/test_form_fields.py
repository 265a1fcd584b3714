"""The parts every form field repeats (``web/form_fields.py``): the control points to its hint and errors,
is marked invalid when it has errors, and shows them after itself; what is text is escaped, what is markup
stays markup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import refresh
from markupsafe import Markup

from gpect_workflow.web.form_fields import field_after, field_described

FIELD = (
    '{% import "gpect_workflow/_forms.html" as forms %}'
    "{{ forms.input('due_date', 'Échéance', 'due-7', '2027-01-20', errors, hint=hint, required=true) }}"
)


def render(app: Flask, **values: object) -> str:
    with app.test_request_context("/"):
        return render_template_string(FIELD, **values)


def test_a_field_with_a_hint_and_errors_points_to_both_and_shows_them(app: Flask) -> None:
    page = render(app, errors=["Trop tôt.", "Un jour ouvré."], hint="Au plus tard le <31>.")
    assert 'aria-describedby="due-7-hint due-7-error" aria-invalid="true">' in page
    assert '<span id="due-7-hint" class="hint">Au plus tard le &lt;31&gt;.</span>' in page
    assert '<span id="due-7-error" class="field-error" role="alert">Trop tôt. Un jour ouvré.</span>' in page


def test_a_field_without_hint_or_error_says_nothing_more(app: Flask) -> None:
    page = render(app, errors=(), hint=None)
    assert "aria-describedby" not in page and "aria-invalid" not in page
    assert 'class="hint"' not in page and "field-error" not in page


def test_text_is_escaped_and_markup_kept() -> None:
    assert field_described('x"y', ["<b>"], None) == ' aria-describedby="x&#34;y-error" aria-invalid="true"'
    assert field_after("f", ["<b>bad</b>", Markup("<em>kept</em>")], Markup("<i>hint</i>")) == (
        '<span id="f-hint" class="hint"><i>hint</i></span>'
        '<span id="f-error" class="field-error" role="alert">&lt;b&gt;bad&lt;/b&gt; <em>kept</em></span>'
    )
    assert field_described("f", None, "hint") == ' aria-describedby="f-hint"'
    assert field_after("f", None, None) == ""


FORMER = (Path(__file__).parents[1] / "data" / "former_form_macros.html").read_text(encoding="utf-8")
ERRORS = ["Trop tôt.", Markup("<em>Un jour</em> ouvré.")]
CALLS = [
    "csrf()",
    "hidden('expected_version', 3)",
    "hidden('note', none)",
    "hidden('x\"y', '<script>')",
    "input('due_date', 'Échéance', 'due-7')",
    "input('due_date', 'Échéance', 'due-7', '2027-01-20', errors, type='date', hint=hint, required=true)",
    "input('weight', 'Poids', 'w', none, (), type='number', attrs={'min': 0, 'max': '<100>'})",
    "input('name', label_markup, 'n', 'a \"quoted\" & <b>', errors, required=false)",
    "textarea('note', 'Note', 'note-1')",
    "textarea('note', 'Note', 'n-1', 'ligne 1\\nligne <2>', errors, hint=hint, required=true, rows=5, maxlength=300)",
    "select('status', 'Statut', 'status-1', options)",
    "select('status', 'Statut', 'status-1', options, 2, errors, hint=hint, required=true, placeholder='Choisir…')",
    "select('status', 'Statut', 'status-1', options, '2', placeholder='')",
    "select('status', 'Statut', 'status-1', [], none, (), required=true)",
    "checkbox('override', 'Passer outre', 'o-1')",
    "checkbox('override', label_markup, 'o-1', true, errors, hint=hint, value='oui')",
    "form_message(none)",
    "form_message('Refusé <ici>', id='m-1')",
    "form_message('Refusé')",
    "form_errors(none)",
    "form_errors({'_form': ['Un <seul>', 'Deux'], 'note': ['ignoré']})",
]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_field_is_written_as_the_former_macro_wrote_it(app: Flask, call: str, language: str) -> None:
    """The fields are Python functions now (one call, not three macros); the markup must not change."""
    values: dict[str, Any] = {
        "errors": ERRORS,
        "hint": "Au plus tard le <31>.",
        "label_markup": Markup("Nom <abbr>complet</abbr>"),
        "options": [(1, "À faire"), (2, "En cours <b>"), ("3", Markup("<i>Faite</i>"))],
    }
    with app.test_request_context("/", headers={"Accept-Language": language}):
        refresh()
        imported = '{% import "gpect_workflow/_forms.html" as forms %}'
        ours = render_template_string(imported + "{{ forms." + call + " }}", **values)
        # The former macros called the two parts as globals; the functions call them directly.
        parts = {"gpect_field_described": field_described, "gpect_field_after": field_after}
        former = render_template_string(FORMER + "{{ " + call + " }}", **values, **parts)
    assert ours == former.lstrip("\n")  # the macros' definitions leave blank lines before their output
    if call not in ("form_message(none)", "form_errors(none)"):
        assert ours.strip()
