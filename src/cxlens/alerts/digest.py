"""Digests: a daily or weekly e-mail per team or person, in their language.

Settings in ``cxlens.toml``::

    [[digests]]
    name = "support-daily"
    every = "day"                  # or "week" (Monday to Sunday)
    to = ["ann@example.com", "lead@example.com"]
    language = "et"
    team = "support-ee"            # optional: only that team's cases
    metrics = ["nps", "csat", "ces", "response_rate"]   # the default

A digest covers the last complete day or week in the workspace's time zone. It
lists the KPIs whose change from the period before is significant (by the test the
catalog names for each metric, as ``cxlens kpi --compare previous`` finds them),
with their interval and n, and only those; each KPI's trend over the last eight
periods as a chart drawn like the report's, sent as an inline PNG
(:mod:`cxlens.alerts.digest_charts`), and as a text sparkline in the plain-text part
and wherever Chromium cannot draw (:mod:`cxlens.alerts.digest_trends`); the follow-up
cases opened in the period and those overdue now; the most negative and most
positive comment of the period, and its new themes (those that were rare in the 90
days before). It is HTML (table-based, as the invitation e-mail) with a plain-text
alternative. The server's scheduler sends each digest once per period, after the
period ends; ``cxlens digest preview`` shows one without sending it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from cxlens.alerts.digest_trends import (
    TREND_PERIODS,
    new_themes,
    sparkline,
    trend_frame,
    trend_values,
)
from cxlens.collect import db
from cxlens.collect.service import now_utc
from cxlens.errors import CxlensError
from cxlens.i18n import N_, format_number, gettext, pgettext
from cxlens.periods import as_utc

if TYPE_CHECKING:
    import jinja2

    from cxlens.alerts.digest_charts import ChartImage
    from cxlens.collect.service import Collector
    from cxlens.data import WorkspaceData

log = logging.getLogger("cxlens.schedule")
TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_METRICS = ("nps", "csat", "ces", "response_rate")
EVERY = ("day", "week")
TITLES = {
    "day": N_("%(company)s: CX digest for %(period)s"),
    "week": N_("%(company)s: weekly CX digest, %(period)s"),
}
INTROS = {
    "day": N_("What changed on %(period)s compared with the day before."),
    "week": N_("What changed in the week %(period)s compared with the week before."),
}
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
TREND_NOTES = {
    "day": N_("The last %(count)s days, oldest first."),
    "week": N_("The last %(count)s weeks, oldest first."),
}


@dataclass(frozen=True)
class DigestSettings:
    name: str
    every: str
    to: tuple[str, ...]
    language: str
    team: str | None
    metrics: tuple[str, ...]


def digest_settings(collector: Collector) -> list[DigestSettings]:
    """The ``[[digests]]`` of cxlens.toml, checked; each problem names the digest."""
    from cxlens.collect.surveys import LANGUAGES
    from cxlens.metrics.catalog import load_catalog

    raw: Any = collector.config.values.get("digests", [])
    if not isinstance(raw, list):
        raise CxlensError("cxlens.toml: digests are written as [[digests]] tables.")
    known = load_catalog()
    out = []
    for i, entry in enumerate(raw, start=1):
        where = f"cxlens.toml, digest #{i}"
        name = str(entry.get("name") or f"digest-{i}")
        every = str(entry.get("every", "day"))
        if every not in EVERY:
            raise CxlensError(f"{where} ({name}): every is day or week, not {every!r}.")
        to = entry.get("to") or []
        if isinstance(to, str):
            to = [to]
        if not to or not all(isinstance(a, str) and "@" in a for a in to):
            raise CxlensError(f"{where} ({name}): to is a list of e-mail addresses.")
        lang = str(entry.get("language", collector.config.get("workspace", "language") or "en"))
        if lang not in LANGUAGES:
            raise CxlensError(f"{where} ({name}): language is one of {', '.join(LANGUAGES)}.")
        metrics = tuple(entry.get("metrics") or DEFAULT_METRICS)
        unknown = [m for m in metrics if m not in known]
        if unknown:
            raise CxlensError(f"{where} ({name}): unknown metric(s) {', '.join(unknown)}.")
        team = entry.get("team")
        out.append(
            DigestSettings(name, every, tuple(to), lang, str(team) if team else None, metrics)
        )
    return out


def last_period(every: str, now: datetime, zone: ZoneInfo) -> tuple[date, date, str]:
    """The last complete day or Monday-to-Sunday week before ``now``: first and last day, label."""
    today = now.astimezone(zone).date()
    if every == "day":
        day = today - timedelta(days=1)
        return day, day, day.isoformat()
    monday = today - timedelta(days=today.weekday() + 7)
    year, week, _ = monday.isocalendar()
    return monday, monday + timedelta(days=6), f"{year}-W{week:02d}"


def _bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def _changes(
    ws: WorkspaceData, metrics: tuple[str, ...], every: str, first: date, last: date, lang: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """The KPIs of the period whose change is significant, and the names of the others."""
    from cxlens.metrics.catalog import load_catalog
    from cxlens.metrics.engine import kpi

    catalog = load_catalog()
    span = 1 if every == "day" else 7
    frame = kpi(
        ws, list(metrics), period=every, start=first - timedelta(days=span), end=last,
        compare="previous",
    )  # fmt: skip
    label = first.isoformat() if every == "day" else None
    changed, steady = [], []
    for metric in metrics:
        rows = frame[frame["metric"] == metric]
        if label is not None:
            rows = rows[rows["period"].astype(str) == label]
        rows = rows.tail(1)
        name = catalog[metric].name(lang)
        if rows.empty or not bool(rows["significant"].iloc[0]):
            steady.append(name)
            continue
        row = rows.iloc[0]
        unit = " %" if row["unit"] == "percent" else ""
        digits = 1 if row["unit"] in ("percent", "score") else 0
        changed.append(
            {
                "name": name,
                "value": format_number(row["value"], lang, digits) + unit,
                "interval": f"{format_number(row['ci_low'], lang, digits)} – "
                f"{format_number(row['ci_high'], lang, digits)}{unit}",
                "n": format_number(row["n"], lang, 0),
                "previous": format_number(row["previous"], lang, digits) + unit,
                "up": float(row["change"]) > 0,
                "good": (float(row["change"]) > 0) == (catalog[metric].better == "higher"),
            }
        )
    return changed, steady


def _comments(
    ws: WorkspaceData, start: datetime, end: datetime
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The most negative and the most positive scored comment of the period."""
    if not ws.warehouse.exists("responses"):
        return None, None
    r = ws.table("responses")
    r = r.filter(
        r.comment.notnull()
        & r.score.notnull()
        & r.kind.isin(list(SCALES))
        & (r.ts >= start)
        & (r.ts < end)
    )
    frame = r.select("kind", "score", "comment").execute()
    if frame.empty:
        return None, None
    frame["share"] = [
        (s - SCALES[k][0]) / (SCALES[k][1] - SCALES[k][0])
        for k, s in zip(frame["kind"], frame["score"], strict=True)
    ]
    frame = frame.sort_values(["share", "comment"])

    def pick(row: Any) -> dict[str, Any]:
        return {
            "kind": str(row["kind"]).upper(),
            "score": f"{row['score']:g}",
            "comment": str(row["comment"])[:400],
        }

    worst, best = frame.iloc[0], frame.iloc[-1]
    return pick(worst), (pick(best) if len(frame) > 1 and best["share"] > worst["share"] else None)


def _cases(
    collector: Collector, team: str | None, start: datetime, end: datetime, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    q = sa.select(db.cases).order_by(db.cases.c.opened_at)
    if team is not None:
        q = q.where(db.cases.c.team == team)
    with collector.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    new = [c for c in rows if start <= as_utc(c["opened_at"]) < end]
    overdue = [
        c for c in rows
        if c["status"] != "closed" and c["deadline_at"] is not None and as_utc(c["deadline_at"]) < now
    ]  # fmt: skip
    return new, overdue


def _trend_lines(
    ws: WorkspaceData, settings: DigestSettings, first: date, last: date, lang: str
) -> list[dict[str, Any]]:
    """Each KPI with data in the last periods: its name, sparkline, latest value and chart
    (a :class:`~cxlens.alerts.digest_charts.ChartImage`, None when Chromium cannot draw it)."""
    from cxlens.alerts.digest_charts import trend_images
    from cxlens.metrics.catalog import load_catalog

    catalog = load_catalog()
    frame = trend_frame(ws, settings.metrics, settings.every, first, last)
    series = trend_values(frame)
    charted = [m for m, values in series.items() if any(v is not None for v in values)]
    images = trend_images(
        frame[frame["metric"].isin(charted)], settings.every, lang, ws.config.currency
    )
    lines = []
    for metric in charted:
        values = series[metric]
        known = [v for v in values if v is not None]
        unit = " %" if catalog[metric].unit == "percent" else ""
        digits = 1 if catalog[metric].unit in ("percent", "score") else 0
        lines.append(
            {
                "name": catalog[metric].name(lang),
                "line": sparkline(values),
                "low": format_number(min(known), lang, digits) + unit,
                "high": format_number(max(known), lang, digits) + unit,
                "latest": "–"
                if values[-1] is None
                else format_number(values[-1], lang, digits) + unit,
                "chart": images.get(metric),
            }
        )
    return lines


def _new_themes(
    ws: WorkspaceData, start: datetime, end: datetime, lang: str
) -> list[dict[str, str]]:
    """The period's new themes, named in ``lang``, with their counts and a comment."""
    from cxlens.i18n import labels_for

    labels = labels_for(ws.config)
    return [
        {
            "name": labels.name("theme", t["theme"], lang),
            "counts": gettext(
                "%(count)s of %(n)s comments (before: %(before)s of %(n_before)s)", lang,
                count=format_number(t["count"], lang, 0), n=format_number(t["n"], lang, 0),
                before=format_number(t["before"], lang, 0),
                n_before=format_number(t["n_before"], lang, 0),
            ),
            "comment": t["comment"],
        }
        for t in new_themes(ws, start, end)
    ]  # fmt: skip


@cache
def _templates() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )


@dataclass
class Digest:
    name: str
    period: str
    subject: str
    #: the e-mail's HTML: its charts are ``cid:`` references to :attr:`images`
    html: str
    text: str
    images: tuple[ChartImage, ...] = ()

    def standalone_html(self) -> str:
        """The HTML with its charts inside as ``data:`` URIs, to open in a browser (a preview:
        mail programs block such images, so the e-mail itself sends them as parts)."""
        import base64

        page = self.html
        for image in self.images:
            data = base64.b64encode(image.png).decode("ascii")
            page = page.replace(f'src="cid:{image.cid}"', f'src="data:image/png;base64,{data}"')
        return page


def build_digest(
    ws: WorkspaceData, collector: Collector, settings: DigestSettings, now: datetime | None = None,
    lang: str | None = None,
) -> Digest:  # fmt: skip
    """The digest for the last complete period before ``now``, in ``lang`` (else its own)."""
    at = now or now_utc()
    lang = lang or settings.language
    zone = ZoneInfo(ws.config.timezone)
    first, last, label = last_period(settings.every, at, zone)
    start, end = _bounds(first, last, zone)
    changed, steady = _changes(ws, settings.metrics, settings.every, first, last, lang)
    worst, best = _comments(ws, start, end)
    trend_lines = _trend_lines(ws, settings, first, last, lang)
    themes = _new_themes(ws, start, end, lang)
    new, overdue = _cases(collector, settings.team, start, end, at)
    company = collector.company
    base = collector.public_url.rstrip("/")

    def case_line(c: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": c["id"], "what": f"{c['kind'].upper()} {c['score']:g}",
            "owner": c["owner"] or "–", "url": f"{base}/admin/cases/{c['id']}",
        }  # fmt: skip

    context = {
        "lang": lang,
        "title": gettext(TITLES[settings.every], lang, company=company, period=label),
        "intro": gettext(INTROS[settings.every], lang, period=label),
        "changes_heading": gettext("Significant changes", lang),
        "changed": changed,
        "steady": gettext("No significant change: %(metrics)s.", lang, metrics=", ".join(steady))
        if steady
        else None,
        "none_changed": gettext("No KPI changed significantly.", lang) if not changed else None,
        "was": pgettext("digest", "before", lang),
        "up": pgettext("digest", "up", lang),
        "down": pgettext("digest", "down", lang),
        "cases_heading": gettext("Follow-up cases", lang),
        "new_label": gettext("Opened in the period: %(count)s", lang, count=len(new)),
        "overdue_label": gettext("Overdue now: %(count)s", lang, count=len(overdue)),
        "new": [case_line(c) for c in new[:10]],
        "overdue": [case_line(c) for c in overdue[:10]],
        "trends_heading": gettext("Trends", lang),
        "trend_note": gettext(TREND_NOTES[settings.every], lang, count=TREND_PERIODS),
        "trends": trend_lines,
        "themes_heading": gettext("New themes", lang),
        "themes": themes,
        "no_new_themes": gettext("No theme was new in the period.", lang),
        "comments_heading": gettext("Comments", lang),
        "worst_label": gettext("Most negative", lang),
        "best_label": gettext("Most positive", lang),
        "worst": worst,
        "best": best,
        "no_comments": gettext("No comments in the period.", lang),
        "open": gettext("Open the dashboard", lang),
        "dashboard": f"{base}/dashboard",
        "footer": gettext("The cxlens digest “%(name)s”.", lang, name=settings.name),
    }
    templates = _templates()
    return Digest(
        settings.name, label, str(context["title"]),
        templates.get_template("digest.html").render(**context),
        templates.get_template("digest.txt").render(**context),
        tuple(t["chart"] for t in trend_lines if t["chart"] is not None),
    )  # fmt: skip


def digest_email(collector: Collector, digest: Digest, to: str) -> EmailMessage:
    """The digest as ``multipart/alternative``: the plain text, then the HTML; with charts,
    the HTML is a ``multipart/related`` with one inline ``image/png`` per ``cid:``."""
    msg = EmailMessage()
    msg["From"] = str(collector.config.section("smtp").get("sender") or "cxlens <digest@localhost>")
    msg["To"] = to
    msg["Subject"] = digest.subject
    msg.set_content(digest.text)
    msg.add_alternative(digest.html, subtype="html")
    html_part = msg.get_body(("html",))
    if digest.images and html_part is not None:
        for i, image in enumerate(digest.images, start=1):
            html_part.add_related(
                image.png, maintype="image", subtype="png", cid=f"<{image.cid}>",
                filename=f"trend-{i}.png",
            )  # fmt: skip
    return msg


def send_due_digests(ws: WorkspaceData, collector: Collector, now: datetime | None = None) -> int:
    """Send each digest whose last complete period was not sent yet; how many went out."""
    from cxlens.collect.delivery import send_email, smtp_configured

    if not smtp_configured(collector):
        return 0
    at = now or now_utc()
    zone = ZoneInfo(ws.config.timezone)
    sent = 0
    for settings in digest_settings(collector):
        mark = f"digest:{settings.name}"
        label = last_period(settings.every, at, zone)[2]
        with collector.engine.connect() as conn:
            row = conn.execute(
                sa.select(db.sync_state.c.mark).where(db.sync_state.c.name == mark)
            ).first()
        if row is not None and row.mark == label:
            continue
        digest = build_digest(ws, collector, settings, at)
        ok = all(
            send_email(collector, digest_email(collector, digest, to), mark) for to in settings.to
        )
        if not ok:
            log.error(
                "digest %s for %s: not every e-mail went out; tried again next round",
                settings.name,
                label,
            )
            continue

        def remember(conn: sa.Connection, label: str = label, mark: str = mark) -> None:
            done = conn.execute(
                db.sync_state.update().where(db.sync_state.c.name == mark).values(mark=label)
            )
            if done.rowcount == 0:
                conn.execute(db.sync_state.insert().values(name=mark, mark=label))

        collector.write(remember)
        sent += 1
        log.info("digest %s for %s sent to %d address(es)", settings.name, label, len(settings.to))
    return sent
