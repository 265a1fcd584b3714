"""The pages' security headers as Chromium applies them: no page of ours renders inside another site's
frame, and the pages and the Swagger UI run under the Content-Security-Policy without a violation."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page

from tests.browser.serving import serve_in_thread


def _framing_site(target: str) -> object:
    """A WSGI app on another origin whose one page frames ``target``, as a clickjacking page would."""

    def wsgi(environ: dict[str, object], start_response: object) -> list[bytes]:
        body = f'<!doctype html><title>Elsewhere</title><iframe id="victim" src="{target}"></iframe>'.encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])  # type: ignore[operator]
        return [body]

    return wsgi


def test_no_page_of_ours_renders_inside_another_site_s_frame(page: Page, live_url: str) -> None:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    with serve_in_thread(_framing_site(f"{live_url}/login"), "gpect-framing-site") as elsewhere:
        page.goto(elsewhere)
        page.wait_for_timeout(1000)
        frame = page.frame_locator("#victim")
        assert frame.locator("input[name=email]").count() == 0, "the sign-in form rendered inside a foreign frame"
    assert any(("frame" in text and "ancestors" in text) or "X-Frame-Options" in text for text in refused), refused


def test_the_pages_and_the_swagger_ui_run_under_the_policy(page: Page, live_url: str) -> None:
    violations: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    page.goto(f"{live_url}/login")
    assert page.locator("input[name=email]").count() >= 1
    page.goto(f"{live_url}/api/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() > 10, "the Swagger UI lists the API's operations"
    assert not violations, violations
