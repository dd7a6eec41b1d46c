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


def _percent(value: float) -> str:
    return "–" if value is None or math.isnan(value) else format_percent(100 * value, "en", 1)


def _cv_lines(cv: Mapping[str, Any]) -> list[str]:
    """What the cross-validation says, in plain words."""
    if cv.get("verdict") != "judged":
        return [str(cv.get("message") or "Too few distinct comments to judge the sentiment model.")]
    acc = cv["accuracy"]
    lines = [
        f"Accuracy on comments the model did not see ({cv['folds']}-fold cross-validation, "
        f"near-duplicates kept in one fold; {cv['distinct']:,} distinct of {cv['comments']:,}): "
        f"{_percent(acc['rate'])} (95% CI {_percent(acc['low'])} … {_percent(acc['high'])}), "
        f"negative recall {_percent(cv['negative_recall']['rate'])}.",
        "Measured against the sentiment the customers' scores stand for; "
        f"calibration error {_percent(cv['calibration_error_after'])} after calibration.",
    ]
    thin = [code for code, row in cv["per_language"].items() if not row["judged"]]
    if thin:
        lines.append(
            "Too few distinct comments to judge: "
            + ", ".join(sorted(thin))
            + " (figures shown in grey)."
        )
    return lines


def register(app: typer.Typer) -> None:
    text_app = typer.Typer(
        help="Comments: language, sentiment and themes in six languages.", no_args_is_help=True
    )
    app.add_typer(text_app, name="text")

    @text_app.command("analyse")
    def analyse(
        folds: int = typer.Option(5, help="Folds for the cross-validated accuracy per language."),
        retrain: bool | None = typer.Option(
            None,
            "--retrain/--no-retrain",
            help="Learn the sentiment model again and score every comment (default: when the "
            "scored comments grew by a fifth).",
        ),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Detect language, sentiment and themes of new or changed comments, and store them."""
        from cxlens.text.pipeline import analyse as run

        with user_errors():
            if not 2 <= folds <= 20:
                from cxlens.errors import CxlensError

                raise CxlensError(f"--folds is a number from 2 to 20, got {folds}.")
            ws = open_ws(workspace)
            result = run(ws, folds=folds, retrain=retrain)
        what = "learnt again from" if result["trained"] else "kept; it learnt from"
        console.print(
            f"Analysed {result['analysed']:,} new or changed of {result['comments']:,} comments "
            f"(sentiment model {what} {result.get('training_comments', 0):,} scored ones)."
            + (" Themes found again: the taxonomy changed." if result["rethemed"] else ""),
            markup=False,
        )
        cv = result.get("cross_validation")
        if result["trained"] and cv:
            for line in _cv_lines(cv):
                console.print(line, markup=False)
            if cv.get("verdict") == "judged":
                table = RichTable(title="Sentiment accuracy per language, unseen comments")
                for col in (
                    "language",
                    "comments",
                    "distinct",
                    "accuracy",
                    "95% CI",
                    "negative recall",
                ):
                    table.add_column(col, justify="left" if col == "language" else "right")
                for lang, row in sorted(cv["per_language"].items()):
                    acc = row["accuracy"]
                    style = None if row["judged"] else "dim"
                    table.add_row(
                        lang, f"{row['comments']:,}", f"{row['distinct']:,}", _percent(acc["rate"]),
                        f"{_percent(acc['low'])} … {_percent(acc['high'])}",
                        _percent(row["negative_recall"]["rate"]), style=style,
                    )  # fmt: skip
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
        """Sentiment of comments per language, with how well the model reads unseen comments."""
        from cxlens.text.pipeline import sentiment_summary, stored_quality

        with user_errors():
            ws = open_ws(workspace)
            frame = sentiment_summary(ws, lang)
            quality = stored_quality(ws)
        if as_json:
            print_json(
                {
                    "languages": frame.to_dict(orient="records"),
                    "cross_validation": quality.get("cross_validation"),
                    "since_training": quality.get("since_training"),
                }
            )
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
            "95% CI",
        ):
            table.add_column(col, justify="left" if col == "language" else "right")
        for row in frame.to_dict(orient="records"):
            n = row["comments"] or 1
            interval = (
                "–"
                if math.isnan(row["cv_low"])
                else f"{_percent(row['cv_low'])} … {_percent(row['cv_high'])}"
            )
            table.add_row(
                str(row["comment_language"]), f"{row['comments']:,}",
                *(format_percent(100 * row[k] / n, "en", 1) for k in ("negative", "neutral", "positive")),
                format_number(row["mean_score"], "en", 2), _percent(row["cv_accuracy"]), interval,
                style=None if row["judged"] else "dim",
            )  # fmt: skip
        print_table(table)
        if quality.get("cross_validation"):
            for line in _cv_lines(quality["cross_validation"]):
                console.print(line, markup=False)
        seen = quality.get("since_training") or {}
        if seen.get("comments"):
            console.print(
                f"Since the model was learnt: {seen['correct']:,} of {seen['comments']:,} new scored "
                f"comments read as their score says ({_percent(seen['correct'] / seen['comments'])}).",
                markup=False,
            )

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
            help="Find this many themes in the comments themselves (k-means) instead of the taxonomy.",
        ),
        suggest: bool = typer.Option(
            False, "--suggest", help="Propose new themes from comments that match none."
        ),
        seed: bool = typer.Option(
            False, "--seed", help="Copy the built-in taxonomy into cxlens.toml to edit it there."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
        workspace: Path | None = WorkspaceOption,
    ) -> None:
        """Themes of comments: volume, sentiment, mean score, NPS impact with interval, top words."""
        from cxlens.text.pipeline import themes_frame
        from cxlens.text.themes import theme_report

        with user_errors():
            ws = open_ws(workspace)
            if seed:
                from cxlens.cli.taxonomy import seed_taxonomy

                added = seed_taxonomy(ws)
                console.print(
                    f"Added {len(added)} themes to cxlens.toml: {', '.join(added)}."
                    if added
                    else "cxlens.toml already defines every built-in theme.",
                    markup=False,
                )
                return
            if suggest:
                _suggest(ws, lang, as_json)
                return
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
            "negative",
            "positive",
            "net",
            "NPS impact (95% CI)",
            "top words",
        ):
            table.add_column(col, justify="left" if col in ("theme", "top words") else "right")
        for row in report.to_dict(orient="records"):
            table.add_row(
                row["theme"], f"{row['comments']:,}", _percent(row["negative"]), _percent(row["positive"]),
                "–" if math.isnan(row["net_sentiment"]) else f"{100 * row['net_sentiment']:+.0f}",
                _impact(row), row["top_words"],
            )  # fmt: skip
        print_table(table)
        console.print(
            "negative / positive: share of the theme's mentions; net: positive minus negative "
            "(points). A comment can praise one theme and complain about another.",
            markup=False,
        )
        for row in report.head(3).to_dict(orient="records"):
            for example in row["examples"][:1]:
                console.print(f"  {row['theme']}: “{example}”", markup=False, soft_wrap=True)


def _suggest(ws: Any, lang: str | None, as_json: bool) -> None:
    from cxlens.text.pipeline import unthemed
    from cxlens.text.themes import suggest

    frame = unthemed(ws, lang)
    proposals: list[dict[str, Any]] = []
    for code, part in frame.groupby(frame["comment_language"].fillna("unknown")):
        if lang or code != "unknown":
            for p in suggest(part["comment"].astype(str).tolist(), str(code), k=3):
                proposals.append({"language": str(code), **p})
    proposals.sort(key=lambda p: -int(p["comments"]))
    if as_json:
        print_json({"unthemed_comments": len(frame), "suggestions": proposals})
        return
    console.print(f"{len(frame):,} comments match no theme.", markup=False)
    if not proposals:
        console.print("No group of them is large enough to suggest a theme.", markup=False)
        return
    for i, p in enumerate(proposals, 1):
        examples = p["examples"]
        console.print(
            f"\n{p['name']} ({p['comments']:,} comments), e.g. “{examples[0]}”", markup=False
        )
        keywords = ", ".join(f'"{k}"' for k in p["keywords"])
        console.print(
            f"  [text.themes.suggested_{i}]\n  {p['language']} = [{keywords}]", markup=False
        )
    console.print(
        "\nRename a theme you want, put it in cxlens.toml and run cxlens text analyse.",
        markup=False,
    )


def _impact(row: Mapping[Any, Any]) -> str:
    if math.isnan(row["nps_impact"]):
        return "–"
    mark = " *" if row["p_value"] < 0.05 else ""
    return f"{row['nps_impact']:+.1f} ({row['impact_low']:+.1f} … {row['impact_high']:+.1f}){mark}"
