"""Refresh ahead: one background re-read at a time, for the caches that must never make a
request wait for their re-read (the dataset revision, the token hashes)."""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["RefreshAhead"]


class RefreshAhead:
    """Runs ``work`` in a daemon thread, one run at a time; :meth:`start` never waits.

    A failing run is swallowed: the cache's next foreground read, after its window, meets
    the same error itself and reports it.
    """

    def __init__(self, work: Callable[[], None], name: str) -> None:
        self._work, self._name = work, name
        self._lock = threading.Lock()
        self._running = False

    def start(self) -> None:
        """Start a run unless one is in flight."""
        with self._lock:
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._run, name=self._name, daemon=True).start()

    def _run(self) -> None:
        try:
            self._work()
        except Exception:  # noqa: BLE001, S110 - reported by the next foreground read
            pass
        finally:
            with self._lock:
                self._running = False
