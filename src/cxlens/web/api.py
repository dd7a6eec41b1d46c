"""The API for machines (API token or session): surveys, invitation links, cases, the export."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cxlens.collect import db
from cxlens.collect.service import Collector, case_json
from cxlens.errors import CxlensError
from cxlens.web.auth import Auth

EXPORT_COLUMNS = (
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
)


class InvitationIn(BaseModel):
    customer_id: str | None = Field(None, max_length=128)
    language: str = Field("en", max_length=8)


class InvitationOut(BaseModel):
    url: str
    expires_at: str


def register(app: FastAPI, collector: Collector, auth: Auth) -> None:
    need = auth.need

    @app.get("/api/v1/surveys", tags=["surveys"])
    def api_surveys(
        user: dict[str, Any] = Depends(need("viewer", html=False)),
    ) -> list[dict[str, Any]]:
        """The surveys, each with whether it is active (inviting who its trigger finds due)."""
        active = collector.active_survey_ids()
        return [
            {
                "id": s.id,
                "active": s.id in active,
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

        with collector.engine.connect() as conn:
            rows = conn.execute(
                sa.select(*(db.answers.c[c] for c in EXPORT_COLUMNS)).order_by(db.answers.c.id)
            ).all()
        return Response(
            rows_csv(EXPORT_COLUMNS, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": "attachment; filename=responses.csv"},
        )
