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

#: run the CLI with the store writer's commits hanging: the first one notes how many
#: submissions its transaction holds in $CXLENS_TEST_MARKER, then waits to be killed
HANGING_COMMITS = """
import os, sys, threading, time
from sqlalchemy.engine import default
plain = default.DefaultDialect.do_commit
def do_commit(self, dbapi_connection):
    if threading.current_thread().name == "cxlens-writer":
        cur = dbapi_connection.cursor()
        cur.execute("SELECT count(*) FROM submissions")
        with open(os.environ["CXLENS_TEST_MARKER"] + ".part", "w") as f:
            f.write(str(cur.fetchone()[0]))
        os.rename(os.environ["CXLENS_TEST_MARKER"] + ".part", os.environ["CXLENS_TEST_MARKER"])
        time.sleep(3600)
    plain(self, dbapi_connection)
default.DefaultDialect.do_commit = do_commit
from cxlens.cli import main
sys.argv[0] = "cxlens"
main()
"""


def start_server(
    root: Path,
    port: int,
    workers: int = 1,
    code: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            *(["-c", code] if code else ["-m", "cxlens"]),
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
        env={**os.environ, **(env or {})},
        start_new_session=True,  # so that a SIGKILL to its group takes the workers too
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
@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_under_load_loses_no_acknowledged_response(store_ws, workers):
    """With two workers, the serving process writes for both (the answer relay); all die at once."""
    root = store_ws
    c = Collector(cxlens.open(root).config)
    tokens = [c.invite("nps", f"C{1 + i % 4}", "en").token for i in range(600)]
    port = free_port()
    proc = start_server(root, port, workers)
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
    os.killpg(proc.pid, signal.SIGKILL)
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


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_cut_off_by_sigkill_acknowledged_none_of_its_answers(store_ws, tmp_path, workers):
    """Ten answers written in one transaction, the server killed before its commit ends."""
    c = Collector(cxlens.open(store_ws).config)
    tokens = [c.invite("nps", f"C{1 + i % 4}", "en").token for i in range(10)]  # type: ignore[union-attr]
    # the server under test waits a second for more answers before it writes (invitations
    # made with that setting would wait a second each)
    toml = store_ws / "cxlens.toml"
    plain = toml.read_text()
    toml.write_text(plain.replace("[collection]\n", "[collection]\ngroup_commit_ms = 1000\n"))
    marker = tmp_path / "in-commit"
    port = free_port()
    proc = start_server(
        store_ws, port, workers, code=HANGING_COMMITS, env={"CXLENS_TEST_MARKER": str(marker)}
    )
    replies: list[object] = []

    def answer(token: str) -> None:
        try:
            replies.append(post(port, {"token": token, "scores": {"nps": 9}, "language": "en"}))
        except (OSError, http.client.HTTPException) as exc:  # the server died: no reply
            replies.append(exc)

    threads = [threading.Thread(target=answer, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    deadline = time.time() + 30
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.01)
    assert marker.read_text() == "10", "the ten answers were not written in one transaction"
    time.sleep(0.3)
    assert not replies, f"answered before the commit: {replies}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for t in threads:
        t.join()
    assert len(replies) == 10 and not any(isinstance(r, tuple) for r in replies), replies
    with db.create_engine(cxlens.open(store_ws).config.collection_url).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.submissions)).scalar() == 0
    # none of the ten links was used: each can be answered now (one by one, without the wait)
    toml.write_text(plain)
    proc = start_server(store_ws, port)
    try:
        assert [post(port, {"token": t, "scores": {"nps": 9}})[0] for t in tokens] == [201] * 10
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
    c.accounts.add_user("admin", "correct horse battery", "admin")
    TOKEN["value"] = c.accounts.add_token("admin", "fuzz")
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
