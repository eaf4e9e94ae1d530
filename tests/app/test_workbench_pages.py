"""The workbench pages (server-rendered, no JavaScript needed to read) on the seed, checked
against the API's JSON for the same data."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

CARE = "pancreatic-resection"


class _Page(HTMLParser):
    """Collects what the tests look at: loaded references, ids, labels, gap cells, scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, str | None, str | None]] = []
        self.gap_cells: list[tuple[str, str]] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "xlink:href", "action"):
            if a.get(k):
                self.refs.append(a[k])
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in {"input", "select", "textarea"} and a.get("type") != "hidden":
            self.controls.append((tag, a.get("id"), a.get("name")))
        if tag == "td" and "gap" in (a.get("class") or "").split():
            self.gap_cells.append((a["data-region"], a["data-care-type"]))
        if tag == "script":
            self._in_script = not a.get("src")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def _same_origin_only(page: _Page) -> None:
    assert page.inline_scripts == 0
    for ref in page.refs:
        assert ref.startswith(("/", "#")) and not ref.startswith("//"), ref


@pytest.fixture(scope="module")
def two_scenarios(seeded_client) -> list[dict]:
    out = []
    for k in (4, 7):
        r = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": k,
                                                    "apply_norm": True})
        assert r.status_code == 201, r.text
        out.append(r.json())
    return out


def test_root_leads_to_the_workbench(seeded_client):
    r = seeded_client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/app"


def test_overview_marks_the_same_gaps_as_the_coverage_api(seeded_client):
    r = seeded_client.get("/app", params={"minutes": 30})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    page = _parse(r.text)
    _same_origin_only(page)
    assert "outline" in page.ids and "coverage" in page.ids
    matrix = seeded_client.get("/coverage", params={"minutes": 30}).json()
    expected = sorted((x["region"], x["care_type"]) for x in matrix["data"] if x["gap"])
    assert sorted(page.gap_cells) == expected


def test_care_type_page_lists_every_provider_against_the_norm(seeded_client):
    api = seeded_client.get(f"/care-types/{CARE}/concentration").json()
    r = seeded_client.get(f"/app/care-types/{CARE}")
    assert r.status_code == 200
    body = r.text.split('id="providers"', 1)[1]
    assert body.count("<tr") - 1 == api["providers"]  # minus the header row
    assert body.count("below the norm") == api["providers"] - api["compliant_providers"]


def test_scenario_form_labels_every_control(seeded_client, two_scenarios):
    r = seeded_client.get("/app/scenarios")
    assert r.status_code == 200
    page = _parse(r.text)
    _same_origin_only(page)
    assert page.controls
    for tag, ident, name in page.controls:
        assert ident and ident in page.label_for, (tag, ident, name)
    for s in two_scenarios:
        assert f'href="/app/scenarios/{s["id"]}"' in r.text


def test_scenario_page_shows_the_api_headline(seeded_client, two_scenarios):
    s = two_scenarios[0]
    r = seeded_client.get(f"/app/scenarios/{s['id']}")
    assert r.status_code == 200
    page = _parse(r.text)
    _same_origin_only(page)
    assert f"hospital-{s['centres'][0]['hospital']}" in page.ids  # the inline map
    h = s["headline"]
    row = r.text.split('data-figure="mean_minutes"', 1)[1].split("</tr>", 1)[0]
    assert f">{h['mean_minutes_baseline']:.1f}<" in row
    assert f">{h['mean_minutes']:.1f}<" in row and f">{h['mean_delta']:+.1f}<" in row
    for path in ("report.pdf", "allocation.csv", "geojson"):
        assert f"/scenarios/{s['id']}/{path}" in page.refs


def test_compare_page_puts_two_scenarios_side_by_side(seeded_client, two_scenarios):
    a, b = two_scenarios
    r = seeded_client.get("/app/compare", params={"a": a["id"], "b": b["id"]})
    assert r.status_code == 200
    row = r.text.split('data-figure="centres"', 1)[1].split("</tr>", 1)[0]
    assert ">4<" in row and ">7<" in row and ">+3<" in row
    assert a["name"] in r.text and b["name"] in r.text


def test_compare_page_takes_up_to_six_with_changes_against_the_first(seeded_client,
                                                                      two_scenarios):
    r = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 10})
    assert r.status_code == 201, r.text
    third = r.json()
    chosen = [*two_scenarios, third]
    r = seeded_client.get("/app/compare", params=[("ids", s["id"]) for s in chosen])
    assert r.status_code == 200
    page = _parse(r.text)
    _same_origin_only(page)
    row = r.text.split('data-figure="mean_minutes"', 1)[1].split("</tr>", 1)[0]
    first = chosen[0]["headline"]["mean_minutes"]
    for letter, s in zip("abc", chosen, strict=True):
        mean = s["headline"]["mean_minutes"]
        assert f'data-col="{letter}">{mean:.1f}<' in row
        if letter != "a":
            assert f'data-col="delta-{letter}">{mean - first:+.1f}<' in row
    assert {"map-A", "map-B", "map-C"} <= page.ids
    centres = r.text.split('id="compare-centres"', 1)[1].split("</table>", 1)[0]
    union = {c["hospital"] for s in chosen for c in s["centres"]}
    assert centres.count("<tr><td>") == len(union)
    for params in ([("ids", chosen[0]["id"])], [("ids", f"s{i}") for i in range(7)]):
        assert seeded_client.get("/app/compare", params=params).status_code == 422


def test_scenario_list_offers_each_stored_scenario_for_comparison(seeded_client,
                                                                   two_scenarios):
    r = seeded_client.get("/app/scenarios")
    page = _parse(r.text)
    for s in two_scenarios:
        assert f"pick-{s['id']}" in page.ids and f"pick-{s['id']}" in page.label_for
    assert "compare-selected" in page.ids


@pytest.fixture(scope="module")
def sweep(seeded_client) -> dict:
    r = seeded_client.post("/sweeps", json={"care_type": CARE, "k_min": 3, "k_max": 5,
                                             "norms": [None, 20], "time_limit": 20})
    assert r.status_code == 201, r.text
    return r.json()


def test_sweeps_page_labels_its_form_and_lists_the_stored_sweep(seeded_client, sweep):
    r = seeded_client.get("/app/sweeps")
    assert r.status_code == 200
    page = _parse(r.text)
    _same_origin_only(page)
    assert "sweep-form" in page.ids and page.controls
    for tag, ident, name in page.controls:
        assert ident and ident in page.label_for, (tag, ident, name)
    assert f'href="/app/sweeps/{sweep["id"]}"' in r.text
    assert 'value="set_covering"' not in r.text  # a sweep over k cannot take it
    assert 'value="p_median_choice"' not in r.text  # nor a choice model from this form


def _row(text: str, plan: str) -> str:
    return text.split(f'data-plan="{plan}"', 1)[1].split("</tr>", 1)[0]


def test_sweep_page_shows_every_plan_the_api_stored(seeded_client, sweep):
    r = seeded_client.get(f"/app/sweeps/{sweep['id']}")
    assert r.status_code == 200
    page = _parse(r.text)
    _same_origin_only(page)
    table = r.text.split('id="runs"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr data-plan=") == len(sweep["runs"]) == 6
    for run in sweep["runs"]:
        norm = "none" if run["norm"] is None else f"{run['norm']:g}"
        row = _row(table, f"{run['k']}-{norm}")
        assert f'data-col="mean_minutes">{run["mean_minutes"]:.1f}<' in row
        assert f'data-col="mean_delta">{run["mean_delta"]:+.1f}<' in row
        assert ("Pareto-efficient" in row) == run["pareto"]
    losses = r.text.split('id="losses"', 1)[1].split("</table>", 1)[0]
    assert losses.count("<tr data-hospital=") == len(sweep["losses"])
    for path in ("table.csv", "table.csv?table=losses", "chart.png"):
        assert f"/sweeps/{sweep['id']}/{path}" in page.refs
    assert "<svg" in r.text.split('id="chart-heading"', 1)[1]


def test_unknown_ids_give_a_404_page(seeded_client):
    for path in ("/app/scenarios/nope", "/app/care-types/nope", "/app/compare?a=x&b=y",
                 "/app/sweeps/nope"):
        r = seeded_client.get(path)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path


def test_static_files_are_a_fixed_list(seeded_client):
    r = seeded_client.get("/app/static/workbench.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "sessionStorage" in r.text and "Authorization" in r.text
    assert seeded_client.get("/app/static/..%2Fmain.py").status_code == 404
    assert seeded_client.get("/app/static/other.js").status_code == 404


def test_closed_reads_ask_for_a_token_and_accept_one(seeded, client_for):
    client = client_for(open_reads=False)
    token = client.headers.pop("Authorization")
    r = client.get("/app")
    assert r.status_code == 401 and 'data-needs-token="true"' in r.text
    assert "token-input" in _parse(r.text).ids
    assert client.get("/app", headers={"Authorization": token}).status_code == 200
