"""Probe a running ``cxlens serve`` as an attacker would, and print what each probe got.

    .venv/bin/python scripts/probe_security.py

Makes a throw-away workspace, starts ``cxlens serve`` on a free port of
127.0.0.1, and tries: formula cells in the CSV export, a 200 MB request body
(with and without Content-Length), 100 wrong passwords, a session cookie reused
after signing out, and the four requests that used to answer 500 with a
traceback. Every loop is bounded; the server is stopped at the end.
"""

from __future__ import annotations

import csv
import html
import http.client
import io
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

PASSWORD = "probe password 123"
FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-1+1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """A tiny HTTP client with a cookie jar, for one host on the loopback."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=sent)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if value in ('""', "") or "max-age=0" in v.lower():
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, text

    def form(self, path: str, data: dict[str, str]) -> tuple[int, dict[str, str], str]:
        body = urllib.parse.urlencode(data).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def csrf(self, path: str) -> str:
        _, _, text = self.request("GET", path)
        found = re.search(r'name="csrf" value="([^"]+)"', text)
        return found.group(1) if found else ""


def big_body(port: int, size: int, chunked: bool) -> str:
    """Send ``size`` bytes to the public endpoint; what came back and how much was sent."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = (
        "POST /api/v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    )
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size}\r\n\r\n"
    sock.sendall(head.encode())
    sent, block, answer = 0, b"x" * 65536, b""
    sock.settimeout(0.001)
    started = time.monotonic()
    try:
        while sent < size and time.monotonic() - started < 60:
            part = (b"%x\r\n" % len(block) + block + b"\r\n") if chunked else block
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(block)
            try:
                answer += sock.recv(4096)
                if answer:
                    break
            except (TimeoutError, BlockingIOError):
                pass
        sock.settimeout(10)
        if not answer:
            try:
                answer = sock.recv(4096)
            except (TimeoutError, ConnectionResetError):
                answer = b""
    finally:
        sock.close()
    status = answer.split(b"\r\n", 1)[0].decode("latin-1") or "(connection closed)"
    return f"{status} after {sent / 1e6:.1f} MB of {size / 1e6:.0f} MB"


def main() -> int:
    import cxlens
    from cxlens.collect.service import Collector
    from cxlens.collect.surveys import template_survey

    root = Path(tempfile.mkdtemp(prefix="cxlens-probe-")) / "ws"
    cxlens.init(root)
    toml = root / "cxlens.toml"
    toml.write_text(
        toml.read_text().replace("[collection]\n", "[collection]\nschedule_minutes = 0\n")
    )
    c = Collector(cxlens.open(root).config)
    c.save_survey(template_survey("nps", "nps", touchpoint="relationship"))
    c.accounts.add_user("admin", PASSWORD, "admin")
    for payload in FORMULAS:
        inv = c.invite("nps", "C1", "en")
        c.submit(c.survey("nps"), c.resolve(inv.token)[0], {"nps": 3}, payload, "en")
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("cxlens")), "serve", "--port", str(port),
         "--no-schedule", "-w", str(root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    results: list[tuple[str, str]] = []
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        web = Client(port)
        # 1. formula cells in the export
        status, _, _ = web.form("/login", {"username": "admin", "password": PASSWORD,
                                           "csrf": web.csrf("/login")})  # fmt: skip
        _, _, text = web.request("GET", "/api/v1/responses.csv")
        comments = [row["comment"] for row in csv.DictReader(io.StringIO(text))]
        results.append(("formula cells in responses.csv", ", ".join(repr(x) for x in comments)))
        # 2. a 200 MB body, declared and chunked
        results.append(("200 MB body with Content-Length", big_body(port, 200_000_000, False)))
        results.append(("200 MB body, chunked", big_body(port, 200_000_000, True)))
        # 3. a session cookie reused after signing out
        cookie = web.cookies["cxl_session"]
        web.form("/logout", {"csrf": web.csrf("/admin")})
        web.cookies["cxl_session"] = cookie
        status, headers, _ = web.request("GET", "/admin")
        results.append(("reused cookie after logout",
                        f"{status} -> {headers.get('location', '')}"))  # fmt: skip
        # 4. the four 500s
        web.cookies.clear()
        web.form("/login", {"username": "admin", "password": PASSWORD, "csrf": web.csrf("/login")})
        for path in ("/dashboard/trends?to=abc", "/dashboard/trends?to=2026-02-30"):
            status, _, text = web.request("GET", path)
            said = re.search(r"<p[^>]*>([^<]*must be a date[^<]*)</p>", text)
            results.append((path, f"{status}: {said.group(1) if said else text[:120]}"))
        status, _, text = web.form("/admin/surveys", {"definition": "id: probe\nkind: nps\nsampling: abc\n",
                                                      "csrf": web.csrf("/admin")})  # fmt: skip
        said = re.search(r'role="status">([^<]*)<', text)
        results.append(
            ("POST /admin/surveys sampling=abc", f"{status}: {said.group(1) if said else ''}")
        )
        nested = "(" * 600 + "score >= 0" + ")" * 600
        status, _, text = web.form("/dashboard/alerts", {
            "name": "deep", "metric": "nps", "when": "below", "threshold": "0", "where": nested,
            "csrf": web.csrf("/dashboard/alerts")})  # fmt: skip
        said = re.search(r'role="status">([^<]*)<', text)
        results.append(("alert rule with 600 nested parentheses",
                        f"{status}: {said.group(1) if said else text[:120]}"))  # fmt: skip
        kpi = subprocess.run(
            [str(Path(sys.executable).with_name("cxlens")), "kpi", "nps", "--where", nested, "-w", str(root)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        results.append(("kpi --where with 600 nested parentheses",
                        f"exit {kpi.returncode}: {(kpi.stderr or kpi.stdout).strip()}"))  # fmt: skip
        # 5. timing: a wrong password for a real user and for an unknown name
        web.cookies.clear()
        csrf = web.csrf("/login")
        timings: dict[str, list[float]] = {"admin": [], "nobody-here": []}
        for _ in range(4):
            for name, times in timings.items():
                started = time.monotonic()
                web.form("/login", {"username": name, "password": "wrong one", "csrf": csrf})
                times.append(time.monotonic() - started)
        median = {k: sorted(v)[len(v) // 2] * 1000 for k, v in timings.items()}
        results.append(("wrong password: real vs unknown name",
                        f"{median['admin']:.0f} ms vs {median['nobody-here']:.0f} ms (median of 4)"))  # fmt: skip
        c.accounts.unlock("admin", "probe")  # forget those failures
        # 6. 100 wrong passwords (last: the slow Argon2 work is what throttling saves)
        counts: dict[int, int] = {}
        started = time.monotonic()
        for i in range(100):
            status, _, _ = web.form(
                "/login", {"username": "admin", "password": f"guess {i}", "csrf": csrf}
            )
            counts[status] = counts.get(status, 0) + 1
        took = time.monotonic() - started
        results.append(("100 wrong passwords",
                        ", ".join(f"{n} x {s}" for s, n in sorted(counts.items())) + f" in {took:.1f} s"))  # fmt: skip
        status, _, _ = web.form("/login", {"username": "admin", "password": PASSWORD, "csrf": csrf})
        results.append(("then the right password", str(status)))
        _, headers, _ = web.request("GET", "/healthz")
        results.append(("headers on JSON", ", ".join(f"{k}: {headers.get(k)}" for k in (
            "x-content-type-options", "referrer-policy", "content-security-policy"))))  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    width = max(len(name) for name, _ in results)
    for name, outcome in results:
        print(f"{name.ljust(width)}  {html.unescape(outcome)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
