"""The dataset revision as a report prints it: which state of the graph it was computed from."""

from __future__ import annotations

from neo4j import Driver

from app.repository.revision import UNRECORDED, read_revision

__all__ = ["dataset_revision"]


def dataset_revision(driver: Driver, db: str) -> str | None:
    """``"<number> (tag <tag>)"`` of ``(:Dataset {id: 'current'})``, or None when no revision is
    recorded (no Dataset node, or one from before revisions)."""
    revision = read_revision(driver, db)
    if revision == UNRECORDED:
        return None
    return f"{revision.number} (tag {revision.tag})"
