"""Group commit: one writer thread per process and store; writes that arrive together share a commit.

A caller hands the writer a *write*: a function that reads and checks what it needs
and returns the function that writes (:data:`Prepare`). The writer takes every write
waiting (at most :data:`MAX_BATCH`; with a ``linger``, it first waits that long for
more to arrive), prepares and applies them all in one transaction and commits once:
one ``fsync`` on SQLite with ``synchronous = FULL``, one WAL flush on PostgreSQL. Only
then does it set the writes' futures, so nothing is acknowledged before it is on disk.
Rows that writes :func:`defer` for the same statement (an answer's submission, its
answers, its invitation's state) go to the database in one ``executemany`` per batch,
and the rows that writes say they need when they are submitted (an answer's
invitation) are read in one query per batch (:func:`lookup`).

A write whose preparation refuses it (raises a :class:`~cxlens.errors.CxlensError`)
gets that error and writes nothing; the others in the batch go on. If applying a write
raises (or preparing it fails otherwise), the whole transaction is rolled back and
each write of the batch runs again in a transaction of its own, so an error reaches
only the write that caused it. If the commit itself fails, every write of the batch
gets the error (none of them is stored).

On SQLite the writer's transactions begin with ``BEGIN IMMEDIATE`` under an exclusive
lock on ``<store>.write-lock``, which every cxlens process writing to the store takes
(the other web workers, the CLI): writers queue in the kernel, which wakes the next
one at once, instead of in SQLite's busy handler, whose growing sleeps add hundreds of
milliseconds under load. A process takes that lock once per batch, not per write.
On PostgreSQL an advisory lock plays that part, so that there too transactions commit
one after another (their ids and update times grow in commit order) and a write's
checks, made in its transaction, still hold when it commits.
"""

from __future__ import annotations

import fcntl
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import IO, Any

import sqlalchemy as sa

from cxlens.errors import CxlensError

log = logging.getLogger("cxlens.collect")

#: reads and checks, then returns the function that writes (raising here refuses the write)
Prepare = Callable[[sa.Connection], Callable[[sa.Connection], Any]]
#: reads the rows of several keys in one query: ``{key: row}``, a key without a row left out
Loader = Callable[[sa.Connection, Sequence[Any]], dict[Any, Any]]
#: the most writes one transaction takes
MAX_BATCH = 500
#: the SQLite write-ahead log's size past which the checkpointer copies it into the database
CHECKPOINT_BYTES = 4 << 20
_BATCH = "cxlens.batch"


def batch_state(conn: sa.Connection) -> dict[str, Any]:
    """What the writes of the writer's current transaction share (empty at its start)."""
    return conn.info.setdefault(_BATCH, {})


def defer(conn: sa.Connection, statement: sa.Executable, params: dict[str, Any]) -> None:
    """Execute ``statement`` with ``params`` before the transaction commits (or :func:`flush`).

    The rows that the writes of one batch defer for the same statement go to the
    database in one ``executemany``, statements in the order of their first use.
    """
    batch_state(conn).setdefault("deferred", {}).setdefault(statement, []).append(params)


def flush(conn: sa.Connection) -> None:
    """Execute what the writes of the transaction deferred so far."""
    for statement, rows in batch_state(conn).pop("deferred", {}).items():
        conn.execute(statement, rows)


def lookup(conn: sa.Connection, loader: Loader, key: Any) -> Any:
    """The row of ``key`` that ``loader`` reads (None if it has none), read once per batch.

    The first lookup of a batch reads, in one query, the rows of every key that the
    batch's writes named as they were submitted (``needs``). A key read that way holds
    its row as it was when the batch began: a write that changes it calls
    :func:`forget`, and the next lookup reads it again, after executing what the batch
    deferred so far.
    """
    state = batch_state(conn)
    rows = state.setdefault("rows", {}).setdefault(loader, {})
    if key not in rows:
        flush(conn)  # a read within the batch sees what its writes did
        wanted = {key, *(k for k in state.get("needs", {}).get(loader, ()) if k not in rows)}
        found = loader(conn, sorted(wanted))
        for k in wanted:
            rows[k] = found.get(k)
    return rows[key]


def forget(conn: sa.Connection, loader: Loader, key: Any) -> None:
    """Say that this write changes the row of ``key``: a later :func:`lookup` reads it again."""
    state = batch_state(conn)
    state.setdefault("rows", {}).setdefault(loader, {}).pop(key, None)
    needs = state.get("needs", {}).get(loader)
    if needs is not None:
        needs.discard(key)


@dataclass
class _Write:
    prepare: Prepare
    #: the row the write reads with :func:`lookup` (its loader and key), read with the batch's
    needs: tuple[Loader, Any] | None = None
    future: Future[Any] = field(default_factory=Future)


class Writer:
    """The single writer of one store in this process (see the module's description)."""

    def __init__(self, engine: sa.Engine, linger_seconds: float = 0.0):
        self.engine = engine
        self.linger = max(0.0, linger_seconds)
        self._sqlite = engine.dialect.name == "sqlite"
        self._lock_path = f"{engine.url.database}.write-lock" if self._sqlite else None
        self._wal_path = f"{engine.url.database}-wal" if self._sqlite else None
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        """A fresh queue, thread and connection (also in a forked child, which has no thread)."""
        self._start = threading.Lock()
        self._queue: queue.SimpleQueue[_Write] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._conn: sa.Connection | None = None
        self._lock_file: IO[bytes] | None = None
        self._checkpoint_due = threading.Event()
        self._after_batch: list[Callable[[], None]] = []
        self.engine.dispose(close=False)

    def after_batch(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` in the writer thread each time a batch's futures are all settled
        (their callbacks have run): to send what the callbacks prepared, at once."""
        self._after_batch.append(hook)

    def drop_after_batch(self, hook: Callable[[], None]) -> None:
        """Stop calling ``hook`` (one given to :meth:`after_batch`); a hook not there is no error."""
        with suppress(ValueError):
            self._after_batch.remove(hook)

    def submit(self, prepare: Prepare, needs: tuple[Loader, Any] | None = None) -> Future[Any]:
        """Queue a write; its future holds what the write returned, once committed.

        ``needs``: the loader and key of the row the write will :func:`lookup`.
        """
        write = _Write(prepare, needs)
        self._queue.put(write)
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="cxlens-writer", daemon=True
                    )
                    self._thread.start()
                    if self._wal_path is not None:
                        threading.Thread(
                            target=self._checkpoints, name="cxlens-checkpoint", daemon=True
                        ).start()
        return write.future

    def run(self, prepare: Prepare, needs: tuple[Loader, Any] | None = None) -> Any:
        """Queue a write and wait until it is committed."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("a write cannot wait for another write of the same store")
        return self.submit(prepare, needs).result()

    # -- the writer thread ------------------------------------------------------------

    def _run(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                continue
            try:
                self._write(batch)
            except BaseException as exc:
                log.exception("the store's writer failed")
                for w in batch:
                    if not w.future.done():
                        w.future.set_exception(exc)
                self._drop_connection()
            for hook in self._after_batch:
                try:
                    hook()
                except Exception:
                    log.exception("a hook after the store's batch failed")

    def _take(self) -> list[_Write]:
        """The next batch: the writes waiting (after the linger), less those given up."""
        batch = [self._queue.get()]
        if self.linger:
            deadline = time.monotonic() + self.linger
            while len(batch) < MAX_BATCH:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    batch.append(self._queue.get(timeout=left))
                except queue.Empty:
                    break
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        # a write whose caller gave up (its future cancelled) is not written
        return [w for w in batch if w.future.set_running_or_notify_cancel()]

    def _write(self, batch: list[_Write]) -> None:
        with self._exclusive():
            outcomes = None
            if len(batch) > 1:
                with suppress(_Failed):  # undone: each write again on its own, below
                    outcomes = self._transaction(batch)
            if outcomes is None:
                outcomes = []
                for w in batch:
                    try:
                        outcomes.extend(self._transaction([w]))
                    except _Failed as failed:
                        outcomes.append(_Refused(failed.error))
                    except Exception as exc:  # its commit failed
                        outcomes.append(_Refused(exc))
        _settle(batch, outcomes)  # the callers go on once the lock is free for the next writer
        if self._wal_path is not None:
            with suppress(OSError):
                if os.path.getsize(self._wal_path) > CHECKPOINT_BYTES:
                    self._checkpoint_due.set()

    def _checkpoints(self) -> None:
        """Copy the SQLite write-ahead log into the database beside the writer, not in its way.

        SQLite would do this in the commit that fills the log, and that answer (and all
        those queued behind it) would wait for it; a passive checkpoint from another
        connection lets the writer go on appending to the log meanwhile.
        """
        import sqlite3

        conn = None
        while True:
            self._checkpoint_due.wait()
            self._checkpoint_due.clear()
            try:
                if conn is None:
                    conn = sqlite3.connect(str(self.engine.url.database), timeout=10)
                    conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                log.exception("a checkpoint of the store failed; tried again later")
                conn = None

    def _transaction(self, batch: list[_Write]) -> list[Any]:
        """Prepare and apply ``batch`` in one transaction and commit it.

        Each outcome is what the write returned, or its refusal (a :class:`CxlensError`
        from its preparation, which wrote nothing). Any other error, and any error while
        applying, rolls the transaction back and raises :class:`_Failed`.
        """
        conn = self._connection()
        outcomes: list[Any] = []
        conn.info.pop(_BATCH, None)
        needs: dict[Loader, set[Any]] = batch_state(conn).setdefault("needs", {})
        for w in batch:
            if w.needs is not None:
                needs.setdefault(w.needs[0], set()).add(w.needs[1])
        trans = conn.begin()
        try:
            for w in batch:
                try:
                    apply = w.prepare(conn)
                except CxlensError as exc:
                    outcomes.append(_Refused(exc))
                    continue
                outcomes.append(apply(conn))
            flush(conn)
        except Exception as exc:
            conn.info.pop(_BATCH, None)
            trans.rollback()
            raise _Failed(exc) from exc
        except BaseException:
            conn.info.pop(_BATCH, None)
            trans.rollback()
            raise
        try:
            trans.commit()  # if this fails, every write of the batch gets the error
        except BaseException:
            self._drop_connection()
            raise
        return outcomes

    def _connection(self) -> sa.Connection:
        if self._conn is None or self._conn.invalidated or self._conn.closed:
            self._conn = self.engine.connect()
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:
                pass
        self._conn = None

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        if self._lock_path is None:
            yield
            return
        if self._lock_file is None:
            self._lock_file = open(self._lock_path, "a+b")  # noqa: SIM115 - kept open for the process
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)


@dataclass(frozen=True)
class _Refused:
    error: Exception


class _Failed(Exception):
    """Applying a write (or preparing it, other than by refusing) failed; the batch was undone."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


def _settle(batch: list[_Write], outcomes: list[Any]) -> None:
    for w, outcome in zip(batch, outcomes, strict=True):
        if isinstance(outcome, _Refused):
            w.future.set_exception(outcome.error)
        else:
            w.future.set_result(outcome)
