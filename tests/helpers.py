"""Small helpers shared by the tests (no fixtures: those live in conftest.py)."""

from __future__ import annotations

import csv
import socket

import numpy as np

from app.loader import SEED_DIR


def seed_rows(name: str) -> list[dict[str, str]]:
    """The rows of a seed CSV file, read independently of the loader under test."""
    with open(SEED_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def minutes_matrix(areas, hospitals):
    """Modelled travel minutes (great-circle x 1.343 at 60 km/h), written independently of
    analysis.travel."""
    lat1 = np.radians([float(a["lat"]) for a in areas])[:, None]
    lon1 = np.radians([float(a["lon"]) for a in areas])[:, None]
    lat2 = np.radians([float(h["lat"]) for h in hospitals])[None, :]
    lon2 = np.radians([float(h["lon"]) for h in hospitals])[None, :]
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a)) * 1.343 / 60.0 * 60.0


def bump_revision(driver, what: str = "hand edit in a test") -> None:
    """What someone who edits the graph by hand (Neo4j Browser) does afterwards, as the README
    says: bump the dataset revision, so running APIs drop their cached answers."""
    from app.repository.revision import BUMP_REVISION

    driver.execute_query(BUMP_REVISION, what=what, database_="neo4j")
