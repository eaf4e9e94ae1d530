"""Stored API tokens: ``(:ApiToken {name, role, hash, created_at})``, only ever the hash."""

from __future__ import annotations

from typing import Any

import neo4j
from neo4j import Driver
from neo4j.exceptions import ConstraintError

from app.db import translate_errors

__all__ = ["TokenExists", "delete_token", "insert_token", "list_tokens", "token_hashes"]

INSERT_TOKEN = """
CREATE (t:ApiToken {name: $name, role: $role, hash: $hash, created_at: $created_at})
"""
# every token's name, role and hash: the service compares hashes itself, in constant time
TOKEN_HASHES = "MATCH (t:ApiToken) RETURN t.name AS name, t.role AS role, t.hash AS hash"
LIST_TOKENS = """
MATCH (t:ApiToken)
RETURN t.name AS name, t.role AS role, t.created_at AS created_at
ORDER BY t.name
"""
DELETE_TOKEN = """
MATCH (t:ApiToken {name: $name})
WITH t, t.name AS name
DELETE t
RETURN name
"""


class TokenExists(ValueError):
    """A token with this name is already stored."""


def insert_token(driver: Driver, db: str, *, name: str, role: str, hash_: str,
                 created_at: str) -> None:
    with translate_errors():
        try:
            driver.execute_query(INSERT_TOKEN, name=name, role=role, hash=hash_,
                                 created_at=created_at, database_=db)
        except ConstraintError as e:
            raise TokenExists(f"a token named '{name}' exists already; revoke it first") from e


def token_hashes(driver: Driver, db: str) -> list[dict[str, Any]]:
    with translate_errors():
        records, _, _ = driver.execute_query(TOKEN_HASHES, database_=db,
                                             routing_=neo4j.RoutingControl.READ)
    return [r.data() for r in records]


def list_tokens(driver: Driver, db: str) -> list[dict[str, Any]]:
    with translate_errors():
        records, _, _ = driver.execute_query(LIST_TOKENS, database_=db,
                                             routing_=neo4j.RoutingControl.READ)
    return [r.data() for r in records]


def delete_token(driver: Driver, db: str, name: str) -> bool:
    """Remove the token ``name``; True if there was one."""
    with translate_errors():
        records, _, _ = driver.execute_query(DELETE_TOKEN, name=name, database_=db)
    return bool(records)
