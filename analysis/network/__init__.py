"""Network structure: referral flows, communities, centrality and single points of failure.

Graphs are plain networkx graphs; organisational data (regions, networks, providers) are
plain mappings, as in :mod:`analysis.coverage`. Nothing here reads a database.

One topic per module:

- :mod:`~analysis.network.flows` -- modelled referral flows and the exchange graph
- :mod:`~analysis.network.communities` -- communities, adjusted Rand index, region comparison
- :mod:`~analysis.network.centrality` -- hospital centrality
- :mod:`~analysis.network.resilience` -- network membership, single points of failure
"""

from analysis.network.centrality import NodeCentrality, centrality
from analysis.network.communities import (
    PartitionComparison,
    adjusted_rand_index,
    communities,
    compare_partitions,
)
from analysis.network.flows import exchange_graph, model_flows
from analysis.network.resilience import (
    ArticulationPoints,
    HospitalDependence,
    articulation_points,
    membership_graph,
    resilience_ranking,
    single_points_of_failure,
)

__all__ = [
    "ArticulationPoints",
    "HospitalDependence",
    "NodeCentrality",
    "PartitionComparison",
    "adjusted_rand_index",
    "articulation_points",
    "centrality",
    "communities",
    "compare_partitions",
    "exchange_graph",
    "membership_graph",
    "model_flows",
    "resilience_ranking",
    "single_points_of_failure",
]
