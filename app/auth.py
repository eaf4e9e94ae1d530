"""Bearer tokens with roles: creation, hashing and the (briefly cached) check of a request.

A token is 32 random bytes from :mod:`secrets` (256 bits), shown once and stored only as its
SHA-256 in ``(:ApiToken {name, role, hash, created_at})``. A fast unkeyed hash is enough
here: a slow password KDF (bcrypt, scrypt, argon2) exists to make guessing *low-entropy*
secrets expensive; guessing a 256-bit random token is infeasible at any hash speed, and
SHA-256 is preimage resistant, so a leaked hash does not give the token back. Hashes are
compared with :func:`hmac.compare_digest` (constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from neo4j import Driver

from app.db import DatabaseUnavailable
from app.refresh import RefreshAhead
from app.repository import tokens as repo

__all__ = ["ROLES", "Principal", "Role", "TokenCache", "create_token", "hash_token",
           "new_token", "role_allows", "valid_token_name"]

Role = Literal["reader", "planner", "admin"]
ROLES: tuple[Role, ...] = ("reader", "planner", "admin")
TOKEN_PREFIX = "onc_"
TOKEN_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a token's name and role (``anonymous`` for open reads)."""

    name: str
    role: Role
    authenticated: bool = True


def role_allows(have: Role, need: Role) -> bool:
    """Roles are ordered: admin can do what a planner can, a planner what a reader can."""
    return ROLES.index(have) >= ROLES.index(need)


def new_token() -> str:
    """A fresh token: 256 random bits, URL-safe, with a recognisable prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Hex SHA-256 of the token: what is stored and compared."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def valid_token_name(name: str) -> bool:
    return TOKEN_NAME.fullmatch(name) is not None


def create_token(driver: Driver, db: str, *, name: str, role: Role) -> str:
    """Store a new token's hash under ``name`` and return the token (the only time it exists
    in clear). Raises ``ValueError`` for a bad name or role, :class:`repo.TokenExists` when the
    name is taken."""
    if not valid_token_name(name):
        raise ValueError(f"token name {name!r} must match {TOKEN_NAME.pattern}")
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    token = new_token()
    repo.insert_token(driver, db, name=name, role=role, hash_=hash_token(token),
                      created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    return token


#: how long a request waits for another one's re-read of the token hashes
LOAD_WAIT_SECONDS = 5.0
#: how long after its last good read the copy of the hashes is used while the database is
#: unavailable
STALE_SECONDS = 60.0


class TokenCache:
    """The stored token hashes, re-read at most every ``ttl`` seconds.

    Reading all hashes (a handful of nodes) once a second instead of one lookup per request
    keeps reads free of an extra database round trip; a revoked token stops working within
    ``ttl``. The presented token's hash is compared with every stored hash in constant time.

    While the database is unavailable the last good copy is used, for at most
    ``ttl + stale`` seconds after it was read, instead of answering 503 to the token check.
    That is safe: revoking a token is itself a database write, so no revocation can happen
    during the outage, and a token revoked just before it (within ``ttl``, as always) gains
    nothing from passing the check: every answer that needs the database is a 503 until it
    is back, and then the hashes are read again (within ``ttl``) before anything else.
    """

    def __init__(self, load: Callable[[], list[dict[str, Any]]], ttl: float,
                 clock: Callable[[], float] = time.monotonic, *,
                 stale: float = STALE_SECONDS) -> None:
        self._load, self._ttl, self._clock, self._stale = load, ttl, clock, stale
        self._rows: list[dict[str, Any]] = []
        self._loaded_at: float | None = None
        # a failed load (database down) is remembered for ``ttl`` too: requests do not queue
        # up behind one another's retries, each answers 503 at once
        self._error: Exception | None = None
        self._failed_at = 0.0
        self._lock = threading.Lock()
        self._ahead = RefreshAhead(self._refresh, "token-reread")

    def _current(self) -> list[dict[str, Any]]:
        # while another request re-reads the hashes from a database that is slow to answer,
        # wait a bounded time, then answer 503 instead of queueing behind it
        if not self._lock.acquire(timeout=LOAD_WAIT_SECONDS):
            return self._last_good(DatabaseUnavailable(
                "the token check is waiting for the database"))
        try:
            now = self._clock()
            if self._error is not None and now - self._failed_at < self._ttl:
                return self._last_good(self._error)
            if self._loaded_at is None or now - self._loaded_at >= self._ttl:
                try:
                    rows = self._load()
                except Exception as e:
                    self._error, self._failed_at = e, self._clock()
                    return self._last_good(e)
                self._rows, self._error, self._loaded_at = rows, None, now
            return self._rows
        finally:
            self._lock.release()

    def _last_good(self, error: Exception) -> list[dict[str, Any]]:
        """The last good copy while the database is unavailable (see the class notes), else
        raise ``error``."""
        loaded, rows = self._loaded_at, self._rows
        if (isinstance(error, DatabaseUnavailable) and loaded is not None
                and self._clock() - loaded < self._ttl + self._stale):
            return rows
        raise error.with_traceback(None)

    def fresh_rows(self) -> list[dict[str, Any]] | None:
        """The stored hashes when they were read within ``ttl``, else None; no lock and no
        database call, so an async caller can check a token on the event loop.

        Refresh ahead: once half of ``ttl`` has passed, the first caller starts one
        background re-read and callers keep the copy until ``ttl`` ends, so under steady
        traffic no request waits for the re-read (nor queues behind one in the thread pool).
        """
        loaded, rows = self._loaded_at, self._rows
        if loaded is None:
            return None
        age = self._clock() - loaded
        if age >= self._ttl:
            return None
        if age >= self._ttl / 2:
            self._ahead.start()
        return rows

    def _refresh(self) -> None:
        """The background re-read of :meth:`fresh_rows`; a failure is left to the first
        check after ``ttl``, which reads (or falls back) itself."""
        if not self._lock.acquire(timeout=LOAD_WAIT_SECONDS):
            return
        try:
            started = self._clock()
            rows = self._load()
            self._rows, self._error, self._loaded_at = rows, None, started
        finally:
            self._lock.release()

    def principal(self, token: str,
                  rows: list[dict[str, Any]] | None = None) -> Principal | None:
        """The principal of ``token``, or None when no stored token matches; ``rows`` from
        :meth:`fresh_rows`, else read (at most once per ``ttl``)."""
        digest = hash_token(token)
        found: Principal | None = None
        for row in self._current() if rows is None else rows:
            # no early exit: the time taken does not depend on which row matches
            if hmac.compare_digest(digest, str(row["hash"])) and row["role"] in ROLES:
                found = Principal(name=row["name"], role=row["role"])
        return found
