"""Reads of the volume -> outcome band tables, ``(:OutcomeBand)-[:OUTCOME_FOR]->(:CareType)``.

The bands come from ``outcomes.csv`` (see ``graph/seed/README.md``); the loader has already
checked that each ``(care_type, outcome)`` table is contiguous, starts at 0 or 1 and ends
open-ended, so :func:`read_outcome_tables` can hand them straight to
:class:`analysis.outcomes.OutcomeTable`.
"""

from __future__ import annotations

from neo4j import Driver

from analysis.outcomes import OutcomeTable, tables_from_bands
from app.repository.entities import read

__all__ = ["OUTCOME_BANDS", "read_outcome_bands", "read_outcome_tables"]

OUTCOME_BANDS = """
MATCH (b:OutcomeBand)-[:OUTCOME_FOR]->(c:CareType)
WHERE $care_type IS NULL OR c.id = $care_type
RETURN b {.id, care_type: c.id, .outcome, .min_volume, .max_volume, .rate, .patients,
          .study_patients, .period, .source, .confidence} AS band
ORDER BY band.care_type, band.outcome, band.min_volume
"""


def read_outcome_bands(driver: Driver, database: str,
                       care_type: str | None = None) -> list[dict]:
    """Every stored band (of one care type if given), ordered by care type, outcome, volume."""
    return [r["band"] for r in read(driver, database, OUTCOME_BANDS, care_type=care_type)]


def read_outcome_tables(driver: Driver, database: str, care_type: str | None = None
                        ) -> dict[tuple[str, str], OutcomeTable]:
    """The band tables keyed by ``(care_type, outcome)``; a care type without a sourced table
    has no key (its outcome is unknown, not zero)."""
    return tables_from_bands(read_outcome_bands(driver, database, care_type))
