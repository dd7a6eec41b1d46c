"""Digests: the KPIs that changed significantly, cases and comments, in six languages, sent
once per period through a local SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import cxlens
from cxlens.alerts.digest import build_digest, digest_settings, send_due_digests
from cxlens.cli import app
from cxlens.collect import db
from cxlens.collect.service import Collector
from cxlens.metrics.catalog import load_catalog
from tests.collect.conftest import make_ws, smtp  # noqa: F401 - the fixture

NOW = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
YESTERDAY = (NOW - timedelta(days=1)).date()
#: the title's word for "digest" in each language
TITLES = {"en": "CX digest", "et": "kliendikogemuse kokkuvõte", "bg": "обобщение",
          "de": "CX-Überblick", "hr": "sažetak", "fi": "asiakaskokemuksen kooste"}  # fmt: skip


def _workspace(tmp_path, extra: str = ""):
    root = make_ws(tmp_path / "ws", extra=extra)
    ws = cxlens.open(root)
    rows = []
    before = YESTERDAY - timedelta(days=1)
    for i in range(40):  # the day before: all promoters (NPS 100)
        rows.append((f"A{i}", f"C{i}", f"{before} 10:00", "nps", 10, None))
    for i in range(40):  # yesterday: half detractors (NPS 0), a significant drop
        score = 0 if i % 2 else 10
        comment = {1: "Waited an hour on the phone", 2: "Lovely, quick help"}.get(i)
        rows.append((f"B{i}", f"C{i}", f"{YESTERDAY} 10:00", "nps", score, comment))
    frame = pd.DataFrame(
        rows, columns=["response_id", "customer_id", "ts", "kind", "score", "comment"]
    )
    frame["ts"] = pd.to_datetime(frame["ts"]).dt.tz_localize("UTC")
    ws.append_rows("responses", frame)
    c = Collector(ws.config)
    inv = c.invite("nps", "C1", "en")
    row, survey = c.resolve(inv.token)
    case_id = c.submit(survey, row, {"nps": 1}, "No answer for days", "en").case_id
    noon = datetime.combine(YESTERDAY, datetime.min.time(), UTC) + timedelta(hours=12)
    c.execute(
        db.cases.update().where(db.cases.c.id == case_id)
        .values(opened_at=noon, deadline_at=noon + timedelta(hours=1))
    )  # fmt: skip
    return cxlens.open(root), c, case_id


DIGEST = """
[[digests]]
name = "support-daily"
every = "day"
to = ["ann@example.com", "lead@example.com"]
language = "de"
metrics = ["nps", "csat"]
"""


@pytest.mark.parametrize("lang", ["en", "et", "bg", "de", "hr", "fi"])
def test_a_digest_preview_renders_in_every_language(tmp_path, lang):
    ws, c, case_id = _workspace(tmp_path, DIGEST)
    [settings] = digest_settings(c)
    digest = build_digest(ws, c, settings, NOW, lang=lang)
    nps = load_catalog()["nps"].name(lang)
    assert TITLES[lang] in digest.subject and YESTERDAY.isoformat() in digest.subject
    for part in (digest.text, digest.html):
        assert nps in part  # the significant drop of NPS
        assert "Waited an hour on the phone" in part and "Lovely, quick help" in part
        assert f"#{case_id}" in part  # opened yesterday, overdue now
        assert "{" not in part.replace("{{", "")  # every placeholder filled
    assert f'<html lang="{lang}">' in digest.html and "<table" in digest.html
    # CSAT had no answers: it is named among the KPIs without a significant change
    assert load_catalog()["csat"].name(lang) in digest.text


def test_digest_preview_on_the_command_line(tmp_path):
    ws, _c, _ = _workspace(tmp_path, DIGEST)
    out = CliRunner().invoke(app, ["digest", "preview", "--lang", "fi", "-w", str(ws.root)])
    assert out.exit_code == 0, out.output
    assert "asiakaskokemuksen kooste" in out.output and "Merkitsevät muutokset" in out.output
    html = tmp_path / "digest.html"
    out = CliRunner().invoke(
        app, ["digest", "preview", "support-daily", "--out", str(html), "-w", str(ws.root)]
    )
    assert out.exit_code == 0 and "CX-Überblick" in html.read_text()
    wrong = CliRunner().invoke(app, ["digest", "preview", "nope", "-w", str(ws.root)])
    assert wrong.exit_code == 1 and "support-daily" in wrong.output


def test_the_scheduler_sends_each_digest_once_per_period(tmp_path, smtp):  # noqa: F811
    inbox, port = smtp
    ws, c, _ = _workspace(
        tmp_path,
        DIGEST + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "cx@example.com"\n',
    )
    assert send_due_digests(ws, c, NOW) == 1
    assert send_due_digests(ws, c, NOW + timedelta(hours=3)) == 0  # the same day: sent already
    mails = [message_from_bytes(m, policy=policy.default) for m in inbox.messages]
    assert sorted(m["To"] for m in mails) == ["ann@example.com", "lead@example.com"]
    assert mails[0].get_content_type() == "multipart/alternative"
    assert "Signifikante Änderungen" in mails[0].get_body(("html",)).get_content()
    assert send_due_digests(ws, c, NOW + timedelta(days=1)) == 1  # the next day's
    with c.engine.connect() as conn:
        mark = conn.execute(
            sa.select(db.sync_state.c.mark).where(db.sync_state.c.name == "digest:support-daily")
        ).scalar_one()
    assert mark == (YESTERDAY + timedelta(days=1)).isoformat()


def test_digest_settings_errors_name_the_digest(tmp_path):
    from cxlens.errors import CxlensError

    root = make_ws(
        tmp_path / "ws", extra='[[digests]]\nname = "x"\nevery = "hourly"\nto = ["a@b.c"]\n'
    )
    with pytest.raises(CxlensError, match=r"digest #1 \(x\): every is day or week"):
        digest_settings(Collector(cxlens.open(root).config))
