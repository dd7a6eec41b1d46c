"""The signed-in pages that manage collection: surveys and links, users, follow-up cases.

Everyone signed in sees surveys and cases; analysts work on cases; admins create
surveys and invitation links and manage users (add, change the password, disable,
enable, sign out everywhere, unlock after failed sign-ins, remove). Every change
to a user is in the audit log under the admin's name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxlens.collect.accounts import ROLES, now_utc
from cxlens.collect.business_hours import is_overdue
from cxlens.collect.service import CASE_STATUSES, Collector
from cxlens.errors import CxlensError
from cxlens.i18n import NP_, format_local_time, gettext, pgettext
from cxlens.web.auth import Auth

if TYPE_CHECKING:
    from cxlens.data import WorkspaceData

#: what the buttons on the users page do, each with the name on its button
USER_ACTIONS = {
    "disable": NP_("user action", "Disable"),
    "enable": NP_("user action", "Enable"),
    "sign_out_everywhere": NP_("user action", "Sign out everywhere"),
    "unlock": NP_("user action", "Unlock"),
    "remove": NP_("user action", "Remove"),
}
#: the states of an account, as the users page names them
USER_STATES = {
    "active": NP_("user state", "active"),
    "disabled": NP_("user state", "disabled"),
    "locked": NP_("user state", "locked"),
}


def register(
    app: FastAPI,
    collector: Collector,
    auth: Auth,
    page: Callable[..., HTMLResponse],
    ws: WorkspaceData,
    cached: Callable[..., Any],
) -> None:
    need, form_csrf = auth.need, auth.form_csrf
    accounts = collector.accounts

    def surveys_page(
        request: Request, user: dict[str, Any], message: str | None, link: str | None
    ) -> HTMLResponse:
        return page(
            "surveys.html", user, request, surveys=collector.surveys(),
            active=collector.active_survey_ids(),
            can_admin=user["role"] == "admin", message=message, link=link, current="/admin",
        )  # fmt: skip

    @app.get("/admin", response_class=HTMLResponse, include_in_schema=False)
    def admin(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> HTMLResponse:
        return surveys_page(request, user, None, None)

    @app.post("/admin/surveys", response_class=HTMLResponse, include_in_schema=False)
    async def create_survey(
        request: Request, user: dict[str, Any] = Depends(need("admin"))
    ) -> HTMLResponse:
        import yaml

        from cxlens.collect.surveys import survey_from_dict
        from cxlens.config import parse_yaml

        form = await request.form()
        form_csrf(request, form)
        try:
            data = parse_yaml(str(form.get("definition") or ""))
            survey = survey_from_dict(data, "the survey")
            await run_in_threadpool(collector.save_survey, survey)
            note, status = f"✓ {survey.id}", 200
        except (CxlensError, yaml.YAMLError) as exc:
            note, status = str(exc), 422
        response = surveys_page(request, user, note, None)
        response.status_code = status
        return response

    @app.post(
        "/admin/surveys/{survey_id}/invite", response_class=HTMLResponse, include_in_schema=False
    )
    async def invite_page(
        survey_id: str, request: Request, user: dict[str, Any] = Depends(need("admin"))
    ) -> HTMLResponse:
        form = await request.form()
        form_csrf(request, form)
        try:
            inv = await run_in_threadpool(
                collector.invite,
                survey_id,
                str(form.get("customer_id") or "") or None,
                str(form.get("language") or "en"),
            )
        except CxlensError as exc:
            raise HTTPException(404, str(exc)) from None
        assert inv is not None
        return surveys_page(request, user, None, inv.url(str(request.base_url)))

    # -- users ---------------------------------------------------------------------------

    def users_page(
        request: Request, user: dict[str, Any], message: str | None = None, status: int = 200
    ) -> HTMLResponse:
        rows = accounts.users()
        lang = user["language"]
        for row in rows:
            state = USER_STATES.get(row["state"])
            row["state_name"] = pgettext("user state", state, lang) if state else row["state"]
            row["actions"] = [
                (action, pgettext("user action", USER_ACTIONS[action], lang))
                for action in _actions_for(row, user)
            ]
        response = page(
            "users.html", user, request, users=rows, roles=ROLES, message=message,
            current="/admin/users",
        )  # fmt: skip
        response.status_code = status
        return response

    @app.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
    def users(request: Request, user: dict[str, Any] = Depends(need("admin"))) -> HTMLResponse:
        return users_page(request, user)

    @app.post("/admin/users", response_class=HTMLResponse, include_in_schema=False)
    async def users_add(
        request: Request, user: dict[str, Any] = Depends(need("admin"))
    ) -> HTMLResponse:
        form = await request.form()
        form_csrf(request, form)
        name = str(form.get("username") or "").strip()
        try:
            await run_in_threadpool(
                accounts.add_user,
                name,
                str(form.get("password") or ""),
                str(form.get("role") or ""),
                str(form.get("language") or "en"),
                user["username"],
            )
        except CxlensError as exc:
            return users_page(request, user, str(exc), 422)
        return users_page(request, user, f"✓ {name}")

    @app.post("/admin/users/{name}/{action}", include_in_schema=False)
    async def users_action(
        name: str, action: str, request: Request, user: dict[str, Any] = Depends(need("admin"))
    ) -> Response:
        form = await request.form()
        form_csrf(request, form)
        if action not in USER_ACTIONS:
            raise HTTPException(404, "No such action.")
        lang, me = user["language"], user["username"]
        if name == me and action in ("disable", "remove"):
            refused = gettext(
                "You cannot disable or remove your own account; ask another admin.", lang
            )
            return users_page(request, user, refused, 409)
        work: dict[str, Callable[[], Any]] = {
            "disable": lambda: accounts.set_disabled(name, True, me),
            "enable": lambda: accounts.set_disabled(name, False, me),
            "sign_out_everywhere": lambda: accounts.sign_out_everywhere(name, me),
            "unlock": lambda: accounts.unlock(name, me),
            "remove": lambda: accounts.remove_user(name, me),
        }
        try:
            await run_in_threadpool(work[action])
        except CxlensError as exc:
            return users_page(request, user, str(exc), 404)
        if name == me and action == "sign_out_everywhere":
            return RedirectResponse("/login", 303)  # this session ended too
        done = pgettext("user action", USER_ACTIONS[action], lang)
        return users_page(request, user, f"✓ {done}: {name}")

    # -- cases ---------------------------------------------------------------------------

    @app.get("/admin/cases", response_class=HTMLResponse, include_in_schema=False)
    def cases_page(
        request: Request, status: str | None = None, user: dict[str, Any] = Depends(need("viewer"))
    ) -> HTMLResponse:
        rows = collector.cases(status if status in CASE_STATUSES else None)
        lang, zone, now = user["language"], ws.config.timezone, now_utc()
        for row in rows:
            row["opened"] = format_local_time(row["opened_at"], zone, lang)
            row["deadline"] = _case_time(row["deadline_at"], zone, lang)
            row["overdue"] = is_overdue(row, now)
        return page(
            "cases.html", user, request, cases=rows, statuses=CASE_STATUSES, filter_status=status,
            recovery=_recovery_rows(ws, collector, cached, user), timezone=zone,
        )  # fmt: skip

    @app.get("/admin/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
    def case_page(
        case_id: int, request: Request, user: dict[str, Any] = Depends(need("viewer"))
    ) -> HTMLResponse:
        try:
            case, notes = collector.case(case_id)
        except CxlensError:
            raise HTTPException(404, "No such case.") from None
        from cxlens.collect.followup import case_settings

        lang, zone = user["language"], ws.config.timezone
        case["opened"] = format_local_time(case["opened_at"], zone, lang)
        case["deadline"] = (
            _case_time(case["deadline_at"], zone, lang) if case["deadline_at"] else None
        )
        case["overdue"] = is_overdue(case, now_utc())
        for n in notes:
            n["when"] = format_local_time(n["ts"], zone, lang)
        return page(
            "case.html", user, request, case=case, notes=notes, statuses=CASE_STATUSES,
            timezone=zone,
            page_title=gettext("Follow-up case #%(id)s", user["language"], id=case["id"]),
            root_causes=case_settings(collector).root_causes, can_edit=user["role"] != "viewer",
        )  # fmt: skip

    @app.post("/admin/cases/{case_id}", include_in_schema=False)
    async def case_update(
        case_id: int, request: Request, user: dict[str, Any] = Depends(need("analyst"))
    ) -> Response:
        form = await request.form()
        form_csrf(request, form)
        from cxlens.collect.followup import case_settings

        try:
            causes = case_settings(collector).root_causes
            await run_in_threadpool(
                lambda: collector.update_case(
                    case_id, user["username"],
                    status=str(form.get("status")) if form.get("status") else None,
                    owner=str(form.get("owner")) if form.get("owner") is not None else None,
                    note=str(form.get("note") or ""),
                    root_cause=str(form.get("root_cause") or ""),
                    action=str(form.get("action") or ""), root_causes=causes,
                )
            )  # fmt: skip
        except CxlensError as exc:
            raise HTTPException(422, str(exc)) from None
        return RedirectResponse(f"/admin/cases/{case_id}", 303)


def _case_time(moment: datetime | None, timezone: str, lang: str) -> str:
    """A case's time in the workspace's zone and the reader's language; '–' when unset."""
    return format_local_time(moment, timezone, lang) if moment is not None else "–"


def _recovery_rows(
    ws: WorkspaceData, collector: Collector, cached: Callable[..., Any], user: dict[str, Any]
) -> dict[str, Any] | None:
    """The recovery measure of the cases page (contacted against not contacted cases) in
    the user's language; None before any case's window is over. It is computed in the
    viewer's turn on the workspace's connection, once per day, warehouse version and
    change of a case."""
    from datetime import date

    import sqlalchemy as sa

    from cxlens.collect import db
    from cxlens.collect.case_analytics import recovery_comparison
    from cxlens.reports import case_tables

    lang = user["language"]
    with collector.engine.connect() as conn:
        changed = conn.execute(sa.select(sa.func.max(db.cases.c.updated_at))).scalar_one()
    if changed is None:
        return None
    recovery = cached(
        "recovery", (date.today(), str(changed)), lambda: recovery_comparison(ws, collector), user
    )
    if not recovery.cases:
        return None
    return {
        "intro": case_tables.recovery_intro(recovery, lang),
        "headers": case_tables.recovery_headers(lang),
        "rows": case_tables.recovery_cells(recovery, lang),
    }


def _actions_for(row: dict[str, Any], me: dict[str, Any]) -> list[str]:
    """The buttons a user's row offers: what makes sense in its state, never self-removal."""
    actions = ["enable"] if row["state"] == "disabled" else ["disable"]
    if row["locked"]:
        actions.append("unlock")
    if row["sessions"]:
        actions.append("sign_out_everywhere")
    actions.append("remove")
    if row["username"] == me["username"]:
        actions = [a for a in actions if a not in ("disable", "remove")]
    return actions
