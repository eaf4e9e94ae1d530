"""The scenario schemas take their choices from app.vocabulary; the wire strings stay as they
were when they were spelled as ``Literal``s, and a stored scenario reads back unchanged."""

from __future__ import annotations

import pytest

from app.main import create_app
from app.schemas import CHOICE_METHODS, NEAREST_METHODS, ScenarioCreate
from app.vocabulary import Method

#: The strings the API accepted before the enums (the wire format clients rely on).
WIRE = {
    "method": {"p_median", "max_covering", "set_covering", "p_centre", "p_median_choice",
               "max_covering_choice"},
    "candidate_set": {"all", "providers", "umc_topclinical"},
    "solver": {"auto", "exact", "heuristic"},
    "allocation": {"nearest", "choice"},
}
DEFAULTS = {"method": "p_median", "candidate_set": "providers", "solver": "auto",
            "allocation": "nearest"}


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


@pytest.mark.parametrize("field", sorted(WIRE))
def test_openapi_lists_the_same_choices_and_default(field):
    spec = create_app().openapi()
    prop = spec["components"]["schemas"]["ScenarioCreate"]["properties"][field]
    assert set(_resolve(spec, prop)["enum"]) == WIRE[field]
    assert prop["default"] == DEFAULTS[field]


def test_method_groups_split_the_methods():
    assert set(CHOICE_METHODS) == {"p_median_choice", "max_covering_choice"}
    assert set(NEAREST_METHODS) | set(CHOICE_METHODS) == set(Method)
    assert not set(NEAREST_METHODS) & set(CHOICE_METHODS)


def test_request_dumps_plain_strings():
    req = ScenarioCreate.model_validate({"care_type": "x", "method": "max_covering",
                                         "centres": 2, "solver": "heuristic"})
    assert req.method is Method.MAX_COVERING
    dumped = req.model_dump(mode="json")
    assert {f: dumped[f] for f in WIRE} == {"method": "max_covering",
                                            "candidate_set": "providers",
                                            "solver": "heuristic", "allocation": "nearest"}
    assert all(type(dumped[f]) is str for f in WIRE)


def test_stored_scenario_reads_back_as_posted(seeded_client):
    body = {"care_type": "pancreatic-resection", "method": "max_covering", "centres": 5,
            "candidate_set": "all", "solver": "heuristic", "minutes": 60}
    posted = seeded_client.post("/scenarios", json=body)
    assert posted.status_code == 201, posted.text
    created = posted.json()
    assert created["method"] == "max_covering"
    assert {f: created["parameters"][f] for f in body} == body
    got = seeded_client.get(f"/scenarios/{created['id']}").json()
    assert got == created
    listed = seeded_client.get("/scenarios", params={"care_type": body["care_type"]}).json()
    summary = next(s for s in listed["data"] if s["id"] == created["id"])
    assert summary["method"] == "max_covering"
    assert summary["headline"] == created["headline"]


def test_sweep_runs_carry_the_headline_figures_each_optional():
    """A sweep's run takes its figures from the scenario's headline (RUN_FIGURES, derived):
    the same names and types, each optional with a None default (an infeasible run has
    none); a figure whose type drifts in one of the two models fails here."""
    from typing import get_args

    from app.schemas import RUN_FIGURES, ScenarioHeadline, SweepRun

    assert set(RUN_FIGURES) == {
        "status", "solver", "gap", "runtime_s", "objective", "mean_minutes", "mean_delta",
        "p90_minutes", "share_within", "centres_below_norm", "regions_without_centre",
        "patient_km", "co2_kg", "co2_kg_delta"}  # the sweep's wire format
    for f in RUN_FIGURES:
        run, head = SweepRun.model_fields[f], ScenarioHeadline.model_fields[f]
        assert run.default is None and not run.is_required(), f
        head_types = set(get_args(head.annotation)) or {head.annotation}
        assert set(get_args(run.annotation)) == head_types | {type(None)}, f
    assert "centres" not in RUN_FIGURES  # ids in a run, a count in the headline
