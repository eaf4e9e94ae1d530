"""Compare two stored scenarios."""

from __future__ import annotations

from typing import Any

__all__ = ["compare_scenarios"]


def compare_scenarios(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Headline figures side by side with ``b - a``, and how the centres differ."""
    headline = {}
    for key in a["headline"]:
        va, vb = a["headline"].get(key), b["headline"].get(key)
        delta = (round(vb - va, 4) if isinstance(va, int | float) and isinstance(vb, int | float)
                 and not isinstance(va, bool) else None)
        headline[key] = {"a": va, "b": vb, "delta": delta}
    ca = {c["hospital"]: c for c in a["centres"]}
    cb = {c["hospital"]: c for c in b["centres"]}
    centres = [{"hospital": h, "name": (ca.get(h) or cb[h])["name"],
                "patients_a": ca[h]["patients"] if h in ca else None,
                "patients_b": cb[h]["patients"] if h in cb else None,
                "in": "both" if h in ca and h in cb else "a" if h in ca else "b"}
               for h in sorted(set(ca) | set(cb))]
    notes = []
    if a["care_type"] != b["care_type"]:
        notes.append(f"different care types: {a['care_type']} vs {b['care_type']}")
    return {"a": {k: a[k] for k in ("id", "name", "care_type", "method")},
            "b": {k: b[k] for k in ("id", "name", "care_type", "method")},
            "headline": headline, "centres": centres,
            "only_in_a": sorted(set(ca) - set(cb)), "only_in_b": sorted(set(cb) - set(ca)),
            "notes": notes}
