"""Every runnable query of the Browser guide runs, read-only, against the seed with a scenario.

The guide is what planners click through in Neo4j Browser; it must not drift from the model.
"""

from __future__ import annotations

import html
import re

import neo4j

from app.localdb import PROJECT_ROOT

GUIDE = PROJECT_ROOT / "graph" / "browser" / "guide.html"
RUNNABLE = re.compile(r'<pre class="[^"]*runnable[^"]*"[^>]*>(.*?)</pre>', re.S)


def runnables() -> list[str]:
    return [html.unescape(m).strip() for m in RUNNABLE.findall(GUIDE.read_text("utf-8"))]


def test_guide_has_the_promised_slides():
    text = GUIDE.read_text("utf-8")
    assert text.count("<slide") >= 6
    for topic in ("COVERS", "min_volume", "ALLOCATES", "level: 'expert'", "PROVIDES"):
        assert topic in text


def test_every_guide_query_runs_read_only(seeded_client, seeded):
    r = seeded_client.post("/scenarios", json={"care_type": "pancreatic-resection",
                                                "centres": 6, "apply_norm": True})
    assert r.status_code == 201
    seeded_client.post("/analysis/flows")
    params: dict[str, object] = {}
    cypher = []
    for q in runnables():
        if q.startswith(":param"):
            name, _, expr = q.removeprefix(":param").partition("=>")
            # evaluate the parameter the way Browser does: as a Cypher expression
            records, _, _ = seeded.execute_query(f"RETURN {expr.strip()} AS v",  # guide text
                                                 routing_=neo4j.RoutingControl.READ)
            params[name.strip()] = records[0]["v"]
        elif not q.startswith(":"):
            cypher.append(q)
    assert {"region", "care_type", "scenario"} <= set(params)
    assert all(v is not None for v in params.values())
    assert len(cypher) >= 12
    with seeded.session(database="neo4j", default_access_mode=neo4j.READ_ACCESS) as session:
        for q in cypher:
            used = {k: v for k, v in params.items() if f"${k}" in q}
            summary = session.run("EXPLAIN " + q, used).consume()
            assert summary.query_type == "r", q
            records = list(session.run(q, used))
            if "$scenario" in q or "$region" in q:
                assert records, f"no rows for a guide query on the seed: {q[:80]}"
