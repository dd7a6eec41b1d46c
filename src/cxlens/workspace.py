"""A workspace: settings, the canonical tables and what is computed from them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlens.config import Config, load_config
from cxlens.ingest import ImportOptions, ImportResult, import_file
from cxlens.schema import TABLE_NAMES, get_table
from cxlens.warehouse import Warehouse

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from cxlens.warehouse.staging import ProgressCallback


@dataclass(frozen=True)
class TableInfo:
    name: str
    rows: int
    first: Any
    last: Any
    columns: tuple[str, ...]
    imported: bool


class Workspace:
    """Open with :func:`cxlens.open`.

    >>> ws = cxlens.open("my-workspace")        # doctest: +SKIP
    >>> ws.table("orders").amount.sum().execute()  # doctest: +SKIP
    """

    def __init__(self, config: Config):
        self.config = config
        self.root = config.root
        self.warehouse = Warehouse.from_config(config)

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
    ) -> ImportResult:
        """Validate a CSV, Parquet or JSON Lines file and merge it into ``table`` by key.

        Raises :class:`cxlens.errors.ImportRejected` (listing every problem) if the file
        is not valid; the table is then left exactly as it was.
        """
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

    def update_rows(self, table: str, frame: pd.DataFrame) -> ImportResult:
        """Set columns of existing rows, matched by key (for derived values such as sentiment).

        ``frame`` holds the table's key columns and the columns to set (new columns are
        added to the table). Every key must exist; nothing else changes.
        """
        import tempfile

        if frame.empty:
            return ImportResult(table=table, file="(data frame)")
        with tempfile.TemporaryDirectory(prefix="cxlens-frame-") as tmp:
            path = Path(tmp) / f"{table}.parquet"
            frame.to_parquet(path, index=False)
            return self.import_file(table, path, update_only=True)

    def append_rows(self, table: str, frame: pd.DataFrame) -> ImportResult:
        """Validate and merge a data frame into ``table`` (as :meth:`import_file` does for a file)."""
        import tempfile

        if frame.empty:
            return ImportResult(table=table, file="(data frame)")
        with tempfile.TemporaryDirectory(prefix="cxlens-frame-") as tmp:
            path = Path(tmp) / f"{table}.parquet"
            frame.to_parquet(path, index=False)
            return self.import_file(table, path)

    def kpi(
        self,
        metrics: list[str] | tuple[str, ...] | str,
        by: list[str] | tuple[str, ...] | str = (),
        period: str | None = None,
        start: str | date | None = None,
        end: str | date | None = None,
        where: str | None = None,
        compare: str | None = None,
    ) -> pd.DataFrame:
        """Metrics of the catalog by dimensions and period, with n, 95% intervals and changes.

        >>> ws.kpi(["nps", "csat"], by="country", period="quarter", compare="previous")  # doctest: +SKIP
        """
        from cxlens.metrics.engine import kpi

        return kpi(self, metrics, by, period, start, end, where, compare)

    # -- customer analytics --------------------------------------------------------

    def rfm(self, as_of: str | date | None = None, bins: int = 5) -> pd.DataFrame:
        """Per customer: recency, frequency, monetary, their 1-5 scores and the segment."""
        from cxlens.customers.rfm import rfm

        return rfm(self, as_of, bins).execute()

    def segments(self, as_of: str | date | None = None) -> pd.DataFrame:
        """Per RFM segment: customers, share, revenue, averages, NPS (with interval) and CSAT."""
        from cxlens.customers.rfm import rfm, segment_summary

        return segment_summary(self, rfm(self, as_of))

    def cohorts(
        self, definition: str = "first", period: str = "month", periods: int = 12
    ) -> pd.DataFrame:
        """Cohort retention matrix: cohorts as rows, periods since as columns, shares as values."""
        from cxlens.customers.cohorts import cohort_retention

        return cohort_retention(self, definition, period, periods).matrix()

    def clv(
        self,
        model: str = "bgnbd",
        horizon_months: int = 12,
        discount: float = 0.1,
        as_of: str | date | None = None,
    ) -> pd.DataFrame:
        """Per customer: P(alive), expected purchases and spend, and CLV over the horizon."""
        from cxlens.customers.value import predict_clv

        return predict_clv(self, model, horizon_months, discount, as_of).customers

    def tables(self) -> list[TableInfo]:
        """Row counts, date ranges and columns of every canonical table."""
        infos = []
        for name in TABLE_NAMES:
            spec = get_table(name)
            t = self.table(name)
            imported = self.warehouse.exists(name)
            if imported and spec.time_column:
                tc = t[spec.time_column]
                stats = t.aggregate(rows=t.count(), first=tc.min(), last=tc.max()).execute()
                rows, first, last = int(stats["rows"][0]), stats["first"][0], stats["last"][0]
            else:
                rows = int(t.count().execute()) if imported else 0
                first = last = None
            infos.append(TableInfo(name, rows, first, last, tuple(t.columns), imported))
        return infos

    def close(self) -> None:
        self.warehouse.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_workspace(path: str | os.PathLike[str] | None = None) -> Workspace:
    """Open the workspace at ``path`` (default: $CXLENS_WORKSPACE, else the current folder)."""
    return Workspace(load_config(path))
