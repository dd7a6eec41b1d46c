"""The digest's trend charts: each KPI's last periods as a PNG image, drawn like the report's.

Mail programs run no scripts, and Outlook, Gmail and Apple Mail block remote images
and ``data:`` URIs, so each chart travels inside the e-mail: an ``image/png`` part of
a ``multipart/related`` body that the HTML names by its Content-ID (``cid:``). The
figure is the report's trend chart (:func:`cxlens.reports.charts.trend_figure`:
palette, the reader's number symbols, the 95 % interval band, small-n points hollow),
and the image's alt text gives its figures in the reader's language.

Plotly's Kaleido draws the PNGs in the headless Chromium that PDF reports use (found
the same way, :func:`cxlens.reports.build.find_chromium`), all charts of a digest in
one browser start, with nothing loaded from the network (Plotly's own script, no
MathJax). Without Chromium, or when it fails, :func:`render_pngs` returns None: the
digest goes out with its text sparklines, and the log says why, once per process.
"""

from __future__ import annotations

import asyncio
import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from cxlens.errors import CxlensError
from cxlens.i18n import N_, format_number, format_period, format_period_tick, gettext

if TYPE_CHECKING:
    import pandas as pd

    from cxlens.metrics.catalog import Metric

log = logging.getLogger("cxlens.schedule")
#: the chart's size in CSS pixels: it fits the e-mail's column (552 px); on a phone it shrinks
#: to about two thirds, so its text is larger than the report's (13 px) to stay readable there
WIDTH, HEIGHT, FONT_SIZE = 480, 200, 15
#: device pixels per CSS pixel: sharp on high-density screens
SCALE = 2
#: seconds for one chart before Chromium counts as failed
TIMEOUT = 30
#: starts of Chromium tried before a digest falls back to text lines
ATTEMPTS = 2
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ALTS = {
    "day": N_("%(name)s, the last %(count)s days, oldest first: %(values)s."),
    "week": N_("%(name)s, the last %(count)s weeks, oldest first: %(values)s."),
}
NO_DATA = N_("no data")
INTERVAL = N_("95%% interval")
_warned: list[str] = []


@dataclass(frozen=True)
class ChartImage:
    """One chart of a digest: its Content-ID (without the angle brackets), PNG and alt text."""

    cid: str
    png: bytes
    alt: str
    width: int = WIDTH
    height: int = HEIGHT


def trend_chart(part: pd.DataFrame, metric: Metric, every: str, lang: str, currency: str) -> Any:
    """The report's trend chart of one metric over the digest's periods (rows of
    :func:`cxlens.alerts.digest_trends.trend_frame`), sized for an e-mail; every period
    is on the axis, also those without data."""
    from cxlens.reports.charts import period_start, trend_figure, unit_symbol

    fig = trend_figure(
        part, lang, currency, period=every, series="metric",
        series_name=lambda _m: metric.name(lang),
        y_title=unit_symbol(metric.unit, lang, currency, metric.range), height=HEIGHT,
    )  # fmt: skip
    starts = [datetime.combine(period_start(str(p), every), time(0)) for p in part["period"]]
    half = timedelta(hours=12 if every == "day" else 84)
    fig.update_layout(showlegend=False, width=WIDTH, font={"size": FONT_SIZE})
    # every other period named, the latest always: eight dates collide on a phone
    ticks = list(part["period"])[::-1][::2][::-1]
    fig.update_xaxes(
        title={"text": ""}, range=[(starts[0] - half).isoformat(), (starts[-1] + half).isoformat()],
        tickvals=[period_start(str(p), every) for p in ticks],
        ticktext=[format_period_tick(p, every, lang) for p in ticks],
    )  # fmt: skip
    return fig


def alt_text(part: pd.DataFrame, name: str, every: str, lang: str, currency: str) -> str:
    """What the chart shows, in words: each period's value with its interval and n."""
    from cxlens.i18n import format_value

    values = []
    for r in part.to_dict("records"):
        when = format_period(r["period"], every, lang)
        if r["value"] != r["value"]:
            values.append(f"{when}: {gettext(NO_DATA, lang)}")
            continue
        unit = str(r["unit"] or "")
        shown = format_value(r["value"], unit, lang, currency)
        if _finite(r["ci_low"]) and _finite(r["ci_high"]):
            interval = (
                f"{format_value(r['ci_low'], unit, lang, currency)} … "
                f"{format_value(r['ci_high'], unit, lang, currency)}"
            )
            n = format_number(r["n"], lang, 0)
            shown += f" ({gettext(INTERVAL, lang)} {interval}, n {n})"
        else:
            shown += f" (n {format_number(r['n'], lang, 0)})"
        values.append(f"{when}: {shown}")
    return gettext(ALTS[every], lang, name=name, count=len(values), values="; ".join(values))


def _finite(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def render_pngs(figures: list[Any]) -> list[bytes] | None:
    """Each figure as a PNG of :data:`WIDTH` × :data:`HEIGHT` CSS pixels at :data:`SCALE`, all
    in one start of Chromium; None (and a warning, once) when they cannot be drawn."""
    if not figures:
        return []
    try:
        import kaleido
    except ImportError:
        _cannot_draw("kaleido is not installed (pip install kaleido)")
        return None
    from cxlens.reports.build import find_chromium

    try:
        browser = find_chromium()
    except CxlensError:
        _cannot_draw("no Chromium found (Debian/Ubuntu: apt-get install chromium)")
        return None

    for attempt in range(ATTEMPTS):
        try:
            pngs = _draw(kaleido, browser, figures)
            break
        except Exception as exc:  # whatever Chromium did, the digest still goes out
            if attempt + 1 < ATTEMPTS:
                continue  # a busy machine can call into Kaleido's page before it has loaded
            first = str(exc.args[0]) if exc.args else ""
            _cannot_draw(f"Chromium at {browser} failed ({type(exc).__name__}: {first})"[:300])
            return None
    if not all(p.startswith(PNG_SIGNATURE) for p in pngs):
        _cannot_draw(f"Chromium at {browser} returned something that is not a PNG")
        return None
    return pngs


def _draw(kaleido: Any, browser: str, figures: list[Any]) -> list[bytes]:
    """The figures as PNGs, from one start of Chromium."""

    async def draw() -> list[bytes]:
        opts = {"format": "png", "width": WIDTH, "height": HEIGHT, "scale": SCALE}
        async with kaleido.Kaleido(n=1, mathjax=False, path=browser, timeout=TIMEOUT) as k:
            return [bytes(await k.calc_fig(fig, opts=opts)) for fig in figures]

    # a thread of its own: the caller may be inside an event loop (the server's scheduler)
    with ThreadPoolExecutor(1, thread_name_prefix="digest-charts") as pool:
        return list(pool.submit(asyncio.run, draw()).result())


def _cannot_draw(reason: str) -> None:
    if not _warned:
        log.warning("digests show their trends as text lines, not charts: %s", reason)
    _warned.append(reason)


def trend_images(
    frame: pd.DataFrame, every: str, lang: str, currency: str, cid_domain: str = "cxlens.digest"
) -> dict[str, ChartImage]:
    """Each metric of a :func:`cxlens.alerts.digest_trends.trend_frame` with data, as a chart
    image; empty when Chromium cannot draw them."""
    from email.utils import make_msgid

    from cxlens.metrics.catalog import load_catalog

    catalog = load_catalog()
    parts = {str(m): p for m, p in frame.groupby("metric", sort=False) if p["value"].notna().any()}
    figures = [trend_chart(p, catalog[m], every, lang, currency) for m, p in parts.items()]
    pngs = render_pngs(figures)
    if pngs is None:
        return {}
    out = {}
    for (metric, part), png in zip(parts.items(), pngs, strict=True):
        cid = make_msgid(idstring=f"trend-{metric}", domain=cid_domain)[1:-1]
        out[metric] = ChartImage(
            cid, png, alt_text(part, catalog[metric].name(lang), every, lang, currency)
        )
    return out
