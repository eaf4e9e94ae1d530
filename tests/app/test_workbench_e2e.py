"""End to end: a planner uses the workbench in headless Chromium (Debian's, through Playwright).

Opens the scenario page, enters a planner token (kept in sessionStorage, sent as a header),
picks a care type and k, runs the scenario and must see the map and the same headline numbers
the API returns for that scenario; runs a second one and opens the comparison of the two; then
runs a third scenario with the keyboard only. Screenshots of every step go to
``artifacts/workbench/`` (git-ignored; CI keeps ``artifacts/``). Every address is loopback
(other requests are aborted, so the page's independence from the internet is tested too) and
every wait is bounded.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from app.localdb import PROJECT_ROOT
from tests.app.test_browser_e2e import CHROMIUM_ARGS, LOOPBACK, _chromium_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.db]

ARTIFACTS = PROJECT_ROOT / "artifacts" / "workbench"
CARE = "pancreatic-resection"
TIMEOUT_MS = 90_000  # a scenario and its map on a busy 2-core machine
#: the form's controls in reading order (what Tab must reach, in this order)
FORM_ORDER = ["care_type", "method", "centres", "minutes-input", "apply_norm", "min_volume"]


@pytest.fixture(scope="module")
def api(seeded, neo4j_server) -> Iterator[tuple[str, str]]:
    """The API on a free loopback port in a thread, reads open, and a planner token."""
    import uvicorn

    from app.auth import create_token
    from app.main import create_app
    from tests.conftest import make_settings

    token = create_token(seeded, "neo4j", name=f"e2e-planner-{secrets.token_hex(3)}",
                         role="planner")
    app = create_app(make_settings(neo4j_server, open_reads=True))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the API did not start within 30 s", pytrace=False)
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture
def page(api, tmp_path: Path, request):
    chromium = _chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright is missing: pip install -e '.[test]'")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
                                     timeout=TIMEOUT_MS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        outside: list[str] = []

        def loopback_only(route) -> None:
            if urlsplit(route.request.url).hostname in LOOPBACK:
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", loopback_only)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        failures = request.session.testsfailed
        try:
            yield pg
            assert not outside, f"the page asked for non-loopback resources: {outside}"
            assert not errors, f"script errors or CSP violations in the page: {errors}"
        finally:
            if request.session.testsfailed > failures:
                pg.screenshot(path=str(ARTIFACTS / f"failure-{request.node.name}.png"),
                              full_page=True)
            context.close()
            browser.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _enter_token(page, token: str) -> None:
    page.get_by_label("Planner token").fill(token)
    page.get_by_role("button", name="Use token").click()
    page.get_by_text("A token is set for this browser session.").wait_for()


def _api_scenario(base: str, scenario_id: str) -> dict:
    r = requests.get(f"{base}/scenarios/{scenario_id}", timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _cell(page, figure: str, col: str) -> str:
    return page.locator(f'#headline tr[data-figure="{figure}"] td[data-col="{col}"]').inner_text()


def _run_from_form(page, k: int) -> str:
    page.get_by_label("Care type", exact=True).select_option(CARE)
    page.get_by_label("Centres to open (k)").fill(str(k))
    with page.expect_navigation(url="**/app/scenarios/*"):
        page.get_by_role("button", name="Run scenario").click()
    return page.locator("#scenario-id").inner_text()


def test_planner_runs_a_scenario_sees_the_api_figures_and_compares_two(page, api):
    from playwright.sync_api import expect

    base, token = api
    page.goto(f"{base}/app")
    expect(page.locator("#coverage")).to_be_visible()
    expect(page.locator("figure.map svg #outline")).to_be_attached()
    _shot(page, "01-overview")

    page.goto(f"{base}/app/scenarios")
    _enter_token(page, token)
    first = _run_from_form(page, 5)
    expect(page.locator("figure.map svg #outline").first).to_be_attached()
    s = _api_scenario(base, first)
    h = s["headline"]
    for c in s["centres"]:
        expect(page.locator(f"figure.map svg #hospital-{c['hospital']}")).to_have_count(1)
    assert _cell(page, "centres", "scenario") == "5" == str(h["centres"])
    assert _cell(page, "mean_minutes", "today") == f"{h['mean_minutes_baseline']:.1f}"
    assert _cell(page, "mean_minutes", "scenario") == f"{h['mean_minutes']:.1f}"
    assert _cell(page, "mean_minutes", "change") == f"{h['mean_delta']:+.1f}"
    assert _cell(page, "share_within", "scenario") == f"{100 * h['share_within']:.1f} %"
    assert _cell(page, "co2_kg", "change") == f"{h['co2_kg_delta']:+,.0f}"
    expect(page.locator("#centres tbody tr")).to_have_count(len(s["centres"]))
    _shot(page, "02-scenario-k5")

    page.goto(f"{base}/app/scenarios")  # the token stays for the session
    expect(page.get_by_text("A token is set for this browser session.")).to_be_visible()
    second = _run_from_form(page, 8)
    page.goto(f"{base}/app/scenarios")
    page.locator(f"#pick-{first}").check()
    page.locator(f"#pick-{second}").check()
    with page.expect_navigation(url="**/app/compare?*"):
        page.get_by_role("button", name="Compare the selected scenarios").click()
    from urllib.parse import parse_qs

    order = parse_qs(urlsplit(page.url).query)["ids"]  # the list's order: A is the topmost
    assert sorted(order) == sorted([first, second])
    row = page.locator('#comparison tr[data-figure="mean_minutes"]')
    means = [_api_scenario(base, i)["headline"]["mean_minutes"] for i in order]
    expect(row.locator('td[data-col="a"]')).to_have_text(f"{means[0]:.1f}")
    expect(row.locator('td[data-col="b"]')).to_have_text(f"{means[1]:.1f}")
    expect(row.locator('td[data-col="delta-b"]')).to_have_text(f"{means[1] - means[0]:+.1f}")
    expect(page.locator("figure.map svg #outline")).to_have_count(2)
    _shot(page, "03-compare")


def test_keyboard_only_reaches_the_form_in_order_and_runs_it(page, api):
    from playwright.sync_api import expect

    base, token = api
    page.goto(f"{base}/app/scenarios")
    reached: list[str] = []
    for _ in range(80):  # bounded: the form comes within a few dozen stops
        page.keyboard.press("Tab")
        ident = page.evaluate("document.activeElement && document.activeElement.id")
        reached.append(ident or "")
        if ident == "token-input" and not page.evaluate("sessionStorage.length"):
            page.keyboard.type(token)
            page.keyboard.press("Enter")
            expect(page.get_by_text("A token is set for this browser session.")).to_be_visible()
        if ident == "run":
            break
    assert "skip" not in reached  # the skip link has no id; the first stop is it
    order = [i for i in reached if i in FORM_ORDER]
    assert order == FORM_ORDER, reached
    assert reached[-1] == "run", reached
    # back to k with Shift+Tab (bounded), set it, and run with Enter: no mouse at all
    for _ in range(80):
        if page.evaluate("document.activeElement.id") == "centres":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    _shot(page, "04-keyboard-form")
    with page.expect_navigation(url="**/app/scenarios/*"):
        page.keyboard.press("Enter")  # Enter in a field submits the form
    expect(page.locator('#headline tr[data-figure="centres"] td[data-col="scenario"]')
           ).to_have_text("3")
    _shot(page, "05-keyboard-result")


def test_planner_runs_a_sweep_from_the_form_and_sees_the_api_plans(page, api):
    from playwright.sync_api import expect

    base, token = api
    page.goto(f"{base}/app/sweeps")
    _enter_token(page, token)
    page.get_by_label("Care type", exact=True).select_option(CARE)
    page.get_by_label("Fewest centres (k from)").fill("4")
    page.get_by_label("Most centres (k to)").fill("6")
    page.get_by_label("Volume norms", exact=False).fill("none, 20")
    with page.expect_navigation(url="**/app/sweeps/*"):
        page.get_by_role("button", name="Run sweep").click()
    sweep_id = page.locator("#sweep-id").inner_text()
    r = requests.get(f"{base}/sweeps/{sweep_id}", timeout=30)
    assert r.status_code == 200, r.text
    s = r.json()
    assert {(x["k"], x["norm"]) for x in s["runs"]} == {
        (k, n) for k in (4, 5, 6) for n in (None, 20)}
    expect(page.locator("#runs tbody tr[data-plan]")).to_have_count(7)  # today + 6 plans
    for x in s["runs"]:
        norm = "none" if x["norm"] is None else f"{x['norm']:g}"
        cell = page.locator(f'#runs tr[data-plan="{x["k"]}-{norm}"] td[data-col="mean_minutes"]')
        expect(cell).to_have_text(f"{x['mean_minutes']:.1f}")
    expect(page.locator("#runs tr.pareto")).to_have_count(sum(x["pareto"] for x in s["runs"]))
    expect(page.locator("figure.chart svg")).to_be_attached()
    _shot(page, "06-sweep")
