"""Customer metrics: churn and retention, order value, frequency, lifespan, historical CLV."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlens.metrics.measures import Measure, Source, implements

if TYPE_CHECKING:
    import ibis.expr.types as ir

DAYS_PER_YEAR = 365.25


@implements("churn_rate")
def churn_rate() -> Measure:
    return Measure(
        (
            Source(
                "customers", "created_at", lambda t: {}, renames={"channel": "acquisition_channel"}
            ),
        ),
        form="proportion",
        args=("churned", "at_start"),
        customer_state=True,
    )


@implements("retention_rate")
def retention_rate() -> Measure:
    return Measure(
        (
            Source(
                "customers", "created_at", lambda t: {}, renames={"channel": "acquisition_channel"}
            ),
        ),
        form="proportion",
        # customers active at the start still active at the end: 100 % − churn rate
        args=("retained", "at_start"),
        customer_state=True,
    )


@implements("average_order_value")
def average_order_value() -> Measure:
    return Measure(
        (
            Source(
                "orders",
                "ts",
                lambda t: {
                    "sum": t.amount.sum(),
                    "sumsq": (t.amount * t.amount).sum(),
                    "n": t.count(),
                },
                lambda t: t.amount.notnull(),
            ),
        ),
        form="mean",
        args=("sum", "sumsq", "n"),
    )


@implements("purchase_frequency")
def purchase_frequency() -> Measure:
    def agg(t: ir.Table) -> dict[str, ir.Scalar]:
        return {"sum": t.orders.sum(), "sumsq": (t.orders * t.orders).sum(), "n": t.count()}

    return Measure(
        (Source("orders", "ts", agg, per_customer=lambda t: {"orders": t.count()}),),
        form="mean",
        args=("sum", "sumsq", "n"),
    )


def _span_years(t: ir.Table) -> ir.NumericValue:
    # whole days: engines agree on day differences, not on sub-second arithmetic
    return t.last_order.delta(t.first_order, unit="day").cast("float64") / DAYS_PER_YEAR


@implements("average_customer_lifespan")
def average_customer_lifespan() -> Measure:
    def agg(t: ir.Table) -> dict[str, ir.Scalar]:
        span = _span_years(t)
        return {"sum": span.sum(), "sumsq": (span * span).sum(), "n": t.count()}

    return Measure(
        (Source("orders", "first_order", agg, per_customer=lambda t: {}),),
        form="mean",
        args=("sum", "sumsq", "n"),
    )


@implements("historical_clv")
def historical_clv() -> Measure:
    """AOV × purchases per customer per year × lifespan, from the window's orders only.

    = (revenue ÷ orders) × (orders ÷ customers ÷ years) × (Σ lifespan ÷ customers)
    = mean revenue per customer × mean lifespan ÷ years, where a customer's
    lifespan is from their first to their last order inside the window, so a
    closed period keeps its value when later orders arrive.
    """

    def per_customer(t: ir.Table) -> dict[str, ir.Scalar]:
        return {
            "revenue": t.amount.sum(),
            "first_order": t.ts.min(),
            "last_order": t.ts.max(),
        }

    def agg(t: ir.Table) -> dict[str, ir.Scalar]:
        span = _span_years(t)
        return {
            "revenue": t.revenue.sum(),
            "revenue_sq": (t.revenue * t.revenue).sum(),
            "span": span.sum(),
            "span_sq": (span * span).sum(),
            "cross": (t.revenue * span).sum(),
            "customers": t.count(),
        }

    return Measure(
        (Source("orders", "ts", agg, lambda t: t.amount.notnull(), per_customer=per_customer),),
        form="clv",
        args=("revenue", "revenue_sq", "span", "span_sq", "cross", "customers"),
    )
