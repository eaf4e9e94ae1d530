"""Expected outcomes from volume bands: hand-computed values, band edges, the no-table case and
a merge property."""

from __future__ import annotations

import doctest
from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analysis.outcomes
from analysis.outcomes import OutcomeTable, expected_events, expected_outcomes, tables_from_bands

# de Wilde et al., Br J Surg 2012: in-hospital mortality after pancreatoduodenectomy,
# bands < 5, 5-10, 11-19, >= 20 per hospital per year
DE_WILDE = OutcomeTable("pancreatic-resection", "in_hospital_mortality",
                        (0, 5, 11, 20), (4, 10, 19, None), (0.147, 0.098, 0.063, 0.033),
                        source="de Wilde 2012", period="2004-2009")


def test_doctests_run():
    result = doctest.testmod(analysis.outcomes)
    assert result.attempted > 0 and result.failed == 0


def test_expected_events_hand_computed():
    # 4 x 0.147, 8 x 0.098, 15 x 0.063, 30 x 0.033
    got = expected_events(DE_WILDE, [4, 8, 15, 30])
    assert got == pytest.approx([0.588, 0.784, 0.945, 0.99])


@pytest.mark.parametrize(("volume", "rate"), [
    (0.0, 0.147), (0.4, 0.147), (4.0, 0.147), (4.999, 0.147),   # [0, 5)
    (5.0, 0.098), (10.0, 0.098), (10.999, 0.098),               # [5, 11)
    (11.0, 0.063), (19.5, 0.063),                               # [11, 20)
    (20.0, 0.033), (1e6, 0.033),                                # [20, inf)
])
def test_band_edges_are_half_open_at_max_plus_one(volume, rate):
    assert DE_WILDE.rate_at([volume])[0] == rate


def test_table_published_from_one_covers_volumes_below_one():
    # Dikken-style bands 1-5, 6-10, 11-20, >= 21: an expected volume of 0.5 uses the first band
    t = OutcomeTable("x", "death", (1, 6, 11, 21), (5, 10, 20, None), (0.2, 0.1, 0.05, 0.01))
    assert t.rate_at([0.5, 1, 5.5, 6, 20.9, 21]).tolist() == [0.2, 0.2, 0.2, 0.1, 0.05, 0.01]


def test_zero_volume_has_zero_events():
    assert expected_events(DE_WILDE, [0.0, 0.0]).tolist() == [0.0, 0.0]


def test_expected_outcomes_per_centre_total_and_delta():
    # baseline: a=4 (0-4), b=8 (5-10), c=12 (11-19); scenario: a closed, b=4, c=20 (20+)
    r = expected_outcomes(DE_WILDE, ["a", "b", "c"], [4, 8, 12], [0, 4, 20])
    assert r is not None
    base = 4 * 0.147 + 8 * 0.098 + 12 * 0.063
    scen = 0 + 4 * 0.147 + 20 * 0.033
    assert r.baseline_events == pytest.approx(base)
    assert r.scenario_events == pytest.approx(scen)
    assert r.delta_events == pytest.approx(scen - base)
    assert [c.centre for c in r.centres] == ["a", "b", "c"]
    assert [(c.baseline_band, c.scenario_band) for c in r.centres] == \
        [("0-4", "0-4"), ("5-10", "0-4"), ("11-19", "20+")]
    assert r.centres[2].delta_events == pytest.approx(20 * 0.033 - 12 * 0.063)
    assert sum(c.baseline_events for c in r.centres) == pytest.approx(r.baseline_events)
    assert r.source == "de Wilde 2012" and r.period == "2004-2009"
    assert "not a causal effect" in r.caveat and "Case mix is not adjusted" in r.caveat
    assert "2004-2009" in r.caveat
    as_dict = asdict(r)  # every figure is a field, so the result serialises whole
    assert as_dict["delta_events"] == pytest.approx(scen - base)
    assert as_dict["centres"][0]["delta_events"] == pytest.approx(-4 * 0.147)


def test_care_type_without_table_has_no_outcome():
    assert expected_outcomes(None, ["a"], [10], [20]) is None


@pytest.mark.parametrize(("lows", "highs", "rates", "message"), [
    ((0, 5), (5, None), (0.1, 0.05), "band 1 starts at 5, not at 6"),       # overlap
    ((0, 7), (4, None), (0.1, 0.05), "band 1 starts at 7, not at 5"),       # gap
    ((2, 5), (4, None), (0.1, 0.05), "lowest band starts at 2"),
    ((0, 5), (4, 9), (0.1, 0.05), "must be open-ended"),
    ((0, 5), (None, None), (0.1, 0.05), "is open-ended but is not the last"),
    ((0, 5), (4, None), (0.1, 1.5), "rate 1.5 of band 1 is not in [0, 1]"),
    ((0, 5), (4, None), (0.1, float("nan")), "is not in [0, 1]"),
    ((0, 5), (4, None), (0.1,), "must match"),
    ((), (), (), "has no bands"),
])
def test_bad_tables_are_refused_with_the_numbers(lows, highs, rates, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        OutcomeTable("c", "death", lows, highs, rates)


@pytest.mark.parametrize(("volumes", "message"), [
    ([4, -1], "baseline volume -1.0 at centre 'b'"),
    ([4, float("nan")], "baseline volume nan at centre 'b'"),
    ([[4, 5]], "1-D"),
])
def test_bad_volumes_name_the_centre(volumes, message):
    with pytest.raises(ValueError, match=message):
        expected_outcomes(DE_WILDE, ["a", "b"], volumes, [1, 1])


def test_centres_and_volumes_must_align():
    with pytest.raises(ValueError, match="3 centres but 2 baseline"):
        expected_outcomes(DE_WILDE, ["a", "b", "c"], [1, 2], [1, 2])


def test_tables_from_bands_groups_and_sorts():
    rows = [{"care_type": "p", "outcome": "d90", "min_volume": m, "max_volume": x, "rate": r,
             "source": "s", "period": "2005-2013"}
            for m, x, r in ((40, None, 0.043), (0, 4, 0.097), (20, 39, 0.073), (5, 19, 0.089))]
    rows.append({"care_type": "p", "outcome": "ih", "min_volume": 0, "max_volume": None,
                 "rate": 0.1, "source": "t", "period": "2004"})
    tables = tables_from_bands(rows)
    assert sorted(tables) == [("p", "d90"), ("p", "ih")]
    assert tables[("p", "d90")].min_volume == (0, 5, 20, 40)
    assert tables[("p", "d90")].rate == (0.097, 0.089, 0.073, 0.043)
    assert tables[("p", "ih")].labels == ("0+",)


@st.composite
def non_increasing_tables(draw):
    n = draw(st.integers(1, 6))
    widths = draw(st.lists(st.integers(1, 30), min_size=n - 1, max_size=n - 1))
    first = draw(st.sampled_from((0, 1)))
    lows, highs, start = [first], [], first
    for w in widths:
        highs.append(start + w - 1)
        start += w
        lows.append(start)
    highs.append(None)
    rates = sorted(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)), reverse=True)
    return OutcomeTable("c", "death", tuple(lows), tuple(highs), tuple(rates))


volumes = st.floats(0, 200, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(non_increasing_tables(), volumes, volumes)
def test_merging_two_centres_never_increases_expected_events(table, a, b):
    """With rates non-increasing in volume, one centre doing a + b patients has at most the
    expected events of two centres doing a and b: (a + b) r(a + b) <= a r(a) + b r(b)."""
    separate = expected_events(table, [a, b]).sum()
    merged = expected_events(table, [a + b]).sum()
    assert merged <= separate + 1e-9 * max(1.0, separate)


@settings(max_examples=200, deadline=None)
@given(non_increasing_tables(), st.lists(volumes, min_size=1, max_size=8))
def test_rate_of_every_volume_is_the_band_of_its_integer_part(table, vs):
    # oracle: a plain loop over the published inclusive integer edges
    for v, got in zip(vs, table.rate_at(vs), strict=True):
        k = int(np.floor(v))
        want = [r for lo, hi, r in zip(table.min_volume, table.max_volume, table.rate,
                                        strict=True)
                if (lo <= k or lo == table.min_volume[0]) and (hi is None or k <= hi)]
        assert got == want[0]
