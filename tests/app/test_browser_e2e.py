"""End to end: Neo4j Browser in headless Chromium against the test database (issue 7).

The Browser (5.24, served on the local server's HTTP port) connects over Bolt with the
``neo4j_server`` credentials, runs a hospital-region query and must draw exactly the nodes and
relationships the Python driver returns for the same query; then it opens the API's guide with
``:play``. Screenshots go to ``artifacts/browser/`` (git-ignored).

Debian's ``chromium`` is driven through Playwright; ``playwright install`` is never needed.
Without Chromium or Playwright the test skips (which the conftest turns into a failure under
``CI=true``). Every wait is bounded and every address is loopback: requests to any other host
are aborted, so the Browser's external fonts and telemetry cannot stall the test.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.localdb import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.db]

CHROMIUM = os.environ.get("ONCOREGIO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "artifacts" / "browser"
GUIDE = PROJECT_ROOT / "graph" / "browser" / "guide.html"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

QUERY = "MATCH (h:Hospital)-[r:IN_REGION]->(g:Region) RETURN h, r, g LIMIT 25"
TIMEOUT_MS = 60_000  # any single Browser wait (generous: the machine may be busy)
NODE_SELECTOR = 'svg g.node[aria-label^="graph-node"]'
REL_SELECTOR = "svg g.relationship"  # no id attribute on relationships: counted only


# --------------------------------------------------------------------------- fixtures
def _chromium_or_skip() -> str:
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).is_file() else None)
    if path is None or not os.access(path, os.X_OK):
        pytest.skip(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium; or set "
                    "ONCOREGIO_CHROMIUM): the Neo4j Browser end-to-end test needs it")
    return path


@pytest.fixture(scope="module")
def browser_url(neo4j_server) -> str:
    """The Browser served by the test server's HTTP port (local server only)."""
    if neo4j_server.instance is None:
        pytest.skip(f"the Browser test needs the project's local server, whose HTTP port serves "
                    f"Neo4j Browser; this run uses a {neo4j_server.kind} database")
    host = urlsplit(neo4j_server.instance.browser_url).hostname
    assert host in LOOPBACK, f"the Browser must be on loopback, not {host}"
    return neo4j_server.instance.browser_url


@pytest.fixture
def page(browser_url: str, tmp_path: Path, request):
    """A fresh headless Chromium profile (under tmp_path) with non-loopback requests aborted."""
    chromium = _chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright is missing: pip install -e '.[test]'")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900}, timeout=TIMEOUT_MS)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)

        def loopback_only(route) -> None:
            if urlsplit(route.request.url).hostname in LOOPBACK:
                route.continue_()
            else:
                route.abort()

        context.route("**/*", loopback_only)
        pg = context.pages[0] if context.pages else context.new_page()
        failures = request.session.testsfailed
        try:
            yield pg
        finally:
            if request.session.testsfailed > failures:  # the call phase failed: keep the view
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                pg.screenshot(path=str(ARTIFACTS / f"failure-{request.node.name}.png"))
            context.close()


@pytest.fixture
def api_url(neo4j_server, browser_url: str) -> Iterator[str]:
    """The API on a free loopback port, in a thread, with the Browser's origin allowed."""
    import uvicorn

    from app.main import create_app
    from tests.conftest import make_settings

    split = urlsplit(browser_url)
    origin = f"{split.scheme}://{split.netloc}"
    app = create_app(make_settings(neo4j_server, browser_origins=[origin]))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the API did not start within 20 s", pytrace=False)
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


# --------------------------------------------------------------------------- helpers
def _connect(page, browser_url: str, server, database: str = "neo4j") -> None:
    from playwright.sync_api import expect

    bolt = urlsplit(server.uri)
    assert bolt.scheme in {"bolt", "neo4j"} and bolt.hostname in LOOPBACK, server.uri
    page.goto(browser_url)
    page.get_by_test_id("boltaddress").wait_for()
    page.get_by_test_id("bolt-scheme-select").select_option(f"{bolt.scheme}://")
    page.get_by_test_id("boltaddress").fill(bolt.netloc)
    # name the database: left empty, Browser sometimes never learns the default on a fresh
    # server and its prompt stays "$" instead of "neo4j$"
    page.get_by_test_id("database").fill(database)
    page.get_by_test_id("username").fill(server.user)
    page.get_by_test_id("password").fill(server.password)
    page.get_by_test_id("connect").click()
    expect(page.get_by_role("heading", name="Connected to Neo4j")).to_be_visible()
    # the main editor's prompt names the database in use
    expect(page.get_by_test_id("activeEditor").locator(".line-numbers")).to_have_text(
        f"{database}$")


def _run(page, command: str) -> None:
    editor = page.get_by_test_id("activeEditor")
    editor.click()
    page.keyboard.insert_text(command)  # insert, not type: no auto-closed brackets
    page.get_by_test_id("editor-Run").click()


def _frame_for(page, text: str):
    command = page.get_by_test_id("frameCommand").filter(has_text=text)
    return page.get_by_test_id("frame").filter(has=command).first


def _wait_layout_settled(locator, limit_s: float = 10.0) -> None:
    """Wait (at most ``limit_s``) until the force layout stops moving the nodes."""
    deadline = time.monotonic() + limit_s
    previous = None
    while time.monotonic() < deadline:
        current = locator.evaluate_all("els => els.map(e => e.getAttribute('transform'))")
        if current == previous:
            return
        previous = current
        time.sleep(0.3)


def _guide_outline() -> tuple[str, int]:
    """The first slide's title and the number of slides, read from ``guide.html`` itself."""
    html = GUIDE.read_text(encoding="utf-8")
    slides = html.count("<slide")
    match = re.search(r"<h3>(.*?)</h3>", html[html.index("<slide"):], re.S)
    assert slides and match, "the guide has no slide with an <h3> title"
    return re.sub(r"\s+", " ", match.group(1)).strip(), slides


# --------------------------------------------------------------------------- tests
def test_browser_draws_the_hospital_region_graph(seeded, neo4j_server, browser_url, page):
    from playwright.sync_api import expect

    records = seeded.execute_query(QUERY, database_="neo4j").records
    # Browser labels nodes "graph-node<id>" with the legacy numeric id (element id's last part)
    node_ids = {n.element_id.rsplit(":", 1)[-1] for rec in records for n in (rec["h"], rec["g"])}
    rel_ids = {rec["r"].element_id.rsplit(":", 1)[-1] for rec in records}
    assert node_ids and rel_ids, "the seed has no hospitals in regions"

    _connect(page, browser_url, neo4j_server)
    _run(page, QUERY)
    frame = _frame_for(page, "IN_REGION")
    nodes = frame.locator(NODE_SELECTOR)
    relationships = frame.locator(REL_SELECTOR)
    expect(nodes).to_have_count(len(node_ids))
    expect(relationships).to_have_count(len(rel_ids))
    _wait_layout_settled(nodes)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "graph.png"))

    drawn = {label.removeprefix("graph-node") for label in
             nodes.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")}
    assert drawn == node_ids
    # every node group holds its drawn circle, not an empty placeholder
    expect(frame.locator(f"{NODE_SELECTOR} circle.b-outline")).to_have_count(len(node_ids))
    expect(frame).to_contain_text(
        f"Displaying {len(node_ids)} nodes, {len(rel_ids)} relationships")


def test_browser_opens_the_guide(neo4j_server, browser_url, api_url, page):
    from playwright.sync_api import expect

    title, slides = _guide_outline()
    _connect(page, browser_url, neo4j_server)
    _run(page, f":play {api_url}/guide")
    frame = _frame_for(page, "/guide")
    carousel = frame.get_by_test_id("carousel")
    # Browser turns each <slide> into div.slide and shows only the current one
    heading = carousel.locator(".slide h3").first
    expect(heading).to_have_text(title)
    expect(heading).to_be_visible()
    expect(carousel).to_contain_text(f"1 / {slides}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    frame.screenshot(path=str(ARTIFACTS / "guide.png"))  # waits until the frame stops moving
