"""``GET /hospitals`` answered from the revision's snapshot (issue 13, left for the next work).

Oracle: the direct Cypher read the route made before (``LIST_HOSPITALS`` through
:func:`app.repository.entities.list_hospitals`), turned into the same response model: the
JSON must be identical for every filter (each region, kind, network and care type in the
graph, unknown ids, pages). Then the revision rules: a 304 for the current ETag, and a write
that bumps the revision gives a new ETag and the new data.
"""

from __future__ import annotations

import itertools

from app.repository.entities import list_hospitals
from app.repository.revision import write_and_bump
from app.schemas import HospitalSummary, Page

DB = "neo4j"
IDS = """
RETURN COLLECT { MATCH (g:Region) RETURN g.id } AS regions,
       COLLECT { MATCH (n:Network) RETURN n.id } AS networks,
       COLLECT { MATCH (c:CareType) RETURN c.id } AS care_types,
       COLLECT { MATCH (h:Hospital) RETURN DISTINCT h.kind } AS kinds
"""


def oracle(driver, **params) -> dict:
    full = {"region": None, "kind": None, "care_type": None, "network": None, "limit": 200,
            "offset": 0, **params}
    data, count = list_hospitals(driver, DB, **full)
    return Page[HospitalSummary](data=data, count=count).model_dump(mode="json")


def test_list_hospitals_equals_the_database_read_for_every_filter(seeded, seeded_client):
    ids = seeded.execute_query(IDS, database_=DB).records[0]
    questions: list[dict] = [{}, {"limit": 7}, {"limit": 5, "offset": 3}, {"offset": 10_000},
                             {"region": "no-such-region"}, {"network": "no-such-network"},
                             {"care_type": "no-such-care-type"}]
    questions += [{"region": r} for r in ids["regions"]]
    questions += [{"network": n} for n in ids["networks"]]
    questions += [{"care_type": c} for c in ids["care_types"]]
    questions += [{"kind": k} for k in ids["kinds"]]
    questions += [{"region": r, "kind": k, "limit": 3}
                  for r, k in itertools.product(ids["regions"][:3], ids["kinds"])]
    questions += [{"care_type": c, "network": n}
                  for c, n in itertools.product(ids["care_types"][:3], ids["networks"][:3])]
    assert len(questions) > 30 and ids["kinds"], "the seed must have all of these"
    nonempty = 0
    for q in questions:
        r = seeded_client.get("/hospitals", params=q)
        assert r.status_code == 200, (q, r.text)
        expected = oracle(seeded, **q)
        assert r.json() == expected, q
        nonempty += bool(expected["data"])
    assert nonempty > len(questions) // 2  # the comparison is not between empty lists


def test_list_hospitals_follows_the_revision(seeded, seeded_client):
    first = seeded_client.get("/hospitals", params={"limit": 3})
    etag = first.headers["etag"]
    again = seeded_client.get("/hospitals", params={"limit": 3},
                              headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    hospital = first.json()["data"][0]["id"]
    write_and_bump(seeded, DB, "a test renames a city",
                   "MATCH (h:Hospital {id: $id}) SET h.city = $city", id=hospital,
                   city="Testdorp")
    changed = seeded_client.get("/hospitals", params={"limit": 3},
                                headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["data"][0]["city"] == "Testdorp"
    assert changed.json() == oracle(seeded, limit=3)
