"""`cxlens user ...`, `cxlens token ...` and `cxlens audit` manage and show access."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import cxlens
from cxlens.cli import app
from cxlens.collect.service import Collector
from tests.collect.conftest import make_ws

runner = CliRunner()
PASSWORD = "a long password"


def run(*args: str, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_users_tokens_and_the_audit_log_from_the_command_line(tmp_path):
    root = str(make_ws(tmp_path / "ws"))
    w = ("-w", root)
    for name in ("ann", "bob"):
        run("user", "add", name, "--role", "analyst", "--password-stdin", *w, input=PASSWORD + "\n")
    acc = Collector(cxlens.open(root).config).accounts
    session = acc.sign_in("ann", PASSWORD, "10.0.0.1").token
    users = json.loads(run("user", "list", "--json", *w))
    assert [(u["username"], u["state"], u["sessions"]) for u in users] == [
        ("ann", "active", 1),
        ("bob", "active", 0),
    ]
    assert "disabled; 1 session(s) ended" in run("user", "disable", "ann", *w)
    assert acc.session_user(session) is None
    assert "disabled" in run("user", "list", *w)
    run("user", "enable", "ann", *w)
    token = run("token", "add", "ann", "--name", "ci", "--days", "30", *w).strip()
    assert acc.token_user(token)["username"] == "ann"
    tokens = json.loads(run("token", "list", "--json", *w))
    assert [(t["username"], t["name"]) for t in tokens] == [("ann", "ci")]
    assert token not in run("token", "list", *w)
    assert "revoked" in run("token", "revoke", str(tokens[0]["id"]), *w)
    assert acc.token_user(token) is None
    bad = runner.invoke(app, ["token", "revoke", "99", *w])
    assert bad.exit_code == 1 and "no API token 99" in bad.output
    bad = runner.invoke(app, ["token", "add", "ann", "--days", "0", *w])
    assert bad.exit_code == 1 and "1 to 3650 days" in bad.output
    acc.sign_in("bob", PASSWORD, None)
    assert "1 session(s) of 'bob' ended" in run("user", "sign-out", "bob", *w)
    for _ in range(5):
        acc.sign_in("bob", "wrong", "10.0.0.2")
    assert "was not locked" in run("user", "unlock", "bob", *w)
    assert acc.sign_in("bob", PASSWORD, "10.0.0.3").user is not None  # the failures are forgotten
    run("user", "remove", "bob", *w)
    assert [u["username"] for u in json.loads(run("user", "list", "--json", *w))] == ["ann"]
    bad = runner.invoke(app, ["user", "remove", "bob", *w])
    assert bad.exit_code == 1 and "no user 'bob'" in bad.output
    audit = json.loads(run("audit", "--json", "--limit", "100", *w))
    actions = [e["action"] for e in reversed(audit)]
    assert actions[:2] == ["user_added", "user_added"] and actions[-1] == "user_removed"
    assert {"user_disabled", "token_added", "token_revoked", "signed_out_everywhere",
            "account_unlocked"} <= set(actions)  # fmt: skip
    by_cli = next(e for e in audit if e["action"] == "user_removed")
    assert by_cli["actor"].startswith("cli") and by_cli["target"] == "bob"
    assert "user_removed" in run("audit", *w)
