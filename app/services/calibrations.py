"""Patient-choice parameter sets: estimated on observed flows, or given with their source.

``POST /calibrations`` fits the conditional logit of :mod:`analysis.choice` by maximum
likelihood on the care type's imported flows (``flows.csv``), with xlogit, cross-checked by
an own Newton solver; or stores coefficients a user takes from a study they cite. Scenarios
name the set they use (``choice_model``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from analysis.choice import EstimationError, estimate_choice
from app.errors import InvalidInput
from app.repository.snapshot import Snapshot
from app.schemas import Id
from app.services.numbers import figure
from app.services.scenarios import choice_features
from app.vocabulary import Confidence

__all__ = ["CalibrationCreate", "ChoiceModelPublic", "GivenParams", "run_calibration"]

Feature = Literal["minutes", "log_volume", "same_region", "network"]
Coefficient = Annotated[float, Field(ge=-100, le=100, allow_inf_nan=False)]


class GivenParams(BaseModel):
    """Coefficients taken from a study (the user cites it in ``source``)."""

    model_config = ConfigDict(extra="forbid")
    beta_time: Coefficient = Field(lt=0, description="per travel minute (negative)")
    beta_volume: Coefficient = 0.0
    beta_region: Coefficient = 0.0
    beta_network: Coefficient = 0.0
    kind: dict[Id, Coefficient] = Field(default_factory=dict, max_length=10)


class CalibrationCreate(BaseModel):
    """Fit a choice model on observed flows (``method: estimate``) or store given values."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"care_type": "oesophagectomy", "method": "estimate",
         "features": ["minutes", "log_volume", "same_region", "network"]},
        {"care_type": "oesophagectomy", "method": "given", "name": "from a study",
         "params": {"beta_time": -0.05, "beta_volume": 0.4},
         "source": "the study, table and page the values come from", "confidence": "found"}]})

    care_type: Id
    method: Literal["estimate", "given"] = "estimate"
    name: str | None = Field(default=None, max_length=200)
    features: list[Feature] | None = Field(
        default=None, max_length=4, description="features to estimate (default all four; "
                                                "'minutes' is required)")
    kind_constants: bool = Field(default=False, description="also estimate a constant per "
                                 "hospital kind (reference: general hospitals)")
    params: GivenParams | None = None
    source: str | None = Field(default=None, max_length=500)
    confidence: Confidence | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CalibrationCreate:
        if self.method == "given":
            if self.params is None:
                raise ValueError("method 'given' needs params (at least beta_time)")
            if not self.source or self.confidence is None:
                raise ValueError("given coefficients need their source and confidence")
        elif self.params is not None:
            raise ValueError("params are only for method 'given'; 'estimate' fits them")
        return self


class FitFigures(BaseModel):
    features: list[str]
    coefficients: list[float | None]
    std_errors: list[float | None]
    log_likelihood: float | None
    log_likelihood_null: float | None
    rho2: float | None
    patients: float | None
    areas: int
    alternatives: int
    situations: int
    engine: str
    iterations: int
    converged: bool
    cross_check: float | None = Field(
        description="largest |xlogit - Newton| coefficient difference in standard errors")
    seconds: float | None


class ChoiceModelPublic(BaseModel):
    id: str
    name: str
    care_type: str
    origin: Literal["estimated", "given"]
    params: dict[str, Any]
    fit: FitFigures | None = None
    source: str
    confidence: str
    volume: str = Field(description="how volume enters the utility")
    created_at: str
    notes: list[str] = Field(default_factory=list)


VOLUME_DEFINITION = ("ln(max(volume today, 1)) with volume today = the hospital's stored "
                     "provision volume (PROVIDES.volume), else its observed patients in "
                     "flows.csv; held fixed in scenarios")


def run_calibration(snap: Snapshot, req: CalibrationCreate) -> ChoiceModelPublic:
    """Estimate (or take) a parameter set; returns it with a new id, not yet stored."""
    if req.care_type not in snap.care_types:
        raise InvalidInput(f"care_type: unknown id(s) {req.care_type}",
                           errors=[{"field": "care_type", "unknown": [req.care_type]}])
    created = datetime.now(UTC).isoformat(timespec="seconds")
    ident = "cm-" + uuid.uuid4().hex[:12]
    if req.method == "given":
        assert req.params is not None and req.source and req.confidence
        return ChoiceModelPublic(
            id=ident, name=req.name or f"{req.care_type}: given coefficients",
            care_type=req.care_type, origin="given", params=req.params.model_dump(),
            source=req.source, confidence=req.confidence, volume=VOLUME_DEFINITION,
            created_at=created)
    F = snap.flow_matrix(req.care_type)
    if F is None or F.sum() <= 0:
        raise InvalidInput(f"care_type: {req.care_type} has no observed flows to estimate "
                           "on; load flows.csv (oncoregio load DIR --mode update) or give "
                           "the coefficients (method 'given')",
                           errors=[{"field": "care_type"}])
    feats = choice_features(snap, req.care_type)
    names: list[str] = list(req.features or ["minutes", "log_volume", "same_region",
                                             "network"])
    if req.kind_constants:
        kinds = sorted({k for k in feats.kind if k != "general"})
        names += [f"kind:{k}" for k in kinds]
    providers = {snap.hospital_index[h] for h in snap.providers.get(req.care_type, set())}
    alternatives = np.zeros(len(snap.hospitals), bool)
    alternatives[list(providers)] = True
    try:
        fit = estimate_choice(F, feats, features=names, alternatives=alternatives)
    except EstimationError as e:
        raise InvalidInput(f"cannot estimate the choice model for {req.care_type}: {e}",
                           errors=[{"field": "features"}]) from e
    _, _, _, sources = snap.flows[req.care_type]
    notes = []
    if not fit.converged:
        notes.append("the estimation did not converge: treat the coefficients with care")
    return ChoiceModelPublic(
        id=ident, name=req.name or f"{req.care_type}: estimated on flows",
        care_type=req.care_type, origin="estimated",
        params={"beta_time": fit.params.beta_time, "beta_volume": fit.params.beta_volume,
                "beta_region": fit.params.beta_region,
                "beta_network": fit.params.beta_network, "kind": dict(fit.params.kind)},
        fit=FitFigures(
            features=list(fit.features), coefficients=[figure(c, 6) for c in fit.coefficients],
            std_errors=[figure(s, 6) for s in fit.std_errors],
            log_likelihood=figure(fit.log_likelihood), rho2=figure(fit.rho2, 6),
            log_likelihood_null=figure(fit.log_likelihood_null), patients=figure(fit.patients),
            areas=fit.areas, alternatives=fit.alternatives, situations=fit.situations,
            engine=fit.engine, iterations=fit.iterations, converged=fit.converged,
            cross_check=figure(fit.cross_check, 6), seconds=figure(fit.seconds)),
        source=f"maximum-likelihood estimate ({fit.engine}) on flows.csv: "
               + "; ".join(sorted(sources)),
        confidence="modelled", volume=VOLUME_DEFINITION, created_at=created, notes=notes)
