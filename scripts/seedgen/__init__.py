"""Generator of the seed dataset in ``graph/seed/``.

Every row of every seed CSV carries a ``source`` column (where the values come from) and a
``confidence`` column: ``found`` (taken from a cited source), ``recalled`` (from memory,
unverified) or ``modelled`` (derived by a stated rule or own judgement). A row built from several
inputs gets the weakest of their confidences.

``scripts/build_seed.py`` runs the steps in this order:

1. ``seedgen.build_seed``: regions, hospitals, networks and their links (uses ``hospitals_data``);
2. ``scripts/build_areas.py``: demand areas (needs hospitals.csv);
3. ``seedgen.build_provision``: care types and provision (needs hospitals.csv and areas.csv);
4. ``seedgen.check_seed``: consistency checks and a confidence table of all files.

The package lives in ``scripts/`` and is imported with ``scripts/`` on the module path, which is
the case when ``scripts/build_seed.py`` is run.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "graph" / "seed"

CONFIDENCE_RANK = {"found": 0, "recalled": 1, "modelled": 2}


def weakest(*confidences: str) -> str:
    """The weakest of the given confidence levels (found < recalled < modelled)."""
    return max(confidences, key=CONFIDENCE_RANK.__getitem__)


def read_csv(seed_dir: Path, name: str) -> list[dict[str, str]]:
    """All rows of one seed CSV as dicts."""
    with (seed_dir / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(
    seed_dir: Path, name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """Write one seed CSV (UTF-8, ``\\n`` line ends) and print its row count."""
    rows = list(rows)
    with (seed_dir / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(name, len(rows))
