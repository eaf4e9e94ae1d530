"""Apply ``graph/schema.cypher`` (idempotent DDL) to a database."""

from __future__ import annotations

from pathlib import Path

from neo4j import Driver

from app.db import translate_errors
from app.resources import SCHEMA_FILE

__all__ = ["SCHEMA_FILE", "apply_schema", "schema_statements"]


def schema_statements(path: Path = SCHEMA_FILE) -> list[str]:
    """The statements of the schema file, comments removed, split on ``;``."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if not line.strip().startswith("//")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def apply_schema(driver: Driver, database: str, path: Path = SCHEMA_FILE) -> int:
    """Run every schema statement (each is ``IF NOT EXISTS``); return how many ran."""
    statements = schema_statements(path)
    with translate_errors():
        for statement in statements:
            # DDL text comes from the project's own file, never from user input
            driver.execute_query(statement, database_=database)  # type: ignore[arg-type]
        driver.execute_query("CALL db.awaitIndexes(60)", database_=database)
    return len(statements)
