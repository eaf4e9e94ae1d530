"""One exact p-median solve of a graph instance with switches overridden (issue 17; not a test).

Prints one JSON line: process CPU seconds, status, objective, branch-and-bound nodes, the
root bound (after any root cuts), the number of HiGHS ``run()`` calls and their simplex
iterations. ``NAME=value`` arguments set module constants of
:mod:`analysis.locate.benders` (``EARLY_RISE=0.05``, ``WARM_SHRINK=0``) or, when it has
no such name, of :mod:`analysis.locate.pmcuts` (``Z_ROUNDS=1``); ``highs:option=value``
sets a HiGHS option on the master. With
``--by-change`` it also prints, per kind of change made before a ``run()`` (rows added,
rows deleted, bounds, ``setBasis``), the count, total CPU and a least-squares fit of the
CPU per run as fixed + per-iteration. A/B runs interleave two trees by ``PYTHONPATH``::

    PYTHONPATH=$PWD .venv/bin/python bench/ab_exact.py 800:5:2 EARLY_RISE=0.05
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import time

import numpy as np
from bench_exact_scale import graph_instance

import analysis.locate.benders as benders
import analysis.locate.dispatch as dispatch
import analysis.locate.pmcuts as pmcuts
from analysis.locate import p_median


def _parse(value: str):
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance", help="n:k:seed[:degree] (degree: mean vertex degree, 4)")
    ap.add_argument("settings", nargs="*", help="NAME=value or highs:option=value")
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--by-change", action="store_true")
    args = ap.parse_args(argv)
    options = {}
    for item in args.settings:
        key, value = item.split("=", 1)
        if key.startswith("highs:"):
            options[key[6:]] = _parse(value)
        else:
            owner = benders if hasattr(benders, key) else pmcuts
            old = getattr(owner, key)
            setattr(owner, key, bool(int(value)) if isinstance(old, bool) else type(old)(
                _parse(value)))
    new_highs = benders.new_highs

    def configured():
        h = new_highs()
        for key, value in options.items():
            assert h.setOptionValue(key, value) == benders.highspy.HighsStatus.kOk, key
        return h

    benders.new_highs = configured
    changes: set[str] = set()
    records: list[tuple[frozenset, float, int]] = []
    for name, kind in (("_append", "add"), ("_delete", "delete"), ("bounds", "bounds")):
        inner = getattr(benders._Master, name)

        def marked(self, *a, _inner=inner, _kind=kind, **kw):
            changes.add(_kind)
            return _inner(self, *a, **kw)

        setattr(benders._Master, name, marked)
    Highs = benders.highspy.Highs
    set_basis, run = Highs.setBasis, Highs.run

    def marked_set_basis(self, *a):
        changes.add("setBasis")
        return set_basis(self, *a)

    def counted_run(self):
        c0 = time.process_time()
        status = run(self)
        records.append((frozenset(changes), time.process_time() - c0,
                        int(self.getInfo().simplex_iteration_count)))
        changes.clear()
        return status

    Highs.setBasis, Highs.run = marked_set_basis, counted_run
    solutions = []
    engine = dispatch.pmedian_benders

    def kept(*a, **kw):
        solutions.append(engine(*a, **kw))
        return solutions[-1]

    dispatch.pmedian_benders = kept
    parts = args.instance.split(":")
    n, k, seed = (int(x) for x in parts[:3])
    D = graph_instance(n, seed, float(parts[3]) if len(parts) > 3 else 4.0)
    c0 = time.process_time()
    r = p_median(D, np.ones(n), k=k, solver="exact", time_limit=args.time_limit)
    cpu = time.process_time() - c0
    print(json.dumps({
        "inst": args.instance, "args": args.settings, "cpu": round(cpu, 2),
        "status": r.status, "obj": r.objective,
        "nodes": solutions[-1].nodes if solutions else None,
        "root": solutions[-1].lp_bound if solutions else None, "runs": len(records),
        "it": sum(it for _, _, it in records), "load": round(os.getloadavg()[0], 2)}))
    if args.by_change:
        groups = collections.defaultdict(list)
        for kinds, dt, it in records:
            groups[",".join(sorted(kinds)) or "none"].append((dt, it))
        for key, v in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            a = np.array(v)
            fit = np.linalg.lstsq(np.c_[np.ones(len(a)), a[:, 1]], a[:, 0], rcond=None)[0] \
                if len(a) > 3 else (np.nan, np.nan)
            print(f"{key}: {len(a)} runs, {a[:, 0].sum():.2f} CPU s, mean {a[:, 1].mean():.0f} "
                  f"iterations, fit {1000 * fit[0]:.2f} ms + {1000 * fit[1]:.3f} ms/iteration")


if __name__ == "__main__":
    main()
