"""Responses per second and latency of the web app's response endpoint on loopback.

    python bench/bench_collect.py                 # 20,000 responses, 32 concurrent clients
    python bench/bench_collect.py --scale 0.1     # 2,000 responses

The server (`cxlens serve --workers 2`, SQLite store in WAL mode, synchronous=FULL)
runs in its own processes; the load comes from wrk (Debian package; `make setup`
installs it) with a Lua script, or from Python client processes when wrk is
missing, on the same two cores, so the figures include the load generator's share
of the machine. Every request submits a new invitation's answer (score and
comment) and must get 201; the stored count is checked against the replies.
Goal: at least 1,000 responses/s with p99 latency under 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def client(port: int, tokens: list[str], threads: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def run(mine: list[str]) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        own, bad = [], 0
        for token in mine:
            body = json.dumps(
                {
                    "token": token,
                    "scores": {"nps": 9},
                    "comment": "fast and friendly",
                    "language": "et",
                }
            )
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/responses", body, {"content-type": "application/json"})
            response = conn.getresponse()
            response.read()
            own.append(time.perf_counter() - t0)
            if response.status != 201:
                bad += 1
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


WRK_SCRIPT = """
local tokens, counter, threads = {}, 0, {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args)
  local i, n = 0, tonumber(args[2])
  for line in io.lines(args[1]) do
    if i % n == id then table.insert(tokens, line) end
    i = i + 1
  end
end
function request()
  counter = counter + 1
  local t = tokens[counter] or "exhausted"
  local body = '{"token":"' .. t .. '","scores":{"nps":9},"comment":"fast and friendly","language":"et"}'
  return wrk.format("POST", "/api/v1/responses", {["Content-Type"] = "application/json"}, body)
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f\\n", summary.requests,
    summary.errors.status, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
"""


def run_wrk(
    port: int, tokens: list[str], clients: int, seconds: float, tmp: Path
) -> tuple[int, int, float, float, float]:
    import subprocess

    (tmp / "tokens.txt").write_text("\n".join(tokens) + "\n")
    (tmp / "post.lua").write_text(WRK_SCRIPT)
    threads = 2
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds:.0f}s", "-s", str(tmp / "post.lua"),
         f"http://127.0.0.1:{port}", "--", str(tmp / "tokens.txt"), str(threads)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    _, requests, bad, wall, p50, p99 = line.split()
    return int(requests), int(bad), float(wall), float(p50), float(p99)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 20,000 responses")
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument(
        "--python-clients", action="store_true", help="load from Python even when wrk exists"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import cxlens
    from cxlens.collect.service import Collector
    from cxlens.collect.surveys import template_survey
    from tests.collect.conftest import free_port
    from tests.collect.test_reliability import start_server

    n = int(20_000 * args.scale)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        cxlens.init(root)
        toml = root / "cxlens.toml"
        toml.write_text(
            toml.read_text().replace(
                "[collection]\n", "[collection]\nrate_limit_per_minute = 0\nschedule_minutes = 0\n"
            )
        )
        c = Collector(cxlens.open(root).config)
        c.save_survey(template_survey("nps", "nps"))
        t0 = time.perf_counter()
        tokens = [c.invite("nps", f"C{i}", "et").token for i in range(n)]
        print(f"{n:,} invitations created in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        server = start_server(root, port, workers=args.workers)
        import shutil

        if shutil.which("wrk") and not args.python_clients:
            seconds = max(3.0, n / 2500)
            try:
                requests, bad, wall, p50, p99 = run_wrk(
                    port, tokens, args.clients, seconds, Path(tmp)
                )
            finally:
                server.terminate()
                server.wait()
            stored = len(
                Collector(cxlens.open(root).config)
                .engine.connect()
                .exec_driver_sql("SELECT id FROM submissions")
                .all()
            )
            ok = requests - bad
            print(
                f"load: wrk, {args.clients} connections, {seconds:.0f} s; server: {args.workers} workers"
            )
            print(
                f"\n{'requests':>10}{'201':>8}{'other':>7}{'stored':>8}{'resp/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
            )
            print(
                f"{requests:>10,}{ok:>8,}{bad:>7}{stored:>8,}{ok / wall:>9,.0f}{p50:>8.1f}{p99:>8.1f}"
            )
            if requests > n:
                print(
                    f"(more requests than the {n:,} invitations: the rest got 404 and count as 'other')"
                )
            met = ok / wall >= 1000 and p99 < 100
            print(
                f"\ngoal: >= 1,000 responses/s with p99 < 100 ms -> {'met' if met else 'not met'}"
            )
            return
        try:
            processes = 2
            queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
            per = args.clients // processes
            procs = [
                mp.Process(target=client, args=(port, tokens[i::processes], per, queue))
                for i in range(processes)
            ]
            t0 = time.perf_counter()
            for p in procs:
                p.start()
            results = [queue.get() for _ in procs]
            wall = time.perf_counter() - t0
            for p in procs:
                p.join()
        finally:
            server.terminate()
            server.wait()
        lat = np.array([x for r in results for x in r[0]]) * 1000
        errors = sum(r[1] for r in results)
        stored = len(
            Collector(cxlens.open(root).config)
            .engine.connect()
            .exec_driver_sql("SELECT id FROM submissions")
            .all()
        )
    rate = n / wall
    p50, p99 = np.percentile(lat, [50, 99])
    print(
        f"\n{'responses':>10}{'clients':>9}{'wall s':>8}{'resp/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}{'stored':>8}"
    )
    print(
        f"{n:>10,}{args.clients:>9}{wall:>8.1f}{rate:>9,.0f}{p50:>8.1f}{p99:>8.1f}{errors:>8}{stored:>8,}"
    )
    ok = rate >= 1000 and p99 < 100
    print(f"\ngoal: >= 1,000 responses/s with p99 < 100 ms -> {'met' if ok else 'not met'}")


if __name__ == "__main__":
    main()
