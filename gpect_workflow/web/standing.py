"""An indicator's standing against its target in the page's language: the status word and the target
with the comparison its direction asks for ("target ≤ 120,000" for an indicator meant to go down).

The status itself comes from the one rule, ``services.indicators.status``; the words from the one
vocabulary. Every page that shows an indicator's status (plan, indicators, committee, reports, charts)
says it through these functions.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext

from ..definitions.model import IndicatorDirection
from ..services.indicators.status import IndicatorStatus, status_of, target_comparison
from ..vocabulary import TARGET_COMPARISONS
from .i18n import number
from .labels import label

__all__ = ["init_standing", "status_class", "status_of", "status_word", "target_phrase"]

#: The class of the status word on pages (colour with the word, never colour alone).
STATUS_CLASSES = {
    IndicatorStatus.ON_TARGET: "ok",
    IndicatorStatus.OFF_TARGET: "late",
    IndicatorStatus.NO_TARGET: "muted",
    IndicatorStatus.NO_MEASUREMENT: "muted",
}


def status_word(status: IndicatorStatus | str) -> str:
    """ "target reached", "behind target", "no target" or "no data", in the page's language."""
    return label("indicator_status", status)


def status_class(status: IndicatorStatus | str) -> str:
    """The class that colours the status word."""
    return STATUS_CLASSES[IndicatorStatus(status)]


def target_phrase(direction: IndicatorDirection, target: float | None) -> str:
    """The target with its comparison ("target ≥ 42", "≤ 120 000 visé"), or "" without a target."""
    if target is None:
        return ""
    return gettext(TARGET_COMPARISONS[target_comparison(direction).value], target=number(target))


def init_standing(app: Flask) -> None:
    """Give the templates the indicators' status word, class and target phrase."""
    app.jinja_env.globals.update(
        indicator_status_word=status_word,
        indicator_status_class=status_class,
        indicator_status=status_of,
        target_phrase=target_phrase,
    )
