"""Signing in and out, and who a request comes from.

A signed-in browser carries the session cookie (HttpOnly, SameSite=Lax, Secure
over HTTPS) whose token the store knows (:mod:`cxlens.collect.accounts`); every
form carries a CSRF token bound to it. Machines send an API token
(``Authorization: Bearer cxl_...``). Roles: viewers see, analysts also export and
work on cases, admins manage surveys, invitations and users.

The sign-in page speaks the reader's language before anyone is signed in: the one
picked with its switcher (kept in a cookie until the sign-in, then made the user's),
else the browser's ``Accept-Language``, else the workspace's. For a user added
without a language, the first sign-in from a browser that asks for one of ours makes
it the user's, so a German browser gets a German dashboard without looking for the
switcher; after that, the user's language is what they pick.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxlens.collect.accounts import ROLES, SESSION_HOURS, Accounts
from cxlens.collect.security import check_csrf, csrf_token
from cxlens.config import LANGUAGES
from cxlens.i18n import N_, gettext, negotiate_language, ngettext

SESSION = "cxl_session"
PRE = "cxl_pre"
#: the language picked on the sign-in page, until the sign-in makes it the user's
LANG_COOKIE = "cxl_lang"
FORM_EXPIRED = N_("The form has expired; reload the page and try again.")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def safe_next(target: str) -> str:
    """Where to go after signing in: a path on this site only."""
    return target if target.startswith("/") and not target.startswith("//") else "/dashboard"


class Auth:
    """Who a request comes from, the role checks, CSRF, and the sign-in pages."""

    def __init__(
        self,
        accounts: Accounts,
        key: str,
        session_hours: float = SESSION_HOURS,
        language: str = "en",
    ):
        self.accounts = accounts
        self.key = key
        self.session_hours = session_hours
        #: the workspace's language, for readers who ask for none of ours
        self.language = language

    def browser_lang(self, request: Request) -> str:
        """``?lang=``, else the one chosen on the sign-in page, else the browser's
        (Accept-Language), else the workspace's; reads no database."""
        for asked in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
            if asked in LANGUAGES:
                return str(asked)
        return negotiate_language(request.headers.get("accept-language"), self.language)

    def reader_lang(self, request: Request) -> str:
        """The language of a page without a survey: ``?lang=``, the signed-in user's, else
        as :meth:`browser_lang` (reads the user: call it off the event loop)."""
        if request.query_params.get("lang") not in LANGUAGES:
            user = self.user_of(request)
            if user is not None:
                return str(user["language"])
        return self.browser_lang(request)

    def user_of(self, request: Request) -> dict[str, Any] | None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return self.accounts.token_user(auth[7:].strip())
        return self.accounts.session_user(request.cookies.get(SESSION))

    def need(self, role: str, html: bool = True) -> Callable[[Request], dict[str, Any]]:
        """A dependency: the signed-in user with at least ``role`` (else sign-in, 401 or 403)."""

        def dependency(request: Request) -> dict[str, Any]:
            user = self.user_of(request)
            if user is None:
                if html and "authorization" not in request.headers:
                    raise HTTPException(
                        303, headers={"Location": "/login?next=" + quote(request.url.path)}
                    )
                raise HTTPException(
                    401, "Sign in or send an API token.", headers={"WWW-Authenticate": "Bearer"}
                )
            if ROLES.index(user["role"]) < ROLES.index(role):
                raise HTTPException(
                    403, gettext("Your role does not allow this.", user["language"])
                )
            return user

        return dependency

    def csrf(self, request: Request) -> str:
        """The CSRF token for this request's session ('' without one)."""
        cookie = request.cookies.get(SESSION, "")
        return csrf_token(self.key, cookie) if cookie else ""

    def form_csrf(self, request: Request, form: Any) -> None:
        """Refuse a form whose CSRF token does not belong to this session."""
        if not check_csrf(self.key, request.cookies.get(SESSION), str(form.get("csrf") or "")):
            raise HTTPException(403, gettext(FORM_EXPIRED, self.browser_lang(request)))

    def register(
        self,
        app: FastAPI,
        render: Callable[..., HTMLResponse],
    ) -> None:
        """Add /login, /logout and /language."""
        accounts = self.accounts

        def login_form(
            request: Request, lang: str, pre: str, next_page: str, error: str | None, status: int
        ) -> HTMLResponse:
            response = render(
                "login.html", status, lang=lang, csrf=csrf_token(self.key, pre),
                next=safe_next(next_page), error=error, title=gettext("Sign in", lang),
            )  # fmt: skip
            secure = request.url.scheme == "https"
            response.set_cookie(PRE, pre, httponly=True, samesite="lax", secure=secure)
            if request.query_params.get("lang") in LANGUAGES:  # chosen with the switcher: kept
                response.set_cookie(
                    LANG_COOKIE, lang, httponly=True, samesite="lax", max_age=365 * 86400,
                    secure=secure,
                )  # fmt: skip
            return response

        @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
        def login_page(request: Request, next: str = "/dashboard") -> HTMLResponse:
            pre = request.cookies.get(PRE) or secrets.token_urlsafe(16)
            return login_form(request, self.reader_lang(request), pre, next, None, 200)

        @app.post("/login", include_in_schema=False)
        async def login(request: Request) -> Response:
            form = await request.form()
            asked = str(form.get("lang") or "")
            lang = asked if asked in LANGUAGES else self.browser_lang(request)
            pre = request.cookies.get(PRE)
            if not check_csrf(self.key, pre, str(form.get("csrf") or "")):
                raise HTTPException(403, gettext(FORM_EXPIRED, lang))
            assert pre is not None
            next_page = str(form.get("next") or "/dashboard")
            done = await run_in_threadpool(
                accounts.sign_in,
                str(form.get("username") or "")[:200],
                str(form.get("password") or "")[:1024],
                client_ip(request),
                self.session_hours,
            )
            if done.refused == "wait":
                wait = ngettext(
                    "Too many failed sign-ins. Try again in %(num)s second.",
                    "Too many failed sign-ins. Try again in %(num)s seconds.",
                    done.retry_after, lang,
                )  # fmt: skip
                response = login_form(request, lang, pre, next_page, wait, 429)
                response.headers["Retry-After"] = str(done.retry_after)
                return response
            if done.refused == "locked":
                locked = gettext(
                    "This account is locked after too many failed sign-ins. An admin can unlock it.",
                    lang,
                )
                return login_form(request, lang, pre, next_page, locked, 423)
            if done.token is None:
                wrong = gettext("Wrong user name or password.", lang)
                return login_form(request, lang, pre, next_page, wrong, 401)
            chosen = request.cookies.get(LANG_COOKIE)
            user = done.user or {}
            if chosen not in LANGUAGES and done.follows_browser:
                # a first sign-in keeps the language the browser asked the page for
                chosen = negotiate_language(request.headers.get("accept-language"), "")
            if chosen in LANGUAGES and user.get("username") and chosen != user.get("language"):
                # picked on the sign-in page, or spoken at the first sign-in: from now on
                # the user's language
                await run_in_threadpool(accounts.set_language, user["username"], str(chosen))
            signed_in = RedirectResponse(safe_next(next_page), 303)
            signed_in.delete_cookie(LANG_COOKIE)
            signed_in.set_cookie(
                SESSION, done.token, httponly=True, samesite="lax",
                secure=request.url.scheme == "https", max_age=int(self.session_hours * 3600),
            )  # fmt: skip
            signed_in.delete_cookie(PRE)
            return signed_in

        @app.post("/logout", include_in_schema=False)
        async def logout(
            request: Request, user: dict[str, Any] = Depends(self.need("viewer"))
        ) -> Response:
            self.form_csrf(request, await request.form())
            await run_in_threadpool(
                accounts.sign_out, request.cookies.get(SESSION), user["username"]
            )
            response = RedirectResponse("/login", 303)
            response.delete_cookie(SESSION)
            return response

        @app.post("/language", include_in_schema=False)
        async def language(
            request: Request, user: dict[str, Any] = Depends(self.need("viewer"))
        ) -> Response:
            form = await request.form()
            self.form_csrf(request, form)
            await run_in_threadpool(
                accounts.set_language, user["username"], str(form.get("lang") or "en")
            )
            return RedirectResponse(safe_next(str(form.get("next") or "/dashboard")), 303)
