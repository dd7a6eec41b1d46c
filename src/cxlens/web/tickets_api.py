"""``POST /api/v1/tickets``: a help desk sends its tickets as they change.

The body is one ticket or ``{"tickets": [...]}`` (at most :data:`MAX_TICKETS`, and
:data:`MAX_BYTES` in all), each with the columns of the ``tickets`` table
(``ticket_id`` and ``customer_id`` required; ``opened_at``, ``first_response_at``,
``resolved_at`` as ISO 8601 times; ``channel``, ``category``) and any others the help
desk has (``agent``, ``team``...), which become dimensions. Tickets are merged by
``ticket_id`` exactly as ``cxlens import tickets`` merges a file: checked first, all
or nothing, a ticket sent again updates it. A survey with the trigger
``{after: ticket_resolved, delay: 2h}`` then invites the customer once the ticket has
been resolved for that long, and the answer is tied to the ticket (``--by agent``).
Needs an API token (or session) of an analyst or admin.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from cxlens.errors import CxlensError

#: the largest body accepted (bytes) and the most tickets in one request
MAX_BYTES = 1 << 20
MAX_TICKETS = 1000
_FRAME_FILE = re.compile(r"\S*cxlens-frame-[^/\s]+/tickets\.parquet")
Scalar = str | int | float | bool | None


class TicketIn(BaseModel):
    """One ticket; columns beyond these are kept as they are (text, numbers, booleans)."""

    model_config = ConfigDict(extra="allow")

    ticket_id: str = Field(min_length=1, max_length=128)
    customer_id: str = Field(min_length=1, max_length=128)
    opened_at: str | None = Field(
        None, max_length=40, description="ISO 8601, e.g. 2026-12-01T09:30:00Z"
    )
    first_response_at: str | None = Field(None, max_length=40)
    resolved_at: str | None = Field(None, max_length=40)
    channel: str | None = Field(None, max_length=64)
    category: str | None = Field(None, max_length=128)


class TicketsIn(BaseModel):
    tickets: list[TicketIn] = Field(min_length=1, max_length=MAX_TICKETS)


async def _limited_body(request: Request) -> bytes:
    """The body, refused with 413 beyond :data:`MAX_BYTES` (also when it comes chunked)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BYTES:
        raise HTTPException(413, f"At most {MAX_BYTES // 1024} KB of tickets per request.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BYTES:
            raise HTTPException(413, f"At most {MAX_BYTES // 1024} KB of tickets per request.")
    return bytes(body)


def _tickets(raw: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw)
    except ValueError:
        raise HTTPException(422, "The body is not JSON.") from None
    try:
        parsed = TicketsIn.model_validate(
            data if isinstance(data, dict) and "tickets" in data else {"tickets": [data]}
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise HTTPException(422, f"{where}: {first['msg']}") from None
    rows = []
    for i, ticket in enumerate(parsed.tickets, start=1):
        row = ticket.model_dump()
        for key, value in row.items():
            if not isinstance(value, Scalar):
                raise HTTPException(
                    422, f"tickets.{i - 1}.{key}: give text, a number or true/false."
                )
        rows.append(row)
    return rows


def register(app: FastAPI, ws: Any, need: Callable[..., Any]) -> None:
    @app.post(
        "/api/v1/tickets",
        tags=["data"],
        responses={
            401: {"description": "No valid API token"},
            413: {"description": "Body over 1 MB"},
            422: {"description": "A ticket that does not fit the tickets table (nothing stored)"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": TicketsIn.model_json_schema()}},
            }
        },
    )
    async def post_tickets(
        request: Request, user: dict[str, Any] = Depends(need("analyst", html=False))
    ) -> dict[str, int]:
        """Create or update tickets (a help desk's webhook); resolved ones trigger CSAT surveys."""
        import pandas as pd

        rows = _tickets(await _limited_body(request))
        frame = pd.DataFrame(rows)
        try:
            result = await run_in_threadpool(ws.append_rows, "tickets", frame)
        except CxlensError as exc:
            message = _FRAME_FILE.sub("request body", str(exc))
            raise HTTPException(422, message + " (row N is the N-th ticket)") from None
        return {"received": len(rows), "added": result.added, "updated": result.updated}
