"""The web app as an attacker probes it: exports, limits, sessions, headers and bad parameters."""

from __future__ import annotations

import csv
import io

from tests.collect.test_web import site  # noqa: F401 - the fixture

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
