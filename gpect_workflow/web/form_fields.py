"""Form fields written in Python for the templates (``templates/gpect_workflow/_forms.html`` exports them).

A field is a label, its control, an optional hint and its errors. The control points to its hint and errors
(``aria-describedby``), is marked invalid when it has errors, and is followed by the hint and the errors
themselves (announced: ``role="alert"``). As Jinja macros, a field cost a macro call and two more for these
parts, and a plan page has about forty fields in its per-task forms: the macro machinery cost more than the
markup. The functions write the markup the macros wrote, byte for byte (``tests/web/test_form_fields.py``
renders both). Values are escaped as Jinja escapes them (``Markup``: what is already markup stays).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from flask import Flask
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from .catalogue import translate


def field_described(field_id: str, errors: Sequence[str] | None, hint: str | None) -> Markup:
    """The control's ``aria-describedby`` (its hint, its errors) and ``aria-invalid`` attributes."""
    ids = [f"{field_id}-hint"] if hint else []
    if errors:
        ids.append(f"{field_id}-error")
    described = f' aria-describedby="{escape(" ".join(ids))}"' if ids else ""
    return Markup(described + ' aria-invalid="true"' if errors else described)


def field_after(field_id: str, errors: Sequence[str] | None, hint: str | None) -> Markup:
    """The hint and the errors shown after the control (errors announced: ``role="alert"``)."""
    parts = f'<span id="{escape(field_id)}-hint" class="hint">{escape(hint)}</span>' if hint else ""
    if errors:
        shown = Markup(" ").join(errors)  # escapes what is text, keeps what is markup
        parts += f'<span id="{escape(field_id)}-error" class="field-error" role="alert">{shown}</span>'
    return Markup(parts)


def csrf() -> Markup:
    """The hidden CSRF token every form posts."""
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">')


def hidden(name: str, value: object) -> Markup:
    """A hidden input (``None`` is an empty value)."""
    return Markup(f'<input type="hidden" name="{escape(name)}" value="{_value(value)}">')


@pass_context
def text_input(
    context: Context,
    name: str,
    label: str,
    id: str,
    value: object = "",
    errors: Sequence[str] | None = (),
    type: str = "text",
    hint: str | None = None,
    required: bool = False,
    attrs: Mapping[str, object] | None = None,
) -> Markup:
    """A one-line input: type text, date, number...; ``attrs`` adds attributes such as min or maxlength."""
    extra = "".join(f' {escape(key)}="{escape(attr)}"' for key, attr in (attrs or {}).items())
    control = (
        f'<input id="{escape(id)}" name="{escape(name)}" type="{escape(type)}" value="{_value(value)}"'
        f"{_required(required)}{field_described(id, errors, hint)}{extra}>"
    )
    return _field("field", _label(context, id, label, required), control, id, errors, hint)


@pass_context
def textarea(
    context: Context,
    name: str,
    label: str,
    id: str,
    value: object = "",
    errors: Sequence[str] | None = (),
    hint: str | None = None,
    required: bool = False,
    rows: int = 2,
    maxlength: int = 2000,
) -> Markup:
    """A text area of ``rows`` lines, at most ``maxlength`` characters."""
    control = (
        f'<textarea id="{escape(id)}" name="{escape(name)}" rows="{escape(rows)}" maxlength="{escape(maxlength)}"'
        f"{_required(required)}{field_described(id, errors, hint)}>{_value(value)}</textarea>"
    )
    return _field("field", _label(context, id, label, required), control, id, errors, hint)


@pass_context
def select(
    context: Context,
    name: str,
    label: str,
    id: str,
    options: Iterable[tuple[object, object]],
    selected: object = None,
    errors: Sequence[str] | None = (),
    hint: str | None = None,
    required: bool = False,
    placeholder: str | None = None,
) -> Markup:
    """A list to choose from; ``options`` are (value, label) pairs, ``selected`` the value chosen."""
    chosen = None if selected is None else str(selected)
    choices = "".join(
        f'\n    <option value="{escape(value)}"{" selected" if str(value) == chosen else ""}>{escape(text)}</option>'
        for value, text in options
    )
    empty = f'<option value="">{escape(placeholder)}</option>' if placeholder else ""
    control = (
        f'<select id="{escape(id)}" name="{escape(name)}"{_required(required)}{field_described(id, errors, hint)}>'
        f"{empty}{choices}\n  </select>"
    )
    return _field("field", _label(context, id, label, required), control, id, errors, hint)


def checkbox(
    name: str,
    label: str,
    id: str,
    checked: bool = False,
    errors: Sequence[str] | None = (),
    hint: str | None = None,
    value: object = "yes",
) -> Markup:
    """A box to tick, its label after it."""
    control = (
        f'<input id="{escape(id)}" name="{escape(name)}" type="checkbox" value="{escape(value)}"'
        f"{' checked' if checked else ''}{field_described(id, errors, hint)}>"
    )
    return _field("field field-check", control, f'<label for="{escape(id)}">{escape(label)}</label>', id, errors, hint)


def form_message(message: str | None, id: str | None = None) -> Markup:
    """A message about the whole form (a refusal, a change made meanwhile), announced to screen readers."""
    if not message:
        return Markup("")
    anchor = f' id="{escape(id)}"' if id else ""
    return Markup(f'<p class="form-message" role="alert"{anchor}>{escape(message)}</p>')


def form_errors(errors: Mapping[str, Sequence[str]] | None) -> Markup:
    """Errors not tied to one field (``errors['_form']``)."""
    messages = (errors or {}).get("_form", [])
    return Markup("".join(f'<p class="form-message" role="alert">{escape(message)}</p>' for message in messages))


def _field(classes: str, first: str, second: str, id: str, errors: Sequence[str] | None, hint: str | None) -> Markup:
    """A field's box: its two parts (label and control; a checkbox's control first), then its hint and errors."""
    if errors:
        classes += " has-error"
    return Markup(f'<div class="{classes}">\n  {first}\n  {second}\n  {field_after(id, errors, hint)}\n</div>')


def _label(context: Context, id: str, label: str, required: bool) -> str:
    needed = f' <span class="required">({escape(translate(context, "required"))})</span>' if required else ""
    return f'<label for="{escape(id)}">{escape(label)}{needed}</label>'


def _required(required: bool) -> str:
    return " required" if required else ""


def _value(value: object) -> Markup:
    return escape(value) if value is not None else Markup("")


def init_form_fields(app: Flask) -> None:
    """Give the templates the fields, which ``_forms.html`` exports under their short names."""
    app.jinja_env.globals.update(
        gpect_form_csrf=csrf,
        gpect_form_hidden=hidden,
        gpect_form_input=text_input,
        gpect_form_textarea=textarea,
        gpect_form_select=select,
        gpect_form_checkbox=checkbox,
        gpect_form_message=form_message,
        gpect_form_errors=form_errors,
    )
