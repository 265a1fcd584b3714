"""The parts every form field repeats (``web/form_fields.py``): the control points to its hint and errors,
is marked invalid when it has errors, and shows them after itself; what is text is escaped, what is markup
stays markup."""

from __future__ import annotations

from flask import Flask, render_template_string
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
