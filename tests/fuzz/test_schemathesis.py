"""schemathesis over the API's own OpenAPI, against a uvicorn server on loopback, the real test
Neo4j and the seed, with reads closed and an admin token: 0 server errors, 0 response schema
or content-type violations, 0 undocumented status codes.

Bounded: a fixed hypothesis seed, a case budget per operation and generation mode
(>= 2,000 cases in all) and a wall-clock cap. Report: ``artifacts/schemathesis/report.json``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable

from app.localdb import PROJECT_ROOT
from tests.conftest import admin_token, make_settings
from tests.helpers import free_port

pytestmark = [pytest.mark.fuzz, pytest.mark.db]

SEED = 20261201
MIN_CASES = 2000
# about 4 minutes on an idle 2-core machine; the cap leaves room for a shared one
WALL_CLOCK_S = 12 * 60
PER_OPERATION = {"positive": 70, "negative": 50}
# running a scenario costs seconds: fewer cases, the cheap solver and a short time limit
COSTLY = {("POST", "/scenarios"): 0.5, ("POST", "/analysis/flows"): 0.2,
          ("POST", "/sweeps"): 0.3}
# a sweep runs a scenario per combination: at most this many, one after the other
FUZZ_SWEEP_COMBINATIONS = 3
REPORT_DIR = PROJECT_ROOT / "artifacts" / "schemathesis"


class LoopbackServer:
    """The app under uvicorn on 127.0.0.1 in a thread, stopped on exit."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start within 60 s")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def bounded_scenario(case: Any) -> None:
    """Keep a positive scenario or sweep request cheap (a sweep also by the combination cap
    of the app's settings); the fields stay as generated otherwise."""
    if isinstance(case.body, dict):
        case.body["solver"] = "heuristic"
        case.body["time_limit"] = 1.0


def test_schemathesis_finds_no_server_errors_or_undocumented_answers(seeded, neo4j_server):
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.generation.modes import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from app.main import create_app

    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    app = create_app(make_settings(neo4j_server, open_reads=False, sweep_workers=1,
                                   sweep_max_combinations=FUZZ_SWEEP_COMBINATIONS))
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {admin_token(seeded, 'fuzz-admin')}"
    started = time.monotonic()
    cases: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    failures: list[dict[str, Any]] = []
    out_of_time: list[str] = []
    unsatisfiable: list[str] = []

    def run_cases(strategy: Any, budget: int, label: str, positive: bool) -> None:
        @hypothesis_seed(SEED)
        @settings(max_examples=budget, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case: Any) -> None:
            if time.monotonic() - started > WALL_CLOCK_S:
                out_of_time.append(label)
                return
            if label in ("POST /scenarios", "POST /sweeps") and positive:
                bounded_scenario(case)
            response = case.call(base_url=base, session=session, timeout=60)
            cases[label] += 1
            statuses[f"{label} {response.status_code}"] += 1
            try:
                case.validate_response(response, checks=checks)
            except (Failure, FailureGroup) as e:
                found = e.exceptions if isinstance(e, FailureGroup) else [e]
                failures.append({
                    "operation": label, "mode": "positive" if positive else "negative",
                    "status": response.status_code,
                    "failures": [f"{type(x).__name__}: {x.title}" for x in found],
                    "response": response.text[:500],
                    "curl": case.as_curl_command()})

        try:
            run()
        except Unsatisfiable:
            # nothing to negate (an operation without parameters or body)
            assert not positive, f"no positive case could be generated for {label}"
            unsatisfiable.append(label)

    with LoopbackServer(app) as base:
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 20
        for operation in operations:
            key = (operation.method.upper(), operation.path)
            label = f"{key[0]} {key[1]}"
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                budget = max(5, int(PER_OPERATION[mode.value] * COSTLY.get(key, 1.0)))

                run_cases(operation.as_strategy(generation_mode=mode), budget, label,
                          mode.is_positive)

    elapsed = time.monotonic() - started
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    report = {"seed": SEED, "cases": sum(cases.values()), "seconds": round(elapsed, 1),
              "operations": len(operations), "per_operation": dict(sorted(cases.items())),
              "statuses": dict(sorted(statuses.items())), "failures": failures,
              "cut_by_wall_clock": sorted(set(out_of_time)),
              "no_negative_cases": sorted(unsatisfiable)}
    (REPORT_DIR / "report.json").write_text(json.dumps(report, indent=2))
    summary = "\n".join(f"{f['operation']} [{f['mode']}] {f['status']}: {f['failures']}\n"
                        f"  {f['curl']}" for f in failures[:20])
    assert not failures, f"{len(failures)} failing cases (report in {REPORT_DIR}):\n{summary}"
    assert set(cases) == {f"{o.method.upper()} {o.path}" for o in operations}
    assert not out_of_time, f"wall-clock cap of {WALL_CLOCK_S} s reached; see the report"
    assert report["cases"] >= MIN_CASES, report["cases"]
