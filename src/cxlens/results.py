"""Results kept on disk until the data behind them changes.

An analysis of the 20,000-customer demo takes a second or more to compute and a
moment to read back, so the command line keeps what it computed in the
workspace's ``cache/`` folder and reuses it while nothing it depends on has
changed:

* the warehouse's tables (their files' sizes and modification times: any import,
  sync or text analysis changes them),
* the workspace's settings (``cxlens.toml``: segment maps, journey settings, the
  time zone),
* the code that computed it (cxlens' version and its source files),
* and the question itself (the command's name and options, and the day, for
  analyses that count up to today).

A result is a mapping of names to data frames and plain values (numbers, text,
dates, lists, dicts). Frames are stored as Parquet and the rest as JSON, never as
pickles, so a shared workspace folder cannot smuggle code into a reader. Entries
are written to a temporary name and renamed into place, so a reader sees a whole
entry or none; a damaged or missing entry is computed again. The folder keeps the
most recently used entries only.

Set ``CXLENS_NO_CACHE=1`` to compute everything afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData

CACHE_DIR = "cache"
#: entries kept; the least recently used go first
MAX_ENTRIES = 200
ENV_NO_CACHE = "CXLENS_NO_CACHE"

Result = dict[str, Any]
T = TypeVar("T")


def _code_signature() -> list[Any]:
    """cxlens' version and the size and time of its newest source file (a change in development)."""
    from cxlens.version import __version__

    package = Path(__file__).parent
    newest, total, count = 0, 0, 0
    for folder, _, files in os.walk(package):
        for file in files:
            if file.endswith((".py", ".yaml")):
                st = os.stat(os.path.join(folder, file))
                newest, total, count = max(newest, st.st_mtime_ns), total + st.st_size, count + 1
    return [__version__, newest, total, count]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return {"__date__": value.isoformat(), "time": isinstance(value, datetime)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, dict):
        if "__date__" in value:
            text = value["__date__"]
            return datetime.fromisoformat(text) if value.get("time") else date.fromisoformat(text)
        return {k: _unplain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unplain(v) for v in value]
    return value


class ResultStore:
    """Computed results of one workspace, keyed by what they were computed from."""

    def __init__(self, ws: WorkspaceData):
        self.ws = ws
        self.folder = Path(ws.root) / CACHE_DIR
        self.enabled = os.environ.get(ENV_NO_CACHE, "") in ("", "0")

    def key(self, name: str, params: Any) -> str:
        config = Path(self.ws.root) / "cxlens.toml"
        try:
            settings = hashlib.sha256(config.read_bytes()).hexdigest()
        except OSError:
            settings = ""
        today = date.today().isoformat()
        parts = [name, _plain(params), self.ws.warehouse.version(), settings, today]
        parts.append(_code_signature())
        text = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def get(self, name: str, params: Any, compute: Callable[[], Result]) -> Result:
        """The result of ``compute()`` for ``name`` and ``params``, from disk when still valid."""
        if not self.enabled:
            return compute()
        key = self.key(name, params)
        found = self._read(key)
        if found is not None:
            return found
        result = compute()
        try:
            self._write(key, result)
        except Exception:  # a result that cannot be stored is still the answer
            self._discard(key)
        return result

    def remember(self, name: str, params: Any, kind: type[T], compute: Callable[[], T]) -> T:
        """Like :meth:`get` for a data frame or a dataclass of frames and plain values.

        ``kind`` is the result's type (``pandas.DataFrame`` or the dataclass); a
        stored result is rebuilt as that type.
        """
        import dataclasses

        import pandas as pd

        def packed() -> Result:
            value = compute()
            if isinstance(value, pd.DataFrame):
                return {"frame": value}
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}  # type: ignore[arg-type]

        result = self.get(name, params, packed)
        if kind is pd.DataFrame:
            return result["frame"]
        return kind(**result)

    # -- storage ---------------------------------------------------------------------

    def _read(self, key: str) -> Result | None:
        meta = self.folder / f"{key}.json"
        try:
            entry = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        import pandas as pd

        out: Result = {}
        try:
            for field, value in entry["values"].items():
                out[field] = _unplain(value)
            for field, file in entry["frames"].items():
                frame = pd.read_parquet(self.folder / file)
                index = entry.get("index", {}).get(field)
                if index:
                    frame = frame.set_index(index)
                    if index == ["__index__"]:
                        frame.index.name = None
                out[field] = frame
        except Exception:  # damaged or from another version: compute again
            return None
        with contextlib.suppress(OSError):
            os.utime(meta)  # recently used
        return out

    def _write(self, key: str, result: Result) -> None:
        import pandas as pd

        self.folder.mkdir(parents=True, exist_ok=True)
        entry: dict[str, Any] = {"values": {}, "frames": {}, "index": {}}
        for field, value in result.items():
            if isinstance(value, pd.DataFrame):
                file = f"{key}.{field}.parquet"
                frame = value
                if not isinstance(frame.index, pd.RangeIndex):
                    names = [n if n is not None else "__index__" for n in frame.index.names]
                    frame = frame.rename_axis(names).reset_index()
                    entry["index"][field] = names
                frame = frame.rename(columns=str)
                tmp = self.folder / f".tmp-{uuid.uuid4().hex}.parquet"
                frame.to_parquet(tmp, index=False)
                os.replace(tmp, self.folder / file)
                entry["frames"][field] = file
            else:
                entry["values"][field] = _plain(value)
        tmp = self.folder / f".tmp-{uuid.uuid4().hex}.json"
        tmp.write_text(json.dumps(entry, default=str), encoding="utf-8")
        os.replace(tmp, self.folder / f"{key}.json")
        self._prune()

    def _discard(self, key: str) -> None:
        for file in [*self.folder.glob(f"{key}.*"), *self.folder.glob(".tmp-*")]:
            with contextlib.suppress(OSError):
                file.unlink()

    def _prune(self) -> None:
        entries = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        for meta in entries[: max(0, len(entries) - MAX_ENTRIES)]:
            stem = meta.name[: -len(".json")]
            for file in self.folder.glob(f"{stem}.*"):
                with contextlib.suppress(OSError):
                    file.unlink()

    def clear(self) -> int:
        """Remove every kept result (after an erasure, so that none still names the person);
        returns how many files went."""
        removed = 0
        if not self.folder.is_dir():
            return 0
        for file in self.folder.iterdir():
            if file.is_file():
                with contextlib.suppress(OSError):
                    file.unlink()
                    removed += 1
        return removed
