"""The web app as an attacker probes it: exports, limits, sessions, headers and bad parameters."""

from __future__ import annotations

import csv
import io

from tests.collect.test_web import csrf_of, login, site  # noqa: F401 - the fixture

FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-1+1", "\t=1"]


def test_the_responses_export_neutralises_formulas(site):  # noqa: F811
    client, c = site
    for payload in FORMULAS:
        inv = c.invite("nps", "C1", "en")
        c.submit(c.survey("nps"), c.resolve(inv.token)[0], {"nps": 3}, payload, "en")
    token = c.add_token("analyst", "export")
    r = client.get("/api/v1/responses.csv", headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    comments = sorted(row["comment"] for row in rows)
    assert comments == sorted("'" + p.strip() for p in FORMULAS)
    assert {row["score"] for row in rows} == {"3.0"}  # numbers stay numbers


def test_a_survey_definition_with_bad_values_is_a_422_naming_the_field(site):  # noqa: F811
    client, _ = site
    login(client, "admin")
    csrf = csrf_of(client.get("/admin").text)
    for line, problem in [
        ("sampling: abc", "'sampling' is a share between 0 and 1 (such as 0.3), got 'abc'"),
        ("sampling: [1]", "'sampling' is a share between 0 and 1"),
        ("expires: 99999999999d", "at most 100 years"),
        ("expires: .nan", "must be longer than zero"),
    ]:
        definition = f"id: probe\nkind: nps\n{line}\n"
        r = client.post("/admin/surveys", data={"definition": definition, "csrf": csrf})
        assert r.status_code == 422, line
        assert problem in r.text.replace("&#39;", "'"), line
