"""The revision-keyed cache's own rules, with counting read functions and a hand-set clock.

These test the cache's bookkeeping (window, single build, LRU bounds); that it gives the right
answers against the real database is in ``test_http_cache.py``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest

from app.repository.revision import Revision
from app.services.cache import SnapshotCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeSnapshot:
    """Stands in for a Snapshot: the cache only reads ``revision`` and derived attributes."""

    def __init__(self, revision: Revision) -> None:
        self.revision = revision

    def __getattr__(self, name: str) -> Any:  # the derived arrays built once per snapshot
        return ()


def make(staleness: float = 0.5, **kw: Any):
    clock, reads = Clock(), Counter()
    state = {"rev": Revision(1, "a")}

    def read_revision() -> Revision:
        reads["revision"] += 1
        return state["rev"]

    def read_snapshot():
        reads["snapshot"] += 1
        time.sleep(0.05)  # long enough for concurrent callers to pile up
        return FakeSnapshot(state["rev"])

    cache = SnapshotCache(read_revision, read_snapshot, staleness=staleness, clock=clock, **kw)
    return cache, clock, reads, state


def test_the_revision_is_asked_once_per_window():
    cache, clock, reads, state = make(staleness=0.5)
    assert cache.fresh_revision() is None  # nothing known yet: no guess
    assert cache.revision() == Revision(1, "a")
    for _ in range(50):
        cache.revision()
    assert reads["revision"] == 1
    state["rev"] = Revision(2, "b")
    clock.now += 0.49
    assert cache.revision() == Revision(1, "a")  # inside the window: the known one
    clock.now += 0.02
    assert cache.revision() == Revision(2, "b")  # window passed: asked again
    assert reads["revision"] == 2


def _wait_for(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.005)


def test_after_half_the_window_one_background_check_runs_and_callers_do_not_wait():
    cache, clock, reads, state = make(staleness=0.5)
    cache.revision()
    state["rev"] = Revision(2, "b")
    clock.now += 0.3  # past half the window, inside it
    seen = [cache.fresh_revision() for _ in range(20)]
    assert seen[0] == Revision(1, "a")  # the caller that starts the check does not wait
    assert set(seen) <= {Revision(1, "a"), Revision(2, "b")}  # never None: nobody waits
    _wait_for(lambda: cache.fresh_revision() == Revision(2, "b"))
    assert reads["revision"] == 2  # one check for all twenty callers
    assert cache.fresh_revision() == Revision(2, "b")  # learned without a caller asking
    clock.now += 0.2  # 0.2 s after that check started: before its half window
    assert cache.fresh_revision() == Revision(2, "b")
    time.sleep(0.05)
    assert reads["revision"] == 2


def test_a_failed_background_check_is_reported_by_the_first_use_after_the_window():
    cache, clock, reads, state = make(staleness=0.5)
    cache.revision()
    failures = {"n": 0}

    def down() -> Revision:
        failures["n"] += 1
        raise ConnectionError("database down")

    cache._read_revision = down  # the database goes away
    clock.now += 0.3
    assert cache.fresh_revision() == Revision(1, "a")  # still inside the window
    _wait_for(lambda: failures["n"] == 1)
    clock.now += 0.25  # the window has passed: nothing older is served
    assert cache.fresh_revision() is None
    with pytest.raises(ConnectionError):
        cache.revision()


def test_invalidate_makes_the_next_use_ask():
    cache, _, reads, state = make(staleness=60)
    cache.revision()
    state["rev"] = Revision(2, "b")
    cache.invalidate()
    assert cache.revision() == Revision(2, "b")
    assert reads["revision"] == 2


def test_zero_staleness_asks_every_time():
    cache, _, reads, _ = make(staleness=0)
    for _ in range(5):
        cache.revision()
    assert reads["revision"] == 5


def test_one_snapshot_per_revision_even_with_concurrent_first_requests():
    cache, clock, reads, state = make(staleness=0.5)
    seen: list[Revision] = []
    threads = [threading.Thread(target=lambda: seen.append(cache.snapshot().revision))
               for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(seen) == 16 and set(seen) == {Revision(1, "a")}
    assert reads["snapshot"] == 1 and cache.stats.snapshot_builds == 1
    cache.snapshot()
    assert reads["snapshot"] == 1
    state["rev"] = Revision(2, "b")
    clock.now += 1
    assert cache.snapshot().revision == Revision(2, "b")
    assert reads["snapshot"] == 2


def test_answers_are_computed_once_and_belong_to_their_revision():
    cache, clock, _, state = make(staleness=0.5)
    rev1 = cache.revision()
    calls = Counter()

    def compute(text: str):
        def run() -> bytes:
            calls[text] += 1
            return text.encode()
        return run

    assert cache.answer(rev1, "q", compute("one")) == b"one"
    assert cache.answer(rev1, "q", compute("one")) == b"one"
    assert calls["one"] == 1
    state["rev"] = Revision(2, "b")
    clock.now += 1
    rev2 = cache.revision()
    assert cache.cached_answer(rev2, "q") is None  # a new revision: no old answer for it
    assert cache.answer_count == 0  # and the old revision's answers are gone
    assert cache.answer(rev2, "q", compute("two")) == b"two"


def test_an_answer_for_a_revision_that_is_no_longer_current_is_not_kept():
    cache, clock, _, state = make(staleness=0.5)
    rev1 = cache.revision()
    state["rev"] = Revision(2, "b")
    clock.now += 1
    cache.revision()
    assert cache.answer(rev1, "q", lambda: b"old") == b"old"  # answered, but not kept
    assert cache.cached_answer(rev1, "q") is None


def test_concurrent_askers_of_one_key_compute_it_once():
    cache, _, _, _ = make()
    rev = cache.revision()
    calls = Counter()

    def slow() -> bytes:
        calls["n"] += 1
        time.sleep(0.05)
        return b"x"

    threads = [threading.Thread(target=cache.answer, args=(rev, "k", slow)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert calls["n"] == 1


@pytest.mark.parametrize(("entries", "max_bytes", "kept"), [(3, 10_000, 3), (100, 25, 2)])
def test_the_answer_lru_is_bounded_in_entries_and_bytes(entries, max_bytes, kept):
    cache, _, _, _ = make(max_answers=entries, max_answer_bytes=max_bytes)
    rev = cache.revision()
    for i in range(10):
        cache.answer(rev, i, lambda i=i: b"0123456789"[: 10] + str(i).encode())  # 11 bytes
    assert cache.answer_count == kept
    assert cache.answer_bytes == 11 * kept <= max_bytes
    # least recently used went first: the last ones are there
    assert cache.cached_answer(rev, 9) is not None and cache.cached_answer(rev, 0) is None


def test_a_failed_computation_is_not_kept_and_can_be_retried():
    cache, _, _, _ = make()
    rev = cache.revision()

    def boom() -> bytes:
        raise LookupError("unknown region")

    with pytest.raises(LookupError):
        cache.answer(rev, "k", boom)
    assert cache.answer(rev, "k", lambda: b"ok") == b"ok"
