"""The one Neo4j driver of a process, its creation and the project's database errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import neo4j
from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired
from neo4j.exceptions import DatabaseUnavailable as ServerDatabaseUnavailable

from app.settings import Settings

__all__ = ["DatabaseUnavailable", "create_driver", "translate_errors", "server_info"]

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """Neo4j cannot be reached (or refuses our credentials) right now."""


def create_driver(settings: Settings) -> Driver:
    """Create the process's driver with bounded timeouts; does not connect yet."""
    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
    return GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, password),
        connection_timeout=settings.neo4j_connection_timeout,
        connection_acquisition_timeout=settings.neo4j_acquisition_timeout,
        max_transaction_retry_time=settings.neo4j_max_retry_time,
        liveness_check_timeout=0,
        # the server's hints (e.g. "property minutes does not exist" before any travel matrix
        # is imported) are not problems of a running service
        notifications_min_severity="OFF",
    )


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn the driver's connectivity errors into :class:`DatabaseUnavailable`."""
    try:
        yield
    except AuthError as e:
        raise DatabaseUnavailable("Neo4j refused the configured credentials "
                                  "(NEO4J_USER / NEO4J_PASSWORD)") from e
    except (ServiceUnavailable, SessionExpired, OSError) as e:
        raise DatabaseUnavailable("Neo4j is unreachable") from e
    except ServerDatabaseUnavailable as e:  # the server runs, its database is (re)starting
        raise DatabaseUnavailable("the Neo4j database is not available yet") from e


SERVER_INFO = ("CALL dbms.components() YIELD name, versions, edition "
               "RETURN versions[0] AS version, edition")


def server_info(driver: Driver, database: str) -> dict:
    """Version and edition of the connected server."""
    with translate_errors():
        records, _, _ = driver.execute_query(SERVER_INFO, database_=database,
                                             routing_=neo4j.RoutingControl.READ)
    row = records[0]
    return {"version": row["version"], "edition": row["edition"]}
