"""Small helpers shared by the tests (no fixtures: those live in conftest.py)."""

from __future__ import annotations

import csv
import socket

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
