"""The feedback page: comments to search, the themes in them, the follow-up cases.

The filters live in the URL (``/dashboard/feedback?group=poor&touchpoint=checkout&q=late``),
so a search can be bookmarked and sent on. Each is checked before anything runs:
a known value from a fixed list, a date, or a short text that is compared as a
value (Ibis literals, never SQL written from the request). The page shows the
newest :data:`SHOWN` matching comments with the number of all matches; analysts
download up to :data:`MAX_DOWNLOAD` of them as CSV or XLSX through the shared
spreadsheet-safe writers (:mod:`cxlens.spreadsheets`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from cxlens.config import LANGUAGES
from cxlens.errors import CxlensError
from cxlens.i18n import (
    NP_,
    Labels,
    format_date,
    format_number,
    format_percent,
    gettext,
    pgettext,
)
from cxlens.periods import parse_date

#: comments shown on the page, newest first
SHOWN = 50
#: the most comments one download holds
MAX_DOWNLOAD = 10_000
#: the longest free-text search and the longest touchpoint or theme id accepted
MAX_QUERY = 200
MAX_ID = 100
KINDS = ("nps", "csat", "ces")
SENTIMENTS = ("negative", "neutral", "positive")
#: score groups across the scales: NPS 0-6 / 7-8 / 9-10, CSAT 1-2 / 3 / 4-5, CES 1-3 / 4 / 5-7
GROUPS: dict[str, dict[str, tuple[int, int]]] = {
    "poor": {"nps": (0, 6), "csat": (1, 2), "ces": (1, 3)},
    "neutral": {"nps": (7, 8), "csat": (3, 3), "ces": (4, 4)},
    "good": {"nps": (9, 10), "csat": (4, 5), "ces": (5, 7)},
}
GROUP_NAMES = {
    "poor": NP_("score group", "Poor (NPS 0–6, CSAT 1–2, CES 1–3)"),
    "neutral": NP_("score group", "Middling (NPS 7–8, CSAT 3, CES 4)"),
    "good": NP_("score group", "Good (NPS 9–10, CSAT 4–5, CES 5–7)"),
}
#: the optional columns `cxlens text analyse` adds
TEXT_COLUMNS = ("comment_language", "sentiment", "theme", "theme_sentiment")


@dataclass(frozen=True)
class FeedbackFilter:
    """What the reader asked for; every field empty means every comment."""

    group: str = ""
    kind: str = ""
    language: str = ""
    sentiment: str = ""
    theme: str = ""
    touchpoint: str = ""
    start: date | None = None
    end: date | None = None
    q: str = ""

    @classmethod
    def from_query(cls, query: Any) -> FeedbackFilter:
        """The filter of a request's query string; a 422 names a value that does not fit."""

        def choice(name: str, allowed: tuple[str, ...]) -> str:
            value = (query.get(name) or "").strip()
            if value and value not in allowed:
                raise HTTPException(422, f"{name}= is one of {', '.join(allowed)}.")
            return value

        def text(name: str, longest: int) -> str:
            value = (query.get(name) or "").strip()
            if len(value) > longest:
                raise HTTPException(422, f"{name}= is at most {longest} characters long.")
            return value

        try:
            start = parse_date(query.get("from") or None, "from")
            end = parse_date(query.get("to") or None, "to")
        except CxlensError as exc:
            raise HTTPException(422, str(exc)) from None
        if start and end and end < start:
            raise HTTPException(422, f"to= ({end}) is before from= ({start}).")
        return cls(
            group=choice("group", tuple(GROUPS)),
            kind=choice("kind", KINDS),
            language=choice("language", LANGUAGES),
            sentiment=choice("sentiment", SENTIMENTS),
            theme=text("theme", MAX_ID),
            touchpoint=text("touchpoint", MAX_ID),
            start=start,
            end=end,
            q=text("q", MAX_QUERY),
        )

    def query_string(self) -> str:
        """The filter as the URL writes it (empty fields left out)."""
        names = {"start": "from", "end": "to"}
        pairs = [(names.get(k, k), str(v)) for k, v in asdict(self).items() if v]
        return urlencode(pairs)

    def key(self) -> tuple[Any, ...]:
        return tuple(asdict(self).values())


def matching(ws: Any, f: FeedbackFilter) -> Any:
    """The responses with a comment that pass ``f``, as an Ibis table expression."""
    import ibis

    from cxlens.journeys.base import Range

    t = ws.table("responses")
    t = t.filter(t.comment.notnull())
    if f.kind:
        t = t.filter(t.kind == f.kind)
    if f.group:
        bands = [
            (t.kind == kind) & t.score.between(low, high)
            for kind, (low, high) in GROUPS[f.group].items()
        ]
        t = t.filter(ibis.or_(*bands))
    if f.language:
        spoken = (
            t.comment_language.fill_null(t.language)
            if "comment_language" in t.columns
            else t.language
        )
        t = t.filter(spoken == f.language)
    if f.sentiment:
        t = t.filter(t.sentiment == f.sentiment) if "sentiment" in t.columns else t.limit(0)
    if f.theme:
        if "theme" not in t.columns:
            t = t.limit(0)
        elif "theme_sentiment" in t.columns:
            mentioned = t.theme_sentiment.contains(json.dumps(f.theme) + ":")
            t = t.filter((t.theme == f.theme) | mentioned.fill_null(False))
        else:
            t = t.filter(t.theme == f.theme)
    if f.touchpoint:
        t = t.filter(t.touchpoint == f.touchpoint)
    if f.start or f.end:
        t = Range.of(ws, f.start, f.end).filter(t, "ts")
    if f.q:
        t = t.filter(t.comment.lower().contains(f.q.lower()))
    return t


def search(ws: Any, f: FeedbackFilter, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """How many comments match ``f``, and the newest ``limit`` of them."""
    t = matching(ws, f)
    extra = [c for c in TEXT_COLUMNS if c in t.columns]
    rows = (
        t.order_by([t.ts.desc(), t.response_id.desc()]).limit(limit)
        .select("ts", "kind", "score", "language", "touchpoint", "comment", *extra).execute()
    )  # fmt: skip
    return int(t.count().execute()), rows.to_dict(orient="records")


def choices(ws: Any) -> dict[str, list[str]]:
    """The touchpoints and themes comments have, for the filters' lists."""
    t = ws.table("responses")
    t = t.filter(t.comment.notnull())

    def distinct(column: str) -> list[str]:
        if column not in t.columns:
            return []
        values = t.select(column).distinct().execute()[column].dropna()
        return sorted(str(v) for v in values if v)

    return {"touchpoint": distinct("touchpoint"), "theme": distinct("theme")}


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _shown(labels: Labels, dimension: str, value: Any, lang: str) -> str:
    """The name of a value, or nothing for a missing one."""
    return labels.name(dimension, value, lang) if isinstance(value, str) and value else ""


def _local_day(stamp: Any, tz: str) -> date:
    ts = pd.Timestamp(stamp)
    return ts.tz_convert(tz).date() if ts.tzinfo else ts.date()


def theme_moods(encoded: Any, lang: str, labels: Labels) -> list[dict[str, str]]:
    """A comment's themes, each with the sentiment of the clauses that mention it."""
    if not isinstance(encoded, str) or not encoded:
        return []
    return [
        {
            "theme": labels.name("theme", str(theme), lang),
            "sentiment": labels.name("sentiment", mood, lang) if mood else "",
            "mood": str(mood or ""),
        }
        for theme, mood in json.loads(encoded).items()
    ]


def theme_rows(ws: Any) -> list[dict[str, Any]]:
    """Per theme: mentions, share of negative and positive mentions, NPS impact (empty before
    ``cxlens text analyse``)."""
    from cxlens.text.pipeline import themes_frame
    from cxlens.text.themes import theme_report

    try:
        report = theme_report(themes_frame(ws))
    except CxlensError:
        return []
    keep = ["theme", "comments", "negative", "positive", "net_sentiment", "nps_impact", "p_value"]
    return (
        []
        if report.empty
        else [{str(k): v for k, v in r.items()} for r in report[keep].to_dict(orient="records")]
    )


def _comment(c: dict[str, Any], lang: str, labels: Labels, tz: str) -> dict[str, Any]:
    language = c.get("comment_language") or c["language"]
    return {
        "when": format_date(_local_day(c["ts"], tz), lang),
        "kind": labels.name("kind", c["kind"], lang),
        "score": "" if _missing(c["score"]) else format_number(c["score"], lang, 0),
        "language": _shown(labels, "language", language, lang),
        "touchpoint": _shown(labels, "touchpoint", c["touchpoint"], lang),
        "comment": c["comment"],
        "comment_lang": language or "",
        "sentiment": _shown(labels, "sentiment", c.get("sentiment"), lang),
        "theme": _shown(labels, "theme", c.get("theme"), lang),
        "themes": theme_moods(c.get("theme_sentiment"), lang, labels),
    }


def download_table(
    rows: list[dict[str, Any]], lang: str, labels: Labels, tz: str
) -> tuple[list[str], list[list[Any]]]:
    """The comments as they are shown, in columns named in ``lang``: dates as dates, scores as
    numbers, ids by their names."""
    header = [
        gettext("Date", lang), gettext("Kind", lang), gettext("Score", lang),
        pgettext("dimension", "Language", lang), pgettext("dimension", "Touchpoint", lang),
        pgettext("dimension", "Sentiment", lang), pgettext("dimension", "Theme", lang),
        gettext("Comment", lang),
    ]  # fmt: skip
    body = []
    for c in rows:
        shown = _comment(c, lang, labels, tz)
        themes = ", ".join(t["theme"] for t in shown["themes"]) or shown["theme"]
        score = None if _missing(c["score"]) else float(c["score"])
        body.append(
            [_local_day(c["ts"], tz), shown["kind"], score, shown["language"], shown["touchpoint"],
             shown["sentiment"], themes, c["comment"]]
        )  # fmt: skip
    return header, body


def register(
    app: FastAPI,
    ws: Any,
    collector: Any,
    page: Callable[..., HTMLResponse],
    need: Callable[..., Any],
    cached: Callable[..., Any],
    labels: Labels,
) -> None:
    """Add the feedback page and its downloads."""
    tz = ws.config.timezone

    @app.get("/dashboard/feedback", response_class=HTMLResponse, include_in_schema=False)
    def feedback(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> HTMLResponse:
        lang = user["language"]
        f = FeedbackFilter.from_query(request.query_params)
        total, rows = cached("comments", f.key(), lambda: search(ws, f, SHOWN), user)
        lists = cached("comment_choices", (), lambda: choices(ws), user)
        comments = [_comment(c, lang, labels, tz) for c in rows]
        cases = collector.cases(limit=50)
        for c in cases:
            c["opened"] = format_date(c["opened_at"].date(), lang) if c["opened_at"] else "–"
        themes = [
            {
                "theme": labels.name("theme", r["theme"], lang),
                "comments": format_number(r["comments"], lang, 0),
                "negative": "–" if _missing(r["negative"]) else format_percent(100 * r["negative"], lang, 0),
                "positive": "–" if _missing(r["positive"]) else format_percent(100 * r["positive"], lang, 0),
                "impact": "–" if _missing(r["nps_impact"]) else format_number(r["nps_impact"], lang, 1),
                "significant": not _missing(r["p_value"]) and r["p_value"] < 0.05,
            }
            for r in cached("themes", (), lambda: theme_rows(ws), user)
        ]  # fmt: skip
        options = {
            "group": [(g, pgettext("score group", GROUP_NAMES[g], lang)) for g in GROUPS],
            "kind": [(k, labels.name("kind", k, lang)) for k in KINDS],
            "language": [(code, labels.name("language", code, lang)) for code in LANGUAGES],
            "sentiment": [(s, labels.name("sentiment", s, lang)) for s in SENTIMENTS],
            "theme": [(t, labels.name("theme", t, lang)) for t in lists["theme"]],
            "touchpoint": [(t, labels.name("touchpoint", t, lang)) for t in lists["touchpoint"]],
        }
        for name in ("theme", "touchpoint"):  # a value asked for stays visible in its list
            value = getattr(f, name)
            if value and value not in {v for v, _ in options[name]}:
                options[name].append((value, labels.name(name, value, lang)))
        query = f.query_string()
        return page(
            "dashboard_feedback.html", user, request, comments=comments, cases=cases,
            themes=themes, filters=f, options=options, has_text=bool(lists["theme"]),
            total=format_number(total, lang, 0), shown_count=len(comments), total_count=total,
            download=user["role"] != "viewer", query=("?" + query) if query else "",
            max_download=format_number(MAX_DOWNLOAD, lang, 0),
        )  # fmt: skip

    def download(request: Request, user: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        f = FeedbackFilter.from_query(request.query_params)
        _, rows = cached(
            "comments", (*f.key(), MAX_DOWNLOAD), lambda: search(ws, f, MAX_DOWNLOAD), user
        )
        return download_table(rows, user["language"], labels, tz)

    @app.get("/dashboard/feedback.csv", include_in_schema=False)
    def feedback_csv(request: Request, user: dict[str, Any] = Depends(need("analyst"))) -> Response:
        from cxlens.spreadsheets import rows_csv

        header, body = download(request, user)
        return Response(
            rows_csv(header, [[v.isoformat() if isinstance(v, date) else v for v in r] for r in body]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": "attachment; filename=feedback.csv"},
        )  # fmt: skip

    @app.get("/dashboard/feedback.xlsx", include_in_schema=False)
    def feedback_xlsx(
        request: Request, user: dict[str, Any] = Depends(need("analyst"))
    ) -> Response:
        from cxlens.spreadsheets import rows_xlsx

        header, body = download(request, user)
        return Response(
            rows_xlsx(header, body, gettext("Feedback", user["language"])),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": "attachment; filename=feedback.xlsx"},
        )
