"""Patient-choice models: fit on observed flows or store given coefficients; list, read,
delete."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from app.api.caching import SnapshotDep, after_write
from app.api.deps import (
    READER,
    DatabaseDep,
    DriverDep,
    IdPath,
    IdQuery,
    LimitDep,
    OffsetDep,
    PlannerDep,
    Responses,
    delete_owned,
)
from app.repository import choice_models as repo
from app.schemas import Page
from app.services.calibrations import CalibrationCreate, ChoiceModelPublic, run_calibration

router = APIRouter(prefix="/calibrations", tags=["patient choice"])
ERRORS: Responses = {404: {"description": "unknown choice model (problem+json)"},
          422: {"description": "invalid request, no flows, or a model the flows cannot "
                               "identify (problem+json)"},
          503: {"description": "database unavailable, or a load in the way of the store: "
                               "running, switching, or done while the model was fitted "
                               "(problem+json, Retry-After)"}}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ChoiceModelPublic,
             responses=ERRORS)
def create_calibration(body: CalibrationCreate, request: Request, driver: DriverDep,
                       db: DatabaseDep, response: Response, planner: PlannerDep,
                       snap: SnapshotDep) -> ChoiceModelPublic:
    """Fit the patient-choice model on a care type's observed flows (maximum likelihood) or
    store given coefficients with their source; scenarios use it by id."""
    model = run_calibration(snap, body)
    repo.save_choice_model(driver, db, model, dataset=snap.dataset, created_by=planner.name)
    after_write(request)
    response.headers["Location"] = f"/calibrations/{model.id}"
    return model


@router.get("", response_model=Page[ChoiceModelPublic], responses=ERRORS,
            dependencies=[READER])
def list_calibrations(driver: DriverDep, db: DatabaseDep, care_type: IdQuery = None,
                      limit: LimitDep = 100, offset: OffsetDep = 0) -> Page[ChoiceModelPublic]:
    """Stored choice models, newest first."""
    data, count = repo.list_choice_models(driver, db, care_type=care_type, limit=limit,
                                          offset=offset)
    return Page(data=data, count=count)


@router.get("/{model_id}", response_model=ChoiceModelPublic, responses=ERRORS,
            dependencies=[READER])
def read_calibration(model_id: IdPath, driver: DriverDep, db: DatabaseDep) -> ChoiceModelPublic:
    """One stored choice model with its fit."""
    return repo.get_choice_model(driver, db, model_id)


@router.delete("/{model_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete_calibration(model_id: IdPath, request: Request, driver: DriverDep, db: DatabaseDep,
                       planner: PlannerDep) -> Response:
    """Delete a choice model (scenarios that used it keep a copy of its coefficients); a
    planner their own, an admin any."""

    def delete() -> None:
        repo.delete_choice_model(driver, db, model_id)
        after_write(request)

    return delete_owned(planner, f"choice model '{model_id}'",
                        lambda: repo.choice_model_owner(driver, db, model_id), delete)
