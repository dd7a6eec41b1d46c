"""Small workspaces whose RFM, cohorts and lifecycle are worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

import cxlens

# As of 2025-06-30 (UTC): recency / frequency / monetary per customer
#   A: 0 days, 3 orders, 200     B: 10, 1, 30      C: 90, 2, 1000
#   D: 166, 1, 20                E: 2, 4, 40       (A's July order is after the date)
RFM_ORDERS = """order_id,customer_id,ts,amount
A1,A,2025-05-01 12:00,50
A2,A,2025-06-01 12:00,50
A3,A,2025-06-30 23:00,100
A4,A,2025-07-05 12:00,999
B1,B,2025-06-20 12:00,30
C1,C,2025-03-01 12:00,500
C2,C,2025-04-01 12:00,500
D1,D,2025-01-15 12:00,20
E1,E,2025-06-25 12:00,10
E2,E,2025-06-26 12:00,10
E3,E,2025-06-27 12:00,10
E4,E,2025-06-28 12:00,10
"""
RFM_CUSTOMERS = """customer_id,created_at,email,consent
A,2025-01-01,a@example.com,yes
B,2025-01-01,b@example.com,no
C,2025-01-01,,yes
D,2025-01-01,d@example.com,yes
E,2025-01-01,e@example.com,
"""
RFM_RESPONSES = """response_id,customer_id,ts,kind,score
R1,A,2025-06-01,nps,10
R2,A,2025-06-02,nps,9
R3,E,2025-06-03,nps,3
R4,E,2025-06-04,csat,5
R5,D,2024-01-01,nps,0
"""

# Monthly activity: X in Jan, Feb, Apr; Y in Jan, Mar; Z in Feb, Mar (2025)
COHORT_ORDERS = """order_id,customer_id,ts,amount
X1,X,2025-01-10,10
X2,X,2025-02-10,10
X3,X,2025-04-10,10
X4,X,2025-04-30 20:00,10
Y1,Y,2025-01-20,10
Y2,Y,2025-03-20,10
Z1,Z,2025-02-05,10
Z2,Z,2025-03-05,10
"""


def make_workspace(root: Path, tables: dict[str, str], url: str = "duckdb://") -> Path:
    cxlens.init(root)
    toml = root / "cxlens.toml"
    toml.write_text(toml.read_text().replace('url = "duckdb://"', f'url = "{url}"'))
    ws = cxlens.open(root)
    for table, content in tables.items():
        path = root / f"{table}.csv"
        path.write_text(content)
        ws.import_file(table, path)
    ws.close()
    return root


@pytest.fixture(scope="session")
def rfm_root(tmp_path_factory) -> Path:
    return make_workspace(
        tmp_path_factory.mktemp("rfm") / "ws",
        {"customers": RFM_CUSTOMERS, "orders": RFM_ORDERS, "responses": RFM_RESPONSES},
    )


@pytest.fixture(scope="session")
def cohort_root(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("cohorts") / "ws", {"orders": COHORT_ORDERS})
