"""The dashboard's alerts page: the rules of cxlens.toml, what fires now, and editing them.

Everyone signed in sees the rules and the alerts that fire on the latest full
period; analysts and admins add and remove rules (through :mod:`cxlens.alerts.edit`,
which checks a rule and tries it on the data before saving it). A KPI rule's result
is cached per warehouse version and day; open-case rules read the collection store
and are evaluated on every visit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from cxlens.alerts.rules import (
    RULE_PERIODS,
    WHEN,
    WHEN_NAMES,
    Alert,
    Rule,
    check_alerts,
    load_rules,
)
from cxlens.errors import CxlensError
from cxlens.i18n import (
    Labels,
    format_hours,
    format_number,
    format_period,
    gettext,
    labels_for,
    pgettext,
)
from cxlens.metrics.catalog import load_catalog

EDITOR = "analyst"


def today() -> date:
    """The day alerts are evaluated on (as ``cxlens alerts check`` does: the real one)."""
    return datetime.now(UTC).date()


def register(
    app: FastAPI,
    ws: Any,
    page: Callable[..., HTMLResponse],
    need: Callable[..., Any],
    form_csrf: Callable[[Request, Any], None],
    cached: Callable[..., Any],
    roles: tuple[str, ...],
) -> None:
    catalog = load_catalog()
    labels = labels_for(ws.config)

    def evaluate(rule: Rule, user: dict[str, Any]) -> list[Alert]:
        if rule.when == "open_cases":
            return check_alerts(ws, rules=[rule])
        day = today()
        return list(
            cached("alert", (rule, day), lambda: check_alerts(ws, today=day, rules=[rule]), user)
        )

    def view(
        request: Request, user: dict[str, Any], message: str | None = None, status: int = 200
    ) -> HTMLResponse:
        lang = user["language"]
        problem = None
        try:
            rules = load_rules(ws, lang)
        except CxlensError as exc:
            rules, problem = [], str(exc)
        firing, rows = [], []
        for rule in rules:
            try:
                alerts = evaluate(rule, user)
            except CxlensError as exc:
                alerts, problem = [], f"{rule.name}: {exc}"
            firing += [_alert_row(a, lang, labels) for a in alerts]
            rows.append(_rule_row(rule, lang, catalog, labels, fired=len(alerts)))
        response = page(
            "dashboard_alerts.html", user, request,
            rules=rows, firing=firing, problem=problem, message=message,
            can_edit=roles.index(user["role"]) >= roles.index(EDITOR),
            metrics=sorted(((m.id, m.name(lang)) for m in catalog.values()), key=lambda x: x[1]),
            whens=[(w, _when(w, lang)) for w in WHEN], periods=RULE_PERIODS,
            current="/dashboard/alerts",
        )  # fmt: skip
        response.status_code = status
        return response

    @app.get("/dashboard/alerts", response_class=HTMLResponse, include_in_schema=False)
    def alerts(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> HTMLResponse:
        return view(request, user)

    @app.post("/dashboard/alerts", response_class=HTMLResponse, include_in_schema=False)
    async def add(request: Request, user: dict[str, Any] = Depends(need(EDITOR))) -> HTMLResponse:
        from cxlens.alerts.edit import add_rule

        form = await request.form()
        form_csrf(request, form)
        keys = ("name", "metric", "when", "by", "period", "threshold", "older_than", "where")
        try:
            rule = add_rule(ws, {k: str(form.get(k) or "") for k in keys}, lang=user["language"])
        except CxlensError as exc:
            return view(request, user, str(exc), 422)
        return view(request, user, f"✓ {rule.name}")

    @app.post("/dashboard/alerts/remove", response_class=HTMLResponse, include_in_schema=False)
    async def remove(
        request: Request, user: dict[str, Any] = Depends(need(EDITOR))
    ) -> HTMLResponse:
        from cxlens.alerts.edit import remove_rule

        form = await request.form()
        form_csrf(request, form)
        name = str(form.get("name") or "")
        try:
            remove_rule(ws, name, lang=user["language"])
        except CxlensError as exc:
            return view(request, user, str(exc), 404)
        removed = gettext("Removed", user["language"])
        return view(request, user, f"✓ {removed}: {name}")


def _when(when: str, lang: str) -> str:
    return pgettext("alert when", WHEN_NAMES[when], lang)


def _rule_row(rule: Rule, lang: str, catalog: Any, labels: Labels, fired: int) -> dict[str, Any]:
    cases = rule.when == "open_cases"
    threshold = rule.threshold
    waiting = gettext("Waiting longer than", lang)
    return {
        "name": rule.name,
        "metric": None if cases else rule.metric,
        "metric_name": catalog[rule.metric].name(lang) if rule.metric in catalog else rule.metric,
        "when": _when(rule.when, lang),
        "threshold": "" if threshold is None
        else format_number(threshold, lang, 0 if float(threshold).is_integer() else 2),
        "by": ", ".join(labels.dimension(d, lang) for d in rule.by),
        "period": f"{waiting} {format_hours(rule.older_than_hours, lang)}"
        if cases else labels.name("period", rule.period, lang),
        "where": rule.where or "",
        "fired": fired,
    }  # fmt: skip


def _alert_row(alert: Alert, lang: str, labels: Labels) -> dict[str, Any]:
    rule = alert.rule
    if rule.when in ("drops", "rises") and alert.change is not None:
        detail = ("+" if alert.change > 0 else "−" if alert.change < 0 else "±") + format_number(
            abs(alert.change), lang, 1
        )
        if alert.p_value is not None:
            detail += f" (p = {format_number(alert.p_value, lang, 3)})"
    else:
        threshold = rule.threshold if rule.threshold is not None else float("nan")
        decimals = 0 if float(threshold).is_integer() else 2
        detail = f"{_when(rule.when, lang)} {format_number(threshold, lang, decimals)}"
    link = urlsplit(alert.link)
    return {
        "rule": rule.name,
        "period": alert.period
        if rule.when == "open_cases"
        else format_period(alert.period, rule.period, lang),
        "dims": ", ".join(
            f"{labels.dimension(k, lang)} = {labels.name(k, v, lang)}"
            for k, v in alert.dims.items()
        ),
        "value": format_number(alert.value, lang, 1),
        "detail": detail,
        "n": format_number(alert.n, lang, 0),
        # the dashboard's own address, wherever the app is reached from
        "href": link.path + (f"?{link.query}" if link.query else ""),
    }
