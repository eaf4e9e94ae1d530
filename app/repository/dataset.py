"""The dataset revision: which state of the graph an answer or a report was computed from."""

from __future__ import annotations

from neo4j import Driver

from app.repository.entities import read

__all__ = ["dataset_revision"]

DATASET_REVISION = """
MATCH (d:Dataset)
WHERE d.revision IS NOT NULL
RETURN d.revision AS revision
ORDER BY d.revision DESC
LIMIT 1
"""


def dataset_revision(driver: Driver, db: str) -> str | None:
    """The revision of the ``(:Dataset)`` node as text, or None when none is recorded."""
    rows = read(driver, db, DATASET_REVISION)
    if not rows or rows[0]["revision"] is None:
        return None
    return str(rows[0]["revision"])
