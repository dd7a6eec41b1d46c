"""What every request and response goes through: a body-size limit and security headers.

Both are plain ASGI middleware, so they act before FastAPI parses anything and on
every response the app sends (pages, JSON, CSV, static files, the API docs and
error pages alike). :class:`Shortcut`, inside them, takes the busiest endpoint past
the router.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: for responses that set no policy of their own (JSON, CSV, static files)
DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


class BodyLimit:
    """Refuse a request body over ``max_bytes`` with 413, before the app reads any of it.

    A declared Content-Length over the limit is refused at once; a body without one
    (chunked) is read up to the limit and refused as soon as it passes it. A body
    within the limit is handed to the app as it came.
    """

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                await _refuse(send, 400, "The Content-Length header is not a number.")
                return
            if too_big:
                await self._refuse(send)
                return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: let the app see it
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break
        pending = iter(messages)

        async def replay() -> Message:
            try:
                return next(pending)
            except StopIteration:
                return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        kib = self.max_bytes // 1024
        await _refuse(send, 413, f"The request body is larger than {kib:,} KiB.")


class SecurityHeaders:
    """Add nosniff, a referrer policy and frame protection to every response, and a
    restrictive Content-Security-Policy to responses that set none."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                names = {k.lower() for k, _ in headers}
                headers += list(HEADERS)
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DEFAULT_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_OURS = {name for name, _ in HEADERS}


class Shortcut:
    """Hand ``method path`` straight to ``endpoint``, past the router and the layers around
    it (exception middleware, route matching and the endpoint's wrappers), which took
    about a third of the time a worker spent on each survey answer.

    The endpoint remains a route of the app (for its documentation); what it raises is
    answered by the app's own exception ``handlers``, as after routing, and anything they
    do not handle goes on to the app's handler of unexpected errors.
    """

    def __init__(
        self,
        app: ASGIApp,
        method: str,
        path: str,
        endpoint: Callable[[Request], Awaitable[Response]],
        handlers: Mapping[Any, Callable[..., Any]],
    ):
        self.app = app
        self.method = method
        self.path = path
        self.endpoint = endpoint
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != self.method:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        try:
            response = await self.endpoint(request)
        except Exception as exc:
            # not the handler of Exception itself: the app's outermost layer calls that one
            handler = next(
                (
                    self.handlers[k]
                    for k in type(exc).__mro__
                    if k in self.handlers and k not in (Exception, 500)
                ),
                None,
            )
            if handler is None:
                raise
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)


def secure(response: Response) -> Response:
    """``response`` with the headers :class:`SecurityHeaders` adds, for answers made outside it
    (Starlette's handler of unexpected errors sits outside every middleware)."""
    for name, value in HEADERS:
        response.headers[name.decode()] = value.decode()
    response.headers.setdefault("content-security-policy", DEFAULT_POLICY)
    return response


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
