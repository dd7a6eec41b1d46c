"""Pages of the scheduler: turning surveys on and off, and the log of every dispatch.

A survey invites nobody by itself until an admin turns it on here (or with
``cxlens survey activate``); the Scheduler page lists every dispatch run, by the
server's scheduler or ``cxlens survey dispatch``, with its counts per survey.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxlens.collect.service import Collector
from cxlens.collect.triggers import dispatch_runs
from cxlens.errors import CxlensError
from cxlens.i18n import format_local_time, format_number


def register(
    app: FastAPI,
    ws: Any,
    collector: Collector,
    page: Callable[..., HTMLResponse],
    need: Callable[..., Any],
    form_csrf: Callable[[Request, Any], None],
) -> None:
    @app.post("/admin/surveys/{survey_id}/active", include_in_schema=False)
    async def survey_active(
        survey_id: str, request: Request, user: dict[str, Any] = Depends(need("admin"))
    ) -> Response:
        form = await request.form()
        form_csrf(request, form)
        try:
            await run_in_threadpool(collector.set_active, survey_id, form.get("active") == "1")
        except CxlensError as exc:
            raise HTTPException(404, str(exc)) from None
        return RedirectResponse("/admin", 303)

    @app.get("/admin/scheduler", response_class=HTMLResponse, include_in_schema=False)
    def scheduler_page(
        request: Request, user: dict[str, Any] = Depends(need("viewer"))
    ) -> HTMLResponse:
        runs = dispatch_runs(collector, 100)
        for run in runs:
            run["when"] = format_local_time(run["started_at"], ws.config.timezone, user["language"])
        minutes = float(ws.config.section("collection").get("schedule_minutes", 10))
        return page(
            "scheduler.html",
            user,
            request,
            runs=runs,
            minutes=format_number(minutes, user["language"], 0 if minutes.is_integer() else 1),
            scheduled=minutes > 0,
            timezone=ws.config.timezone,
            active=sorted(collector.active_survey_ids()),
        )
