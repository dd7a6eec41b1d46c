"""Marketing economics: acquisition cost, cost per click/view/lead/..., CTR, conversion, ROAS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlens.metrics.measures import Measure, Source, implements

if TYPE_CHECKING:
    import ibis.expr.types as ir


def _spend_over(*denominator: str) -> Measure:
    def agg(t: ir.Table) -> dict[str, ir.Scalar]:
        den = t[denominator[0]].fill_null(0)
        for col in denominator[1:]:
            den = den + t[col].fill_null(0)
        return {"num": t.spend.sum(), "den": den.sum()}

    return Measure((Source("marketing", "date", agg),), form="ratio", args=("num", "den"))


@implements("cac")
def customer_acquisition_cost() -> Measure:
    return Measure(
        (
            Source("marketing", "date", lambda t: {"num": t.spend.sum()}),
            Source(
                "customers",
                "created_at",
                lambda t: {"den": t.count()},
                renames={"channel": "acquisition_channel"},
            ),
        ),
        form="ratio",
        args=("num", "den"),
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
    return Measure(
        (
            Source(
                "marketing",
                "date",
                lambda t: {"num": t.conversion_value.sum(), "den": t.spend.sum()},
            ),
        ),
        form="ratio",
        args=("num", "den"),
    )


@implements("marketing_roi")
def marketing_roi() -> Measure:
    return Measure(
        (
            Source(
                "marketing",
                "date",
                lambda t: {
                    "num": (t.conversion_value.fill_null(0) - t.spend).sum(),
                    "den": t.spend.sum(),
                },
            ),
        ),
        form="ratio",
        args=("num", "den"),
    )
