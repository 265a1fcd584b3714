"""Serving an app from a thread for the browser, with every response body closed.

Werkzeug's development server closes the response body only after draining the client's socket, and
skips the close when that read fails: a browser that resets the connection early (an icon answered
304, a page left mid-load) leaves the static file open until garbage collection, which the suite's
strict warnings then report against whatever test runs next. The app is wrapped so that each body is
read and closed before the server sees it; the pages served here are small.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server


def closing_bodies(app: Any) -> Any:
    """A WSGI app answering as ``app`` does, whose bodies are already read and closed."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return wsgi


@contextmanager
def serve_in_thread(app: Any, name: str) -> Iterator[str]:
    """Serve ``app`` on a free local port in a daemon thread; yield its base address."""
    server = make_server("127.0.0.1", 0, closing_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
