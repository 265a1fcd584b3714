"""Security headers, cookie flags and the request size limit of our pages and API.

One small set of request hooks rather than Flask-Talisman: Talisman is an application-wide extension
(its headers, HTTPS redirect and cookie settings apply to every page of the app), while GPECT Workflow is
itself an extension mounted inside a host's app. The hooks here act on our URL prefix only (pages, API,
static files and our error pages), so a host's own pages keep the host's policy; mounted at the root, as
the standalone app is, that is every page.

- Content-Security-Policy: scripts and styles from our own origin only, no inline script or style, no
  plugin, no foreign base address or form target, and no framing (``frame-ancestors 'none'``, with
  ``X-Frame-Options: DENY`` for older browsers). A view that sets a policy of its own keeps it (the outbox
  message page, whose sandboxed email preview needs the email's inline styles).
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` and a ``Permissions-Policy`` that
  turns off the device features we never use.
- When ``BASE_URL`` is https: ``Strict-Transport-Security``, and the session and remember-me cookies
  marked ``Secure`` (``SECURE_COOKIES`` overrides). Both cookies are ``SameSite=Lax`` and ``HttpOnly``;
  Flask-WTF keeps its CSRF token in the session, so there is no cookie of its own.
- Request bodies above ``REQUEST_MAX_BYTES`` are refused 413 before they are read; views that take
  evidence files accept ``EVIDENCE_MAX_BYTES`` and the form around it (``uploads.request_limit``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from ..uploads import request_limit
from .errors import ours

#: The policy of every page of ours. ``img-src data:`` serves the icons Swagger UI's stylesheet inlines.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

#: Device features no page of ours uses, turned off for our pages and anything they could embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


def https_deployment(app: Flask) -> bool:
    """Whether the public address (``BASE_URL``) is https: then cookies are Secure and HSTS is sent."""
    return urlsplit(app.config["BASE_URL"] or "").scheme == "https"


def init_security(app: Flask, prefix: str) -> None:
    """Set the cookie flags and install the size limit and the headers for our pages under ``prefix``."""
    _cookie_flags(app)
    if app.config["PROXY_FIX"]:
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
    hsts = f"max-age={app.config['HSTS_SECONDS']}" if https_deployment(app) else None

    def limit_body() -> None:
        """First of the app's before-request hooks, so that no other one (Flask-WTF's CSRF check reads
        the form) reads a body we refuse; a body sent without a length stops being read at the limit."""
        if not ours(prefix):
            return
        limit = request_limit(current_app.config, current_app.view_functions.get(request.endpoint or ""))
        request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            abort(413)

    def add_headers(response: Response) -> Response:
        if not ours(prefix):
            return response
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, limit_body)
    app.after_request(add_headers)


def _cookie_flags(app: Flask) -> None:
    """``SameSite=Lax`` unless the host chose; ``Secure`` on an https deployment or when asked."""
    secure = app.config["SECURE_COOKIES"]
    if secure is None:
        secure = https_deployment(app)
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    if secure:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
