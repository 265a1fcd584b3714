"""The parts every form field repeats, written in Python for the templates (``templates/.../_forms.html``).

A field's control points to its hint and errors (``aria-describedby``), is marked invalid when it has errors,
and is followed by the hint and the errors themselves. As Jinja macros these two parts were called for every
field, twice, and a plan page has about forty fields in its per-task forms: the macro machinery cost more
than the markup. Values are escaped as Jinja escapes them (``Markup``: what is already markup stays).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask
from markupsafe import Markup, escape


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


def init_form_fields(app: Flask) -> None:
    """Give the templates ``gpect_field_described`` and ``gpect_field_after``."""
    app.jinja_env.globals.update(gpect_field_described=field_described, gpect_field_after=field_after)
