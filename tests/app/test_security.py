"""Roles, tokens and hostile input over HTTP, against the real test Neo4j with the seed loaded.

Oracles: the role table below is checked against the OpenAPI (every operation has an entry);
token hashes are recomputed with hashlib; allowed methods come from the OpenAPI paths.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from fastapi.testclient import TestClient

from app.auth import TokenCache, create_token
from tests.conftest import make_settings
from tests.helpers import seed_rows

CARE = "pancreatic-resection"
REGION = seed_rows("regions.csv")[0]["id"]
HOSPITAL = seed_rows("hospitals.csv")[0]["id"]
NETWORK = seed_rows("networks.csv")[0]["id"]
CARE_TYPES = {c["id"] for c in seed_rows("care_types.csv")}
# the role each operation needs; None: open to anyone (health, Browser guide and style)
ROLE = {("get", "/health"): None, ("get", "/guide"): None, ("get", "/style.grass"): None,
        ("post", "/scenarios"): "planner", ("delete", "/scenarios/{scenario_id}"): "planner",
        ("post", "/calibrations"): "planner", ("delete", "/calibrations/{model_id}"): "planner",
        ("post", "/analysis/flows"): "admin", ("post", "/sweeps"): "planner",
        ("delete", "/sweeps/{sweep_id}"): "planner"}
GIVEN = {"care_type": CARE, "method": "given", "name": "security test",
         "params": {"beta_time": -0.05}, "source": "made up for a role test",
         "confidence": "modelled"}
SWEEP = {"care_type": CARE, "k_min": 3, "k_max": 3, "solver": "heuristic", "time_limit": 2}
BODIES = {"/scenarios": {"care_type": CARE, "centres": 3}, "/calibrations": GIVEN,
          "/sweeps": SWEEP}
LEVEL = {"reader": 0, "planner": 1, "admin": 2}


@pytest.fixture(scope="module")
def app_closed(seeded, neo4j_server):
    """The app with reads closed, no token cache, and one token per role (+ a 2nd planner)."""
    from app.main import create_app

    tokens = {name: create_token(seeded, "neo4j", name=name, role=role)
              for name, role in (("sec-reader", "reader"), ("sec-planner", "planner"),
                                 ("sec-planner-2", "planner"), ("sec-admin", "admin"))}
    app = create_app(make_settings(neo4j_server, open_reads=False, token_cache_seconds=0))
    with TestClient(app) as c:
        yield c, tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def is_problem(r, status: int) -> bool:
    body = r.json()
    return (r.status_code == status and r.headers["content-type"] == "application/problem+json"
            and body["status"] == status and body["detail"])


def fill(path: str, scenario_id: str, model_id: str, sweep_id: str) -> str:
    values = {"sweep_id": sweep_id, "region_id": REGION, "hospital_id": HOSPITAL,
              "network_id": NETWORK, "care_type_id": CARE, "scenario_id": scenario_id,
              "a": scenario_id, "b": scenario_id, "fmt": "svg", "model_id": model_id}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_every_operation_checks_its_role(app_closed):
    client, tokens = app_closed
    spec = client.get("/openapi.json").json()
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    created = client.post("/scenarios", json={"care_type": CARE, "centres": 3},
                          headers=bearer(tokens["sec-planner"]))
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    model = client.post("/calibrations", json=GIVEN, headers=bearer(tokens["sec-planner"]))
    assert model.status_code == 201, model.text
    mid = model.json()["id"]
    sweep = client.post("/sweeps", json=SWEEP, headers=bearer(tokens["sec-planner"]))
    assert sweep.status_code == 201, sweep.text
    wid = sweep.json()["id"]
    ops = [(m, p) for p, item in spec["paths"].items() for m in item]
    assert len(ops) >= 20
    for method, path in ops:
        need = ROLE.get((method, path), "reader" if method == "get" else "missing")
        assert need != "missing", f"{method} {path} has no role in the table"
        documented = set(spec["paths"][path][method]["responses"])
        url = fill(path, sid, mid, wid)
        if need is None:
            assert client.request(method, url).status_code == 200, url
            assert "security" not in spec["paths"][path][method]
            continue
        assert spec["paths"][path][method]["security"] == [{"HTTPBearer": []}]
        assert {"401", "403"} <= documented, f"{method} {path}"
        r = client.request(method, url)
        assert is_problem(r, 401), (url, r.status_code)
        assert r.headers["www-authenticate"].startswith("Bearer")
        r = client.request(method, url, headers=bearer("onc_not-a-token"))
        assert is_problem(r, 401), url
        for name, role in (("sec-reader", "reader"), ("sec-planner", "planner"),
                           ("sec-admin", "admin")):
            if method == "delete":
                continue  # ownership: its own test below
            body = BODIES.get(path) if method == "post" else None
            r = client.request(method, url, json=body, headers=bearer(tokens[name]))
            if LEVEL[role] < LEVEL[need]:
                assert is_problem(r, 403), (url, name)
            else:
                assert r.status_code in (200, 201), (url, name, r.status_code, r.text[:200])
                assert str(r.status_code) in documented


def test_planner_deletes_only_their_own_scenario_and_admin_any(app_closed, seeded):
    client, tokens = app_closed
    body = {"care_type": CARE, "centres": 3}
    mine = client.post("/scenarios", json=body, headers=bearer(tokens["sec-planner"])).json()
    other = client.post("/scenarios", json=body, headers=bearer(tokens["sec-planner"])).json()
    records, _, _ = seeded.execute_query("MATCH (s:Scenario {id: $id}) RETURN s.created_by AS by",
                                         id=mine["id"])
    assert records[0]["by"] == "sec-planner"
    for name in ("sec-planner-2", "sec-reader"):
        r = client.delete(f"/scenarios/{mine['id']}", headers=bearer(tokens[name]))
        assert is_problem(r, 403), name
    still = client.get(f"/scenarios/{mine['id']}", headers=bearer(tokens["sec-reader"]))
    assert still.status_code == 200
    assert client.delete(f"/scenarios/{mine['id']}",
                         headers=bearer(tokens["sec-planner"])).status_code == 204
    assert client.delete(f"/scenarios/{other['id']}",
                         headers=bearer(tokens["sec-admin"])).status_code == 204
    records, _, _ = seeded.execute_query(
        "MATCH (s:Scenario) WHERE s.id IN $ids RETURN count(s) AS n", ids=[mine["id"], other["id"]])
    assert records[0]["n"] == 0


def test_planner_deletes_only_their_own_calibration(app_closed):
    client, tokens = app_closed
    made = client.post("/calibrations", json=GIVEN, headers=bearer(tokens["sec-planner"]))
    mid = made.json()["id"]
    r = client.delete(f"/calibrations/{mid}", headers=bearer(tokens["sec-planner-2"]))
    assert is_problem(r, 403)
    assert client.delete(f"/calibrations/{mid}",
                         headers=bearer(tokens["sec-planner"])).status_code == 204
    other = client.post("/calibrations", json=GIVEN,
                        headers=bearer(tokens["sec-planner-2"])).json()["id"]
    assert client.delete(f"/calibrations/{other}",
                         headers=bearer(tokens["sec-admin"])).status_code == 204
    assert client.get(f"/calibrations/{other}",
                      headers=bearer(tokens["sec-reader"])).status_code == 404


def test_open_reads_let_gets_through_but_never_writes(client_for, seeded):
    client = client_for(open_reads=True)
    del client.headers["Authorization"]
    assert client.get("/regions").status_code == 200
    assert is_problem(client.post("/scenarios", json={"care_type": CARE, "centres": 3}), 401)
    assert is_problem(client.post("/analysis/flows"), 401)
    assert is_problem(client.get("/regions", headers=bearer("onc_wrong")), 401)


def test_open_reads_default_only_for_local_development():
    from app.settings import Settings

    assert Settings(_env_file=None).reads_open is True
    prod = Settings(_env_file=None, environment="production", neo4j_password="a-real-secret-1")
    assert prod.reads_open is False
    assert Settings(_env_file=None, open_reads=False).reads_open is False


def test_token_is_stored_only_as_its_sha256(seeded):
    token = create_token(seeded, "neo4j", name="hash-check", role="reader")
    records, _, _ = seeded.execute_query("MATCH (t:ApiToken {name: 'hash-check'}) "
                                         "RETURN properties(t) AS p")
    props = records[0]["p"]
    assert set(props) == {"name", "role", "hash", "created_at"}
    assert props["hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(props)
    assert len(token.removeprefix("onc_")) == 43  # 32 random bytes, URL-safe base64


def test_token_cache_reads_at_most_once_per_ttl_and_sees_revocation():
    now = [0.0]
    stored = [{"name": "a", "role": "planner", "hash": hashlib.sha256(b"tok").hexdigest()}]
    loads = []

    def load():
        loads.append(now[0])
        return list(stored)

    cache = TokenCache(load, ttl=1.0, clock=lambda: now[0])
    assert cache.principal("tok").role == "planner"
    assert cache.principal("other") is None
    stored.clear()  # revoked in the database
    now[0] = 0.5
    assert cache.principal("tok") is not None and len(loads) == 1
    now[0] = 1.0
    assert cache.principal("tok") is None and len(loads) == 2


def test_token_cache_rereads_ahead_in_the_background_and_never_serves_past_ttl():
    import time

    now = [0.0]
    stored = [{"name": "a", "role": "reader", "hash": hashlib.sha256(b"tok").hexdigest()}]
    loads = []

    def load():
        loads.append(now[0])
        return list(stored)

    cache = TokenCache(load, ttl=1.0, clock=lambda: now[0])
    assert cache.principal("tok") is not None and len(loads) == 1
    stored.clear()  # revoked in the database
    now[0] = 0.4
    assert cache.fresh_rows() and len(loads) == 1  # before half the ttl: no re-read
    now[0] = 0.6
    assert cache.fresh_rows() is not None  # the caller starting the re-read does not wait
    deadline = time.monotonic() + 5
    while len(loads) < 2 and time.monotonic() < deadline:  # bounded wait for the thread
        time.sleep(0.005)
    assert loads == [0.0, 0.6]
    deadline = time.monotonic() + 5
    while cache.fresh_rows() != [] and time.monotonic() < deadline:
        time.sleep(0.005)
    assert cache.fresh_rows() == []  # the revocation is seen without a foreground read
    assert cache.principal("tok", cache.fresh_rows()) is None
    now[0] = 1.7  # past the re-read's ttl: nothing stale is handed out
    assert cache.fresh_rows() is None


def test_cross_site_simple_post_is_refused(app_closed, seeded):
    client, tokens = app_closed
    before = seeded.execute_query("MATCH ()-[r:REFERS]->() RETURN count(r) AS n").records[0]["n"]
    # what a web page can send without a preflight: text/plain, no Authorization
    headers = {"Content-Type": "text/plain", "Origin": "https://attacker.example"}
    r = client.post("/analysis/flows", content=b'{"x": 1}', headers=headers)
    assert is_problem(r, 415)
    assert "access-control-allow-origin" not in r.headers
    # even with a token, a non-JSON body is refused before anything runs
    r = client.post("/analysis/flows", content=b"x",
                    headers={**headers, **bearer(tokens["sec-admin"])})
    assert is_problem(r, 415)
    after = seeded.execute_query("MATCH ()-[r:REFERS]->() RETURN count(r) AS n").records[0]["n"]
    assert after == before


@pytest.mark.parametrize("url", [
    "/regions?offset=2147483648", "/hospitals?offset=-1", "/networks?limit=0",
    "/care-types?limit=5001", "/scenarios?offset=9223372036854775808",
    "/regions/" + "a" * 101, "/regions/a%20b", "/regions/%ED%BF%BF", "/hospitals/.hidden",
    "/hospitals/a%3Bb",
    "/hospitals?region=%3Cscript%3E", "/coverage?care_type=a%00b",
    "/analysis/communities?scenario=%F0%9F%98%80", "/analysis/communities?seed=-1",
    "/regions/noord/coverage?minutes=nan", "/gaps?minutes=inf"])
def test_bad_query_and_path_values_are_422_problems(seeded_client, url):
    r = seeded_client.get(url)
    assert is_problem(r, 422), (url, r.status_code, r.text[:200])


def test_body_classes_are_4xx_problems(seeded_client):
    post = seeded_client.post
    json_ct = {"Content-Type": "application/json"}
    assert is_problem(post("/scenarios", content=b'{"care_type": "\xff"}', headers=json_ct), 400)
    r = post("/scenarios", content=b'{"care_type": "x", "keep": ["\\udfff"]}', headers=json_ct)
    assert is_problem(r, 422) and "body.keep.0" in r.json()["detail"]
    assert is_problem(post("/scenarios", content=b"[" * 5000, headers=json_ct), 422)
    assert is_problem(post("/scenarios", content=b"care_type=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)
    assert is_problem(post("/scenarios", content=b"{}"), 415)  # no Content-Type


def test_body_over_the_limit_is_413(seeded_client):
    big = json.dumps({"care_type": CARE, "centres": 3,
                      "keep": ["umcg-groningen"] * 80_000}).encode()
    assert len(big) > 1_000_000
    r = seeded_client.post("/scenarios", content=big, headers={"Content-Type": "application/json"})
    assert is_problem(r, 413)

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(12):
            yield b" " * 100_000

    r = seeded_client.post("/scenarios", content=chunks(),
                           headers={"Content-Type": "application/json"})
    assert is_problem(r, 413)


def test_unknown_ids_are_listed_bounded_with_a_count(seeded_client):
    keep = [f"no-such-hospital-{i}" for i in range(5000)]
    r = seeded_client.post("/scenarios", json={"care_type": CARE, "centres": 3, "keep": keep})
    assert is_problem(r, 422)
    body = r.json()
    listed = re.findall(r"no-such-hospital-\d+", body["detail"])
    assert 0 < len(listed) <= 20
    assert f"{len(keep) - len(listed)} more" in body["detail"] or "5000 in all" in body["detail"]
    assert all(len(e.get("unknown", [])) <= 20 for e in body["errors"])
    assert len(r.content) < 5000


def test_options_lists_every_method_of_the_path(seeded_client):
    spec = seeded_client.get("/openapi.json").json()
    for path, concrete in (("/scenarios", "/scenarios"),
                           ("/scenarios/{scenario_id}", "/scenarios/abc"),
                           ("/analysis/flows", "/analysis/flows")):
        expected = {m.upper() for m in spec["paths"][path]}
        expected |= {"OPTIONS"} | ({"HEAD"} if "GET" in expected else set())
        r = seeded_client.options(concrete)
        assert r.status_code == 204
        assert set(r.headers["allow"].split(", ")) == expected
        wrong = seeded_client.request("PATCH", concrete)
        assert is_problem(wrong, 405) and set(wrong.headers["allow"].split(", ")) == expected


def test_security_headers_on_every_response_and_browser_cors_kept(app_closed):
    client, _ = app_closed
    origin = "http://127.0.0.1:7474"
    for r in (client.get("/guide", headers={"Origin": origin}),
              client.get("/style.grass", headers={"Origin": origin}),
              client.get("/regions"), client.get("/no-such-page")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["referrer-policy"] == "no-referrer"
    guide = client.get("/guide", headers={"Origin": origin})
    assert guide.status_code == 200 and guide.headers["access-control-allow-origin"] == origin
    preflight = client.options("/guide", headers={"Origin": origin,
                                                  "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200


def test_untrusted_host_is_400_and_hosts_are_configurable(client_for, seeded):
    client = client_for()
    assert is_problem(client.get("/regions", headers={"Host": "evil.example"}), 400)
    assert client.get("/regions", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    other = client_for(trusted_hosts=["oncoregio.example"])
    assert other.get("/regions", headers={"Host": "oncoregio.example"}).status_code == 200
    assert is_problem(other.get("/regions"), 400)  # testserver no longer listed
