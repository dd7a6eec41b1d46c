"""Commands for customer analytics: rfm, audience, cohorts, lifecycle, churn, clv."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from cxlens.cli.common import (
    JsonOption,
    LangOption,
    WorkspaceOption,
    console,
    fail,
    open_ws_with_language,
    print_json,
    records,
    remembered,
    user_errors,
)
from cxlens.cli.tables import print_table
from cxlens.i18n import (
    Labels,
    format_currency,
    format_date,
    format_number,
    format_percent,
    format_period,
    gettext,
    labels_for,
    ngettext,
    pgettext,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class RfmView:
    """What ``cxlens rfm`` shows: the date, the score cut-offs, the segments and the moves."""

    as_of: date
    cutoffs: dict[str, list[float]]
    summary: pd.DataFrame
    moves: pd.DataFrame


@dataclass(frozen=True)
class ChurnView:
    """What ``cxlens churn`` shows: customers likely lost per period, and contract rates if any."""

    modelled: pd.DataFrame
    contracts: pd.DataFrame


@dataclass(frozen=True)
class ClvView:
    """What ``cxlens clv`` shows: totals, the fitted parameters, deciles and the holdout check."""

    as_of: date
    horizon_months: int
    holdout_months: int
    totals: dict[str, float]
    parameters: pd.DataFrame
    """Purchase and spend model: ``parameter, estimate, std_error, ci_lower, ci_upper``."""
    log_likelihood: dict[str, float]
    """Of the purchase model (``purchases``) and of the spend model (``spend``)."""
    deciles: pd.DataFrame
    holdout: pd.DataFrame
    """Forecast against what happened per repeat-purchase count; empty without a holdout."""
    calibration_parameters: pd.DataFrame
    calibration_log_likelihood: float | None
    calibration_end: str

    @classmethod
    def of(cls, result: Any, holdout_months: int) -> ClvView:
        """The view of a :class:`cxlens.customers.value.ClvResult`."""
        import pandas as pd

        parameters = pd.concat(
            [result.purchase_model.summary(), result.spend_model.summary()]
        ).reset_index()
        calibration = result.calibration_model
        held = result.holdout is not None and calibration is not None
        return cls(
            as_of=result.as_of,
            horizon_months=result.horizon_months,
            holdout_months=holdout_months if held else 0,
            totals=result.totals(),
            parameters=parameters,
            log_likelihood={
                "purchases": float(result.purchase_model.log_likelihood_),
                "spend": float(result.spend_model.log_likelihood_),
            },
            deciles=result.distribution(),
            holdout=result.holdout if held else pd.DataFrame(),
            calibration_parameters=(
                calibration.summary().reset_index() if held else pd.DataFrame()
            ),
            calibration_log_likelihood=float(calibration.log_likelihood_) if held else None,
            calibration_end=str(result.holdout.attrs.get("calibration_end", "")) if held else "",
        )


AsOfOption = typer.Option(
    None, "--as-of", help="Analyse as of the end of this day (default: the last order's day)."
)


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """CSV (formulas neutralised), Parquet or JSON Lines by the file's extension."""
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix in (".jsonl", ".ndjson"):
        frame.to_json(path, orient="records", lines=True, force_ascii=False, date_format="iso")
    elif suffix == ".csv":
        from cxlens.spreadsheets import write_frame_csv

        write_frame_csv(frame, path)
    else:
        fail(f"Cannot write '{path}': use a .csv, .parquet or .jsonl file name.")


def register(app: typer.Typer) -> None:
    @app.command("rfm")
    def rfm_command(
        as_of: str | None = AsOfOption,
        bins: int = typer.Option(5, help="Score bins (quantiles) for R, F and M."),
        compare: str | None = typer.Option(
            None,
            "--compare",
            help="Also show how customers moved between segments since this date.",
        ),
        out: Path | None = typer.Option(
            None,
            "--out",
            help="Write every customer's RFM values, scores and segment (.csv/.parquet/.jsonl).",
        ),
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """RFM segments: recency, frequency, monetary scores 1-5, segment sizes, revenue, NPS and CSAT."""
        import pandas as pd

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)

            def compute() -> RfmView:
                from cxlens.customers.rfm import migration, rfm, segment_summary

                result = rfm(ws, as_of, bins)
                if out is not None:
                    write_frame(result.execute(), out)
                moves = migration(ws, compare, result.as_of, bins) if compare else pd.DataFrame()
                return RfmView(result.as_of, result.cutoffs, segment_summary(ws, result), moves)

            params = {"as_of": as_of, "bins": bins, "compare": compare}
            view = compute() if out is not None else remembered(ws, "rfm", params, RfmView, compute)
            summary = view.summary
            moves = view.moves if compare else None
        labels = labels_for(ws.config)
        if as_json:
            data: dict[str, Any] = {
                "as_of": view.as_of.isoformat(),
                "cutoffs": view.cutoffs,
                "segments": [
                    {**row, "name": labels.name("segment", row["segment"], language)}
                    for row in records(summary)
                ],
            }
            if moves is not None:
                data["migration"] = {
                    "from": str(compare),
                    "to": view.as_of.isoformat(),
                    "counts": {
                        b: {a: int(v) for a, v in row.items()} for b, row in moves.iterrows()
                    },
                }
            print_json(data)
            return
        currency = ws.config.currency
        as_of = format_date(view.as_of, language)
        table = RichTable(title=gettext("RFM segments as of %(date)s", language, date=as_of))
        table.add_column(labels.dimension("segment", language))
        for header in (
            gettext("Customers", language), gettext("Share", language),
            gettext("Revenue", language), gettext("Orders", language), "NPS",
            gettext("95%% interval", language), "CSAT",
        ):  # fmt: skip
            table.add_column(header, justify="right")
        for row in summary.to_dict(orient="records"):
            table.add_row(
                labels.name("segment", row["segment"], language),
                format_number(row["customers"], language, 0),
                format_percent(100 * row["share"], language, 1),
                format_currency(row["revenue"], currency, language),
                format_number(row["frequency"], language, 1),
                "–"
                if not row["nps_n"]
                else f"{format_number(row['nps'], language, 0)} (n={format_number(row['nps_n'], language, 0)})",
                "–"
                if not row["nps_n"]
                else f"{format_number(row['nps_low'], language, 0)} … "
                f"{format_number(row['nps_high'], language, 0)}",
                "–"
                if not row["csat_n"]
                else f"{format_percent(row['csat'], language, 0)} (n={format_number(row['csat_n'], language, 0)})",
            )
        print_table(table)
        console.print(
            gettext(
                "NPS and CSAT: answers of the segment's customers in the year up to %(date)s.",
                language, date=as_of,
            ),
            markup=False,
        )  # fmt: skip
        cuts = "; ".join(
            f"{k[0].upper()}: {_cut_offs(v, language)}" for k, v in view.cutoffs.items()
        )
        console.print(gettext("Score cut-offs", language) + f": {cuts}", markup=False)
        if moves is not None:
            _print_migration(moves, labels, str(compare), as_of, language)
        if out is not None:
            console.print(f"→ {out}", markup=False)

    @app.command("audience")
    def audience_command(
        segment: str = typer.Argument(
            ..., help="Segment key or name, e.g. champions or 'At Risk'."
        ),
        out: Path = typer.Option(..., "--out", help="CSV file to write."),
        as_of: str | None = AsOfOption,
        hashed: bool = typer.Option(
            False,
            "--hash",
            help="Write e-mail addresses as SHA-256 of the trimmed, lower-cased address (what ad platforms match on).",
        ),
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Export one RFM segment as a custom-audience CSV: customer_id and e-mail where consent allows."""
        import pandas as pd

        from cxlens.customers.segments import segment_map

        def compute() -> pd.DataFrame:
            from cxlens.customers.rfm import audience, hashed_emails

            members = audience(ws, segment, as_of)
            if hashed:
                members["email"] = hashed_emails(members["email"])
            return members

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            names = segment_map(ws.config.section("rfm"))
            key = names.key_of(segment)
            params = [key, as_of, hashed]
            frame = remembered(ws, "audience", params, pd.DataFrame, compute)
        if out.suffix.lower() != ".csv":
            fail("Audiences are written as CSV; give a file name ending in .csv.")
        write_frame(frame, out)
        name = labels_for(ws.config).name("segment", key, language)
        emails = int(frame["email"].notna().sum())
        console.print(
            ngettext(
                "Wrote %(num)s customer of %(segment)s to %(path)s (%(emails)s with an e-mail "
                "address they allow us to use).",
                "Wrote %(num)s customers of %(segment)s to %(path)s (%(emails)s with an e-mail "
                "address they allow us to use).",
                len(frame), language, segment=name, path=str(out),
                emails=format_number(emails, language, 0),
            ),
            markup=False,
            soft_wrap=True,
        )  # fmt: skip

    @app.command("cohorts")
    def cohorts_command(
        definition: str = typer.Option(
            "first",
            "--definition",
            help="first: cohort of the first order; recurring: of every active period.",
        ),
        period: str = typer.Option("month", help="month, quarter or year."),
        periods: int = typer.Option(
            12, "--periods", help="How many periods after the cohort's own."
        ),
        since: str | None = typer.Option(None, "--since", help="Only cohorts from this date on."),
        as_of: str | None = AsOfOption,
        as_json: bool = typer.Option(False, "--json", help="Print a heatmap-ready JSON."),
        csv: Path | None = typer.Option(
            None, "--out", help="Write the cells (long form) to a file."
        ),
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Cohort retention matrix: the share of each cohort that buys again in each later period."""
        from cxlens.customers.results import Cohorts
        from cxlens.reports.tables import COHORT_TITLES, cohorts_title

        def compute() -> Cohorts:
            from cxlens.customers.cohorts import cohort_retention

            return cohort_retention(ws, definition, period, periods, as_of, since)

        with user_errors():
            if (definition, period) not in COHORT_TITLES:
                from cxlens.errors import CxlensError

                raise CxlensError(
                    f"--definition is first or recurring and --period month, quarter or year; "
                    f"got {definition!r} and {period!r}."
                )
            ws, language = open_ws_with_language(workspace, lang)
            params = [definition, period, periods, as_of, since]
            result = remembered(ws, "cohorts", params, Cohorts, compute)
            if csv is not None:
                write_frame(result.cells, csv)
        if as_json:
            print_json(result.heatmap())
            return
        matrix = result.matrix()
        sizes = result.cells.groupby("cohort")["cohort_size"].first()
        table = RichTable(title=cohorts_title(definition, period, language))
        table.add_column(gettext("Cohort", language))
        table.add_column(gettext("Size", language), justify="right")
        for offset in matrix.columns:
            table.add_column(f"+{offset}", justify="right")
        for cohort, row in matrix.iterrows():
            cells = ["" if math.isnan(v) else format_percent(100 * v, language, 0) for v in row]
            table.add_row(
                format_period(cohort, period, language),
                format_number(sizes.loc[str(cohort)], language, 0),
                *cells,
            )
        print_table(table)

    @app.command("lifecycle")
    def lifecycle_command(
        period: str = typer.Option("month", help="month, quarter or year."),
        as_of: str | None = AsOfOption,
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """New, returning, resurrecting and dormant customers per period, with retention and quick ratio."""
        import pandas as pd

        def compute() -> pd.DataFrame:
            from cxlens.customers.cohorts import lifecycle

            return lifecycle(ws, period, as_of)

        from cxlens.reports.tables import LIFECYCLE_TITLES, lifecycle_title

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            frame = remembered(ws, "lifecycle", [period, as_of], pd.DataFrame, compute)
        if as_json:
            print_json(records(frame))
            return
        table = RichTable(
            title=lifecycle_title(period, language) if period in LIFECYCLE_TITLES else None
        )
        keys = ["period", "active", "new", "returning", "resurrecting", "dormant"]
        table.add_column(gettext("Period", language))
        for header in (
            pgettext("lifecycle", "Active", language), pgettext("lifecycle", "New", language),
            pgettext("lifecycle", "Returning", language),
            pgettext("lifecycle", "Resurrecting", language),
            pgettext("lifecycle", "Dormant", language), gettext("Retention", language),
            gettext("Quick ratio", language),
        ):  # fmt: skip
            table.add_column(header, justify="right")
        for row in frame.to_dict(orient="records"):
            label = format_period(row["period"], period, language) + (
                "" if row["complete"] else " (" + gettext("partial period", language) + ")"
            )
            table.add_row(
                label,
                *(format_number(row[k], language, 0) for k in keys[1:6]),
                format_percent(100 * row["retention"], language, 1),
                format_number(row["quick_ratio"], language, 2),
            )
        print_table(table)

    @app.command("churn")
    def churn_command(
        period: str = typer.Option("quarter", help="month, quarter or year."),
        periods: int = typer.Option(8, "--periods", help="How many recent periods."),
        threshold: float = typer.Option(
            0.5, help="A customer counts as lost when the probability of being alive is below this."
        ),
        as_of: str | None = AsOfOption,
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Churn per period: contract churn and retention rates, and customers likely lost (BG/NBD)."""

        def compute() -> ChurnView:
            import pandas as pd

            from cxlens.customers.churn import has_contracts, likely_churned, period_start
            from cxlens.metrics.engine import kpi

            modelled = likely_churned(ws, period, periods, threshold, as_of)
            contracts = pd.DataFrame()
            if has_contracts(ws):
                first_end = date.fromisoformat(modelled["period_end"].iloc[0])
                last_end = date.fromisoformat(modelled["period_end"].iloc[-1])
                contracts = kpi(
                    ws,
                    ["churn_rate", "retention_rate"],
                    period=period,
                    start=period_start(first_end, period),
                    end=last_end,
                )
            return ChurnView(modelled, contracts)

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            view = remembered(ws, "churn", [period, periods, threshold, as_of], ChurnView, compute)
            modelled = view.modelled
            contracts = view.contracts if not view.contracts.empty else None
        if as_json:
            data: dict[str, Any] = {"likely_churned": records(modelled), "threshold": threshold}
            if contracts is not None:
                data["contracts"] = records(contracts)
            print_json(data)
            return
        if contracts is not None:
            from cxlens.cli.metrics import _print_kpis

            heading = gettext("Contract churn and retention", language)
            console.print(f"[bold]{escape(heading)}[/]")
            _print_kpis(contracts, [], False, language, ws.config.currency, period=period)
        table = RichTable(
            title=gettext(
                "Customers likely lost (probability alive below %(threshold)s)",
                language, threshold=format_number(threshold, language, 2),
            )
        )  # fmt: skip
        table.add_column(gettext("Period end", language))
        for header in (
            gettext("Customers", language), gettext("Likely lost", language),
            gettext("Share", language), gettext("95%% interval", language),
            gettext("Mean P(alive)", language),
        ):  # fmt: skip
            table.add_column(header, justify="right")
        for row in modelled.to_dict(orient="records"):
            table.add_row(
                format_date(date.fromisoformat(row["period_end"]), language),
                format_number(row["customers"], language, 0),
                format_number(row["likely_churned"], language, 0),
                format_percent(100 * row["share"], language, 1),
                f"{format_percent(100 * row['share_low'], language, 1)} … "
                f"{format_percent(100 * row['share_high'], language, 1)}",
                format_number(row["mean_p_alive"], language, 2),
            )
        print_table(table)

    @app.command("clv")
    def clv_command(
        model: str = typer.Option(
            "bgnbd", help="Purchase model: bgnbd (BG/NBD) or pareto (Pareto/NBD)."
        ),
        horizon: str = typer.Option("12m", help="How far ahead: 12m, 24m, 2y ..."),
        discount: float = typer.Option(0.1, help="Yearly discount rate (0.1 = 10 %)."),
        holdout: str | None = typer.Option(
            None,
            help="Check the model: fit without the last 6m (or other) and compare with what happened.",
        ),
        as_of: str | None = AsOfOption,
        out: Path | None = typer.Option(
            None, "--out", help="Write every customer's CLV (.csv/.parquet/.jsonl)."
        ),
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Predictive CLV: BG/NBD or Pareto/NBD with Gamma-Gamma spend, per customer and in total."""

        def compute() -> ClvView:
            from cxlens.customers.value import parse_months, predict_clv

            months = parse_months(horizon)
            held = parse_months(holdout, "--holdout") if holdout else 0
            result = predict_clv(ws, model, months, discount, as_of, held)
            if out is not None:
                write_frame(result.customers, out)
            return ClvView.of(result, held)

        with user_errors():
            ws, language = open_ws_with_language(workspace, lang)
            params = [model, horizon, discount, holdout, as_of]
            view = compute() if out is not None else remembered(ws, "clv", params, ClvView, compute)
        months, held, params_frame = view.horizon_months, view.holdout_months, view.parameters
        loglik = view.log_likelihood
        end = view.calibration_end
        if as_json:
            data: dict[str, Any] = {
                "as_of": view.as_of.isoformat(),
                "model": model,
                "horizon_months": months,
                "yearly_discount": discount,
                "totals": view.totals,
                "parameters": records(params_frame),
                "log_likelihood": loglik,
                "deciles": records(view.deciles),
            }
            if held:
                data["holdout"] = records(view.holdout)
                data["calibration"] = {
                    "end": end,
                    "parameters": records(view.calibration_parameters),
                    "log_likelihood": view.calibration_log_likelihood,
                }
            print_json(data)
            return
        currency = ws.config.currency
        model_name = "BG/NBD" if model == "bgnbd" else "Pareto/NBD"
        title = ngettext(
            "Customer lifetime value, next %(num)s month (%(model)s, %(discount)s yearly discount)",
            "Customer lifetime value, next %(num)s months (%(model)s, %(discount)s yearly discount)",
            months, language, model=model_name,
            discount=format_percent(100 * discount, language, 0),
        )  # fmt: skip
        console.print(f"[bold]{escape(title)}[/]")
        totals = view.totals
        for header, value in (
            (gettext("Customers", language), format_number(totals["customers"], language, 0)),
            (gettext("Total CLV", language), format_currency(totals["clv_total"], currency, language)),
            (gettext("Mean CLV", language), format_currency(totals["clv_mean"], currency, language)),
            (gettext("Median CLV", language), format_currency(totals["clv_median"], currency, language)),
            (gettext("Expected purchases", language), format_number(totals["expected_purchases"], language, 0)),
            (gettext("Mean P(alive)", language), format_number(totals["p_alive_mean"], language, 2)),
        ):  # fmt: skip
            console.print(f"  {header}: {value}", markup=False)
        both = model_name + " + Gamma-Gamma"
        title = gettext(
            "%(model)s fitted on all data up to %(date)s", language,
            model=both, date=format_date(view.as_of, language),
        )  # fmt: skip
        _print_parameters(params_frame, title, language)
        log_likelihood = gettext("Log-likelihood", language)
        for fitted, ll in ((model_name, loglik["purchases"]), ("Gamma-Gamma", loglik["spend"])):
            console.print(
                f"  {log_likelihood} ({fitted}): {format_number(ll, language, 2)}",
                markup=False,
            )
        dtable = RichTable(title="CLV")
        for header in (
            gettext("Decile", language), gettext("Customers", language),
            gettext("Range", language), gettext("Total CLV", language),
            gettext("Share", language),
        ):  # fmt: skip
            dtable.add_column(header, justify="right")
        for row in view.deciles.to_dict(orient="records"):
            dtable.add_row(
                str(row["decile"]),
                format_number(row["customers"], language, 0),
                f"{format_currency(row['clv_min'], currency, language)} … {format_currency(row['clv_max'], currency, language)}",
                format_currency(row["clv_total"], currency, language),
                format_percent(100 * row["share"], language, 1),
            )
        print_table(dtable)
        if held:
            h = view.holdout
            _print_parameters(
                view.calibration_parameters,
                gettext(
                    "%(model)s fitted on the calibration period up to %(date)s "
                    "(the fit the check judges)",
                    language, model=model_name,
                    date=format_date(date.fromisoformat(str(end)), language) if end else "",
                ),
                language,
            )  # fmt: skip
            console.print(
                f"  {log_likelihood} ({model_name}): "
                f"{format_number(view.calibration_log_likelihood, language, 2)}",
                markup=False,
            )
            htable = RichTable(
                title=ngettext(
                    "Check on the last %(num)s month held out (model fitted up to %(date)s)",
                    "Check on the last %(num)s months held out (model fitted up to %(date)s)",
                    held, language,
                    date=format_date(date.fromisoformat(str(end)), language) if end else "",
                )
            )  # fmt: skip
            for header in (
                gettext("Repeat purchases before", language), gettext("Customers", language),
                gettext("Actual", language), gettext("Predicted", language),
                gettext("Error", language),
            ):  # fmt: skip
                htable.add_column(header, justify="right")
            for row in h.to_dict(orient="records"):
                label = (
                    pgettext("holdout row", "all", language)
                    if row["frequency"] == "all"
                    else str(row["frequency"])
                )
                htable.add_row(
                    label,
                    format_number(row["customers"], language, 0),
                    format_number(row["actual_total"], language, 0),
                    format_number(row["predicted_total"], language, 0),
                    "–"
                    if math.isnan(row["error_pct"])
                    else ("+" if row["error_pct"] > 0 else "")
                    + format_percent(row["error_pct"], language, 1),
                )
            print_table(htable)
        if out is not None:
            console.print(f"→ {out}", markup=False)


def _print_parameters(params: pd.DataFrame, title: str, lang: str) -> None:
    """Model parameters with standard errors and 95 % intervals."""
    table = RichTable(title=title)
    table.add_column(gettext("Parameter", lang))
    for header in (
        gettext("Estimate", lang), gettext("Std. error", lang), gettext("95%% interval", lang),
    ):  # fmt: skip
        table.add_column(header, justify="right")
    for row in params.to_dict(orient="records"):
        table.add_row(
            row["parameter"],
            format_number(row["estimate"], lang, 3),
            format_number(row["std_error"], lang, 3),
            f"{format_number(row['ci_lower'], lang, 3)} … {format_number(row['ci_upper'], lang, 3)}",
        )
    print_table(table)


def _cut_offs(values: list[float], language: str) -> str:
    """One score's cut-offs, e.g. "44 / 148 / 295": slashes, since "44,0, 148,0" reads as
    one list of decimals in languages with a decimal comma; whole numbers (days, orders)
    without decimals."""
    decimals = 0 if all(float(v).is_integer() for v in values) else 1
    return " / ".join(format_number(v, language, decimals) for v in values)


def _print_migration(moves: pd.DataFrame, labels: Labels, start: str, end: str, lang: str) -> None:
    table = RichTable(
        title=gettext(
            "Segment migration from %(start)s (rows) to %(end)s (columns)", lang,
            start=start, end=end,
        )
    )  # fmt: skip
    table.add_column("")
    for col in moves.columns:
        table.add_column(labels.name("segment", col, lang), justify="right")
    for key, row in moves.iterrows():
        table.add_row(labels.name("segment", key, lang), *(format_number(v, lang, 0) for v in row))
    print_table(table)
