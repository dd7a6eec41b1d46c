"""The data handle: a workspace's settings and canonical tables, as the analytics see them.

Everything that computes from the warehouse receives a :class:`WorkspaceData`. It
knows where the tables are and how to merge new rows into them, and nothing about
metrics, segments or models: those sit above it and take it as their argument.
The Python API's :class:`cxlens.workspace.Workspace` extends it with one method
per analysis.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlens.config import Config
from cxlens.schema import TABLE_NAMES, get_table
from cxlens.warehouse import Warehouse

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from cxlens.ingest import ImportResult
    from cxlens.ingest.preset_import import PresetImportResult
    from cxlens.ingest.presets import Preset
    from cxlens.ingest.source_check import SourceReport
    from cxlens.warehouse.staging import ProgressCallback


@dataclass(frozen=True)
class TableInfo:
    name: str
    rows: int
    first: Any
    last: Any
    columns: tuple[str, ...]
    imported: bool
    #: where a table read live comes from (None for the warehouse folder)
    source: str | None = None


class WorkspaceData:
    """A workspace's settings (``config``, ``root``) and its tables (``warehouse``)."""

    def __init__(self, config: Config):
        self.config = config
        self.root = config.root
        self.warehouse = Warehouse.from_config(config)
        self.warehouse.remove_leftovers()

    def __repr__(self) -> str:
        return f"<cxlens workspace {str(self.root)!r} ({self.config.warehouse_url})>"

    def table(self, name: str) -> ir.Table:
        """The canonical table ``name`` as an Ibis table."""
        return self.warehouse.table(name)

    def import_file(
        self,
        table: str,
        path: str | os.PathLike[str],
        *,
        mapping: dict[str, str] | None = None,
        timezone: str | None = None,
        date_format: str | None = None,
        encoding: str = "auto",
        delimiter: str | None = None,
        decimal_comma: bool = False,
        rates: dict[str, float] | None = None,
        strict: bool = False,
        update_only: bool = False,
        fmt: str | None = None,
        progress: ProgressCallback | None = None,
        as_text: tuple[str, ...] | list[str] = (),
        dst: str = "reject",
    ) -> ImportResult:
        """Validate a CSV, Parquet or JSON Lines file and merge it into ``table`` by key.

        Raises :class:`cxlens.errors.ImportRejected` (listing every problem) if the file
        is not valid; the table is then left exactly as it was.
        """
        from cxlens.ingest import ImportOptions, import_file  # the importer loads DuckDB

        options = ImportOptions(
            mapping=dict(mapping or {}),
            timezone=timezone or self.config.timezone,
            date_format=date_format,
            encoding=encoding,
            delimiter=delimiter,
            decimal_comma=decimal_comma,
            rates={k.upper(): float(v) for k, v in (rates or {}).items()},
            strict=strict,
            update_only=update_only,
            as_text=tuple(as_text),
            dst=dst,
        )
        return import_file(
            self.warehouse,
            table,
            Path(path),
            currency=self.config.currency,
            options=options,
            fmt=fmt,
            progress=progress,
        )

    def import_export(
        self,
        path: str | os.PathLike[str],
        *,
        preset: str | None = None,
        timezone: str | None = None,
        encoding: str = "auto",
        rates: dict[str, float] | None = None,
        as_text: tuple[str, ...] | list[str] = (),
        dst: str = "reject",
        progress: ProgressCallback | None = None,
    ) -> PresetImportResult:
        """Import a known export (Shopify, Zendesk, Google Ads, ...) into every table it fills.

        ``preset`` names the export (``presets()`` lists them); without it the file's
        header decides, and a file that matches no preset, or more than one, is refused.
        Every table is checked before any is written.
        """
        from cxlens.ingest import ImportOptions
        from cxlens.ingest.preset_import import import_with_preset

        options = ImportOptions(
            timezone=timezone or self.config.timezone,
            encoding=encoding,
            rates={k.upper(): float(v) for k, v in (rates or {}).items()},
            as_text=tuple(as_text),
            dst=dst,
        )
        return import_with_preset(
            self.warehouse,
            Path(path),
            preset=preset,
            currency=self.config.currency,
            options=options,
            workspace_root=self.root,
            hash_emails=self.config.hash_emails,
            progress=progress,
        )

    def presets(self) -> list[Preset]:
        """The import presets: the shipped ones and the workspace's own (presets/*.yaml)."""
        from cxlens.ingest.presets import all_presets

        return sorted(all_presets(self.root).values(), key=lambda p: p.name)

    def check_sources(self) -> list[SourceReport]:
        """The import rules run as queries on every ``[sources.*]`` table (nothing loaded)."""
        from cxlens.ingest.source_check import check_sources

        return check_sources(self.warehouse)

    def _import_frame(self, table: str, frame: pd.DataFrame, update_only: bool) -> ImportResult:
        from cxlens.ingest import ImportResult

        if frame.empty:
            return ImportResult(table=table, file="(data frame)")
        with tempfile.TemporaryDirectory(prefix="cxlens-frame-") as tmp:
            path = Path(tmp) / f"{table}.parquet"
            frame.to_parquet(path, index=False)
            return self.import_file(table, path, update_only=update_only)

    def update_rows(self, table: str, frame: pd.DataFrame) -> ImportResult:
        """Set columns of existing rows, matched by key (for derived values such as sentiment).

        ``frame`` holds the table's key columns and the columns to set (new columns are
        added to the table). Every key must exist; nothing else changes.
        """
        return self._import_frame(table, frame, update_only=True)

    def append_rows(self, table: str, frame: pd.DataFrame) -> ImportResult:
        """Validate and merge a data frame into ``table`` (as :meth:`import_file` does for a file)."""
        return self._import_frame(table, frame, update_only=False)

    def tables(self) -> list[TableInfo]:
        """Row counts, date ranges and columns of every canonical table."""
        infos = []
        for name in TABLE_NAMES:
            spec = get_table(name)
            t = self.table(name)
            live = self.warehouse.is_live(name)
            imported = self.warehouse.exists(name)
            if imported and spec.time_column:
                tc = t[spec.time_column]
                stats = t.aggregate(rows=t.count(), first=tc.min(), last=tc.max()).execute()
                rows, first, last = int(stats["rows"][0]), stats["first"][0], stats["last"][0]
            else:
                rows = int(t.count().execute()) if imported else 0
                first = last = None
            source = self.warehouse.live.sources[name].describe() if live else None
            infos.append(TableInfo(name, rows, first, last, tuple(t.columns), imported, source))
        return infos

    def close(self) -> None:
        self.warehouse.close()

    def __enter__(self) -> WorkspaceData:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
