"""Answers per second and latency of ``POST /api/v1/responses``, against a floor, on loopback.

    python bench/bench_collect.py                 # 20,000 invitations, 32 connections
    python bench/bench_collect.py --scale 0.1     # 2,000 invitations
    python bench/bench_collect.py --rounds 3      # floor and cxlens in turn, three times

Two servers take the same load in turn, on the same cores and under the same uvicorn
set-up (``--workers`` processes, no access log):

* the floor (``bench/collect_floor.py``): a bare FastAPI endpoint doing one SQLite
  insert per request, WAL mode, ``synchronous = FULL``, nothing else;
* cxlens (``cxlens serve --workers 2``, its SQLite store as configured by default):
  each request checks the signed link and the answers and stores the submission, its
  answers and the invitation's state, acknowledged only once committed (synced).

The load comes from wrk (Debian package; ``make setup`` installs it) with a Lua script
that posts one invitation's answer (score and comment) per request, or from Python
client processes when wrk is missing; the load generator shares the machine's cores.
Both servers take the same answers: a round ends when every invitation is answered
(so the rate is never capped by running out of invitations).
Each round gives each server a fresh store. For cxlens the stored count is checked
against the replies. Absolute figures depend on the machine and on what else runs on
it; the ratios to the floor, measured in the same run, carry over.
Goal: at least twice the floor's answers/s, with p99 latency under 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BODY = '{{"token":"{}","scores":{{"nps":9}},"comment":"fast and friendly","language":"et"}}'


@dataclass(frozen=True)
class Load:
    requests: int
    ok: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.ok / self.seconds


WRK_SCRIPT = """
-- each thread posts its share of the invitations' answers, one per request, then stops;
-- the round lasts from the first request to the time the last thread stops
-- (clock_gettime, through LuaJIT's ffi)
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end
local tokens, counter, threads = {}, 0, {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args)
  local i, n = 0, tonumber(args[2])
  for line in io.lines(args[1]) do
    if i % n == id then table.insert(tokens, line) end
    i = i + 1
  end
end
function request()  -- (also called once by wrk's own check of the script, without tokens)
  if started == nil then started = now() end
  counter = counter + 1
  if counter > #tokens then return wrk.format("GET", "/not-an-answer") end  -- (not sent)
  local body = '{"token":"' .. tokens[counter] .. '","scores":{"nps":9},"comment":"fast and friendly","language":"et"}'
  return wrk.format("POST", "/api/v1/responses", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  -- the thread's share is sent: it stops, its last answers (one per connection at most)
  -- still in flight, stored but not counted
  if finished == nil and counter >= #tokens then
    finished = now()
    io.write("FINISHED\\n"); io.flush()  -- the bench stops wrk once every thread is done
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local first, last, seconds = nil, nil, summary.duration / 1e6
  for _, t in ipairs(threads) do
    local s, f = t:get("started"), t:get("finished")
    if s == nil or f == nil then first = nil; break end  -- stopped by the time limit
    if first == nil or s < first then first = s end
    if last == nil or f > last then last = f end
  end
  if first ~= nil then seconds = last - first end
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f\\n", summary.requests,
    summary.errors.status, seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
"""


def run_wrk(port: int, tokens: list[str], clients: int, seconds: float, tmp: Path) -> Load:
    (tmp / "tokens.txt").write_text("\n".join(tokens) + "\n")
    (tmp / "post.lua").write_text(WRK_SCRIPT)
    threads = 2
    proc = subprocess.Popen(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds:.0f}s", "-s", str(tmp / "post.lua"),
         f"http://127.0.0.1:{port}", "--", str(tmp / "tokens.txt"), str(threads)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    lines, finished = [], 0
    for x in proc.stdout:  # wrk waits out its duration unless interrupted
        lines.append(x)
        finished += x.startswith("FINISHED")
        if finished == threads:
            proc.send_signal(signal.SIGINT)
    if proc.wait() != 0:
        raise RuntimeError(f"wrk failed: {''.join(lines)}")
    line = next(x for x in lines if x.startswith("RESULT"))
    _, requests, bad, wall, p50, p99 = line.split()
    return Load(int(requests), int(requests) - int(bad), float(wall), float(p50), float(p99))


def _client(port: int, tokens: list[str], threads: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def run(mine: list[str]) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        own, bad = [], 0
        for token in mine:
            t0 = time.perf_counter()
            conn.request(
                "POST",
                "/api/v1/responses",
                BODY.format(token),
                {"content-type": "application/json"},
            )
            response = conn.getresponse()
            response.read()
            own.append(time.perf_counter() - t0)
            bad += response.status != 201
        conn.close()
        with lock:
            latencies.extend(own)
            errors += bad

    workers = [threading.Thread(target=run, args=(tokens[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((latencies, errors))


def run_python(port: int, tokens: list[str], clients: int) -> Load:
    processes = 2
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    procs = [
        mp.Process(target=_client, args=(port, tokens[i::processes], clients // processes, queue))
        for i in range(processes)
    ]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    lat = np.array([x for r in results for x in r[0]]) * 1000
    p50, p99 = np.percentile(lat, [50, 99])
    return Load(len(lat), len(lat) - sum(r[1] for r in results), wall, float(p50), float(p99))


def wait_until_up(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the server stopped at start") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve_floor(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, str(HERE / "collect_floor.py"), str(db), "--port", str(port),
           "--workers", str(workers)]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve_cxlens(root: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "cxlens", "serve", "--port", str(port), "--no-schedule",
           "--workers", str(workers), "-w", str(root)]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stored_submissions(root: Path) -> int:
    import sqlite3

    with sqlite3.connect(root / "collection.db") as conn:
        return int(conn.execute("SELECT count(*) FROM submissions").fetchone()[0])


def make_workspace(root: Path, n: int) -> list[str]:
    """A workspace with one NPS survey and ``n`` invitations (their tokens)."""
    import cxlens
    from cxlens.collect.service import Collector
    from cxlens.collect.surveys import template_survey

    cxlens.init(root)
    toml = root / "cxlens.toml"
    toml.write_text(
        toml.read_text().replace(
            "[collection]\n", "[collection]\nrate_limit_per_minute = 0\nschedule_minutes = 0\n"
        )
    )
    c = Collector(cxlens.open(root).config)
    c.save_survey(template_survey("nps", "nps"))
    with ThreadPoolExecutor(32) as pool:  # invitations made together share commits
        invitations = list(pool.map(lambda i: c.invite("nps", f"C{i}", "et"), range(n)))
    return [inv.token for inv in invitations if inv is not None]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 20,000 invitations")
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--rounds", type=int, default=1, help="floor and cxlens, this many times")
    parser.add_argument(
        "--python-clients", action="store_true", help="load from Python even when wrk exists"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from tests.collect.conftest import free_port

    n = int(20_000 * args.scale)
    use_wrk = bool(shutil.which("wrk")) and not args.python_clients
    # a round ends when its n invitations are answered: this is only the longest it may take
    seconds = max(10.0, n / 200)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        tokens = make_workspace(tmp / "ws", n)
        # answers come in an order unrelated to the invitations' (and so to their rows')
        random.Random(20).shuffle(tokens)
        print(f"{n:,} invitations created in {time.perf_counter() - t0:.1f} s")
        pristine = tmp / "pristine.db"
        shutil.copy(tmp / "ws" / "collection.db", pristine)

        def load(port: int) -> Load:
            if use_wrk:
                return run_wrk(port, tokens, args.clients, seconds, tmp)
            return run_python(port, tokens, args.clients)

        rows: list[tuple[str, Load, int | None]] = []
        for _ in range(args.rounds):
            floor_db = tmp / "floor.db"
            for leftover in tmp.glob("floor.db*"):
                leftover.unlink()
            port = free_port()
            server = serve_floor(floor_db, port, args.workers)
            try:
                wait_until_up(server, port)
                floor = load(port)
            finally:
                stop(server)
            rows.append(("floor", floor, None))

            for leftover in (tmp / "ws").glob("collection.db*"):
                leftover.unlink()
            shutil.copy(pristine, tmp / "ws" / "collection.db")
            port = free_port()
            server = serve_cxlens(tmp / "ws", port, args.workers)
            try:
                wait_until_up(server, port)
                ours = load(port)
            finally:
                stop(server)
            rows.append(("cxlens", ours, stored_submissions(tmp / "ws")))

    how = f"wrk, {n:,} answers" if use_wrk else f"Python clients, {n:,} requests"
    print(f"load: {how}, {args.clients} connections; servers: {args.workers} workers each")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end\n")
    print(
        f"{'server':<8}{'requests':>10}{'2xx':>8}{'stored':>8}{'answers/s':>11}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'x rate':>8}{'x p50':>7}{'x p99':>7}"
    )
    met = True
    for r in range(0, len(rows), 2):
        (_, floor, _), (_, ours, stored) = rows[r], rows[r + 1]
        for name, m, kept in rows[r : r + 2]:
            ratios = "" if m is floor else (
                f"{m.rate / floor.rate:>8.2f}{m.p50_ms / floor.p50_ms:>7.2f}"
                f"{m.p99_ms / floor.p99_ms:>7.2f}"
            )  # fmt: skip
            print(
                f"{name:<8}{m.requests:>10,}{m.ok:>8,}{'' if kept is None else f'{kept:,}':>8}"
                f"{m.rate:>11,.0f}{m.p50_ms:>8.1f}{m.p99_ms:>8.1f}{ratios}"
            )
        met &= ours.rate >= 2 * floor.rate and ours.p99_ms < 100
        if stored is not None and stored < ours.ok:
            print(f"!! {ours.ok - stored:,} acknowledged answers are not in the store")
            met = False
    print("\n(x: cxlens' figure divided by the floor's in the same round)")
    if use_wrk and any(m.requests > n for _, m, _ in rows):
        print(f"(requests beyond the {n:,} invitations get 404 from cxlens and are not counted)")
    print(f"goal: >= 2x the floor's answers/s with p99 < 100 ms -> {'met' if met else 'not met'}")


if __name__ == "__main__":
    main()
