"""Commands for comments: text analyse, text sentiment, text themes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.table import Table as RichTable

from cxlens.cli.common import WorkspaceOption, console, open_ws, print_json, user_errors
from cxlens.cli.tables import print_table
from cxlens.i18n import format_number, format_percent


def register(app: typer.Typer) -> None:
    text_app = typer.Typer(
        help="Comments: language, sentiment and themes in six languages.", no_args_is_help=True
    )
    app.add_typer(text_app, name="text")

    @text_app.command("analyse")
    def analyse(
        folds: int = typer.Option(5, help="Folds for the cross-validated accuracy per language."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Detect each comment's language, learn sentiment from the scores, find themes, and store them."""
        from cxlens.text.pipeline import analyse as run

        with user_errors():
            ws = open_ws(workspace)
            result = run(ws, folds=folds)
        console.print(
            f"Analysed {result['comments']:,} comments (model learnt from {result['training_comments']:,} scored ones)."
        )
        if result["accuracy"]:
            table = RichTable(title=f"Sentiment accuracy, {folds}-fold cross-validation")
            table.add_column("language")
            table.add_column("comments", justify="right")
            table.add_column("accuracy", justify="right")
            for lang, row in sorted(result["accuracy"].items()):
                table.add_row(lang, f"{row['comments']:,}", f"{100 * row['accuracy']:.1f}%")
            print_table(table)
        console.print(
            "Next: cxlens text themes · cxlens text sentiment · cxlens kpi nps --by theme"
        )

    @text_app.command("sentiment")
    def sentiment(
        lang: str | None = typer.Option(
            None, "--lang", "-l", help="Only comments in this language."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Sentiment of comments per language, with the model's cross-validated accuracy."""
        from cxlens.text.pipeline import sentiment_summary

        with user_errors():
            ws = open_ws(workspace)
            frame = sentiment_summary(ws, lang)
        if as_json:
            typer.echo(frame.to_json(orient="records", force_ascii=False, indent=2))
            return
        table = RichTable(title="Comment sentiment")
        for col in (
            "language",
            "comments",
            "negative",
            "neutral",
            "positive",
            "mean score",
            "CV accuracy",
        ):
            table.add_column(col, justify="left" if col == "language" else "right")
        for row in frame.to_dict(orient="records"):
            n = row["comments"] or 1
            table.add_row(
                str(row["comment_language"]),
                f"{row['comments']:,}",
                *(
                    format_percent(100 * row[k] / n, "en", 1)
                    for k in ("negative", "neutral", "positive")
                ),
                format_number(row["mean_score"], "en", 2),
                "–"
                if math.isnan(row["cv_accuracy"])
                else format_percent(100 * row["cv_accuracy"], "en", 1),
            )
        print_table(table)

    @text_app.command("themes")
    def themes(
        lang: str | None = typer.Option(
            None, "--lang", "-l", help="Only comments in this language (top words in it)."
        ),
        period: str | None = typer.Option(
            None, help="2026-Q3, 2026-05 or 2026 (default: all comments)."
        ),
        discover: int = typer.Option(
            0,
            "--discover",
            help="Find this many themes in the comments themselves (k-means) instead of the keyword map.",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Themes of comments: volume, average score, NPS impact with interval, top words, examples."""
        from cxlens.text.pipeline import themes_frame
        from cxlens.text.themes import theme_report

        with user_errors():
            ws = open_ws(workspace)
            start = end = None
            if period:
                from datetime import datetime
                from zoneinfo import ZoneInfo

                from cxlens.reports import parse_period

                per = parse_period(period)
                tz = ZoneInfo(ws.config.timezone)
                start = datetime(per.start.year, per.start.month, per.start.day, tzinfo=tz)
                end = datetime(per.end.year, per.end.month, per.end.day, tzinfo=tz)
            if discover and not 2 <= discover <= 50:
                from cxlens.errors import CxlensError

                raise CxlensError(f"--discover is a number of themes from 2 to 50, got {discover}.")
            report = theme_report(themes_frame(ws, start, end, discover, lang), lang)
        if as_json:
            print_json(report.to_dict(orient="records"))
            return
        table = RichTable(title="Themes in comments" + (f" ({lang})" if lang else ""))
        for col in (
            "theme",
            "comments",
            "share",
            "mean score",
            "NPS mentioning",
            "NPS impact (95% CI)",
            "top words",
        ):
            table.add_column(col, justify="left" if col in ("theme", "top words") else "right")
        for row in report.to_dict(orient="records"):
            table.add_row(
                row["theme"],
                f"{row['comments']:,}",
                format_percent(100 * row["share"], "en", 1),
                format_number(row["average_nps_score"], "en", 1),
                format_number(row["nps_mentioning"], "en", 1),
                _impact(row),
                row["top_words"],
            )
        print_table(table)
        for row in report.head(3).to_dict(orient="records"):
            for example in row["examples"][:1]:
                console.print(f"  {row['theme']}: “{example}”", markup=False, soft_wrap=True)


def _impact(row: Mapping[Any, Any]) -> str:
    if math.isnan(row["nps_impact"]):
        return "–"
    mark = " *" if row["p_value"] < 0.05 else ""
    return f"{row['nps_impact']:+.1f} ({row['impact_low']:+.1f} … {row['impact_high']:+.1f}){mark}"
