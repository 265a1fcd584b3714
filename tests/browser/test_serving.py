"""The browser tests' server closes every response body itself (see ``tests.browser.serving``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.browser.serving import closing_bodies


class _Body:
    """A response body that records whether it was closed, as a static file's wrapper would."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield b"icon"

    def close(self) -> None:
        self.closed = True


def test_the_body_is_read_and_closed_before_the_server_sees_it() -> None:
    body = _Body()

    def app(environ: dict[str, Any], start_response: Any) -> _Body:
        start_response("200 OK", [("Content-Type", "image/svg+xml")])
        return body

    answered = closing_bodies(app)({}, lambda status, headers: None)

    assert body.closed
    assert list(answered) == [b"icon"]
