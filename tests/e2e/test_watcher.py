"""The watching of every page works: a CSP violation, a console error and an HTTP error are
each seen (else the journeys' "no problem on any page" would prove nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer, Watcher

pytestmark = pytest.mark.e2e


def test_the_watcher_sees_csp_violations_console_errors_and_http_errors(
    browser: Browser, live_server: LiveServer, new_watcher: Callable[[], Watcher],
) -> None:
    watcher = new_watcher()
    context = browser.new_context(base_url=live_server.url)
    watcher.watch(context)
    try:
        page = context.new_page()
        page.goto("/auth/login")
        ran = page.evaluate("""async () => {
            const script = document.createElement("script");
            script.textContent = "window.inlineScriptRan = true;";
            document.body.appendChild(script);
            document.body.setAttribute("style", "color: red");
            console.error("watcher self-test");
            await new Promise((done) => setTimeout(done, 100));  // the violation events
            return window.inlineScriptRan === true;
        }""")
        assert ran is False, "the CSP lets an inline script run"
        page.goto("/no-such-page")
    finally:
        context.close()
    seen = "\n".join(watcher.problems)
    assert "CSP violation: script-src" in seen, seen
    assert "CSP violation: style-src" in seen, seen
    assert "console error on" in seen and "watcher self-test" in seen, seen
    assert "HTTP 404 for GET" in seen, seen
    with pytest.raises(pytest.fail.Exception, match="watcher self-test"):
        watcher.check()
    assert watcher.problems == []
