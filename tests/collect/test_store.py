"""The collection store on SQLite and PostgreSQL: surveys, signed links, answers, cases, users, sync."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

import cxlens
from cxlens.collect import db
from cxlens.collect.service import AnswerError, Collector, LinkError, now_utc
from cxlens.collect.surveys import survey_from_dict, template_survey
from cxlens.collect.sync import sync
from cxlens.errors import CxlensError


def collector_of(root) -> Collector:
    return Collector(cxlens.open(root).config)


def count(c: Collector, table: sa.Table) -> int:
    with c.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_surveys_in_six_languages(store_ws):
    c = collector_of(store_ws)
    assert [s.id for s in c.surveys()] == ["csat", "nps"]
    nps = c.survey("nps")
    q = nps.questions[0]
    assert q.scale == (0, 10)
    assert q.in_lang("text", "et", "Näide OÜ") == (
        "Kui tõenäoliselt soovitaksite ettevõtet Näide OÜ sõbrale või kolleegile?"
    )
    for lang in ("en", "et", "bg", "de", "hr", "fi"):
        assert (
            q.in_lang("text", lang, "X")
            and q.in_lang("low", lang, "X")
            and nps.text("thank_you", lang)
        )
    with pytest.raises(CxlensError, match="exists already"):
        c.save_survey(template_survey("nps", "nps"))
    with pytest.raises(CxlensError, match="There is no survey 'zzz'"):
        c.survey("zzz")


def test_links_are_signed_and_single_use(store_ws):
    c = collector_of(store_ws)
    inv = c.invite("nps", "C1", "et")
    row, survey = c.resolve(inv.token)
    assert row["customer_id"] == "C1" and survey.id == "nps"
    inv_id, expires, sig = inv.token.split(".")
    for bad in (
        f"{inv_id}.{int(expires) + 3600}.{sig}",  # a later expiry
        f"{inv_id[:-1]}{'1' if inv_id[-1] == '0' else '0'}.{expires}.{sig}",  # another invitation
        f"{inv_id}.{expires}.{sig[:-2]}{'AB' if sig.endswith('AA') else 'AA'}",  # a forged signature
        "not-a-token",
    ):
        with pytest.raises(LinkError) as err:
            c.resolve(bad)
        assert err.value.reason == "invalid"
    with pytest.raises(LinkError) as err:
        c.resolve(inv.token, now=now_utc() + timedelta(days=31))
    assert err.value.reason == "expired"
    done = c.submit(survey, row, {"nps": 10}, "Great", "et")
    assert done.case_id is None
    with pytest.raises(LinkError) as err:
        c.resolve(inv.token)
    assert err.value.reason == "used"
    with pytest.raises(LinkError):
        c.submit(survey, row, {"nps": 9}, None, "et")
    assert count(c, db.submissions) == 1 and count(c, db.answers) == 1


def test_simultaneous_submissions_store_one(store_ws):
    c = collector_of(store_ws)
    inv = c.invite("nps", "C2", "de")
    row, survey = c.resolve(inv.token)
    results = []

    def post() -> None:
        try:
            c.submit(survey, row, {"nps": 7}, None, "de")
            results.append("ok")
        except LinkError:
            results.append("used")

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok"] + ["used"] * 7
    assert count(c, db.submissions) == 1


@pytest.mark.parametrize(
    "scores, comment, field",
    [
        ({"nps": 11}, None, "nps"),
        ({"nps": -1}, None, "nps"),
        ({"nps": "7.5"}, None, "nps"),
        ({"nps": "seven"}, None, "nps"),
        ({"csat": 3}, None, "scores"),
        ({}, None, "scores"),
        ({}, "   ", "scores"),
        ({"nps": 5}, "x" * 5001, "comment"),
        ({"nps": 5}, "a\x00b", "comment"),
    ],
)
def test_bad_answers_store_nothing(sqlite_ws, scores, comment, field):
    c = collector_of(sqlite_ws)
    inv = c.invite("nps", "C1", "en")
    row, survey = c.resolve(inv.token)
    with pytest.raises(AnswerError) as err:
        c.submit(survey, row, scores, comment, "en")
    assert err.value.field == field
    assert count(c, db.submissions) == 0
    c.resolve(inv.token)  # still usable


def test_cases_open_for_poor_answers_and_close(store_ws):
    c = collector_of(store_ws)
    outcomes = {}
    for survey_id, score in (("nps", 6), ("nps", 7), ("csat", 2), ("csat", 3)):
        inv = c.invite(survey_id, "C1", "en")
        row, survey = c.resolve(inv.token)
        outcomes[(survey_id, score)] = c.submit(
            survey, row, {survey_id: score}, "why", "en"
        ).case_id
    assert outcomes[("nps", 6)] and outcomes[("csat", 2)]
    assert outcomes[("nps", 7)] is None and outcomes[("csat", 3)] is None
    case_id = outcomes[("nps", 6)]
    c.update_case(case_id, "ann", status="in progress", owner="ann", note="Called the customer")
    c.update_case(case_id, "ann", status="closed", root_cause="product", action="Replaced it")
    case, notes = c.case(case_id)
    assert case["status"] == "closed" and case["closed_at"] is not None and case["owner"] == "ann"
    assert [n["text"] for n in notes] == ["Called the customer"]
    with pytest.raises(CxlensError, match="status is one of"):
        c.update_case(case_id, "ann", status="done")


def test_anonymous_surveys_keep_no_customer_or_ip(store_ws):
    c = collector_of(store_ws)
    c.save_survey(survey_from_dict({"id": "anon", "kind": "ces", "anonymous": True}))
    inv = c.invite("anon", "C1", "fi")
    row, survey = c.resolve(inv.token)
    assert row["customer_id"] is None
    c.submit(survey, row, {"ces": 2}, None, "fi", ip="10.0.0.1")
    with c.engine.connect() as conn:
        sub = conn.execute(sa.select(db.submissions)).one()
        case = conn.execute(sa.select(db.cases)).one()
    assert sub.customer_id is None and sub.ip is None and case.customer_id is None


def test_users_and_tokens(store_ws):
    c = collector_of(store_ws)
    c.accounts.add_user("ann", "correct horse battery", "analyst", "hr")
    assert c.accounts.sign_in("ann", "correct horse battery", "10.0.0.1").user["role"] == "analyst"
    assert c.accounts.sign_in("ann", "wrong password!", "10.0.0.1").refused == "wrong"
    assert c.accounts.sign_in("bob", "whatever-long", "10.0.0.1").refused == "wrong"
    assert c.accounts.user("ann")["password_hash"].startswith("$argon2id$")
    token = c.accounts.add_token("ann", "ci")
    assert c.accounts.token_user(token)["username"] == "ann"
    assert c.accounts.token_user(token + "x") is None
    with pytest.raises(CxlensError, match="role is one of"):
        c.accounts.add_user("x", "long enough pw", "owner")
    with pytest.raises(CxlensError, match="at least 10"):
        c.accounts.add_user("x", "short", "viewer")


def test_sync_is_incremental_and_idempotent(store_ws):
    ws = cxlens.open(store_ws)
    c = Collector(ws.config)
    for customer, score in (("C1", 3), ("C2", 10)):
        inv = c.invite("nps", customer, "en")
        row, survey = c.resolve(inv.token)
        c.record_display(survey, row, "en")
        c.submit(survey, row, {"nps": score}, "<b>bold</b>" if score < 5 else None, "en")
    first = sync(ws, c)
    assert first.rows["responses"] == 2 and first.rows["tickets"] == 1
    again = sync(cxlens.open(store_ws), c)
    assert "responses" not in again.rows
    ws = cxlens.open(store_ws)
    r = ws.table("responses").execute()
    assert sorted(r["score"]) == [3.0, 10.0] and "<b>bold</b>" in set(r["comment"])
    e = ws.table("events").execute()
    assert sorted(e["touchpoint"].value_counts().to_dict().items()) == [
        ("survey_display", 2),
        ("survey_invitation", 2),
    ]
    nps = ws.kpi("nps")
    assert nps["n"].iloc[0] == 2 and nps["value"].iloc[0] == 0.0
    rate = ws.kpi("response_rate")
    assert rate["value"].iloc[0] == pytest.approx(100.0)
    t = ws.table("tickets").execute()
    assert t["category"].tolist() == ["feedback follow-up"]


def test_migrations_build_exactly_the_schema_the_code_uses(store_ws):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    c = collector_of(store_ws)
    with c.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(db.MIGRATIONS)).get_current_head()
    assert diff == [] and version == head
