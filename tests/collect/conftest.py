"""Collection fixtures: workspaces with a store on SQLite or on a real PostgreSQL server."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

import cxlens
from cxlens.collect.service import Collector
from cxlens.collect.surveys import template_survey

CUSTOMERS = """customer_id,created_at,country,language,email,consent
C1,2025-01-01,EE,et,c1@example.com,yes
C2,2025-01-01,DE,de,c2@example.com,yes
C3,2025-01-01,FI,fi,c3@example.com,no
C4,2025-01-01,HR,hr,,yes
"""


#: Debian's Chromium (make setup installs it); browser tests skip without it
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL server on a free loopback port (run as the postgres user)."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (make setup installs it)")
    root = Path(tempfile.mkdtemp(prefix="cxlens-pg-"))
    os.chmod(root, 0o777)
    data = root / "data"
    port = free_port()
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    run = lambda *cmd: subprocess.run([*as_pg, *cmd], check=True, capture_output=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    run(
        str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
        f"-h 127.0.0.1 -p {port} -k {root} -F", "start",
    )  # fmt: skip
    try:
        run(
            str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "cxlens"
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/cxlens"
    finally:
        subprocess.run(
            [*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def make_ws(root: Path, store_url: str | None = None, extra: str = "") -> Path:
    cxlens.init(root)
    toml = root / "cxlens.toml"
    content = toml.read_text()
    if store_url:
        content = content.replace('url = "sqlite:///collection.db"', f'url = "{store_url}"')
    content = content.replace(
        "[collection]\n",
        '[collection]\nrate_limit_per_minute = 0\nschedule_minutes = 0\ncompany = "Näide OÜ"\n',
    )
    content += "\n" + extra
    toml.write_text(content)
    ws = cxlens.open(root)
    (root / "customers.csv").write_text(CUSTOMERS)
    ws.import_file("customers", root / "customers.csv")
    collector = Collector(ws.config)
    collector.save_survey(template_survey("nps", "nps", touchpoint="relationship"), replace=True)
    collector.save_survey(template_survey("csat", "csat", touchpoint="delivery"), replace=True)
    return root


_pg_counter = iter(range(10_000))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_ws(request, tmp_path) -> Path:
    """A workspace whose collection store is SQLite or (each test its own database) PostgreSQL."""
    if request.param == "sqlite":
        return make_ws(tmp_path / "ws")
    base = request.getfixturevalue("postgres_url")
    name = f"t{next(_pg_counter)}_{int(time.time() * 1000) % 100000}"
    import sqlalchemy as sa

    admin = sa.create_engine(
        base.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_ws(tmp_path / "ws", base.rsplit("/", 1)[0] + "/" + name)


@pytest.fixture
def sqlite_ws(tmp_path) -> Path:
    return make_ws(tmp_path / "ws")


class Inbox:
    """The messages a local SMTP server received, as bytes."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1 (a free port) keeping what it receives; stopped after."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a test module."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


def sign_in(page, user: str, password: str, then: str) -> None:
    """Fill the open sign-in page with ``user`` and ``password``; wait until ``then`` is shown."""
    page.locator("#username").fill(user)
    page.locator("#password").fill(password)
    page.locator("button[type=submit]").click()
    page.wait_for_url(then)


def quiet_demo(root: Path, customers: int, seed: int, end: str = "2026-09-30") -> Path:
    """A demo workspace for page tests: no scheduler run and no rate limit while pages load."""
    from typer.testing import CliRunner

    from cxlens.cli import app

    result = CliRunner().invoke(
        app, ["demo", str(root), "--customers", str(customers), "--seed", str(seed), "--end", end]
    )
    assert result.exit_code == 0, result.output
    toml = root / "cxlens.toml"
    toml.write_text(
        toml.read_text().replace(
            "[collection]\n", "[collection]\nschedule_minutes = 0\nrate_limit_per_minute = 0\n"
        )
    )
    return root
