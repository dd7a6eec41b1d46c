"""The Python API: a workspace with one method per analysis.

:class:`Workspace` is the data handle (:class:`cxlens.data.WorkspaceData`) plus
convenience methods that call the analytics and return pandas data frames. It sits
above the analytics; they only ever see the data handle.
"""

from __future__ import annotations

import os
from datetime import date
from typing import TYPE_CHECKING, Any

from cxlens.config import load_config
from cxlens.data import TableInfo, WorkspaceData

if TYPE_CHECKING:
    import pandas as pd

    # the importer loads the engine: only its result type is named here
    from cxlens.ingest import ImportResult
    from cxlens.marketing.acquisition import Acquisition
    from cxlens.marketing.mix import MixReport
    from cxlens.value.report import ValueReport

__all__ = ["TableInfo", "Workspace", "open_workspace"]


class Workspace(WorkspaceData):
    """Open with :func:`cxlens.open`.

    >>> ws = cxlens.open("my-workspace")        # doctest: +SKIP
    >>> ws.table("orders").amount.sum().execute()  # doctest: +SKIP
    """

    def __enter__(self) -> Workspace:
        return self

    def import_file(self, table: str, path: str | os.PathLike[str], **options: Any) -> ImportResult:
        """Validate a file and merge it into ``table`` (see :meth:`WorkspaceData.import_file`);
        the result warns when it brings back a customer who was erased."""
        result = super().import_file(table, path, **options)
        if result.added or result.updated:
            result.warnings.extend(self._erased_again(table))
        return result

    def _erased_again(self, table: str) -> list[str]:
        from cxlens.collect.service import Collector
        from cxlens.privacy.register import returned

        try:
            return returned(self, Collector(self.config), table)
        except Exception as exc:  # the check advises; the import itself has succeeded
            return [f"Could not check the register of erased customers: {exc}"]

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

    def value(
        self,
        kind: str = "nps",
        follow_up_days: int = 90,
        horizon_months: int = 12,
        as_of: str | date | None = None,
    ) -> ValueReport:
        """What each NPS (CSAT, CES) group buys after answering, and the revenue at risk.

        >>> report = ws.value("nps")                    # doctest: +SKIP
        >>> report.comparisons                          # promoters against detractors  # doctest: +SKIP
        >>> report.risk_customers.head()                # whom to call first  # doctest: +SKIP
        """
        from cxlens.value.report import value_report

        return value_report(self, kind, follow_up_days, horizon_months, as_of=as_of)

    def acquisition(
        self, by: str = "channel", horizon_months: int = 12, margin: float | None = None
    ) -> Acquisition:
        """CAC, cumulative revenue per acquired customer, payback and LTV:CAC per channel or campaign."""
        from cxlens.marketing.acquisition import acquisition

        return acquisition(self, by, horizon_months, margin)

    def marketing_mix(
        self, outcome: str = "revenue", channels: list[str] | None = None, bootstrap: int = 100
    ) -> MixReport:
        """Adstock and saturation per channel from weekly spend, response curves, a budget split."""
        from cxlens.marketing.mix import marketing_mix

        return marketing_mix(self, outcome, channels, bootstrap=bootstrap)


def open_workspace(path: str | os.PathLike[str] | None = None) -> Workspace:
    """Open the workspace at ``path`` (default: $CXLENS_WORKSPACE, else the current folder)."""
    return Workspace(load_config(path))
