"""Rebuild the whole seed dataset in ``graph/seed/``.

Runs the generator steps in order, each reading the files written by the steps before:

1. ``seedgen.build_seed``: regions.csv, hospitals.csv, networks.csv, network_members.csv,
   network_regions.csv, network_care_types.csv (typed from DOMAIN.md);
2. ``build_areas``: areas.csv (GeoNames places, region = region of the nearest hospital);
3. ``seedgen.build_provision``: care_types.csv and provision.csv (needs hospitals and areas);
4. ``seedgen.check_seed``: consistency checks and the per-file confidence table.

Every row of every file carries a ``source`` and a ``confidence`` column (``found``,
``recalled`` or ``modelled``). The build is deterministic: rerunning it reproduces the files
byte for byte. Exits with status 1 if the checks find errors.

Run from the repository root::

    .venv/bin/python scripts/build_seed.py [--seed-dir DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import build_areas
from seedgen import SEED_DIR, build_provision, build_seed, check_seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seed-dir",
        type=Path,
        default=SEED_DIR,
        help=f"directory to write the seed files into (default: {SEED_DIR})",
    )
    args = parser.parse_args(argv)
    seed_dir: Path = args.seed_dir
    seed_dir.mkdir(parents=True, exist_ok=True)

    print("== 1/4 regions, hospitals, networks")
    build_seed.build(seed_dir)
    print("== 2/4 areas")
    build_areas.main(
        ["--hospitals", str(seed_dir / "hospitals.csv"), "--out", str(seed_dir / "areas.csv")]
    )
    print("== 3/4 care types, provision")
    build_provision.build(seed_dir)
    print("== 4/4 checks")
    return 1 if check_seed.main(seed_dir) else 0


if __name__ == "__main__":
    raise SystemExit(main())
