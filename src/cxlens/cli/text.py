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
from cxlens.i18n import (
    Labels,
    format_number,
    format_percent,
    gettext,
    labels_for,
    ngettext,
    pgettext,
)


def _percent(value: float | None, lang: str) -> str:
    return "–" if value is None or math.isnan(value) else format_percent(100 * value, lang, 1)


def _between(low: float | None, high: float | None, lang: str) -> str:
    return f"{_percent(low, lang)} … {_percent(high, lang)}"


def _cv_lines(cv: Mapping[str, Any], lang: str, labels: Labels) -> list[str]:
    """What the cross-validation says, in plain words in ``lang``."""
    if cv.get("verdict") != "judged":
        from cxlens.text.evaluation import MIN_DISTINCT

        if "distinct" in cv:
            return [
                gettext(
                    "Too few distinct comments to judge the sentiment model: %(distinct)s groups "
                    "of near-identical comments among %(comments)s scored ones (at least "
                    "%(needed)s needed).",
                    lang,
                    distinct=format_number(cv["distinct"], lang, 0),
                    comments=format_number(cv["comments"], lang, 0),
                    needed=format_number(MIN_DISTINCT, lang, 0),
                )
            ]
        return [
            gettext(
                "Too few scored comments to judge the sentiment model (%(comments)s).",
                lang,
                comments=format_number(cv.get("comments", 0), lang, 0),
            )
        ]
    acc = cv["accuracy"]
    lines = [
        gettext(
            "Accuracy on comments the model did not see (%(folds)s-fold cross-validation, "
            "near-duplicates kept in one fold; %(distinct)s distinct of %(comments)s): "
            "%(rate)s (95%% interval %(interval)s), negative recall %(recall)s.",
            lang, folds=cv["folds"], distinct=format_number(cv["distinct"], lang, 0),
            comments=format_number(cv["comments"], lang, 0), rate=_percent(acc["rate"], lang),
            interval=_between(acc["low"], acc["high"], lang),
            recall=_percent(cv["negative_recall"]["rate"], lang),
        ),
        gettext(
            "Measured against the sentiment the customers' scores stand for; calibration error "
            "%(error)s after calibration.",
            lang, error=_percent(cv["calibration_error_after"], lang),
        ),
    ]  # fmt: skip
    thin = [code for code, row in cv["per_language"].items() if not row["judged"]]
    if thin:
        names = ", ".join(sorted(labels.name("language", code, lang) for code in thin))
        lines.append(
            gettext(
                "Too few distinct comments to judge: %(languages)s (figures shown in grey).",
                lang,
                languages=names,
            )
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
        out = ws.config.language
        labels = labels_for(ws.config)
        values = {
            "analysed": format_number(result["analysed"], out, 0),
            "scored": format_number(result.get("training_comments", 0), out, 0),
        }
        if result["trained"]:
            summary = ngettext(
                "Analysed %(analysed)s new or changed of %(num)s comment (sentiment model learnt "
                "again from %(scored)s scored ones).",
                "Analysed %(analysed)s new or changed of %(num)s comments (sentiment model learnt "
                "again from %(scored)s scored ones).",
                result["comments"], out, **values,
            )  # fmt: skip
        else:
            summary = ngettext(
                "Analysed %(analysed)s new or changed of %(num)s comment (sentiment model kept; "
                "it learnt from %(scored)s scored ones).",
                "Analysed %(analysed)s new or changed of %(num)s comments (sentiment model kept; "
                "it learnt from %(scored)s scored ones).",
                result["comments"], out, **values,
            )  # fmt: skip
        if result["rethemed"]:
            summary += " " + gettext("Themes found again: the taxonomy changed.", out)
        console.print(summary, markup=False)
        cv = result.get("cross_validation")
        if result["trained"] and cv:
            for line in _cv_lines(cv, out, labels):
                console.print(line, markup=False)
            if cv.get("verdict") == "judged":
                table = RichTable(
                    title=gettext("Sentiment accuracy per language, unseen comments", out)
                )
                table.add_column(labels.dimension("language", out))
                for header in (
                    gettext("Comments", out), gettext("Distinct", out), gettext("Accuracy", out),
                    gettext("95%% interval", out), gettext("Negative recall", out),
                ):  # fmt: skip
                    table.add_column(header, justify="right")
                for lang, row in sorted(cv["per_language"].items()):
                    acc = row["accuracy"]
                    table.add_row(
                        labels.name("language", lang, out),
                        format_number(row["comments"], out, 0),
                        format_number(row["distinct"], out, 0), _percent(acc["rate"], out),
                        _between(acc["low"], acc["high"], out),
                        _percent(row["negative_recall"]["rate"], out),
                        style=None if row["judged"] else "dim",
                    )  # fmt: skip
                print_table(table)
        console.print(
            gettext("Next:", out)
            + " cxlens text themes · cxlens text sentiment · cxlens kpi nps --by theme",
            markup=False,
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
        out = ws.config.language
        labels = labels_for(ws.config)
        table = RichTable(title=gettext("Comment sentiment", out))
        table.add_column(labels.dimension("language", out))
        for header in (
            gettext("Comments", out), labels.name("sentiment", "negative", out),
            labels.name("sentiment", "neutral", out), labels.name("sentiment", "positive", out),
            gettext("Mean score", out), gettext("Accuracy (cross-validated)", out),
            gettext("95%% interval", out),
        ):  # fmt: skip
            table.add_column(header, justify="right")
        for row in frame.to_dict(orient="records"):
            n = row["comments"] or 1
            interval = (
                "–" if math.isnan(row["cv_low"]) else _between(row["cv_low"], row["cv_high"], out)
            )
            table.add_row(
                labels.name("language", row["comment_language"], out),
                format_number(row["comments"], out, 0),
                *(format_percent(100 * row[k] / n, out, 1) for k in ("negative", "neutral", "positive")),
                format_number(row["mean_score"], out, 2), _percent(row["cv_accuracy"], out), interval,
                style=None if row["judged"] else "dim",
            )  # fmt: skip
        print_table(table)
        if quality.get("cross_validation"):
            for line in _cv_lines(quality["cross_validation"], out, labels):
                console.print(line, markup=False)
        seen = quality.get("since_training") or {}
        if seen.get("comments"):
            console.print(
                gettext(
                    "Since the model was learnt: %(correct)s of %(comments)s new scored comments "
                    "read as their score says (%(share)s).",
                    out, correct=format_number(seen["correct"], out, 0),
                    comments=format_number(seen["comments"], out, 0),
                    share=_percent(seen["correct"] / seen["comments"], out),
                ),
                markup=False,
            )  # fmt: skip

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
            out = ws.config.language
            if seed:
                from cxlens.cli.taxonomy import seed_taxonomy

                added = seed_taxonomy(ws)
                console.print(
                    ngettext(
                        "Added %(num)s theme to cxlens.toml: %(themes)s.",
                        "Added %(num)s themes to cxlens.toml: %(themes)s.",
                        len(added), out, themes=", ".join(added),
                    )
                    if added
                    else gettext("cxlens.toml already defines every built-in theme.", out),
                    markup=False,
                )  # fmt: skip
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
        labels = labels_for(ws.config)
        title = gettext("Themes in comments", out)
        table = RichTable(
            title=title + (f" ({labels.name('language', lang, out)})" if lang else "")
        )
        table.add_column(labels.dimension("theme", out))
        for header in (
            gettext("Comments", out), labels.name("sentiment", "negative", out),
            labels.name("sentiment", "positive", out), pgettext("net sentiment", "net", out),
            gettext("NPS impact (95%% interval)", out),
        ):  # fmt: skip
            table.add_column(header, justify="right")
        table.add_column(gettext("Top words", out))
        for row in report.to_dict(orient="records"):
            net = row["net_sentiment"]
            table.add_row(
                labels.name("theme", row["theme"], out), format_number(row["comments"], out, 0),
                _percent(row["negative"], out), _percent(row["positive"], out),
                "–" if math.isnan(net) else _signed(100 * net, out, 0),
                _impact(row, out), row["top_words"],
            )  # fmt: skip
        print_table(table)
        console.print(
            gettext(
                "negative / positive: share of the theme's mentions; net: positive minus negative "
                "(points). A comment can praise one theme and complain about another.",
                out,
            ),
            markup=False,
        )
        for row in report.head(3).to_dict(orient="records"):
            for example in row["examples"][:1]:
                name = labels.name("theme", row["theme"], out)
                console.print(f"  {name}: “{example}”", markup=False, soft_wrap=True)


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
    out = ws.config.language
    console.print(
        ngettext(
            "%(num)s comment matches no theme.", "%(num)s comments match no theme.", len(frame), out
        ),
        markup=False,
    )
    if not proposals:
        console.print(
            gettext("No group of them is large enough to suggest a theme.", out), markup=False
        )
        return
    for i, p in enumerate(proposals, 1):
        head = ngettext(
            "%(name)s (%(num)s comment), e.g. “%(example)s”",
            "%(name)s (%(num)s comments), e.g. “%(example)s”",
            int(p["comments"]), out, name=p["name"], example=p["examples"][0],
        )  # fmt: skip
        console.print(f"\n{head}", markup=False)
        keywords = ", ".join(f'"{k}"' for k in p["keywords"])
        console.print(
            f"  [text.themes.suggested_{i}]\n  {p['language']} = [{keywords}]", markup=False
        )
    console.print(
        "\n"
        + gettext(
            "Rename a theme you want, put it in cxlens.toml and run cxlens text analyse.", out
        ),
        markup=False,
    )


def _signed(value: float, lang: str, decimals: int = 1) -> str:
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + format_number(abs(value), lang, decimals)


def _impact(row: Mapping[Any, Any], lang: str) -> str:
    if math.isnan(row["nps_impact"]):
        return "–"
    mark = " *" if row["p_value"] < 0.05 else ""
    low, high = _signed(row["impact_low"], lang), _signed(row["impact_high"], lang)
    return f"{_signed(row['nps_impact'], lang)} ({low} … {high}){mark}"
