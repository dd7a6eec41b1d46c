"""The dashboard's results cache and its compute queue, fair between viewers.

The workspace's engine connection is shared, so one result is computed at a time.
Waiting computations are served in turns per viewer (the viewer served longest
ago goes next), not first come first served, and each viewer has at most ``PER_VIEWER`` computations running or
waiting: a viewer who asks for ever new parameters gets one turn in each round
and a "too many requests" answer beyond that, while every other viewer waits at
most one of those computations for each of their own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

CACHE_SIZE = 256
PER_VIEWER = 2
MAX_REMEMBERED = 10_000


class Busy(Exception):
    """A viewer already has as many computations running or waiting as allowed."""


class FairGate:
    """One holder at a time, granted in turns per viewer; re-entrant for the holding thread."""

    def __init__(self, per_viewer: int = PER_VIEWER):
        self.per_viewer = per_viewer
        self._cond = threading.Condition()
        self._holder: int | None = None
        self._depth = 0
        #: waiting tickets per viewer, in the order they came
        self._waiting: dict[str, deque[object]] = {}
        self._active: dict[str, int] = {}
        #: when each viewer last had a turn: the one served longest ago goes next
        self._last_turn: dict[str, int] = {}
        self._turns = 0

    @contextmanager
    def turn(self, viewer: str) -> Iterator[None]:
        """Hold the gate (wait for this viewer's turn); :class:`Busy` if the viewer has too many."""
        me = threading.get_ident()
        with self._cond:
            if self._holder == me:  # a result that needs another: already our turn
                self._depth += 1
                nested = True
            else:
                nested = False
                if self._active.get(viewer, 0) >= self.per_viewer:
                    raise Busy(viewer)
                self._active[viewer] = self._active.get(viewer, 0) + 1
                ticket = object()
                self._waiting.setdefault(viewer, deque()).append(ticket)
                while self._holder is not None or self._first() is not ticket:
                    self._cond.wait()
                queue = self._waiting[viewer]
                queue.popleft()
                if not queue:
                    del self._waiting[viewer]
                self._turns += 1
                self._last_turn[viewer] = self._turns
                if len(self._last_turn) > MAX_REMEMBERED:
                    oldest = sorted(self._last_turn, key=self._last_turn.__getitem__)
                    for name in oldest[: MAX_REMEMBERED // 2]:
                        del self._last_turn[name]
                self._holder, self._depth = me, 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0:
                    self._holder = None
                if not nested:
                    left = self._active[viewer] - 1
                    if left:
                        self._active[viewer] = left
                    else:
                        del self._active[viewer]
                self._cond.notify_all()

    def _first(self) -> object | None:
        """The next ticket: the first one of the waiting viewer who was served longest ago."""
        if not self._waiting:
            return None
        viewer = min(self._waiting, key=lambda v: self._last_turn.get(v, 0))
        return self._waiting[viewer][0]


class ResultCache:
    """Results per (query, warehouse version); the least recently used go first."""

    def __init__(self, size: int = CACHE_SIZE, per_viewer: int = PER_VIEWER):
        self.size = size
        self.items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.lock = threading.Lock()
        self.gate = FairGate(per_viewer)

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any], viewer: str = "") -> Any:
        """The cached result for ``key``, else ``compute()`` in ``viewer``'s turn (may raise Busy)."""
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        with self.gate.turn(viewer):
            with self.lock:
                if key in self.items:  # computed while this request waited
                    return self.items[key]
            value = compute()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value
