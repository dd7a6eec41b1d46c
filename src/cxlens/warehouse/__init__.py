"""The warehouse: where the canonical tables live and which engine reads them.

Storage and engine are kept apart:

* **Storage** is a folder with one Parquet file per canonical table
  (``warehouse/orders.parquet``). Writers build a new file next to the old one and
  swap it in with an atomic rename, holding a lock file so that writers take
  turns. Readers never lock: a query sees either the old file or the new one,
  never half of each, and a crash in the middle of a write leaves the old file in
  place.
* **Engine** is an Ibis backend that reads those files: embedded DuckDB by
  default (``duckdb://``), or PySpark (``pyspark://``) when the data outgrows one
  machine. Analytics code only ever sees Ibis tables.

This module (and its submodules) is the only place that knows which engine is
behind an Ibis connection.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlens.errors import CxlensError
from cxlens.schema import TABLE_NAMES, get_table
from cxlens.warehouse.sources import (
    DEFAULT_REFRESH_SECONDS,
    LiveSources,
    SourceSpec,
    parse_sources,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

    from cxlens.config import Config

LOCK_FILE = ".write.lock"
TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class TableFile:
    name: str
    path: Path
    signature: tuple[int, int]


class Warehouse:
    """The canonical tables of one workspace, read through an Ibis backend."""

    def __init__(
        self,
        data_dir: Path,
        url: str = "duckdb://",
        options: dict[str, Any] | None = None,
        sources: dict[str, SourceSpec] | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.url = url
        self.options = dict(options or {})
        self._backend: BaseBackend | None = None
        self._registered: dict[str, tuple[tuple[int, int] | None, ir.Table]] = {}
        refresh = float(self.options.get("source_refresh_seconds", DEFAULT_REFRESH_SECONDS))
        self.live = LiveSources(dict(sources or {}), refresh)

    @classmethod
    def from_config(cls, config: Config) -> Warehouse:
        sources = parse_sources(config.section("sources"), str(config.root / "cxlens.toml"))
        return cls(config.data_dir, config.warehouse_url, config.section("warehouse"), sources)

    def is_live(self, table: str) -> bool:
        """Whether ``table`` is read from a database source instead of the warehouse folder."""
        return table in self.live

    # -- storage -------------------------------------------------------------------

    def path(self, table: str) -> Path:
        get_table(table)
        return self.data_dir / f"{table}.parquet"

    def exists(self, table: str) -> bool:
        """Whether ``table`` holds data: an imported file, or a database source."""
        return self.is_live(table) or self.has_file(table)

    def has_file(self, table: str) -> bool:
        """Whether ``table`` has been imported into the warehouse folder."""
        return self.path(table).is_file()

    def signature(self, table: str) -> tuple[int, int] | None:
        try:
            st = self.path(table).stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def version(self) -> str:
        """Changes whenever any table changes; used to invalidate cached results."""
        parts = [
            f"{t}:{self.live.stamp(t) if self.is_live(t) else self.signature(t)}"
            for t in TABLE_NAMES
        ]
        return "|".join(parts)

    @contextmanager
    def write_lock(
        self, timeout: float = 600.0, on_wait: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Hold the workspace's write lock. Other writers wait (bounded), readers never do."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            waited = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not waited and on_wait is not None:
                        on_wait()
                    waited = True
                    if time.monotonic() > deadline:
                        raise CxlensError(
                            f"Another cxlens process has been writing to {self.data_dir} for "
                            f"{timeout:.0f} s; try again when it has finished."
                        ) from None
                    time.sleep(0.1)
            self._remove_stale_temp_files()
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _remove_stale_temp_files(self) -> None:
        for p in self.data_dir.glob(f"{TMP_PREFIX}*"):
            with suppress(OSError):
                if p.is_dir():
                    shutil.rmtree(p)
                else:
                    p.unlink()

    def remove_leftovers(self) -> None:
        """Remove what a killed import left behind (staging database, partial Parquet files).

        Runs when a workspace is opened. Only when no import is running: the write
        lock is tried once, without waiting, and a running writer's files are left alone.
        """
        if not self.data_dir.is_dir() or not any(self.data_dir.glob(f"{TMP_PREFIX}*")):
            return
        try:
            fd = os.open(self.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return  # a read-only workspace: nothing to clean that we could clean
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            self._remove_stale_temp_files()
        finally:
            os.close(fd)

    def temp_path(self, table: str) -> Path:
        """A fresh path in the data folder to build a new version of ``table`` in."""
        return self.data_dir / f"{TMP_PREFIX}{table}-{uuid.uuid4().hex}.parquet"

    def publish(self, table: str, new_file: Path) -> None:
        """Atomically make ``new_file`` the current version of ``table`` (hold the write lock)."""
        with open(new_file, "rb") as f:
            os.fsync(f.fileno())
        os.replace(new_file, self.path(table))
        dir_fd = os.open(self.data_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    # -- engine --------------------------------------------------------------------

    @property
    def backend(self) -> BaseBackend:
        if self._backend is None:
            from cxlens.warehouse.engines import connect

            self._backend = connect(self.url, self.options)
        return self._backend

    @property
    def engine_name(self) -> str:
        return str(self.backend.name)

    @contextmanager
    def materialized(self, expr: ir.Table) -> Iterator[ir.Table]:
        """``expr`` computed once and kept while the block runs, for several queries to read.

        On DuckDB it is a table in the in-memory database, dropped afterwards; other
        engines use Ibis' cache (a cached DataFrame on Spark).
        """
        if self.engine_name != "duckdb":
            cached = expr.cache()
            try:
                yield cached
            finally:
                cached.release()
            return
        name = f"_cx_{secrets.token_hex(6)}"
        table = self.backend.create_table(name, expr)
        try:
            yield table
        finally:
            # Ibis 12's drop_table emits SQL DuckDB 1.5 rejects; the name is ours, so quoting is safe
            self.backend.raw_sql(f'DROP TABLE IF EXISTS "{name}"')

    @property
    def exact_quantiles(self) -> bool:
        """Whether quantiles over a whole table are cheap to compute exactly.

        True for the embedded engine; distributed engines (Spark) use approximate
        quantiles instead of gathering every row onto one partition.
        """
        return self.engine_name == "duckdb"

    def table(self, name: str) -> ir.Table:
        """The canonical table ``name`` as an Ibis table (an empty one if nothing was imported).

        A table declared as a source in cxlens.toml is read from its database instead.
        """
        spec = get_table(name)
        if self.is_live(name):
            return self.live.table(name)
        sig = self.signature(name)
        cached = self._registered.get(name)
        if cached is not None and cached[0] == sig:
            return cached[1]
        if sig is None:
            from cxlens.warehouse.engines import empty_table

            expr = empty_table(spec)
            self._registered[name] = (sig, expr)
            return expr
        expr = self.backend.read_parquet(self.path(name), table_name=f"cx_{name}")
        self._registered[name] = (sig, expr)
        return expr

    def close(self) -> None:
        self.live.close()
        if self._backend is not None:
            with contextlib.suppress(Exception):  # best effort: the process may be exiting
                self._backend.disconnect()
            self._backend = None
            self._registered.clear()
