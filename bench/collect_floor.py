"""The floor for bench_collect.py: a bare FastAPI endpoint doing one SQLite insert per request.

    python bench/collect_floor.py DB_PATH --port 8001 --workers 2

It takes the same JSON body as ``POST /api/v1/responses`` and stores it as one row,
with SQLite in WAL mode and ``synchronous = FULL`` (each answer synced to disk
before its 201), one connection per server thread, under the same uvicorn set-up
as ``cxlens serve`` (workers, log level, no access log). Nothing else: no link
check, no validation beyond the body's types, no batching. It is what one would
write first, and what cxlens has to beat.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import threading
import time

from fastapi import FastAPI
from pydantic import BaseModel

ENV_DB = "CXLENS_FLOOR_DB"


class Answer(BaseModel):
    token: str | None = None
    survey_id: str | None = None
    scores: dict[str, int] = {}
    comment: str | None = None
    language: str = "en"


def open_db(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def create_app() -> FastAPI:
    path = os.environ[ENV_DB]
    local = threading.local()
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/responses", status_code=201)
    def answer(body: Answer) -> dict[str, int]:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = open_db(path)
        with conn:  # one transaction, committed (and synced) before the reply
            cur = conn.execute(
                "INSERT INTO answers (token, score, comment, language, ts) VALUES (?, ?, ?, ?, ?)",
                (body.token, body.scores.get("nps"), body.comment, body.language, time.time()),
            )
        return {"id": int(cur.lastrowid or 0)}

    return app


def prepare(path: str) -> None:
    """Create the floor's table (once, before the server starts)."""
    conn = open_db(path)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS answers (id INTEGER PRIMARY KEY, token TEXT, score REAL,"
        " comment TEXT, language TEXT, ts REAL)"
    )
    conn.commit()
    conn.close()


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    prepare(args.db)
    os.environ[ENV_DB] = args.db
    uvicorn.run(
        "collect_floor:create_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        app_dir=os.path.dirname(os.path.abspath(__file__)),
    )


if __name__ == "__main__":
    main()
