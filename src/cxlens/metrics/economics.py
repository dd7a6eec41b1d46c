"""Marketing economics: acquisition cost, cost per click/view/lead/..., CTR, conversion, ROAS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlens.metrics.measures import Measure, Source, implements

if TYPE_CHECKING:
    import ibis.expr.types as ir


def _spend_over(*denominator: str) -> Measure:
    """Spend ÷ a count the ad platforms report (clicks, leads, ...): a cost per count."""

    def agg(t: ir.Table) -> dict[str, ir.Scalar]:
        den = t[denominator[0]].fill_null(0)
        for col in denominator[1:]:
            den = den + t[col].fill_null(0)
        return {"num": t.spend.sum(), "den": den.sum()}

    return Measure(
        (Source("marketing", "date", agg),),
        form="cost",
        args=("num", "den"),
        counts=", ".join(denominator).replace("_", " "),
    )


def _return_on_spend(offset: float) -> Measure:
    """Conversion value ÷ spend over the marketing rows, with the sums the delta method needs."""

    def agg(t: ir.Table) -> dict[str, ir.Scalar]:
        y, x = t.conversion_value.fill_null(0), t.spend
        return {
            "y": y.sum(),
            "x": x.sum(),
            "yy": (y * y).sum(),
            "xx": (x * x).sum(),
            "xy": (x * y).sum(),
            "rows": t.count(),
        }

    return Measure(
        (Source("marketing", "date", agg),),
        form="ratio",
        args=("y", "x", "yy", "xx", "xy", "rows"),
        offset=offset,
    )


@implements("cac")
def customer_acquisition_cost() -> Measure:
    return Measure(
        (
            Source("marketing", "date", lambda t: {"num": t.spend.sum(), "rows": t.count()}),
            Source(
                "customers",
                "created_at",
                lambda t: {"den": t.count()},
                renames={"channel": "acquisition_channel"},
            ),
        ),
        form="cost",
        args=("num", "den", "rows"),
        counts="new customers",
    )


@implements("cost_per_acquisition")
def cost_per_acquisition() -> Measure:
    return _spend_over("new_customers")


@implements("cost_per_action")
def cost_per_action() -> Measure:
    return _spend_over("leads", "downloads", "conversions")


@implements("cost_per_click")
def cost_per_click() -> Measure:
    return _spend_over("clicks")


@implements("cost_per_conversion")
def cost_per_conversion() -> Measure:
    return _spend_over("conversions")


@implements("cpm")
def cost_per_mille() -> Measure:
    return _spend_over("impressions")


@implements("cpv")
def cost_per_view() -> Measure:
    return _spend_over("views")


@implements("cpe")
def cost_per_engagement() -> Measure:
    return _spend_over("engagements")


@implements("cpd")
def cost_per_download() -> Measure:
    return _spend_over("downloads")


@implements("cpl")
def cost_per_lead() -> Measure:
    return _spend_over("leads")


@implements("ctr")
def click_through_rate() -> Measure:
    return Measure(
        (Source("marketing", "date", lambda t: {"k": t.clicks.sum(), "n": t.impressions.sum()}),),
        form="proportion",
        args=("k", "n"),
    )


@implements("conversion_rate")
def conversion_rate() -> Measure:
    return Measure(
        (Source("marketing", "date", lambda t: {"k": t.conversions.sum(), "n": t.visitors.sum()}),),
        form="proportion",
        args=("k", "n"),
    )


@implements("roas")
def return_on_ad_spend() -> Measure:
    return _return_on_spend(0.0)


@implements("marketing_roi")
def marketing_roi() -> Measure:
    # (value − spend) ÷ spend = ROAS − 1: the same ratio, interval and test, shifted
    return _return_on_spend(-1.0)
