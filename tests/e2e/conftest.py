"""Browser journeys: Playwright drives Debian's Chromium against the real app.

The app is served on 127.0.0.1 (a random free port) by werkzeug in a thread, on
the suite's test database, with CSRF on: the journeys use the real forms. Each
test builds its data with the services inside the ``app`` fixture (whose
teardown empties the tables), then a person clicks through the pages in a
fresh browser context. Every journey checks what the person reads, runs
axe-core on its main pages (no « serious » or « critical » violation) and
saves a screenshot under ``tests/e2e/screenshots/`` (git-ignored).

Chromium comes from Debian (``/usr/bin/chromium``, installed by
``scripts/test``), never from ``playwright install``; axe-core comes from the
``axe-playwright-python`` package (PyPI), which bundles ``axe.min.js``.
Without Chromium the journeys fail when ``CI`` is set, and are skipped with
the reason otherwise.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from gic.extensions import db
from tests.conftest import PASSWORD, make_app
from tests.helpers import unavailable

try:
    from playwright.sync_api import expect
except ImportError:  # reported by the ``browser`` fixture: a failure in CI, a skip elsewhere
    expect = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Impacts that fail a journey (axe also reports « moderate » and « minor »).
BLOCKING_IMPACTS = ("serious", "critical")
TIMEOUT_MS = 15_000
AXE_RUN = """
(async () => {
  const closed = [...document.querySelectorAll('details:not([open])')];
  closed.forEach(d => { d.open = true; });
  try {
    const r = await axe.run(document, {resultTypes: ['violations']});
    return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + n.failureSummary)}));
  } finally {
    closed.forEach(d => { d.open = false; });
  }
})()
"""


def _unavailable(reason: str) -> None:
    """No browser here: a failure in CI (the journeys must run there), a skip elsewhere."""
    unavailable(f"Parcours navigateur impossibles : {reason} "
                "(scripts/test installe le paquet Debian chromium et les dépendances de test).")


def _browser_environment() -> dict[str, str]:
    """The environment of the tests, without a preloaded library: the suite is also
    run under a moved system clock (``datefudge``, README « Les tests ») to prove that
    no test reads the real date, and Chromium hangs under such a library (seen with
    libfaketime, even on a ``data:`` page). The browser keeps the real clock; the
    app it talks to is on the pinned one."""
    return {name: value for name, value in os.environ.items()
            if name != "LD_PRELOAD" and not name.startswith("FAKETIME")}


@pytest.fixture(scope="package")
def browser():
    """One headless Debian Chromium for all the journeys of this package."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} est absent")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("le paquet Python playwright n'est pas installé")
    expect.set_options(timeout=TIMEOUT_MS)  # a loaded CI machine renders PDFs slowly
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              env=_browser_environment())
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def axe_source() -> str:
    """axe-core's ``axe.min.js``, as shipped by the axe-playwright-python package."""
    try:
        return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(
            encoding="utf-8")
    except ModuleNotFoundError:
        _unavailable("le paquet Python axe-playwright-python n'est pas installé")


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request in the test output."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture
def live_server(app, database_url, tmp_path) -> Iterator[str]:
    """The real app, CSRF on, served in a thread on 127.0.0.1; its base URL.

    Each request runs in its own thread with its own app context (and database
    session), like in production; the test's own app context (the ``app``
    fixture) builds the data and reads the database afterwards.
    """
    served = make_app(database_url, WTF_CSRF_ENABLED=True,
                      MAIL_OUTBOX=str(tmp_path / "outbox-served"))
    server = make_server("127.0.0.1", 0, served, threaded=True,
                         request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="gic-e2e-server",
                              daemon=True)
    thread.start()
    db.session.commit()  # the journey's data is visible to the server's connections
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with served.app_context():
            db.engine.dispose()  # no connection left open when the tables are emptied


@dataclass
class Journey:
    """A person's browser tab on the served app, with the journey's checks."""

    page: object  # playwright.sync_api.Page
    base_url: str
    name: str
    axe_source: str

    def go(self, path: str) -> None:
        """Open a page of the app by its path."""
        self.page.goto(self.base_url + path)

    def login(self, user, password: str = PASSWORD) -> None:
        """Log in through the real login form; lands on the dashboard."""
        self.go("/login")
        self.page.get_by_label("Adresse e-mail").fill(user.email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_url(re.compile(r"/$"))

    def sees(self, text: str) -> None:
        """``text`` is visible somewhere on the page."""
        expect(self.page.get_by_text(text, exact=False).first).to_be_visible()

    def flash(self, text: str) -> None:
        """A flash message (success, error or info) containing ``text`` is shown."""
        expect(self.page.locator(".flash").filter(has_text=text)).to_be_visible()

    def check_accessibility(self, label: str) -> None:
        """axe-core on the current page: no « serious » or « critical » violation.

        axe is injected with ``page.evaluate``, which the page's Content Security
        Policy (no inline script) does not apply to.
        """
        page = self.page
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe_source)
        # axe skips hidden content: the forms folded in closed <details> (decline,
        # complete, add a decision…) are opened for the check, then folded back.
        results = page.evaluate(AXE_RUN)
        blocking = [v for v in results if v["impact"] in BLOCKING_IMPACTS]
        report = "\n".join(f"- {v['id']} ({v['impact']}): {v['help']}\n    "
                           + "\n    ".join(v["nodes"][:5]) for v in blocking)
        assert not blocking, f"axe-core, page « {label} » ({page.url}) :\n{report}"
        # axe-core 4.x no longer reports duplicate ids, with which a <label for>
        # names another form's field (two forms on a page with a « text » field).
        duplicates = page.evaluate(
            "[...document.querySelectorAll('[id]')].map(e => e.id)"
            ".filter((id, n, ids) => ids.indexOf(id) !== n)")
        assert not duplicates, f"ids en double, page « {label} » ({page.url}) : {duplicates}"

    def screenshot(self) -> Path:
        """The whole page as ``tests/e2e/screenshots/<journey>.png``."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{self.name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def open_journey(request, browser, live_server, axe_source):
    """Open a fresh browser context (French, Paris time) on the served app:
    ``open_journey()`` at desktop size, ``open_journey(PHONE)`` on a phone."""
    contexts = []

    def open_(viewport: dict[str, int] = DESKTOP) -> Journey:
        phone = viewport["width"] < 600
        context = browser.new_context(viewport=viewport, locale="fr-FR",
                                      timezone_id="Europe/Paris", accept_downloads=True,
                                      is_mobile=phone, has_touch=phone)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        name = request.node.name.removeprefix("test_")
        return Journey(page=context.new_page(), base_url=live_server, name=name,
                       axe_source=axe_source)

    yield open_
    for context in contexts:
        context.close()
