"""The collection commands: survey create/list/invite/dispatch, user add, token add, sync, cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from cxlens.collect.service import Collector
from cxlens.i18n import format_local_time
from tests.collect.conftest import make_ws

runner = CliRunner()


def run(*args: str, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_survey_commands(tmp_path):
    root = str(make_ws(tmp_path / "ws"))
    definition = tmp_path / "delivery.yaml"
    definition.write_text(
        "id: csat-courier\nkind: csat\ntouchpoint: delivery\nsampling: 0.5\n"
        "question:\n  en: How was the courier?\n  et: Kuidas kuller teenindas?\n"
        "trigger: {after: order, delay: 2d}\n"
    )
    assert "Survey 'csat-courier' (csat) saved" in run(
        "survey", "create", str(definition), "-w", root
    )
    run(
        "survey",
        "create",
        "--template",
        "ces",
        "--id",
        "ces-chat",
        "--touchpoint",
        "support_chat",
        "-w",
        root,
    )
    surveys = json.loads(run("survey", "list", "--json", "-w", root))
    courier = next(s for s in surveys if s["id"] == "csat-courier")
    assert courier["questions"][0]["text"]["et"] == "Kuidas kuller teenindas?"
    assert courier["questions"][0]["text"]["de"] == "Wie zufrieden waren Sie diesmal mit uns?"
    assert "order + 48 h" in run("survey", "list", "-w", root)
    link = run(
        "survey", "invite", "csat-courier", "--customer", "C1", "--lang", "et", "-w", root
    ).strip()
    assert link.startswith("http://127.0.0.1:8000/s/")
    bad = runner.invoke(app, ["survey", "create", "--template", "nps", "--id", "NPS!", "-w", root])
    assert bad.exit_code == 1 and "'id' must be" in bad.output
    definition.write_text("id: x\nkind: stars\n")
    bad = runner.invoke(app, ["survey", "create", str(definition), "-w", root])
    assert bad.exit_code == 1 and "'kind' must be one of" in bad.output
    assert "dispatch" in run("survey", "dispatch", "--dry-run", "-w", root).lower()


def test_users_tokens_sync_and_cases(tmp_path):
    root = str(make_ws(tmp_path / "ws"))
    assert "User 'ann' (analyst) saved" in run(
        "user",
        "add",
        "ann",
        "--role",
        "analyst",
        "--password-stdin",
        "-w",
        root,
        input="a long password\n",
    )
    token = run("token", "add", "ann", "-w", root).strip()
    c = Collector(cxlens.open(root).config)
    assert token.startswith("cxl_") and c.accounts.token_user(token)["username"] == "ann"
    bad = runner.invoke(
        app, ["user", "add", "bob", "--password-stdin", "-w", root], input="short\n"
    )
    assert bad.exit_code == 1 and "at least 10" in bad.output
    assert run("cases", "-w", root).strip() == "No follow-up case yet."
    assert run("cases", "--lang", "de", "-w", root).strip() == "Noch kein Nachfassfall."
    inv = c.invite("nps", "C1", "en")
    row, survey = c.resolve(inv.token)
    c.submit(survey, row, {"nps": 1}, "bad", "en")
    cases = json.loads(run("cases", "--json", "-w", root))
    assert len(cases) == 1 and cases[0]["status"] == "open"
    # times in the workspace's zone, which the header names
    zone = cxlens.open(root).config.timezone
    listing = run("cases", "-w", root)
    opened = datetime.fromisoformat(str(cases[0]["opened_at"])).replace(tzinfo=UTC)
    assert f"Opened ({zone})" in listing and "Open" in listing and "NPS" in listing
    assert format_local_time(opened, zone, "en") in listing
    german = run("cases", "--lang", "de", "-w", root)  # in the reader's language
    assert "Nachfassfälle" in german and f"Eröffnet ({zone})" in german
    assert format_local_time(opened, zone, "de") in german and "Offen" in german
    closed = run("cases", "--status", "closed", "-w", root)
    assert "No follow-up case has the status Closed." in closed
    out = run("sync", "-w", root)
    assert "responses: 1 row merged" in out
    assert "Nothing new" in run("sync", "-w", root) or "responses" not in run("sync", "-w", root)
    kpi = json.loads(run("kpi", "nps", "--json", "-w", root))
    assert kpi[0]["n"] == 1 and kpi[0]["value"] == -100
