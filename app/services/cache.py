"""One snapshot per dataset revision, and the answers computed from it, shared by all requests.

The graph changes only when someone writes to it, and every such write bumps the dataset
revision in its own transaction (:mod:`app.repository.revision`). So the graph read and the
arrays derived from it (travel matrix, indices) are built once per revision, and the answers
computed from them (a region's coverage, the coverage matrix, the regions map, a page of
hospitals) are kept, encoded, in a bounded LRU keyed on ``(revision tag, question)``.

This is not a second copy of the graph kept in sync by hand: every use is validated against
the database's revision, at most ``staleness`` seconds old (one tiny query per window, not per
request). A write made through this process invalidates at once (:meth:`SnapshotCache.invalidate`);
a write by another process (a load from the CLI, another API worker) is seen within the window.

Concurrent first requests for a new revision build its snapshot once: one builder, the others
wait for it. Each worker process has its own cache; the revision keeps them consistent.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from neo4j import Driver

from app.refresh import RefreshAhead
from app.repository.revision import Revision, read_revision
from app.repository.snapshot import Snapshot, read_snapshot

__all__ = ["CacheStats", "SnapshotCache", "database_cache"]


@dataclass
class CacheStats:
    """Counters, for tests and the benchmark: what was built, checked, hit."""

    revision_checks: int = 0
    snapshot_builds: int = 0
    answer_hits: int = 0
    answer_misses: int = 0
    answer_evictions: int = 0


class SnapshotCache:
    """The current snapshot and the answers of its revision.

    Parameters
    ----------
    read_revision, read_snapshot
        The two database reads: the revision alone (tiny) and the whole snapshot (one read
        transaction that also reads the revision it saw).
    staleness
        Seconds a revision read is trusted without asking again (0: ask on every use).
    max_answers, max_answer_bytes
        Bounds of the answer LRU, in entries and in encoded bytes.
    """

    def __init__(self, read_revision: Callable[[], Revision],
                 read_snapshot: Callable[[], Snapshot], *, staleness: float,
                 max_answers: int = 512, max_answer_bytes: int = 64 * 2**20,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read_revision, self._read_snapshot = read_revision, read_snapshot
        self._staleness, self._clock = staleness, clock
        self._max_answers, self._max_bytes = max_answers, max_answer_bytes
        self._lock = threading.Lock()          # guards the fields below, held briefly
        self._check_lock = threading.Lock()    # one revision query at a time
        self._build_lock = threading.Lock()    # one snapshot build at a time
        self._known: Revision | None = None
        self._checked_at = -float("inf")
        self._ahead = RefreshAhead(self._refresh, "revision-check")
        self._snapshot: Snapshot | None = None
        self._answers: OrderedDict[tuple[str, Hashable], bytes] = OrderedDict()
        self._answer_bytes = 0
        self._inflight: dict[tuple[str, Hashable], threading.Lock] = {}
        self.stats = CacheStats()

    # ------------------------------------------------------------------ revision
    def fresh_revision(self) -> Revision | None:
        """The revision if it was checked within the window, else None (no database call).

        Refresh ahead: once half the window has passed, the first caller starts one
        background check and every caller keeps getting the known revision until the window
        ends. Under steady traffic the check never stands in a request's way (before this,
        every request arriving during a check went to the thread pool and queued behind it:
        the p99 tail at 32 connections), and nothing older than the window is ever served.
        """
        with self._lock:
            known = self._known
            if known is None:
                return None
            age = self._clock() - self._checked_at
            if age >= self._staleness:
                return None
            if age >= self._staleness / 2:
                self._ahead.start()
            return known

    def _refresh(self) -> None:
        """The background check of :meth:`fresh_revision`; a failure is left to the next
        caller after the window, which asks the database itself and gets the error."""
        with self._check_lock:
            started = self._clock()
            revision = self._read_revision()
            self._learn(revision, started)

    def revision(self) -> Revision:
        """The current revision, asking the database when the window has passed."""
        known = self.fresh_revision()
        if known is not None:
            return known
        with self._check_lock:
            known = self.fresh_revision()  # another thread may just have asked
            if known is not None:
                return known
            started = self._clock()
            revision = self._read_revision()
            self._learn(revision, started)
            return revision

    def invalidate(self) -> None:
        """Forget when the revision was last checked: the next use asks the database. Called
        after this process's own writes."""
        with self._lock:
            self._checked_at = -float("inf")

    def _learn(self, revision: Revision, checked_at: float) -> None:
        with self._lock:
            if self._known is None or self._known.tag != revision.tag:
                # a new dataset: answers of any other revision are dead weight
                for key in [k for k in self._answers if k[0] != revision.tag]:
                    self._answer_bytes -= len(self._answers.pop(key))
            self._known, self._checked_at = revision, checked_at
            self.stats.revision_checks += 1

    # ------------------------------------------------------------------ snapshot
    def snapshot(self) -> Snapshot:
        """The snapshot of the current revision, built once per revision."""
        revision = self.revision()
        snap = self._snapshot
        if snap is not None and snap.revision.tag == revision.tag:
            return snap
        with self._build_lock:
            snap = self._snapshot
            known = self._known or revision
            if snap is not None and snap.revision.tag == known.tag:
                return snap
            started = self._clock()
            snap = self._read_snapshot()
            _derive(snap)
            # the snapshot's many small objects (rows, ids) live until the next revision and
            # are freed by reference counting: keep them out of the cyclic collector's full
            # passes, which otherwise walk them again and again (p99 at 32 connections went
            # from 84 to 54 ms in bench_http, one run each)
            gc.freeze()
            self.stats.snapshot_builds += 1
            self._snapshot = snap
            # the snapshot's transaction saw a revision at least as new as the one asked for
            self._learn(snap.revision, started)
            return snap

    # ------------------------------------------------------------------ answers
    def cached_answer(self, revision: Revision, key: Hashable) -> bytes | None:
        """An answer already computed for ``revision``, or None (no computation)."""
        k = (revision.tag, key)
        with self._lock:
            body = self._answers.get(k)
            if body is not None:
                self._answers.move_to_end(k)
                self.stats.answer_hits += 1
            return body

    def answer(self, revision: Revision, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """The answer to ``key`` at ``revision``: from the LRU, else computed once (concurrent
        askers of the same key wait for the first) and kept within the bounds."""
        body = self.cached_answer(revision, key)
        if body is not None:
            return body
        k = (revision.tag, key)
        with self._lock:
            gate = self._inflight.setdefault(k, threading.Lock())
        with gate:
            body = self.cached_answer(revision, key)
            if body is not None:
                return body
            try:
                body = compute()
            finally:
                with self._lock:
                    self._inflight.pop(k, None)
            self._keep(k, body, revision)
            return body

    def _keep(self, k: tuple[str, Hashable], body: bytes, revision: Revision) -> None:
        with self._lock:
            self.stats.answer_misses += 1
            if self._known is not None and self._known.tag != revision.tag:
                return  # computed for a revision that is no longer current
            if len(body) > self._max_bytes or self._max_answers == 0:
                return
            self._answers[k] = body
            self._answer_bytes += len(body)
            while len(self._answers) > self._max_answers or self._answer_bytes > self._max_bytes:
                _, old = self._answers.popitem(last=False)
                self._answer_bytes -= len(old)
                self.stats.answer_evictions += 1

    @property
    def answer_count(self) -> int:
        return len(self._answers)

    @property
    def answer_bytes(self) -> int:
        return self._answer_bytes


def database_cache(driver: Driver, db: str, *, staleness: float,
                   max_answers: int) -> SnapshotCache:
    """The cache of one database: its revision and snapshot reads."""
    return SnapshotCache(lambda: read_revision(driver, db), lambda: read_snapshot(driver, db),
                         staleness=staleness, max_answers=max_answers)


def _derive(snap: Snapshot) -> None:
    """Build the derived arrays every request needs now, once, instead of in the first
    requests (``cached_property`` has no lock: concurrent first uses would each build)."""
    for name in ("area_index", "hospital_index", "area_ids", "hospital_ids", "population",
                 "area_region", "providers", "minutes", "distance_km"):
        value = getattr(snap, name)
        if hasattr(value, "flags"):
            # shared by every request from now on: a service that wrote into it would
            # change other requests' answers, so writing raises instead
            value.flags.writeable = False
