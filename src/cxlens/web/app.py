"""The FastAPI application of ``cxlens serve``.

Public (no sign-in): the survey page at an invitation link (``/s/{token}``), the
JSON endpoint for in-app widgets (``POST /api/v1/responses``), ``/healthz``, the
OpenAPI schema and the static files. Public endpoints are rate-limited per IP.

Everything else needs a signed-in user (session cookie: HttpOnly, SameSite=Lax,
Secure over HTTPS; every form carries a CSRF token) or an API token
(``Authorization: Bearer cxl_...``). Roles: viewers see, analysts also export and
work on cases, admins manage surveys and invitations.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import sqlalchemy as sa
from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from cxlens.collect import db
from cxlens.collect.relay import ENV_RELAY, RelayClient, RelayUnavailable
from cxlens.collect.security import check_csrf, csrf_token, session_cookie, session_user
from cxlens.collect.service import (
    CASE_STATUSES,
    ROLES,
    AnswerError,
    Collector,
    LinkError,
    Submitted,
    case_json,
)
from cxlens.collect.surveys import LANGUAGES, Survey
from cxlens.errors import CxlensError
from cxlens.i18n import text
from cxlens.version import __version__
from cxlens.workspace import open_workspace

HERE = Path(__file__).parent
LANGUAGE_NAMES = {
    "en": "English", "et": "Eesti", "bg": "Български", "de": "Deutsch", "hr": "Hrvatski", "fi": "Suomi",
}  # fmt: skip
SESSION = "cxl_session"
PRE = "cxl_pre"
LINK_STATUS = {"invalid": 404, "expired": 410, "used": 409}
log = logging.getLogger("cxlens.web")


class RateLimiter:
    """At most ``limit`` requests per IP in any 60 seconds (0 = no limit)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.hits: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def allow(self, ip: str) -> bool:
        if self.limit <= 0:
            return True
        now = time.monotonic()
        with self.lock:
            q = self.hits[ip]
            while q and q[0] < now - 60:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            if len(self.hits) > 100_000:
                self.hits.clear()
            return True


class ResponseIn(BaseModel):
    """One submission from a widget: scores by question id, an optional comment."""

    token: str | None = Field(
        None, description="The invitation token (the last part of the link).", max_length=200
    )
    survey_id: str | None = Field(
        None, description="For public surveys answered without an invitation.", max_length=64
    )
    scores: dict[str, int] = Field(
        default_factory=dict, description='Score per question id, e.g. {"nps": 9}.'
    )
    comment: str | None = Field(None, description="Free text (at most 5,000 characters).")
    language: str = Field("en", description="en, et, bg, de, hr or fi.", max_length=8)


class ResponseOut(BaseModel):
    submission_id: str
    case_id: int | None = None


RESPONSE_IN = TypeAdapter(ResponseIn)
RESPONSE_OUT = TypeAdapter(ResponseOut)
#: the documented body of POST /api/v1/responses (which reads it itself)
RESPONSE_BODY = {
    "required": True,
    "content": {"application/json": {"schema": ResponseIn.model_json_schema()}},
}


def read_body(adapter: TypeAdapter[Any], raw: bytes) -> Any:
    """A JSON body checked against ``adapter``'s model; a 422 like FastAPI's when it does not fit."""
    try:
        return adapter.validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


class InvitationIn(BaseModel):
    customer_id: str | None = Field(None, max_length=128)
    language: str = Field("en", max_length=8)


class InvitationOut(BaseModel):
    url: str
    expires_at: str


def create_app(
    root: str | Path | None = None,
    schedule: bool | None = None,
    warm: bool | None = None,
    relay: str | None = None,
) -> FastAPI:
    """The app for the workspace at ``root``.

    ``schedule``: dispatch and sync every ``[collection] schedule_minutes`` (default: when
    that is above 0). ``warm``: compute the dashboard's heavy pages in the background
    ahead of the first visitor (default: as ``schedule``).
    """
    ws = open_workspace(root)
    collector = Collector(ws.config)
    relay_client = RelayClient(relay) if relay else None
    section = ws.config.section("collection")
    limiter = RateLimiter(int(section.get("rate_limit_per_minute", 300)))
    minutes = float(section.get("schedule_minutes", 10))
    run_schedule = minutes > 0 if schedule is None else schedule
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        worker = None
        if run_schedule:
            # its own workspace object: the requests' engine connection is not shared
            worker = threading.Thread(
                target=scheduled_jobs,
                args=(open_workspace(ws.root), collector, minutes, stop),
                daemon=True,
            )
            worker.start()
        yield
        stop.set()
        dashboard_stop = getattr(app.state, "dashboard_stop", None)
        if dashboard_stop is not None:
            dashboard_stop.set()
        if worker is not None:
            worker.join(timeout=5)

    app = FastAPI(
        title="cxlens",
        version=__version__,
        description="Feedback collection and CX measurement.",
        lifespan=lifespan,
    )
    app.state.collector = collector
    app.state.workspace = ws
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = context.setdefault("lang", "en")
        context.setdefault("title", "cxlens")
        context.setdefault("wide", False)
        context.setdefault("charts", name.startswith("dashboard_"))
        context["t"] = lambda key, **kw: text(key, lang, **kw)
        context["languages"] = list(LANGUAGE_NAMES.items())
        html = env.get_template(name).render(**context)
        response = HTMLResponse(html, status_code=status)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self'; "
            "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def message(heading: str, body: str, lang: str, status: int) -> HTMLResponse:
        return render("message.html", status, heading=heading, text=body, lang=lang, title=heading)

    def client_ip(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    async def limited(request: Request) -> None:
        if not limiter.allow(client_ip(request)):
            raise HTTPException(429, text("too_many", "en"))

    def pick_lang(request: Request, fallback: str) -> str:
        lang = request.query_params.get("lang") or fallback
        return lang if lang in LANGUAGES else "en"

    async def store_answer(
        token: str | None, survey_id: str | None, scores: dict[str, Any], comment: str | None,
        lang: str, ip: str,
    ) -> Submitted:  # fmt: skip
        """Check and store an answer off the event loop; returns once it is committed."""
        if relay_client is not None:
            try:
                # the process that started the workers writes for all of them
                return await relay_client.submit(token, survey_id, scores, comment, lang, ip)
            except RelayUnavailable:
                log.warning("the answer relay is unavailable; this worker writes itself")
        return await asyncio.wrap_future(
            collector.submit_answer(token, survey_id, scores, comment, lang, ip)
        )

    def notify_case(background: BackgroundTasks, case_id: int | None) -> None:
        if case_id is None:
            return
        from cxlens.collect.delivery import announce_case

        background.add_task(_quietly, announce_case, collector, case_id)

    # -- public ----------------------------------------------------------------------

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/s/{token}", response_class=HTMLResponse, include_in_schema=False)
    def survey_page(token: str, request: Request, _: None = Depends(limited)) -> HTMLResponse:
        try:
            inv, survey = collector.resolve(token)
        except LinkError as exc:
            lang = pick_lang(request, exc.language or "en")
            return _link_page(message, exc.reason, lang)
        lang = pick_lang(request, inv["language"])
        collector.record_display(survey, inv, lang)
        return _survey_form(render, collector, survey, token, lang)

    @app.post("/s/{token}", response_class=HTMLResponse, include_in_schema=False)
    async def survey_submit(
        token: str, request: Request, background: BackgroundTasks, _: None = Depends(limited)
    ) -> HTMLResponse:
        try:
            form = await request.form()
        except Exception:
            return message("400", "", "en", 400)
        lang = str(form.get("lang") or "en")
        lang = lang if lang in LANGUAGES else "en"
        scores = {
            key[2:]: value
            for key, value in form.items()
            if key.startswith("q_") and isinstance(value, str)
        }
        comment = form.get("comment")
        comment = comment if isinstance(comment, str) else None
        try:
            # checked and stored by the store's writer thread: the event loop only waits
            done = await store_answer(token, None, scores, comment, lang, client_ip(request))
        except LinkError as exc:
            return _link_page(message, exc.reason, lang)
        except AnswerError as exc:
            try:
                survey = (await run_in_threadpool(collector.resolve, token))[1]
            except LinkError as link:
                return _link_page(message, link.reason, lang)
            error = text("choose_score", lang) if exc.field == "scores" else str(exc)
            return _survey_form(
                render, collector, survey, token, lang, error=error, chosen=scores,
                comment_value=comment or "", status=422,
            )  # fmt: skip
        notify_case(background, done.case_id)
        survey = await run_in_threadpool(collector.survey, done.survey_id)
        return message(survey.text("thank_you", lang), "", lang, 200)

    @app.post(
        "/api/v1/responses",
        response_model=ResponseOut,
        status_code=201,
        tags=["public"],
        openapi_extra={"requestBody": RESPONSE_BODY},
        responses={
            404: {"description": "Unknown or tampered invitation"},
            409: {"description": "Already answered"},
            410: {"description": "Invitation expired"},
            422: {"description": "Invalid answers"},
            429: {"description": "Too many requests"},
        },
    )
    async def submit_response(request: Request) -> Response:
        """Submit one response (in-app widgets): with an invitation token, or a public survey's id."""
        # the body is read and checked here rather than by FastAPI's dependency machinery,
        # which costs this busiest endpoint a third of its time on the event loop
        await limited(request)
        body = read_body(RESPONSE_IN, await request.body())
        if not body.token and not body.survey_id:
            raise HTTPException(422, "Give the invitation 'token' or a public 'survey_id'.")
        try:
            # checked and stored by the store's writer, with the answers that arrive at the
            # same time; acknowledged once committed
            done = await store_answer(
                body.token, body.survey_id, dict(body.scores), body.comment, body.language,
                client_ip(request),
            )  # fmt: skip
        except LinkError as exc:
            raise HTTPException(LINK_STATUS[exc.reason], str(exc)) from None
        except AnswerError as exc:
            raise HTTPException(422, str(exc)) from None
        except CxlensError as exc:
            raise HTTPException(404, str(exc)) from None
        background = BackgroundTasks()
        notify_case(background, done.case_id)
        return Response(
            RESPONSE_OUT.dump_json(ResponseOut(submission_id=done.submission_id, case_id=done.case_id)),
            201, media_type="application/json", background=background,
        )  # fmt: skip

    # -- signing in ----------------------------------------------------------------------

    def user_of(request: Request) -> dict[str, Any] | None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return collector.user_for_token(auth[7:].strip())
        name = session_user(collector.key, request.cookies.get(SESSION))
        return collector.user(name) if name else None

    def need(role: str, html: bool = True) -> Callable[[Request], dict[str, Any]]:
        def dependency(request: Request) -> dict[str, Any]:
            user = user_of(request)
            if user is None:
                if html and "authorization" not in request.headers:
                    raise HTTPException(
                        303, headers={"Location": "/login?next=" + quote(request.url.path)}
                    )
                raise HTTPException(
                    401, "Sign in or send an API token.", headers={"WWW-Authenticate": "Bearer"}
                )
            if ROLES.index(user["role"]) < ROLES.index(role):
                raise HTTPException(403, text("forbidden", user["language"]))
            return user

        return dependency

    def form_csrf(request: Request, form: Any) -> None:
        cookie = request.cookies.get(SESSION)
        if not check_csrf(collector.key, cookie, str(form.get("csrf") or "")):
            raise HTTPException(403, "The form has expired; reload the page and try again.")

    def page(name: str, user: dict[str, Any], request: Request, **context: Any) -> HTMLResponse:
        lang = user["language"]
        cookie = request.cookies.get(SESSION, "")
        nav = [
            ("/dashboard", text("overview", lang)),
            ("/dashboard/trends", text("trends", lang)),
            ("/dashboard/customers", text("customers", lang)),
            ("/dashboard/journeys", text("journeys", lang)),
            ("/dashboard/feedback", text("feedback", lang)),
            ("/dashboard/alerts", text("alerts", lang)),
            ("/admin", text("surveys", lang)),
            ("/admin/cases", text("cases", lang)),
        ]
        if user["role"] == "admin":
            nav.append(("/admin/users", text("users", lang)))
        return render(
            name, lang=lang, user=user, nav=nav, current=request.url.path, wide=True,
            csrf=csrf_token(collector.key, cookie) if cookie else "", **context,
        )  # fmt: skip

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/dashboard", 303)

    from cxlens.web import alerts_page, dashboard

    cached = dashboard.register(
        app, ws, collector, page, need, warm=run_schedule if warm is None else warm
    )
    alerts_page.register(app, ws, page, need, form_csrf, cached, ROLES)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str = "/dashboard") -> HTMLResponse:
        pre = request.cookies.get(PRE) or secrets.token_urlsafe(16)
        response = render(
            "login.html",
            lang=pick_lang(request, "en"),
            csrf=csrf_token(collector.key, pre),
            next=_safe_next(next),
            error=None,
            title="cxlens",
        )
        response.set_cookie(
            PRE, pre, httponly=True, samesite="lax", secure=request.url.scheme == "https"
        )
        return response

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        if not check_csrf(collector.key, request.cookies.get(PRE), str(form.get("csrf") or "")):
            raise HTTPException(403, "The form has expired; reload the page and try again.")
        user = collector.authenticate(
            str(form.get("username") or ""), str(form.get("password") or "")
        )
        if user is None:
            pre = request.cookies.get(PRE, "")
            return render(
                "login.html",
                401,
                lang="en",
                csrf=csrf_token(collector.key, pre),
                next=_safe_next(str(form.get("next") or "/dashboard")),
                error=text("wrong_login", "en"),
                title="cxlens",
            )
        response = RedirectResponse(_safe_next(str(form.get("next") or "/dashboard")), 303)
        response.set_cookie(
            SESSION, session_cookie(collector.key, user["username"]), httponly=True, samesite="lax",
            secure=request.url.scheme == "https", max_age=12 * 3600,
        )  # fmt: skip
        response.delete_cookie(PRE)
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> Response:
        form_csrf(request, await request.form())
        response = RedirectResponse("/login", 303)
        response.delete_cookie(SESSION)
        return response

    @app.post("/language", include_in_schema=False)
    async def language(
        request: Request, user: dict[str, Any] = Depends(need("viewer"))
    ) -> Response:
        form = await request.form()
        form_csrf(request, form)
        await run_in_threadpool(
            collector.set_language, user["username"], str(form.get("lang") or "en")
        )
        return RedirectResponse(_safe_next(str(form.get("next") or "/dashboard")), 303)

    # -- signed-in pages -----------------------------------------------------------------

    @app.get("/admin", response_class=HTMLResponse, include_in_schema=False)
    def admin(request: Request, user: dict[str, Any] = Depends(need("viewer"))) -> HTMLResponse:
        return page(
            "surveys.html",
            user,
            request,
            surveys=collector.surveys(),
            can_admin=user["role"] == "admin",
            message=None,
            link=None,
        )

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
            note = f"✓ {survey.id}"
            status = 200
        except (CxlensError, yaml.YAMLError) as exc:
            note, status = str(exc), 422
        response = page(
            "surveys.html",
            user,
            request,
            surveys=collector.surveys(),
            can_admin=True,
            message=note,
            link=None,
        )
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
        return page(
            "surveys.html",
            user,
            request,
            surveys=collector.surveys(),
            can_admin=True,
            message=None,
            link=inv.url(str(request.base_url)),
        )

    @app.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
    def users_page(request: Request, user: dict[str, Any] = Depends(need("admin"))) -> HTMLResponse:
        return page("users.html", user, request, users=collector.users(), roles=ROLES, message=None)

    @app.post("/admin/users", response_class=HTMLResponse, include_in_schema=False)
    async def users_add(
        request: Request, user: dict[str, Any] = Depends(need("admin"))
    ) -> HTMLResponse:
        form = await request.form()
        form_csrf(request, form)
        name = str(form.get("username") or "").strip()
        status = 200
        try:
            await run_in_threadpool(
                collector.add_user,
                name,
                str(form.get("password") or ""),
                str(form.get("role") or ""),
                str(form.get("language") or "en"),
            )
            note = f"✓ {name}"
        except CxlensError as exc:
            note, status = str(exc), 422
        response = page(
            "users.html", user, request, users=collector.users(), roles=ROLES, message=note
        )
        response.status_code = status
        return response

    @app.get("/admin/cases", response_class=HTMLResponse, include_in_schema=False)
    def cases_page(
        request: Request, status: str | None = None, user: dict[str, Any] = Depends(need("viewer"))
    ) -> HTMLResponse:
        rows = collector.cases(status if status in CASE_STATUSES else None)
        for row in rows:
            row["opened"] = _when(row["opened_at"])
        return page(
            "cases.html", user, request, cases=rows, statuses=CASE_STATUSES, filter_status=status
        )

    @app.get("/admin/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
    def case_page(
        case_id: int, request: Request, user: dict[str, Any] = Depends(need("viewer"))
    ) -> HTMLResponse:
        try:
            case, notes = collector.case(case_id)
        except CxlensError:
            raise HTTPException(404, "No such case.") from None
        case["opened"] = _when(case["opened_at"])
        for n in notes:
            n["when"] = _when(n["ts"])
        return page(
            "case.html",
            user,
            request,
            case=case,
            notes=notes,
            statuses=CASE_STATUSES,
            can_edit=user["role"] != "viewer",
        )

    @app.post("/admin/cases/{case_id}", include_in_schema=False)
    async def case_update(
        case_id: int, request: Request, user: dict[str, Any] = Depends(need("analyst"))
    ) -> Response:
        form = await request.form()
        form_csrf(request, form)
        try:
            status = str(form.get("status")) if form.get("status") else None
            owner = str(form.get("owner")) if form.get("owner") is not None else None
            await run_in_threadpool(
                collector.update_case, case_id, user["username"], status, owner,
                str(form.get("note") or ""),
            )  # fmt: skip
        except CxlensError as exc:
            raise HTTPException(422, str(exc)) from None
        return RedirectResponse(f"/admin/cases/{case_id}", 303)

    # -- API for machines ----------------------------------------------------------------

    @app.get("/api/v1/surveys", tags=["surveys"])
    def api_surveys(
        user: dict[str, Any] = Depends(need("viewer", html=False)),
    ) -> list[dict[str, Any]]:
        """The active surveys."""
        return [
            {
                "id": s.id,
                "kind": s.kind,
                "name": s.name,
                "touchpoint": s.touchpoint,
                "questions": [q.id for q in s.questions],
            }
            for s in collector.surveys()
        ]

    @app.post(
        "/api/v1/surveys/{survey_id}/invitations",
        response_model=InvitationOut,
        status_code=201,
        tags=["surveys"],
    )
    def api_invite(
        survey_id: str,
        body: InvitationIn,
        request: Request,
        user: dict[str, Any] = Depends(need("admin", html=False)),
    ) -> InvitationOut:
        """Create a signed invitation link (admins)."""
        try:
            inv = collector.invite(survey_id, body.customer_id, body.language)
        except CxlensError as exc:
            raise HTTPException(404, str(exc)) from None
        assert inv is not None
        return InvitationOut(
            url=inv.url(str(request.base_url)), expires_at=inv.expires_at.isoformat()
        )

    @app.get("/api/v1/cases", tags=["cases"])
    def api_cases(
        status: str | None = None, user: dict[str, Any] = Depends(need("viewer", html=False))
    ) -> list[dict[str, Any]]:
        """Follow-up cases, newest first."""
        return [case_json(c) for c in collector.cases(status)]

    @app.get("/api/v1/responses.csv", tags=["export"], response_class=Response)
    def api_export(user: dict[str, Any] = Depends(need("analyst", html=False))) -> Response:
        """All answers as CSV (analysts and admins); text that a spreadsheet would run as a
        formula starts with an apostrophe."""
        from cxlens.spreadsheets import rows_csv

        cols = [
            "submission_id",
            "survey_id",
            "question_id",
            "kind",
            "customer_id",
            "ts",
            "score",
            "comment",
            "language",
            "touchpoint",
        ]
        with collector.engine.connect() as conn:
            rows = conn.execute(
                sa.select(*(db.answers.c[c] for c in cols)).order_by(db.answers.c.id)
            ).all()
        body = rows_csv(cols, rows)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": "attachment; filename=responses.csv"},
        )

    # -- errors ----------------------------------------------------------------------------

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 303 and exc.headers:
            return RedirectResponse(exc.headers["Location"], 303)
        wants_json = request.url.path.startswith(
            "/api/"
        ) or "application/json" in request.headers.get("accept", "")
        if wants_json:
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
        heading = text("page_not_found", "en") if exc.status_code == 404 else str(exc.status_code)
        body = "" if exc.status_code == 404 else str(exc.detail)
        return message(heading, body, "en", exc.status_code)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "Internal error; nothing was stored."}, 500)
        return message("500", text("something_wrong", "en"), "en", 500)

    return app


def app_from_environment() -> FastAPI:
    """The app for the workspace in $CXLENS_WORKSPACE (used by uvicorn's worker processes)."""
    import os

    from cxlens.config import ENV_WORKSPACE

    schedule = os.environ.get("CXLENS_SCHEDULE", "1") == "1"
    return create_app(
        os.environ.get(ENV_WORKSPACE),
        schedule=schedule,
        relay=os.environ.get(ENV_RELAY),
    )


def _survey_form(
    render: Callable[..., HTMLResponse], collector: Collector, survey: Survey, token: str, lang: str,
    error: str | None = None, chosen: dict[str, str] | None = None, comment_value: str = "", status: int = 200,
) -> HTMLResponse:  # fmt: skip
    questions = []
    for q in survey.questions:
        low, high = q.scale
        picked = (chosen or {}).get(q.id)
        questions.append(
            {
                "id": q.id,
                "text": q.in_lang("text", lang, collector.company),
                "low": q.in_lang("low", lang, collector.company),
                "high": q.in_lang("high", lang, collector.company),
                "choices": list(range(low, high + 1)),
                "chosen": int(picked) if picked and picked.isdigit() else None,
            }
        )
    return render(
        "survey.html", status, lang=lang, title=collector.company, questions=questions,
        comment=survey.text("comment_text", lang) if survey.comment else None,
        optional=text("optional", lang), send=text("send", lang), action=f"/s/{token}",
        error=error, comment_value=comment_value,
    )  # fmt: skip


def _link_page(message: Callable[..., HTMLResponse], reason: str, lang: str) -> HTMLResponse:
    if reason == "invalid":
        return message(text("link_invalid_title", lang), text("link_invalid", lang), lang, 404)
    return message(text(f"link_{reason}", lang), "", lang, LINK_STATUS[reason])


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/dashboard"


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "–"


def _quietly(fn: Callable[..., Any], *args: Any) -> None:
    """Run a notification after the answer is stored; a failure is logged, never raised."""
    try:
        fn(*args)
    except Exception:
        log.exception("notification failed")


def scheduled_jobs(ws: Any, collector: Collector, minutes: float, stop: threading.Event) -> None:
    """Dispatch invitations and sync to the warehouse every ``minutes``."""
    from cxlens.alerts.deliver import sync_and_alert
    from cxlens.collect.triggers import dispatch

    while not stop.wait(minutes * 60):
        for job in (lambda: dispatch(ws, collector), lambda: sync_and_alert(ws, collector)):
            try:
                job()
            except Exception:
                log.exception("scheduled dispatch or sync failed; retried next round")
