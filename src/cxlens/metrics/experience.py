"""Experience metrics: NPS, CSAT, CES, response rate, ticket times and first-contact resolution."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlens.metrics.measures import Measure, Source, implements

if TYPE_CHECKING:
    from collections.abc import Callable

    import ibis.expr.types as ir

SCORED = ("nps", "csat", "ces")


def _kind(kind: str):  # type: ignore[no-untyped-def]
    return lambda t: (t.kind == kind) & t.score.notnull()


@implements("nps")
def net_promoter_score() -> Measure:
    return Measure(
        (
            Source(
                "responses",
                "ts",
                lambda t: {
                    "promoters": (t.score >= 9).sum(),
                    "detractors": (t.score <= 6).sum(),
                    "n": t.count(),
                },
                _kind("nps"),
            ),
        ),
        form="nps",
        args=("promoters", "detractors", "n"),
    )


@implements("csat")
def customer_satisfaction() -> Measure:
    return Measure(
        (
            Source(
                "responses",
                "ts",
                lambda t: {"k": (t.score >= 4).sum(), "n": t.count()},
                _kind("csat"),
            ),
        ),
        form="proportion",
        args=("k", "n"),
    )


@implements("ces")
def customer_effort_score() -> Measure:
    return Measure(
        (
            Source(
                "responses",
                "ts",
                lambda t: {
                    "sum": t.score.sum(),
                    "sumsq": (t.score * t.score).sum(),
                    "n": t.count(),
                },
                _kind("ces"),
            ),
        ),
        form="mean",
        args=("sum", "sumsq", "n"),
    )


@implements("ces_agree")
def easy_experience_share() -> Measure:
    return Measure(
        (
            Source(
                "responses",
                "ts",
                lambda t: {"k": (t.score >= 5).sum(), "n": t.count()},
                _kind("ces"),
            ),
        ),
        form="proportion",
        args=("k", "n"),
    )


@implements("response_rate")
def response_rate() -> Measure:
    return Measure(
        (
            Source(
                "responses",
                "ts",
                # one submission of several questions is one response: cxlens sync writes
                # each answer as "<submission id>:<question id>"
                lambda t: {"k": t.response_id.re_extract(r"^([^:]*)", 1).nunique()},
                lambda t: t.kind.isin(SCORED) & t.score.notnull(),
            ),
            Source(
                "events",
                "ts",
                lambda t: {"n": t.count()},
                lambda t: t.touchpoint == "survey_invitation",
            ),
        ),
        form="proportion",
        args=("k", "n"),
    )


def _complete(t: ir.Table) -> ir.BooleanValue:
    """True for the answers of a completed survey (answers imported without the column are)."""
    if "complete" not in t.columns:
        import ibis

        return ibis.literal(True)
    return t.complete.cast("boolean").fill_null(True)


def _responses_per_invitation(which: Callable[[ir.Table], ir.BooleanValue]) -> Measure:
    """Submissions (of ``which`` answers) with a scored answer ÷ invitations sent."""
    return Measure(
        (
            Source(
                "responses",
                "ts",
                lambda t: {"k": t.response_id.re_extract(r"^([^:]*)", 1).nunique()},
                lambda t: t.kind.isin(SCORED) & t.score.notnull() & which(t),
            ),
            Source(
                "events",
                "ts",
                lambda t: {"n": t.count()},
                lambda t: t.touchpoint == "survey_invitation",
            ),
        ),
        form="proportion",
        args=("k", "n"),
    )


@implements("complete_response_rate")
def complete_response_rate() -> Measure:
    return _responses_per_invitation(_complete)


@implements("partial_response_rate")
def partial_response_rate() -> Measure:
    return _responses_per_invitation(lambda t: ~_complete(t))


def _hours(t: ir.Table, later: str) -> ir.NumericValue:
    return t[later].delta(t.opened_at, unit="second").cast("float64") / 3600.0


@implements("time_to_resolution")
def time_to_resolution() -> Measure:
    return Measure(
        (
            Source(
                "tickets",
                "opened_at",
                lambda t: {},
                lambda t: t.resolved_at.notnull(),
                median_of=lambda t: _hours(t, "resolved_at"),
            ),
        ),
        form="median",
        args=(),
    )


@implements("time_to_resolution_mean")
def time_to_resolution_mean() -> Measure:
    def agg(t: ir.Table) -> dict[str, ir.Scalar]:
        h = _hours(t, "resolved_at")
        return {"sum": h.sum(), "sumsq": (h * h).sum(), "n": t.count()}

    return Measure(
        (Source("tickets", "opened_at", agg, lambda t: t.resolved_at.notnull()),),
        form="mean",
        args=("sum", "sumsq", "n"),
    )


@implements("time_to_first_response")
def time_to_first_response() -> Measure:
    return Measure(
        (
            Source(
                "tickets",
                "opened_at",
                lambda t: {},
                lambda t: t.first_response_at.notnull(),
                median_of=lambda t: _hours(t, "first_response_at"),
            ),
        ),
        form="median",
        args=(),
    )


@implements("first_contact_resolution")
def first_contact_resolution() -> Measure:
    return Measure(
        (
            Source(
                "tickets",
                "opened_at",
                lambda t: {"k": (t.contacts == 1).sum(), "n": t.count()},
                lambda t: t.resolved_at.notnull() & t.contacts.notnull(),
            ),
        ),
        form="proportion",
        args=("k", "n"),
    )
