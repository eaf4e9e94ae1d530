"""Dependencies shared by the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from neo4j import Driver

from app.settings import Settings

__all__ = ["DatabaseDep", "DriverDep", "LimitDep", "MinutesDep", "OffsetDep", "Responses",
           "SettingsDep"]


def get_driver(request: Request) -> Driver:
    return request.app.state.driver


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> str:
    return request.app.state.settings.neo4j_database


#: OpenAPI ``responses=`` of a route
Responses = dict[int | str, dict[str, Any]]

SettingsDep = Annotated[Settings, Depends(get_app_settings)]
DriverDep = Annotated[Driver, Depends(get_driver)]
DatabaseDep = Annotated[str, Depends(get_database)]
LimitDep = Annotated[int, Query(ge=1, le=5000, description="page size")]
OffsetDep = Annotated[int, Query(ge=0, description="rows to skip")]
MinutesDep = Annotated[float, Query(gt=0, le=600, description="travel-time threshold, minutes")]
