"""Compare two stored scenarios."""

from __future__ import annotations

from typing import Any

from app.schemas import ScenarioHeadline, ScenarioPublic

__all__ = ["compare_scenarios"]


def compare_scenarios(a: ScenarioPublic, b: ScenarioPublic) -> dict[str, Any]:
    """Headline figures side by side with ``b - a``, and how the centres differ."""
    headline = {}
    for key in ScenarioHeadline.model_fields:
        va, vb = getattr(a.headline, key), getattr(b.headline, key)
        delta = (round(vb - va, 4) if isinstance(va, int | float) and isinstance(vb, int | float)
                 and not isinstance(va, bool) else None)
        headline[key] = {"a": va, "b": vb, "delta": delta}
    ca = {c.hospital: c for c in a.centres}
    cb = {c.hospital: c for c in b.centres}
    centres = [{"hospital": h, "name": (ca.get(h) or cb[h]).name,
                "patients_a": ca[h].patients if h in ca else None,
                "patients_b": cb[h].patients if h in cb else None,
                "in": "both" if h in ca and h in cb else "a" if h in ca else "b"}
               for h in sorted(set(ca) | set(cb))]
    notes = []
    if a.care_type != b.care_type:
        notes.append(f"different care types: {a.care_type} vs {b.care_type}")
    if a.scope != b.scope:
        notes.append("different scopes: " + " vs ".join(
            "national" if s.scope.national else ", ".join(s.scope.regions) for s in (a, b)))
    if a.allocation_model != b.allocation_model:
        notes.append(f"different allocation models: {a.allocation_model} vs "
                     f"{b.allocation_model}")
    side = ("id", "name", "care_type", "method")
    return {"a": {k: getattr(a, k) for k in side}, "b": {k: getattr(b, k) for k in side},
            "headline": headline, "centres": centres,
            "only_in_a": sorted(set(ca) - set(cb)), "only_in_b": sorted(set(cb) - set(ca)),
            "notes": notes}
