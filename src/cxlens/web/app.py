"""The FastAPI application of ``cxlens serve``.

Public (no sign-in): the survey page at an invitation link (``/s/{token}``) and the
confirmation step of its e-mail's score buttons (``/s/{token}/{score}/{signature}``),
the customer's opt-out page (``/u/{token}``, :mod:`cxlens.web.opt_out`), the
JSON endpoint for in-app widgets (``POST /api/v1/responses``), ``/healthz``, the
OpenAPI schema and the static files. Public endpoints are rate-limited per IP.

Everything else needs a signed-in user or an API token (:mod:`cxlens.web.auth`):
the dashboard (:mod:`cxlens.web.dashboard`), surveys, users and cases
(:mod:`cxlens.web.admin`) and the API for machines (:mod:`cxlens.web.api`).

Every request body is limited in size and every response carries nosniff, a
referrer policy and frame protection (:mod:`cxlens.web.middleware`); pages carry
a Content-Security-Policy that allows scripts from this site only, with a nonce
per page.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jinja2
from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware

from cxlens.collect.accounts import ROLES
from cxlens.collect.answers import FIRST, SOME, WHOLE
from cxlens.collect.relay import ENV_RELAY, RelayClient, RelayUnavailable
from cxlens.collect.service import AnswerError, Collector, LinkError, Progress, Submitted
from cxlens.collect.surveys import LANGUAGES, Survey
from cxlens.errors import CxlensError
from cxlens.i18n import N_, gettext, install_jinja, labels_for, pgettext
from cxlens.i18n.keyed import text as keyed_text
from cxlens.version import __version__
from cxlens.web.auth import Auth, client_ip
from cxlens.web.chart_assets import injected_styles
from cxlens.web.middleware import BodyLimit, SecurityHeaders, Shortcut, secure
from cxlens.workspace import open_workspace

HERE = Path(__file__).parent
LANGUAGE_NAMES = {
    "en": "English", "et": "Eesti", "bg": "Български", "de": "Deutsch", "hr": "Hrvatski", "fi": "Suomi",
}  # fmt: skip
#: the pages' policy: scripts from this site only (each page's nonce marks its own tags)
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
#: the largest request body accepted by default ([collection] max_body_kb)
MAX_BODY_KB = 1024
#: how often the server applies the [privacy] retention periods (seconds)
RETENTION_EVERY = 86_400.0
LINK_STATUS = {"invalid": 404, "expired": 410, "used": 409}
LINK_REASONS = {
    "expired": N_("This survey has closed. Thank you for your interest."),
    "used": N_("You have already answered. Thank you!"),
}
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
    env = install_jinja(
        jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
            undefined=jinja2.StrictUndefined,
        )
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
        docs_url=None,  # served by cxlens.web.docs, without a CDN
        redoc_url=None,
    )
    app.add_middleware(BodyLimit, max_bytes=int(section.get("max_body_kb", MAX_BODY_KB)) * 1024)
    app.add_middleware(SecurityHeaders)  # outermost: the 413 answers carry the headers too
    auth = Auth(collector.accounts, collector.key, language=ws.config.language)
    app.state.collector = collector
    app.state.workspace = ws
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    labels = labels_for(ws.config)

    def render(
        name: str, status: int = 200, policy: str = PAGE_POLICY, **context: Any
    ) -> HTMLResponse:
        lang = context.setdefault("lang", "en")
        context.setdefault("title", "cxlens")
        context.setdefault("wide", False)
        context.setdefault("charts", name.startswith("dashboard_"))
        context["label"] = lambda dimension, value: labels.name(dimension, value, lang)
        context["t"] = lambda key, **values: keyed_text(key, lang, **values)
        context["dimension_name"] = lambda dimension: labels.dimension(dimension, lang)
        context["plotly_styles"] = list(injected_styles()) if context["charts"] else []
        context["languages"] = list(LANGUAGE_NAMES.items())
        nonce = context["nonce"] = secrets.token_urlsafe(16)
        html = env.get_template(name).render(**context)
        response = HTMLResponse(html, status_code=status)
        response.headers["Content-Security-Policy"] = policy.format(nonce=nonce)
        return response

    def message(heading: str, body: str, lang: str, status: int) -> HTMLResponse:
        return render("message.html", status, heading=heading, text=body, lang=lang, title=heading)

    async def limited(request: Request) -> None:
        if not limiter.allow(client_ip(request)):
            raise HTTPException(
                429, gettext("Too many requests; please wait a moment.", auth.browser_lang(request))
            )

    def pick_lang(request: Request, fallback: str) -> str:
        lang = request.query_params.get("lang") or fallback
        return lang if lang in LANGUAGES else "en"

    async def store_answer(
        token: str | None, survey_id: str | None, scores: dict[str, Any], comment: str | None,
        lang: str, ip: str, part: str = WHOLE,
    ) -> Submitted:  # fmt: skip
        """Check and store an answer (or a ``part`` of it) off the event loop; returns once
        it is committed."""
        if relay_client is not None:
            try:
                # the process that started the workers writes for all of them
                return await relay_client.submit(token, survey_id, scores, comment, lang, ip, part)
            except RelayUnavailable:
                log.warning("the answer relay is unavailable; this worker writes itself")
        return await asyncio.wrap_future(
            collector.submit_answer(token, survey_id, scores, comment, lang, ip, part)
        )

    def notify_case(background: BackgroundTasks, done: Submitted) -> None:
        """Announce the case an answer opened (once: later parts of it open none)."""
        if done.case_id is None or not done.new_case:
            return
        from cxlens.collect.delivery import announce_case

        background.add_task(_quietly, _assign_cases, ws.root, collector)  # owner and deadline
        background.add_task(_quietly, announce_case, collector, done.case_id)

    async def read_answer_form(request: Request) -> tuple[str, dict[str, str], str | None, str]:
        """The language, scores (by question id), comment and part a survey form sends;
        :class:`AnswerError` for a body that is no form."""
        try:
            form = await request.form()
        except Exception:
            raise AnswerError("The request is not a form.", "form") from None
        lang = str(form.get("lang") or "en")
        scores = {
            key[2:]: value
            for key, value in form.items()
            if key.startswith("q_") and isinstance(value, str)
        }
        comment = form.get("comment")
        part = str(form.get("part") or "")
        return (
            lang if lang in LANGUAGES else "en",
            scores,
            comment if isinstance(comment, str) else None,
            part if part in (FIRST, SOME) else WHOLE,
        )

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
        stored = collector.progress(inv["id"])
        return _survey_form(render, collector, survey, token, lang, stored=stored)

    @app.get("/s/{token}/{score}/{signature}", response_class=HTMLResponse, include_in_schema=False)
    def score_link(
        token: str, score: int, signature: str, request: Request, _: None = Depends(limited)
    ) -> Response:
        """A score button of the invitation e-mail: its confirmation step (nothing is stored
        by following a link; see :mod:`cxlens.collect.invitation_mail`)."""
        from cxlens.collect.security import check_score

        try:
            inv, survey = collector.resolve(token)
        except LinkError as exc:
            return _link_page(message, exc.reason, pick_lang(request, exc.language or "en"))
        first = survey.questions[0]
        if not check_score(collector.key, inv["id"], first.id, score, signature):
            return _link_page(message, "invalid", pick_lang(request, inv["language"]))
        lang = pick_lang(request, inv["language"])
        stored = collector.progress(inv["id"])
        if stored is not None and first.id in stored.scores:
            # answered already (by an earlier click): the survey, with that answer chosen
            return RedirectResponse(f"/s/{token}?lang={lang}", 303)
        return _survey_form(
            render, collector, survey, token, lang, chosen={first.id: str(score)}, first_only=True
        )

    @app.post("/s/{token}", response_class=HTMLResponse, include_in_schema=False)
    async def survey_submit(
        token: str, request: Request, background: BackgroundTasks, _: None = Depends(limited)
    ) -> HTMLResponse:
        try:
            lang, scores, comment, part = await read_answer_form(request)
        except AnswerError:
            return message("400", "", "en", 400)
        # "first": the confirmation step of an e-mail's score; "some": finish later
        try:
            # checked and stored by the store's writer thread: the event loop only waits
            done = await store_answer(token, None, scores, comment, lang, client_ip(request), part)
        except LinkError as exc:
            return _link_page(message, exc.reason, lang)
        except AnswerError as exc:
            try:
                inv, survey = await run_in_threadpool(collector.resolve, token)
            except LinkError as link:
                return _link_page(message, link.reason, lang)
            stored = await run_in_threadpool(collector.progress, inv["id"])
            error = (
                gettext("Please choose a score or write a comment.", lang)
                if exc.field == "scores"
                else str(exc)
            )
            return _survey_form(
                render, collector, survey, token, lang, error=error, chosen=scores,
                comment_value=comment or "", status=422, stored=stored, first_only=part == FIRST,
            )  # fmt: skip
        notify_case(background, done)
        if not done.complete:
            return RedirectResponse(f"/s/{token}?lang={lang}", 303)  # type: ignore[return-value]
        survey = await run_in_threadpool(collector.survey, done.survey_id)
        return message(survey.text("thank_you", lang), "", lang, 200)

    @app.post("/s/{token}/save", include_in_schema=False)
    async def survey_save(
        token: str, request: Request, background: BackgroundTasks, _: None = Depends(limited)
    ) -> JSONResponse:
        """A question of the survey page, saved as soon as it is answered (by the page's
        script, static/survey.js): the answer stays partial, and changeable, until the
        survey's button sends it."""
        try:
            lang, scores, comment, _part = await read_answer_form(request)
            done = await store_answer(token, None, scores, comment, lang, client_ip(request), SOME)
        except LinkError as exc:
            return JSONResponse({"detail": str(exc), "reason": exc.reason}, LINK_STATUS[exc.reason])
        except AnswerError as exc:
            return JSONResponse({"detail": str(exc), "field": exc.field}, 422)
        notify_case(background, done)
        return JSONResponse({"complete": done.complete, "questions": sorted(scores)})

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
        notify_case(background, done)
        return Response(
            RESPONSE_OUT.dump_json(ResponseOut(submission_id=done.submission_id, case_id=done.case_id)),
            201, media_type="application/json", background=background,
        )  # fmt: skip

    # answers go to submit_response ahead of the router, inside the body limit and headers
    app.user_middleware.append(
        Middleware(
            Shortcut, method="POST", path="/api/v1/responses", endpoint=submit_response,
            handlers=app.exception_handlers,
        )
    )  # fmt: skip

    # -- signed-in pages -----------------------------------------------------------------

    def page(name: str, user: dict[str, Any], request: Request, **context: Any) -> HTMLResponse:
        lang = user["language"]
        nav = [
            ("/dashboard", gettext("Overview", lang)),
            ("/dashboard/trends", gettext("Trends", lang)),
            ("/dashboard/customers", gettext("Customers", lang)),
            ("/dashboard/journeys", gettext("Journeys", lang)),
            ("/dashboard/value", pgettext("page", "Value", lang)),
            ("/dashboard/feedback", gettext("Feedback", lang)),
            ("/dashboard/alerts", gettext("Alerts", lang)),
            ("/admin/cases", pgettext("navigation", "Cases", lang)),
        ]
        # the pages that set collection up, folded under one entry so the row fits a screen
        setup = [
            ("/admin", gettext("Surveys", lang)),
            ("/admin/scheduler", gettext("Scheduler", lang)),
        ]
        if user["role"] == "admin":
            setup.append(("/admin/users", gettext("Users", lang)))
        # a page shown after a form names the page to come back to (the form's address has no GET)
        current = context.pop("current", request.url.path)
        # the tab names the page: its own title, or the section of the navigation it is in
        section = max(
            (
                item for item in (*nav, *setup)
                if current == item[0] or current.startswith(item[0] + "/")
            ),
            key=lambda item: len(item[0]), default=(current, ""),
        )[1]  # fmt: skip
        heading = context.pop("page_title", None) or section
        return render(
            name, lang=lang, user=user, nav=nav, setup=setup, current=current, wide=True,
            csrf=auth.csrf(request), title=f"{heading} · cxlens" if heading else "cxlens",
            **context,
        )  # fmt: skip

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/dashboard", 303)

    from cxlens.web import (
        admin,
        alerts_page,
        api,
        dashboard,
        docs,
        opt_out,
        schedule_page,
        tickets_api,
        value_page,
    )  # fmt: skip

    opt_out.register(app, collector, render, message, limited)
    tickets_api.register(app, ws, auth.need)

    auth.register(app, render)
    cached = dashboard.register(
        app, ws, collector, page, auth.need, warm=run_schedule if warm is None else warm
    )
    alerts_page.register(app, ws, page, auth.need, auth.form_csrf, cached, ROLES)
    value_page.register(app, ws, page, auth.need, cached)
    admin.register(app, collector, auth, page, ws, cached)
    api.register(app, collector, auth)
    docs.register(app, render)
    schedule_page.register(app, ws, collector, page, auth.need, auth.form_csrf)

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
        lang = await run_in_threadpool(auth.reader_lang, request)
        heading = (
            gettext("Page not found", lang) if exc.status_code == 404 else str(exc.status_code)
        )
        body = "" if exc.status_code == 404 else str(exc.detail)
        return message(heading, body, lang, exc.status_code)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # answered outside the middleware, so the headers are added here
        if request.url.path.startswith("/api/"):
            return secure(JSONResponse({"detail": "Internal error; nothing was stored."}, 500))
        lang = await run_in_threadpool(auth.reader_lang, request)
        return secure(
            message(
                "500",
                gettext("Something went wrong on our side. Please try again later.", lang),
                lang,
                500,
            )
        )

    return app


def app_from_environment() -> FastAPI:
    """The app for the workspace in $CXLENS_WORKSPACE (used by uvicorn's worker processes)."""
    import os

    from cxlens.config import ENV_WORKSPACE

    schedule = os.environ.get("CXLENS_SCHEDULE", "1") == "1"
    app = create_app(
        os.environ.get(ENV_WORKSPACE),
        schedule=schedule,
        relay=os.environ.get(ENV_RELAY),
    )
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Leave the objects made at start-up (modules, the app, its templates) out of the
    garbage collector's full collections, which would otherwise walk them all each time:
    one took about 90 ms here, and the requests in flight waited that long
    (:func:`gc.freeze`). Called once the server is set up, before it serves."""
    gc.collect()
    gc.freeze()


def _survey_form(
    render: Callable[..., HTMLResponse], collector: Collector, survey: Survey, token: str, lang: str,
    error: str | None = None, chosen: dict[str, str] | None = None, comment_value: str = "",
    status: int = 200, stored: Progress | None = None, first_only: bool = False,
) -> HTMLResponse:  # fmt: skip
    """The survey's form; questions ``stored`` already show their answer, still changeable
    (the answer is partial until the survey's button sends it).

    ``first_only``: the confirmation step of an e-mail's score (its first question alone).
    The full survey saves each question as soon as it is answered (static/survey.js posts
    it to ``/s/{token}/save``); without scripts, its *finish later* button saves what is
    answered so far.
    """
    saved = stored.scores if stored is not None else {}
    questions = []
    for q in survey.questions[:1] if first_only else survey.questions:
        low, high = q.scale
        picked = (chosen or {}).get(q.id) or (str(int(saved[q.id])) if q.id in saved else None)
        questions.append(
            {
                "id": q.id,
                "text": q.in_lang("text", lang, collector.company),
                "low": q.in_lang("low", lang, collector.company),
                "high": q.in_lang("high", lang, collector.company),
                "choices": list(range(low, high + 1)),
                "chosen": int(picked) if picked and picked.isdigit() else None,
                "saved": q.id in saved,
            }
        )
    asks_comment = survey.comment and not first_only
    stored_comment = stored.comment if stored is not None and stored.comment else ""
    return render(
        "survey.html", status, lang=lang, title=collector.company, questions=questions,
        comment=survey.text("comment_text", lang) if asks_comment else None,
        optional=gettext("optional", lang), action=f"/s/{token}", error=error,
        save_url=None if first_only else f"/s/{token}/save",
        send=gettext("Save my answer", lang) if first_only else gettext("Send", lang),
        later=None if first_only else gettext("Save and finish later", lang),
        comment_value=comment_value or stored_comment, part="first" if first_only else None,
        note=(
            gettext("Check your answer and press the button to save it.", lang) if first_only
            else gettext("Thank you, your answer is saved. You may add more below, or close this page.", lang) if saved
            else None
        ),
        saved_label=pgettext("answer", "saved", lang),
        saving_failed=gettext("Your last answer could not be saved yet; it will be sent with the survey.", lang),
    )  # fmt: skip


def _link_page(message: Callable[..., HTMLResponse], reason: str, lang: str) -> HTMLResponse:
    if reason == "invalid":
        return message(
            gettext("This link does not work", lang),
            gettext("Please check that you opened the whole link from your invitation.", lang),
            lang,
            404,
        )
    return message(gettext(LINK_REASONS[reason], lang), "", lang, LINK_STATUS[reason])


def _assign_cases(root: Path, collector: Collector) -> None:
    """Give new cases their owner and deadline, reading the warehouse through a workspace of
    its own (a DuckDB connection serves one thread at a time)."""
    from cxlens.collect.followup import assign_open_cases

    with open_workspace(root) as ws:
        assign_open_cases(ws, collector)


def _quietly(fn: Callable[..., Any], *args: Any) -> None:
    """Run a notification after the answer is stored; a failure is logged, never raised."""
    try:
        fn(*args)
    except Exception:
        log.exception("notification failed")


def scheduled_jobs(ws: Any, collector: Collector, minutes: float, stop: threading.Event) -> None:
    """The scheduler's round (:func:`cxlens.alerts.schedule.run_round`: dispatch, sync and
    alerts) and the removal of expired sessions every ``minutes``; the retention periods
    once a day."""
    from cxlens.alerts.schedule import run_round
    from cxlens.privacy import apply_retention

    retention_due = 0.0

    def retention() -> None:
        nonlocal retention_due
        if time.monotonic() >= retention_due:
            apply_retention(ws, collector)
            retention_due = time.monotonic() + RETENTION_EVERY

    jobs = (lambda: run_round(ws, collector), collector.accounts.sessions_prune, retention)
    logging.getLogger("cxlens.schedule").info("scheduler: a round every %g minutes", minutes)
    while not stop.wait(minutes * 60):
        for job in jobs:
            try:
                job()
            except Exception:
                log.exception("a scheduled job failed; retried next round")
