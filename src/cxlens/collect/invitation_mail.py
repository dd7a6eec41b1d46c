"""The invitation e-mail: the survey's first question inside, one signed link per score.

The HTML part is laid out with tables and inline styles (what Outlook's Word engine,
Gmail and Apple Mail all render), with a plain-text alternative, both in the
invitation's language. Each score button links to ``/s/<token>/<score>/<signature>``;
the signature (HMAC-SHA256 with the workspace's key over the invitation, question
and score) makes a link for another score or question fail.

Following a score link records nothing by itself. Mail scanners (Safe Links,
Mimecast, Proofpoint and the like) open every link of a message, some when it is
delivered and again when it is clicked, so no timing rule can tell them from the
customer; none of them submits a form. The link therefore opens a confirmation
step: the question with that score chosen (the customer may still change it) and
one button that saves it. Once saved, the answer is kept even if the rest of the
survey is never opened, and the survey opens with the score chosen; following the
link again changes nothing.

Every e-mail carries the customer's opt-out link (``/u/<token>``, signed for that
customer, without expiry) in its footer and in ``List-Unsubscribe`` with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058): mail programs
then offer their own unsubscribe button, which POSTs to that address. A GET of it
(a scanner, or the customer following the footer link) only shows the page with the
button. Providers honour one-click only on mail whose DKIM signature covers these
two headers: sign them at the sending server.
"""

from __future__ import annotations

from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlens.collect.security import score_signature, unsubscribe_token
from cxlens.i18n import gettext

if TYPE_CHECKING:
    import jinja2

    from cxlens.collect.service import Collector, Invitation
    from cxlens.collect.surveys import Survey

TEMPLATES = Path(__file__).parent / "templates"
#: score buttons per kind: background colours of detractors/passives/promoters and the like
BUTTON_COLOURS = {"low": "#b3261e", "middle": "#8a6d00", "high": "#1e6b35"}


@cache
def _templates() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def score_url(collector: Collector, invitation: Invitation, question_id: str, score: int) -> str:
    """The signed link of one score button."""
    sig = score_signature(collector.key, invitation.id, question_id, score)
    return f"{invitation.url(collector.public_url)}/{score}/{sig}"


def unsubscribe_url(collector: Collector, customer_id: str, lang: str) -> str:
    """The customer's opt-out page (and RFC 8058 one-click address)."""
    token = unsubscribe_token(collector.key, customer_id)
    return f"{collector.public_url.rstrip('/')}/u/{token}?lang={lang}"


def _band(kind: str, score: int) -> str:
    """Which colour a score's button gets: the bands that open a case are 'low'."""
    from cxlens.collect.answers import CASE_THRESHOLDS

    low = CASE_THRESHOLDS.get(kind)
    if low is None:
        return "middle"
    if score <= low:
        return "low"
    top = {"nps": 9, "csat": 4, "ces": 6}.get(kind, low + 1)
    return "high" if score >= top else "middle"


def invitation_parts(
    collector: Collector, survey: Survey, invitation: Invitation, customer_id: str
) -> dict[str, Any]:
    """What the e-mail says, in the invitation's language: subject, texts and links."""
    lang = invitation.language
    company = collector.company
    question = survey.questions[0]
    low, high = question.scale
    return {
        "lang": lang,
        "subject": gettext("%(company)s: one quick question", lang, company=company),
        "greeting": gettext("Hello,", lang),
        "question": question.in_lang("text", lang, company),
        "low": question.in_lang("low", lang, company),
        "high": question.in_lang("high", lang, company),
        "pick": gettext("Choose a number to answer.", lang),
        "scores": [
            {
                "value": v,
                "url": score_url(collector, invitation, question.id, v),
                "colour": BUTTON_COLOURS[_band(question.kind, v)],
            }
            for v in range(low, high + 1)
        ],
        "survey_url": invitation.url(collector.public_url),
        "open": gettext("Open the survey", lang),
        "thanks": gettext("Thank you,", lang),
        "company": company,
        "why": gettext(
            "You receive this e-mail because you are a customer of %(company)s.",
            lang,
            company=company,
        ),
        "unsubscribe": gettext("No more surveys? Unsubscribe", lang),
        "unsubscribe_url": unsubscribe_url(collector, customer_id, lang),
    }


def invitation_email(
    collector: Collector, survey: Survey, invitation: Invitation, to: str, customer_id: str
) -> EmailMessage:
    """The invitation to ``customer_id`` as a multipart/alternative message: plain text,
    then HTML, with the customer's opt-out link in both and in the List-Unsubscribe
    headers (RFC 2369; one-click by POST as RFC 8058 describes)."""
    parts = invitation_parts(collector, survey, invitation, customer_id)
    smtp = collector.config.section("smtp")
    msg = EmailMessage()
    msg["From"] = str(smtp.get("sender") or f"{collector.company} <surveys@localhost>")
    msg["To"] = to
    msg["Subject"] = parts["subject"]
    # mail programs show their own "unsubscribe" and POST "List-Unsubscribe=One-Click" to it
    msg["List-Unsubscribe"] = f"<{parts['unsubscribe_url']}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(_templates().get_template("invitation_email.txt").render(**parts))
    msg.add_alternative(
        _templates().get_template("invitation_email.html").render(**parts), subtype="html"
    )
    msg["Content-Language"] = parts["lang"]  # after set_content, which sets the Content-* headers
    return msg
