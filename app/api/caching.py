"""HTTP caching of read answers: a strong ETag per (dataset revision, question), 304s, one
encoding per revision.

A cached route names its question (``key``: the route and its validated parameters) and how
to compute the answer. The ETag is derived from the software version, the dataset revision's
tag and the key, so it changes with the data and with the code and not otherwise. A request
whose ``If-None-Match`` holds the current ETag gets ``304 Not Modified`` without any
computation; otherwise the answer comes from the revision's LRU or is computed once (in the
thread pool: nothing blocking runs on the event loop).

``Cache-Control: private, no-cache``: a client (or a dashboard's browser) may keep the body but
must revalidate each use, which costs a 304. The data can change at any load, so no
``max-age``; ``private`` because reads may need a token.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from app import __version__
from app.repository.revision import Revision
from app.repository.snapshot import Snapshot
from app.services.cache import SnapshotCache, database_cache

__all__ = ["CACHE_CONTROL", "CACHED", "IfNoneMatch", "SnapshotDep", "after_write", "cached",
           "cached_snapshot_answer", "current_snapshot",
           "etag_for", "json_bytes", "snapshot_cache"]

CACHE_CONTROL = "private, no-cache"
JSON = "application/json"

IfNoneMatch = Annotated[str | None, Header(
    max_length=2000, description="ETags of a copy the client holds; when one is current the "
                                 "answer is 304 Not Modified with no body")]

#: OpenAPI ``responses=`` entry of every cached route
CACHED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: If-None-Match holds the current ETag (no body)"}}


def snapshot_cache(request: Request) -> SnapshotCache:
    """The app's cache, made on first use (the driver lives in the lifespan)."""
    state = request.app.state
    cache = getattr(state, "snapshots", None)
    if cache is None:
        settings = state.settings
        cache = state.snapshots = database_cache(
            state.driver, settings.neo4j_database, staleness=settings.revision_check_seconds,
            max_answers=settings.answer_cache_entries)
    return cache


@functools.cache
def code_fingerprint() -> str:
    """The version and a digest of the code that computes answers (``app``, ``analysis``):
    an upgrade changes every ETag even when the version string stays the same."""
    import analysis

    digest = hashlib.sha256(__version__.encode())
    for package in (Path(__file__).resolve().parents[1], Path(analysis.__file__).parent):
        for path in sorted(package.rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def etag_for(revision: Revision, key: Hashable) -> str:
    """A strong ETag: the same for the same code, dataset revision and question."""
    text = f"{code_fingerprint()}|{revision.tag}|{key!r}"
    return f'"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison, a list of tags, or ``*``."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def json_bytes(model: BaseModel) -> bytes:
    """The model as JSON, encoded by pydantic-core in one pass (no ``jsonable_encoder``)."""
    return model.__pydantic_serializer__.to_json(model)


def _respond(body: bytes, etag: str, media_type: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})


def _not_modified(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})


async def cached_snapshot_answer(request: Request, if_none_match: str | None, key: Hashable,
                                 compute: Callable[[Snapshot], bytes],
                                 media_type: str = JSON) -> Response:
    """An answer computed from the revision's snapshot."""
    cache = snapshot_cache(request)
    fresh = cache.fresh_revision()
    if fresh is not None:
        etag = etag_for(fresh, key)
        if _matches(if_none_match, etag):
            return _not_modified(etag)
        kept = cache.cached_answer(fresh, key)
        if kept is not None:
            return _respond(kept, etag, media_type)

    def slow() -> tuple[Revision, bytes]:
        snap = cache.snapshot()  # its revision is the one the body is computed from
        return snap.revision, cache.answer(snap.revision, key, lambda: compute(snap))

    revision, body = await run_in_threadpool(slow)
    etag = etag_for(revision, key)
    if _matches(if_none_match, etag):
        return _not_modified(etag)
    return _respond(body, etag, media_type)


async def cached(request: Request, if_none_match: str | None, key: Hashable,
                 compute: Callable[[], bytes], media_type: str = JSON) -> Response:
    """An answer read from the database (not from the snapshot), cached per revision.

    The revision is read before the answer's query, so a body can be newer than its ETag's
    revision but never older: an ETag is never current for data that changed after it.
    """
    cache = snapshot_cache(request)
    fresh = cache.fresh_revision()
    revision = fresh if fresh is not None else await run_in_threadpool(cache.revision)
    etag = etag_for(revision, key)
    if _matches(if_none_match, etag):
        return _not_modified(etag)
    kept = cache.cached_answer(revision, key)
    body = kept if kept is not None else await run_in_threadpool(cache.answer, revision, key,
                                                                 compute)
    return _respond(body, etag, media_type)


def current_snapshot(request: Request) -> Snapshot:
    """Dependency: the snapshot of the current revision (a plain ``def``: FastAPI runs it in
    the thread pool, as a build reads the database)."""
    return snapshot_cache(request).snapshot()


def after_write(request: Request) -> None:
    """Call after a write through this process: its own next read sees it at once."""
    snapshot_cache(request).invalidate()


SnapshotDep = Annotated[Snapshot, Depends(current_snapshot)]
