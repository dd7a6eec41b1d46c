"""Alert rules and their evaluation.

Rules live in ``cxlens.toml``::

    [[alerts]]
    name = "NPS drops in a country"
    metric = "nps"
    when = "drops"            # drops | rises | below | above
    by = ["country"]
    period = "month"          # compares the latest full period with the one before

    [[alerts]]
    name = "CSAT under 70 %"
    metric = "csat"
    when = "below"
    threshold = 70

    [[alerts]]
    name = "Detractors waiting"
    when = "open_cases"       # follow-up cases not closed
    older_than = "48h"
    threshold = 10            # fires when more than 10 wait longer than that
    where = "nps"             # optional: only cases of these kinds (nps, csat, ces)

A *drops* or *rises* rule fires only when the change against the previous period is
statistically significant (the test that fits the metric, p < 0.05, run only when
both periods have n of at least 30); a change that may be noise never fires. A *below* or *above* rule fires only when the whole 95%
interval lies beyond the threshold, so a small sample near the line does not fire
either. A threshold is checked against the metric's unit and range (CSAT is a
percentage: "below 4" would never fire and is refused).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from cxlens.config import CONFIG_FILE
from cxlens.errors import CxlensError
from cxlens.i18n import NP_, gettext, pgettext
from cxlens.metrics.catalog import Metric, load_catalog
from cxlens.metrics.engine import kpi
from cxlens.periods import last_complete_period, local_today

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData

WHEN = ("drops", "rises", "below", "above", "open_cases")
#: what each kind of rule is called where people read it
WHEN_NAMES = {
    "drops": NP_("alert when", "drops"),
    "rises": NP_("alert when", "rises"),
    "below": NP_("alert when", "below"),
    "above": NP_("alert when", "above"),
    "open_cases": NP_("alert when", "open follow-up cases"),
}


@dataclass(frozen=True)
class Rule:
    name: str
    metric: str
    when: str
    by: tuple[str, ...] = ()
    period: str = "month"
    threshold: float | None = None
    where: str | None = None
    older_than_hours: float = 48.0


@dataclass
class Alert:
    rule: Rule
    period: str
    dims: dict[str, Any]
    value: float
    previous: float | None
    change: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    link: str
    message: str = field(default="")

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.name,
            "metric": self.rule.metric,
            "when": self.rule.when,
            "period": self.period,
            **self.dims,
            "value": self.value,
            "previous": self.previous,
            "change": self.change,
            "p_value": self.p_value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n": self.n,
            "link": self.link,
            "message": self.message,
        }


#: periods a rule compares (the latest full one against the one before)
RULE_PERIODS = ("day", "week", "month", "quarter", "year")


def configured_rules(ws: WorkspaceData) -> list[dict[str, Any]]:
    """The raw ``[[alerts]]`` entries of ``cxlens.toml`` as the file says now.

    Read from the file each time, so a rule added on the dashboard or by another
    process counts at the next check without a restart.
    """
    import tomllib

    path = ws.root / CONFIG_FILE
    try:
        raw: Any = tomllib.loads(path.read_text(encoding="utf-8")).get("alerts", [])
    except tomllib.TOMLDecodeError as exc:
        raise CxlensError(f"{path}: not valid TOML: {exc}") from None
    return [raw] if isinstance(raw, dict) else list(raw)


def load_rules(ws: WorkspaceData, lang: str = "en") -> list[Rule]:
    """The ``[[alerts]]`` of the workspace's settings, checked (every problem at once, in ``lang``)."""
    return parse_rules(configured_rules(ws), str(ws.root / CONFIG_FILE), lang)


def parse_rules(raw: list[dict[str, Any]], source: str | None, lang: str = "en") -> list[Rule]:
    """Rules from raw entries; every problem of every entry is reported at once, in ``lang``.

    ``source`` names the file they come from in the message; ``None`` is a single new
    rule (its problems are not numbered).
    """
    catalog = load_catalog()
    numbered = source is not None
    rules, problems = [], []
    for i, entry in enumerate(raw, start=1):
        where = f"[[alerts]] #{i}: " if numbered else ""
        name = str(entry.get("name") or f"alert {i}")
        metric, when = entry.get("metric"), entry.get("when")
        if when == "open_cases":
            metric = metric or "cases"
        elif metric not in catalog:
            problems.append(
                where + gettext("metric %(metric)r is not in the catalog", lang, metric=metric)
            )
        if when not in WHEN:
            problems.append(
                where + gettext("when must be one of %(choices)s", lang, choices=", ".join(WHEN))
            )
        threshold = entry.get("threshold")
        if when in ("below", "above", "open_cases") and not isinstance(threshold, int | float):
            kind = pgettext("alert when", WHEN_NAMES[str(when)], lang)
            problems.append(
                where + gettext("“%(when)s” rules need a numeric threshold", lang, when=kind)
            )
        elif when in ("below", "above") and metric in catalog:
            problem = threshold_problem(
                catalog[str(metric)], str(when), float(threshold or 0), lang
            )
            if problem:
                problems.append(where + problem)
        period = str(entry.get("period", "month"))
        if period not in RULE_PERIODS:
            problems.append(
                where
                + gettext(
                    "period must be one of %(choices)s", lang, choices=", ".join(RULE_PERIODS)
                )
            )
        older = 48.0
        if when == "open_cases":
            from cxlens.periods import parse_duration

            try:
                older = (
                    parse_duration(
                        entry.get("older_than", "48h"), f"{where}older_than"
                    ).total_seconds()
                    / 3600
                )
            except CxlensError as exc:
                problems.append(str(exc))
        by = entry.get("by", [])
        by = [by] if isinstance(by, str) else list(by)
        rules.append(
            Rule(
                name=name,
                metric=str(metric),
                when=str(when),
                by=tuple(by),
                period=period,
                threshold=float(threshold) if isinstance(threshold, int | float) else None,
                where=entry.get("where"),
                older_than_hours=older,
            )
        )
    if problems:
        head = (
            gettext("%(file)s: alert rules have problems", lang, file=source)
            if numbered
            else gettext("The rule has problems", lang)
        )
        raise CxlensError(f"{head}:\n  " + "\n  ".join(problems))
    return rules


def _bound(value: float) -> str:
    return f"{value:g}".replace("-", "−")


def threshold_problem(metric: Metric, when: str, threshold: float, lang: str = "en") -> str | None:
    """Why a *below*/*above* threshold does not fit the metric's unit and range, or None.

    A threshold outside the values the metric can take, or at the edge it can never
    pass, would never fire (or always); a share in percent given as a score on its
    answer scale ("CSAT below 4", meaning 4 of 5) is the common slip and is named.
    The reason is written in ``lang``.
    """
    low, high = metric.range
    shown = _bound(threshold)
    if metric.unit == "percent" and metric.answer_scale and threshold <= metric.answer_scale[1]:
        a, b = (_bound(v) for v in metric.answer_scale)
        values = {"metric": metric.id, "low": a, "high": b, "threshold": shown}
        if when == "below":
            return gettext(
                "%(metric)s is in percent (a share from 0 to 100), not a score on the "
                "%(low)s–%(high)s answer scale: %(threshold)s means %(threshold)s %% and would "
                "never fire; give the share in percent, for example 70",
                lang, **values,
            )  # fmt: skip
        return gettext(
            "%(metric)s is in percent (a share from 0 to 100), not a score on the "
            "%(low)s–%(high)s answer scale: %(threshold)s means %(threshold)s %% and would "
            "fire almost always; give the share in percent, for example 70",
            lang, **values,
        )  # fmt: skip
    unit = metric.unit_name(lang)
    if (low is not None and threshold < low) or (high is not None and threshold > high):
        values = {"metric": metric.id, "unit": unit, "threshold": shown}
        if low is not None and high is not None:
            return gettext(
                "%(metric)s runs from %(low)s to %(high)s (%(unit)s); a threshold of "
                "%(threshold)s is outside that",
                lang, low=_bound(low), high=_bound(high), **values,
            )  # fmt: skip
        if low is not None:
            return gettext(
                "%(metric)s runs from %(low)s with no upper limit (%(unit)s); a threshold of "
                "%(threshold)s is outside that",
                lang, low=_bound(low), **values,
            )  # fmt: skip
        return gettext(
            "%(metric)s runs up to %(high)s (%(unit)s); a threshold of %(threshold)s is "
            "outside that",
            lang, high=_bound(high or 0), **values,
        )  # fmt: skip
    if when == "below" and low is not None and threshold <= low:
        return gettext(
            "%(metric)s is never below %(bound)s: “below %(threshold)s” would never fire",
            lang, metric=metric.id, bound=_bound(low), threshold=shown,
        )  # fmt: skip
    if when == "above" and high is not None and threshold >= high:
        return gettext(
            "%(metric)s is never above %(bound)s: “above %(threshold)s” would never fire",
            lang, metric=metric.id, bound=_bound(high), threshold=shown,
        )  # fmt: skip
    return None


def last_full_period(
    ws: WorkspaceData, period: str, today: date | None = None
) -> tuple[date, date]:
    """(first day, last day) of the latest period that has ended on the workspace's clock."""
    return last_complete_period(period, today or local_today(ws.config.timezone))


def base_url(ws: WorkspaceData) -> str:
    """Where the web app is reached: ``[collection] public_url``."""
    return str(ws.config.section("collection").get("public_url", "http://127.0.0.1:8000")).rstrip(
        "/"
    )


def _link(ws: WorkspaceData, rule: Rule, dims: dict[str, Any], start: date, end: date) -> str:
    base = base_url(ws)
    query: dict[str, Any] = {
        "metric": rule.metric,
        "period": rule.period,
        "from": start.isoformat(),
        "to": end.isoformat(),
    }
    if rule.by:
        query["by"] = ",".join(rule.by)
    query.update({f"f_{k}": v for k, v in dims.items()})
    return f"{base}/dashboard/trends?{urlencode(query)}"


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def check_alerts(
    ws: WorkspaceData, today: date | None = None, rules: list[Rule] | None = None,
    lang: str | None = None,
) -> list[Alert]:  # fmt: skip
    """Evaluate every rule on the latest full period; return the alerts that fire.

    Their messages are in ``lang`` (default: the workspace's language).
    """
    from cxlens.i18n import labels_for

    lang = lang or ws.config.language
    labels = labels_for(ws.config)
    catalog = load_catalog()
    fired: list[Alert] = []
    for rule in rules if rules is not None else load_rules(ws, lang):
        if rule.when == "open_cases":
            fired += _case_alert(ws, rule, lang)
            continue
        start, end = last_full_period(ws, rule.period, today)
        frame = kpi(
            ws,
            rule.metric,
            by=list(rule.by),
            period=rule.period,
            start=start,
            end=end,
            where=rule.where,
            compare="previous",
        )
        for row in frame.to_dict(orient="records"):
            dims = {d: row.get(d) for d in rule.by}
            value = row["value"]
            change: float = float("nan") if _nan(row.get("change")) else float(row["change"])
            if _nan(value):
                continue
            fire = False
            if rule.when in ("drops", "rises"):
                direction = (
                    change is not None
                    and not _nan(change)
                    and (change < 0 if rule.when == "drops" else change > 0)
                )
                fire = bool(direction and row.get("significant"))
            else:
                assert rule.threshold is not None
                low: Any = row.get("ci_low")
                high: Any = row.get("ci_high")
                bound_low = float(value if _nan(low) else low)
                bound_high = float(value if _nan(high) else high)
                fire = (
                    bound_high < rule.threshold
                    if rule.when == "below"
                    else bound_low > rule.threshold
                )
            if not fire:
                continue
            message = _message(rule, row, dims, lang, labels, catalog)
            fired.append(
                Alert(
                    rule=rule,
                    period=str(row["period"]),
                    dims=dims,
                    value=float(value),
                    previous=None if _nan(row.get("previous")) else float(row["previous"]),
                    change=None if _nan(change) else float(change),
                    p_value=None if _nan(row.get("p_value")) else float(row["p_value"]),
                    ci_low=None if _nan(row.get("ci_low")) else float(row["ci_low"]),
                    ci_high=None if _nan(row.get("ci_high")) else float(row["ci_high"]),
                    n=int(row["n"]),
                    link=_link(ws, rule, dims, start, end),
                    message=message,
                )
            )
    return fired


def _message(
    rule: Rule, row: Any, dims: dict[str, Any], lang: str, labels: Any, catalog: Any
) -> str:
    """What fired, in words: the rule, metric, period, breakdown, value and change or line."""
    from cxlens.i18n import format_number, format_period, pgettext

    where = ", ".join(
        f"{labels.dimension(k, lang)} = {labels.name(k, v, lang)}" for k, v in dims.items()
    )
    values = {
        "rule": rule.name,
        "metric": catalog[rule.metric].name(lang),
        "period": format_period(row["period"], rule.period, lang),
        "breakdown": f" ({where})" if where else "",
        "value": format_number(row["value"], lang, 1),
    }
    if rule.when in ("drops", "rises"):
        change = float(row["change"])
        sign = "+" if change > 0 else "−" if change < 0 else "±"
        return gettext(
            "%(rule)s: %(metric)s, %(period)s%(breakdown)s: %(value)s (%(change)s against "
            "%(previous)s, p = %(p)s)",
            lang, change=sign + format_number(abs(change), lang, 1),
            previous=format_number(row["previous"], lang, 1),
            p=format_number(row["p_value"], lang, 3), **values,
        )  # fmt: skip
    assert rule.threshold is not None
    return gettext(
        "%(rule)s: %(metric)s, %(period)s%(breakdown)s: %(value)s (%(when)s %(threshold)s)",
        lang, when=pgettext("alert when", WHEN_NAMES[rule.when], lang),
        threshold=format_number(rule.threshold, lang, 0 if rule.threshold.is_integer() else 2),
        **values,
    )  # fmt: skip


def _case_alert(ws: WorkspaceData, rule: Rule, lang: str) -> list[Alert]:
    """More than ``threshold`` follow-up cases still open after ``older_than``."""
    import sqlalchemy as sa

    from cxlens.collect import db
    from cxlens.collect.service import Collector

    collector = Collector(ws.config)
    cutoff = datetime.now(UTC) - timedelta(hours=rule.older_than_hours)
    query = (
        sa.select(sa.func.count())
        .select_from(db.cases)
        .where(db.cases.c.status != "closed")
        .where(db.cases.c.opened_at < cutoff)
    )
    if rule.where:
        kinds = [k.strip() for k in rule.where.split(",") if k.strip()]
        query = query.where(db.cases.c.kind.in_(kinds))
    with collector.engine.connect() as conn:
        waiting = int(conn.execute(query).scalar_one())
    assert rule.threshold is not None
    if waiting <= rule.threshold:
        return []
    from cxlens.i18n import format_hours, format_number, ngettext

    message = ngettext(
        "%(rule)s: %(num)s follow-up case open for more than %(hours)s (threshold %(threshold)s)",
        "%(rule)s: %(num)s follow-up cases open for more than %(hours)s (threshold %(threshold)s)",
        waiting, lang, rule=rule.name, hours=format_hours(rule.older_than_hours, lang),
        threshold=format_number(rule.threshold, lang, 0),
    )  # fmt: skip
    return [
        Alert(
            rule=rule, period=cutoff.date().isoformat(), dims={}, value=float(waiting), previous=None,
            change=None, p_value=None, ci_low=None, ci_high=None, n=waiting,
            link=f"{base_url(ws)}/admin/cases?status=open", message=message,
        )
    ]  # fmt: skip
