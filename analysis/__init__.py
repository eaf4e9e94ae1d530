"""oncoregio's mathematics: pure functions on arrays, mappings and networkx graphs.

No I/O, no Neo4j, no FastAPI. One topic per module (``analysis.locate.locate``, the
run-by-name entry point, is not re-exported: it would shadow the module of the same name):

- :mod:`analysis.travel` -- travel-time and distance matrices (modelled or imported)
- :mod:`analysis.coverage` -- nearest provider, coverage figures, gaps
- :mod:`analysis.concentration` -- volumes against the norm, Herfindahl-Hirschman index
- :mod:`analysis.locate` -- p-median, maximal covering, set covering, p-centre
- :mod:`analysis.scenario` -- baseline versus scenario: travel, norms, regions, CO2
- :mod:`analysis.network` -- referral flows, communities, centrality, single points of failure
- :mod:`analysis.outcomes` -- expected events from volume -> outcome band tables
- :mod:`analysis.tradeoff` -- Pareto-efficient plans of a sweep, providers losing a care type
"""

from analysis.concentration import (
    ConcentrationFigures,
    ProviderVolume,
    concentration_figures,
    herfindahl,
)
from analysis.coverage import (
    AreaGap,
    CoverageFigures,
    RegionCoverage,
    coverage_figures,
    nearest,
    nearest_index,
    reachable_providers,
    region_coverage,
    weighted_quantile,
    worst_areas,
)
from analysis.locate import (
    InfeasibleScenario,
    LocationResult,
    NoSolutionInTime,
    max_covering,
    p_centre,
    p_median,
    set_covering,
)
from analysis.network import (
    ArticulationPoints,
    HospitalDependence,
    NodeCentrality,
    PartitionComparison,
    adjusted_rand_index,
    articulation_points,
    centrality,
    communities,
    compare_partitions,
    exchange_graph,
    membership_graph,
    model_flows,
    resilience_ranking,
    single_points_of_failure,
)
from analysis.outcomes import (
    CentreOutcome,
    ExpectedOutcomes,
    OutcomeTable,
    expected_events,
    expected_outcomes,
    tables_from_bands,
)
from analysis.scenario import (
    CAR_CO2_KG_PER_KM,
    TRIPS_PER_PATIENT,
    ScenarioEvaluation,
    TravelStats,
    baseline_allocation,
    evaluate_scenario,
    travel_stats,
)
from analysis.tradeoff import pareto_efficient, provider_losses
from analysis.travel import (
    CIRCUITY,
    NL_LAT_RANGE,
    NL_LON_RANGE,
    SPEED_KMH,
    distance_matrix_km,
    haversine_km,
    matrix_from_pairs,
    travel_time_matrix,
)

__all__ = [
    "CAR_CO2_KG_PER_KM", "CIRCUITY", "NL_LAT_RANGE", "NL_LON_RANGE", "SPEED_KMH",
    "TRIPS_PER_PATIENT",
    "AreaGap", "ArticulationPoints", "ConcentrationFigures", "CoverageFigures",
    "HospitalDependence", "InfeasibleScenario", "LocationResult", "NoSolutionInTime",
    "NodeCentrality",
    "PartitionComparison", "ProviderVolume", "RegionCoverage", "ScenarioEvaluation",
    "TravelStats",
    "adjusted_rand_index", "articulation_points", "baseline_allocation", "centrality",
    "communities", "compare_partitions", "concentration_figures", "coverage_figures",
    "distance_matrix_km", "evaluate_scenario", "exchange_graph", "haversine_km", "herfindahl",
    "matrix_from_pairs", "max_covering", "membership_graph", "model_flows",
    "nearest", "nearest_index", "p_centre", "p_median", "reachable_providers",
    "region_coverage", "resilience_ranking", "set_covering", "single_points_of_failure",
    "travel_stats", "travel_time_matrix", "weighted_quantile", "worst_areas",
    # analysis.outcomes
    "CentreOutcome", "ExpectedOutcomes", "OutcomeTable", "expected_events", "expected_outcomes",
    "tables_from_bands",
    # analysis.tradeoff
    "pareto_efficient", "provider_losses",
]
