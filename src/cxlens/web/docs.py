"""The API documentation at ``/docs``: Swagger UI (5.x, for OpenAPI 3.1) from the swagger-ui-py package.

Nothing is loaded from a CDN: the app serves the UI's script and style sheet
itself, and starts it from a static script, so the page's Content-Security-Policy
allows scripts from this site only.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from importlib import resources

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, Response

#: the files of the bundle the page uses
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css")
#: the same as the pages' policy, with the schema fetched from this site
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'; object-src 'none'"
)


def register(app: FastAPI, render: Callable[..., HTMLResponse]) -> None:
    bundle = resources.files("swagger_ui") / "static"  # only its files; its code is not used

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return render("docs.html", policy=DOCS_POLICY)

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        if name not in ASSETS:
            raise HTTPException(404, "No such file.")
        body = (bundle / name).read_bytes()
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=86400"})
