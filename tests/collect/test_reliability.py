"""A server killed with SIGKILL under load loses no acknowledged response; the API schema is fuzzed."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

import cxlens
from cxlens.collect import db
from cxlens.collect.service import Collector
from tests.collect.conftest import free_port, make_ws


def start_server(root: Path, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cxlens",
            "serve",
            "--port",
            str(port),
            "--no-schedule",
            "--workers",
            str(workers),
            "-w",
            str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def post(port: int, body: dict[str, object]) -> tuple[int, dict[str, object] | None]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/responses",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


@pytest.mark.slow
def test_sigkill_under_load_loses_no_acknowledged_response(tmp_path):
    root = make_ws(tmp_path / "ws")
    c = Collector(cxlens.open(root).config)
    tokens = [c.invite("nps", f"C{1 + i % 4}", "en").token for i in range(600)]
    port = free_port()
    proc = start_server(root, port)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(mine: list[str]) -> None:
        for token in mine:
            if stop.is_set():
                return
            try:
                status, body = post(port, {"token": token, "scores": {"nps": 8}, "language": "en"})
            except (OSError, http.client.HTTPException):
                # the server is gone, or died while sending the reply (IncompleteRead):
                # this answer was never acknowledged
                return
            if status == 201 and body:
                with lock:
                    acknowledged.append(str(body["submission_id"]))

    threads = [threading.Thread(target=worker, args=(tokens[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    while len(acknowledged) < 150 and any(t.is_alive() for t in threads):
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    assert len(acknowledged) >= 150
    with db.create_engine(cxlens.open(root).config.collection_url).connect() as conn:
        stored = {r.id for r in conn.execute(sa.select(db.submissions.c.id))}
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged responses were lost"
    # and the server comes back on the same store
    proc = start_server(root, port)
    try:
        status, _ = post(port, {"token": tokens[-1], "scores": {"nps": 10}})
        assert status in (201, 409)
    finally:
        proc.terminate()
        proc.wait()


TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    import schemathesis

    from cxlens.web.app import create_app

    root = make_ws(tmp_path_factory.mktemp("fuzz") / "ws")
    c = Collector(cxlens.open(root).config)
    c.add_user("admin", "correct horse battery", "admin")
    TOKEN["value"] = c.add_token("admin", "fuzz")
    TOKEN["invitation"] = c.invite("nps", "C1", "en").token
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(root, schedule=False))


@pytest.mark.slow
def test_fuzzed_api_never_answers_5xx(api_schema):
    """Random and malformed requests to every documented operation: never a server error."""
    failures: list[tuple[str, str, int, str]] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case):
            response = case.call(headers={"authorization": f"Bearer {TOKEN['value']}"})
            if response.status_code >= 500:
                failures.append(
                    (case.method, case.formatted_path, response.status_code, response.text[:200])
                )

        run()
    assert not failures, failures[:3]
