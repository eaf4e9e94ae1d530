"""oncoregio: coverage, concentration scenarios and network structure of the Dutch oncology
care regions, on Neo4j."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("oncoregio")
except metadata.PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "0.0.0+source"
