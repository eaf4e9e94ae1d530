"""Where the data files of the project are: ``graph/`` (schema, seed, Neo4j Browser files).

``graph/`` stays at the top of the repository. A checkout or an editable install reads it there;
a normal install (``pip install .``, the Docker image) carries a copy inside the package as
``app/graph`` (see ``setup.py``), which is looked for first.
"""

from __future__ import annotations

from pathlib import Path

from app.localdb import PROJECT_ROOT

__all__ = ["BROWSER_DIR", "GRAPH_DIR", "SCHEMA_FILE", "SEED_DIR", "graph_dir"]

INSTALLED = Path(__file__).resolve().parent / "graph"


def graph_dir() -> Path:
    """The installed copy if there is one, else ``graph/`` beside the source."""
    return INSTALLED if (INSTALLED / "schema.cypher").is_file() else PROJECT_ROOT / "graph"


GRAPH_DIR = graph_dir()
SCHEMA_FILE = GRAPH_DIR / "schema.cypher"
SEED_DIR = GRAPH_DIR / "seed"
BROWSER_DIR = GRAPH_DIR / "browser"
