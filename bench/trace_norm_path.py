"""Trace the exact path with a norm phase by phase, called directly or through the app.

``--path direct`` calls ``p_median(C, w, k, min_volume=norm, solver="exact", time_limit)``
as ``bench/bench_norm_tree.py`` does; ``--path app`` calls ``run_scenario`` with
``ScenarioCreate(care_type, centres=k, solver="exact", candidate_set="all",
apply_norm=True, time_limit)`` as ``bench/bench_norms.py`` does. Each run is a fresh child
process (the paths alternate round by round). The phases of
:func:`~analysis.locate.dispatch.norm_exact_path` are wrapped to record their start and end
(seconds after ``p_median`` was entered), their result (the plan's objective, the
Lagrangian's value and iterations, the tree's nodes), and the inputs ``p_median`` got
(matrix shape, demand sum, options) are printed so the two paths can be compared.

Usage: OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/trace_norm_path.py
       [--care-type gastrectomy] [--k 15] [--time-limit 30] [--rounds 2]
       [--paths app,direct] [--configs "ROOT_TIME_SHARE=1,"]
       [--linked oesophagectomy,gastrectomy --paths app]
(``--configs``: norm_tree module settings per run, the runs alternating; an empty entry
is the defaults; ROOT_TIME_SHARE=1 is the code before normapp)
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import subprocess
import sys
import time
from typing import Any


def child(args: argparse.Namespace) -> None:
    import numpy as np

    from analysis.locate import dispatch, norm_tree, pmedian
    from app.repository.snapshot import snapshot_from_folder

    events: list[dict[str, Any]] = []
    t0 = [0.0]

    def rel() -> float:
        return round(time.perf_counter() - t0[0], 3)

    def summary(x: Any) -> Any:
        for name in ("objective", "upper"):
            if hasattr(x, name):
                out = {name: float(getattr(x, name))}
                for extra in ("nodes", "priced", "bound", "finished"):
                    if hasattr(x, extra):
                        out[extra] = getattr(x, extra)
                        if isinstance(out[extra], float | np.floating):
                            out[extra] = float(out[extra])
                        if isinstance(out[extra], np.bool_):
                            out[extra] = bool(out[extra])
                return out
        if hasattr(x, "iterations"):
            return {"value": float(x.value), "iterations": int(x.iterations)}
        if hasattr(x, "bound") and hasattr(x, "optimal"):
            return {"bound": float(x.bound), "optimal": bool(x.optimal)}
        return None if x is None else type(x).__name__

    def wrap(owner: Any, name: str, *, count_only: bool = False) -> None:
        fn = getattr(owner, name)

        @functools.wraps(fn)
        def traced(*a: Any, **kw: Any) -> Any:
            start = rel()
            out = fn(*a, **kw)
            if count_only:
                events.append({"phase": name, "t": start, "dt": round(rel() - start, 3),
                               "value": summary(out)})
                return out
            ev = {"phase": name, "start": start, "end": rel(), "result": summary(out)}
            for key in ("upper", "max_iter", "stall_limit"):
                if key in kw:
                    ev[key] = float(kw[key]) if key == "upper" else kw[key]
            if "deadline" in kw:
                ev["deadline_in"] = round(kw["deadline"] - t0[0], 3)
            events.append(ev)
            return out

        setattr(owner, name, traced)

    for name in ("relax", "price", "heuristic", "multipliers", "milp"):
        wrap(dispatch._TypeSteps, name)
    wrap(dispatch._TypeSteps, "price_open", count_only=True)
    wrap(dispatch, "norm_lagrangian")
    wrap(dispatch, "norm_tree")
    root_calls: list[dict[str, Any]] = []
    inner = norm_tree.norm_lagrangian

    def lag_in_tree(*a: Any, **kw: Any) -> Any:
        start = rel()
        out = inner(*a, **kw)
        if kw.get("stall_limit") == norm_tree.ROOT_STALL_LIMIT and not root_calls:
            root_calls.append({"start": start, "end": rel(), "value": float(out.value),
                               "iterations": int(out.iterations)})
        return out

    norm_tree.norm_lagrangian = lag_in_tree
    inputs: dict[str, Any] = {}
    real = pmedian.p_median

    @functools.wraps(real)
    def p_median(C: Any, w: Any, **kw: Any) -> Any:
        t0[0] = time.perf_counter()
        Ca, wa = np.asarray(C, float), np.asarray(w, float)
        inputs.update(
            shape=list(Ca.shape), finite=int(np.isfinite(Ca).sum()),
            C_md5=hashlib.md5(np.ascontiguousarray(Ca).tobytes()).hexdigest()[:10],
            w_sum=float(wa.sum()), w_pos=int((wa > 0).sum()),
            w_md5=hashlib.md5(np.ascontiguousarray(wa).tobytes()).hexdigest()[:10],
            **{key: (None if v is None else
                     (f"{len(v)} ids" if isinstance(v, list | tuple | np.ndarray) else v))
               for key, v in kw.items()})
        return real(C, w, **kw)

    for item in filter(None, args.set.split(":")):  # e.g. ROOT_TIME_SHARE=1
        name, value = item.split("=")
        setattr(norm_tree, name, type(getattr(norm_tree, name))(float(value)))
    snap = snapshot_from_folder()
    started = time.perf_counter()
    cpu = time.process_time()
    if args.path == "direct":
        w, _ = snap.demand_for(args.care_type)
        res = p_median(np.asarray(snap.minutes, dtype=float), w, k=args.k, solver="exact",
                       time_limit=args.time_limit,
                       min_volume=float(snap.care_types[args.care_type]["min_volume"]))
        out = {"status": res.status, "objective": float(res.objective),
               "bound": float(res.bound), "gap": float(res.gap)}
    else:
        from app.schemas import ScenarioCreate
        from app.services import scenarios

        scenarios.p_median = p_median  # the name run_scenario calls
        which = ({"care_types": args.linked.split(",")} if args.linked
                 else {"care_type": args.care_type})
        req = ScenarioCreate(**which, centres=args.k, solver="exact", candidate_set="all",
                             time_limit=args.time_limit, apply_norm=True)
        s = scenarios.run_scenario(snap, req)
        h = s.headline
        out = {"status": h.status, "objective": h.objective, "gap": h.gap}
    out.update(path=args.path, set=args.set, wall=round(time.perf_counter() - started, 2),
               before_solver=round(t0[0] - started, 3),
               cpu=round(time.process_time() - cpu, 2), inputs=inputs, root=root_calls,
               events=events)
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--care-type", default="gastrectomy")
    parser.add_argument("--linked", default="",
                        help="a,b: the linked plan of these types (app path only)")
    parser.add_argument("--k", type=int, default=15)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--paths", default="app,direct")
    parser.add_argument("--configs", default="",
                        help="norm_tree settings per run, alternating: NAME=v:NAME=v,... "
                             "(empty: the defaults)")
    parser.add_argument("--path", default="")
    parser.add_argument("--set", default="")
    args = parser.parse_args()
    if args.path:
        child(args)
        return
    for r in range(args.rounds):
        for path in args.paths.split(","):
            for cfg in args.configs.split(","):
                cmd = [sys.executable, __file__, "--path", path, "--k", str(args.k),
                       "--time-limit", str(args.time_limit), "--care-type", args.care_type,
                       "--set", cfg, "--linked", args.linked]
                got = subprocess.run(cmd, capture_output=True, text=True,
                                     env=dict(os.environ), timeout=10 * args.time_limit + 120)
                last = (got.stdout.strip().splitlines() or [got.stderr[-600:]])[-1]
                print(f"round {r} {path} [{cfg}]: {last}", flush=True)


if __name__ == "__main__":
    main()
