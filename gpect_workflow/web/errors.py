"""Error pages in the person's language: 403, 404, 405, 409, 500 and the rest of HTTP's errors.

Pages under the API keep their JSON errors (see ``extension``); a host's own pages, outside our URL
prefix, keep the host's error pages. A failed view's work is rolled back before its error page is drawn
(``services.unit_of_work``).
"""

from __future__ import annotations

import logging

from flask import render_template, request
from flask.globals import request_ctx
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from ..errors import GpectError
from ..vocabulary import N_
from .refusals import refusal_text

log = logging.getLogger(__name__)

#: What each error means for the reader, and what they can do next.
_EXPLANATIONS = {
    400: (N_("Bad request"), N_("The page could not understand what was sent. Go back and try again.")),
    401: (N_("Sign-in needed"), N_("Sign in to see this page.")),
    403: (
        N_("Access denied"),
        N_("You may not see or change this. Ask the plan's project lead or an administrator if you need to."),
    ),
    404: (N_("Page not found"), N_("This page does not exist, or it is not one you may see.")),
    405: (N_("Not allowed"), N_("This address does not accept this kind of request.")),
    409: (
        N_("Changed in the meantime"),
        N_("Someone changed this while you were working on it. Reload the page to see the current state."),
    ),
    413: (N_("Too large"), N_("What was sent is too large.")),
    422: (N_("Invalid input"), N_("Some values are not valid. Go back, correct them and try again.")),
    500: (
        N_("Something went wrong"),
        N_(
            "The page failed on our side and nothing was changed. Try again in a moment; administrators can see "
            "the details in the logs."
        ),
    ),
}


#: What an error the table does not name means: werkzeug's own title and text would be English.
_OTHER_REFUSAL = (
    N_("Request not answered"),
    N_("This request cannot be answered as it was made. Go back and try again."),
)


def _explanation(code: int) -> tuple[str, str]:
    """The title and explanation of error ``code``: its own, or those of its kind (refused, or failed)."""
    return _EXPLANATIONS.get(code) or (_EXPLANATIONS[500] if code >= 500 else _OTHER_REFUSAL)


def ours(prefix: str) -> bool:
    """Whether the current request is for one of our pages (everything, when mounted at the root)."""
    return not prefix or request.path == prefix or request.path.startswith(prefix + "/")


def error_page(
    error: HTTPException, refusal: GpectError | None = None
) -> tuple[str, int, list[tuple[str, str]]] | HTTPException:
    """The HTML page for ``error``, in the page's language; the plain error if the page itself fails.

    ``refusal``: the service's refusal behind ``error``, told as the page's detail.
    """
    code = error.code or 500
    if request_ctx.url_adapter is None:  # a host outside TRUSTED_HOSTS: no address can be built, so no page
        return error
    title, explanation = _explanation(code)
    try:
        page = render_template(
            "gpect_workflow/errors/page.html",
            code=code,
            title=gettext(title),
            explanation=gettext(explanation),
            detail=refusal_text(refusal) if refusal is not None else None,
        )
    except Exception:  # pragma: no cover - the last resort must not fail in turn
        log.exception("the error page for %s could not be rendered", code)
        return error
    allow = [(name, value) for name, value in error.get_headers() if name.lower() == "allow"]
    return page, code, allow
