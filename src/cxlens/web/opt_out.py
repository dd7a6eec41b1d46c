"""The customer's opt-out page: ``/u/<token>``, linked from every e-mail.

A GET shows the question and its button, and stores nothing (mail scanners open
links). A POST stores the choice: the page's button, or a mail program's one-click
unsubscribe (RFC 8058: a POST whose body is ``List-Unsubscribe=One-Click``, which
unsubscribes). After opting out the page offers to undo it: only the customer, who
holds the signed link, can. Opting out is kept in the store's ``opt_outs`` and
honoured by every dispatch and invitation (:mod:`cxlens.collect.triggers`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cxlens.collect.security import unsubscribe_customer
from cxlens.collect.service import Collector
from cxlens.collect.surveys import LANGUAGES
from cxlens.i18n import N_, gettext

OPTED_OUT = N_("You are unsubscribed: %(company)s will send you no more survey invitations.")
OPTED_IN = N_("Thank you: %(company)s may send you survey invitations again.")
ASK = N_("Do you want to stop receiving survey invitations from %(company)s?")


def register(
    app: FastAPI,
    collector: Collector,
    render: Callable[..., HTMLResponse],
    message: Callable[..., HTMLResponse],
    limited: Callable[[Request], Awaitable[None]],
) -> None:
    company = collector.company

    def page(token: str, lang: str, opted_out: bool, notice: str | None = None) -> HTMLResponse:
        return render(
            "opt_out.html", lang=lang, title=company,
            heading=gettext("Survey invitations from %(company)s", lang, company=company), notice=notice,
            question=None if opted_out else gettext(ASK, lang, company=company),
            action=f"/u/{token}", choice="in" if opted_out else "out",
            button=(
                gettext("Receive invitations again", lang) if opted_out
                else gettext("Unsubscribe", lang)
            ),
        )  # fmt: skip

    def invalid(lang: str) -> HTMLResponse:
        return message(
            gettext("This link does not work", lang),
            gettext("Please check that you opened the whole link from your invitation.", lang),
            lang,
            404,
        )

    def language(value: Any) -> str:
        return value if isinstance(value, str) and value in LANGUAGES else "en"

    @app.get("/u/{token}", response_class=HTMLResponse, include_in_schema=False)
    def opt_out_page(token: str, request: Request, _: None = Depends(limited)) -> HTMLResponse:
        lang = language(request.query_params.get("lang"))
        customer = unsubscribe_customer(collector.key, token)
        if customer is None:
            return invalid(lang)
        opted_out = collector.opted_out(customer) is not None
        notice = gettext(OPTED_OUT, lang, company=company) if opted_out else None
        return page(token, lang, opted_out, notice)

    @app.post("/u/{token}", response_class=HTMLResponse, include_in_schema=False)
    async def opt_out_choice(
        token: str, request: Request, _: None = Depends(limited)
    ) -> HTMLResponse:
        form: Any = None
        try:
            form = await request.form()
        except Exception:
            form = None  # an unreadable body still unsubscribes (RFC 8058 asks only a POST)
        lang = language((form.get("lang") if form else None) or request.query_params.get("lang"))
        customer = unsubscribe_customer(collector.key, token)
        if customer is None:
            return invalid(lang)
        one_click = form is not None and form.get("List-Unsubscribe") == "One-Click"
        if not one_click and form is not None and form.get("choice") == "in":
            await run_in_threadpool(collector.opt_in, customer)
            return page(token, lang, False, gettext(OPTED_IN, lang, company=company))
        await run_in_threadpool(collector.opt_out, customer, "one-click" if one_click else "page")
        return page(token, lang, True, gettext(OPTED_OUT, lang, company=company))
