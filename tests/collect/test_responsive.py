"""The server keeps answering while its store writes wait: no store write runs on the event loop."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa

import cxlens
from cxlens.collect import db
from cxlens.collect.service import Collector
from tests.collect.conftest import free_port
from tests.collect.test_reliability import start_server


def fetch(
    port: int, path: str, data: bytes | None = None, kind: str = "", timeout: float = 30
) -> int:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
    if kind:
        req.add_header("content-type", kind)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        r.read()
        return int(r.status)


@pytest.mark.slow
def test_health_answers_while_survey_writes_wait_for_the_store(sqlite_ws):
    c = Collector(cxlens.open(sqlite_ws).config)
    form, api, page = (c.invite("nps", "C1", "en").token for _ in range(3))  # type: ignore[union-attr]
    port = free_port()
    proc = start_server(sqlite_ws, port)
    # another process holds SQLite's write lock: every store write of the server must wait
    blocker = sqlite3.connect(str(sqlite_ws / "collection.db"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    statuses: dict[str, int] = {}
    calls = {
        "form": lambda: fetch(
            port, f"/s/{form}", urllib.parse.urlencode({"q_nps": "9", "lang": "en"}).encode(),
            "application/x-www-form-urlencoded",
        ),
        "api": lambda: fetch(
            port, "/api/v1/responses", json.dumps({"token": api, "scores": {"nps": 7}}).encode(),
            "application/json",
        ),
        "page": lambda: fetch(port, f"/s/{page}"),  # records a display
    }  # fmt: skip
    threads = [
        threading.Thread(target=lambda k=k, f=f: statuses.setdefault(k, f()))
        for k, f in calls.items()
    ]
    try:
        for t in threads:
            t.start()
        time.sleep(1.0)  # all three are waiting for the store now
        assert fetch(port, "/healthz", timeout=5) == 200
        waiting = [k for k, t in zip(calls, threads, strict=True) if t.is_alive()]
        assert waiting == ["form", "api", "page"], "a write finished although the store is locked"
    finally:
        blocker.rollback()
        blocker.close()
        for t in threads:
            t.join()
        proc.terminate()
        proc.wait()
    assert statuses == {"form": 200, "api": 201, "page": 200}
    with c.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.submissions)).scalar() == 2
        assert conn.execute(sa.select(sa.func.count()).select_from(db.displays)).scalar() == 1
