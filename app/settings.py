"""Settings from the environment (and the git-ignored ``.env``), one cached instance."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.localdb import PROJECT_ROOT

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Connection and service settings.

    ``NEO4J_URI`` may point at the local server (the default), a user's own server, a cluster
    or Aura (``neo4j+s://...``): nothing else in the code assumes a local database.
    """

    model_config = SettingsConfigDict(env_file=PROJECT_ROOT / ".env", extra="ignore")

    environment: Literal["local", "production"] = "local"
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    # bounded waits: an unreachable database answers 503 within seconds, never hangs
    neo4j_connection_timeout: float = 3.0
    neo4j_acquisition_timeout: float = 5.0
    neo4j_max_retry_time: float = 3.0
    # the API bounds the database calls of a request, all together, in wall-clock time (also
    # each call's server-side transaction timeout: raise it for a dataset whose snapshot read
    # takes longer); once a call finds Neo4j down every request answers 503 at once, and a
    # probe every ``neo4j_probe_interval`` seconds finds when it is back (app.db.DatabaseGate)
    neo4j_call_timeout: float = Field(default=15.0, gt=0, le=3600)
    neo4j_probe_interval: float = Field(default=0.5, gt=0, le=60)
    retry_after_seconds: int = 10
    public_url: str = "http://127.0.0.1:8000"
    browser_origins: list[str] = ["http://127.0.0.1:7474", "http://localhost:7474",
                                  "http://127.0.0.1:17474", "http://localhost:17474"]
    # security (see README "Security"): reads without a token only where explicitly allowed;
    # ``None`` means "open on a local development setup, closed everywhere else"
    open_reads: bool | None = None
    # Host header names the API answers to (a port is ignored); "*" allows any
    trusted_hosts: list[str] = ["127.0.0.1", "localhost", "testserver"]
    max_body_bytes: int = Field(default=1_000_000, ge=1)
    # how long a token lookup may be reused: a revoked token stops working within this time
    token_cache_seconds: float = Field(default=1.0, ge=0, le=60)
    # how long the dataset revision may be taken as current without asking the database: a
    # load from another process is seen within this time (the API's own writes at once)
    revision_check_seconds: float = Field(default=0.5, ge=0, le=1)
    # computed answers kept per process (LRU over all revisions); snapshots kept: the current
    answer_cache_entries: int = Field(default=512, ge=0, le=100_000)
    # sweeps (see app.executors): a Dask scheduler address (tcp://host:8786) sends their
    # scenarios to that cluster; unset, the API runs them on its bounded compute pool (below)
    # and the CLI on a local pool of ``sweep_workers`` processes (default: the machine's CPUs).
    # An unreachable scheduler is a 503, never a silent fall-back.
    dask_scheduler: str | None = Field(
        default=None, validation_alias=AliasChoices("ONCOREGIO_DASK_SCHEDULER",
                                                    "dask_scheduler"))
    dask_connect_timeout: float = Field(default=5.0, gt=0, le=120)
    sweep_workers: int | None = Field(default=None, ge=1, le=1024)
    # the most combinations (k x norms) one sweep may have, and its wall-clock limit
    sweep_max_combinations: int = Field(default=200, ge=1, le=10_000)
    sweep_time_limit: float = Field(default=3600.0, gt=0, le=86_400)
    # bounded compute (app/compute.py): worker processes (default: the machine's CPUs), the
    # jobs that may wait for one (default: twice the workers; beyond that 429), and how long
    # after its time_limit a computation is stopped
    compute_workers: int | None = Field(default=None, ge=1, le=256)
    compute_queue_size: int | None = Field(default=None, ge=0, le=1024)
    compute_grace_seconds: float = Field(default=1.5, gt=0, le=60)

    @model_validator(mode="after")
    def _refuse_default_password(self) -> Settings:
        password = self.neo4j_password.get_secret_value() if self.neo4j_password else ""
        if self.environment != "local" and password in {"", "neo4j", "password"}:
            raise ValueError("NEO4J_PASSWORD is empty or a default; set a real password "
                             "outside local development")
        return self

    @property
    def workers(self) -> int:
        """Worker processes of the compute pool."""
        return self.compute_workers or os.cpu_count() or 1

    @property
    def queue_size(self) -> int:
        """Jobs that may wait for a worker."""
        return 2 * self.workers if self.compute_queue_size is None else self.compute_queue_size

    @property
    def reads_open(self) -> bool:
        """Whether GET requests pass without a token (writes never do)."""
        return self.environment == "local" if self.open_reads is None else self.open_reads


@lru_cache
def get_settings() -> Settings:
    return Settings()
