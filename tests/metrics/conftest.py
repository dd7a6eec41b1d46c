"""A small workspace whose every metric is worked out by hand in test_metrics.py."""

from __future__ import annotations

from pathlib import Path

import pytest

import cxlens

CUSTOMERS = """customer_id,created_at,country,language,acquisition_channel,ended_at
C1,2025-01-05,EE,et,search,
C2,2025-01-20,DE,de,social,2025-04-10
C3,2025-02-10,EE,et,search,
C4,2025-04-05,FI,fi,email,
C5,2024-12-01,DE,de,search,2025-02-15
"""
ORDERS = """order_id,customer_id,ts,amount
O1,C1,2025-01-10,100
O2,C1,2025-03-10,50
O3,C2,2025-02-01,30
O4,C3,2025-02-15,20
O5,C1,2025-04-15,80
O6,C4,2025-05-01,40
"""
TICKETS = """ticket_id,customer_id,opened_at,first_response_at,resolved_at,contacts
T1,C1,2025-01-10 00:00,2025-01-10 01:00,2025-01-10 10:00,1
T2,C2,2025-01-12 00:00,2025-01-12 04:00,2025-01-13 00:00,2
T3,C3,2025-02-01 00:00,2025-02-01 02:00,2025-02-01 04:00,1
T4,C1,2025-03-01 00:00,2025-03-01 03:00,,
"""
MARKETING = """date,channel,campaign,ad_group,spend,impressions,clicks,views,engagements,downloads,leads,visitors,conversions,conversion_value,new_customers
2025-01-10,search,brand,g1,100,10000,200,0,0,5,10,150,6,300,2
2025-02-10,social,spring,g1,50,20000,100,500,400,0,5,80,2,100,1
2025-03-10,search,brand,g1,0,0,0,0,0,0,0,0,0,0,0
"""


def responses_csv() -> str:
    rows = ["response_id,customer_id,ts,kind,score,touchpoint"]
    nps = [10, 9, 8, 7, 6, 0, 10, 3]
    for i, s in enumerate(nps):
        rows.append(f"N{i},C{1 + i % 3},2025-02-{1 + i:02d},nps,{s},relationship")
    for i, s in enumerate([5, 4, 3, 1]):
        rows.append(f"S{i},C{1 + i % 3},2025-03-{1 + i:02d},csat,{s},delivery")
    for i, s in enumerate([7, 5, 4, 2]):
        rows.append(f"E{i},C{1 + i % 3},2025-03-{10 + i:02d},ces,{s},support")
    return "\n".join(rows) + "\n"


def events_csv() -> str:
    rows = ["event_id,customer_id,ts,touchpoint,channel"]
    rows += [f"I{i},C{1 + i % 3},2025-01-{1 + i:02d},survey_invitation,email" for i in range(20)]
    return "\n".join(rows) + "\n"


def build(root: Path, url: str = "duckdb://") -> Path:
    cxlens.init(root)
    toml = root / "cxlens.toml"
    toml.write_text(toml.read_text().replace('url = "duckdb://"', f'url = "{url}"'))
    ws = cxlens.open(root)
    for table, content in (
        ("customers", CUSTOMERS),
        ("orders", ORDERS),
        ("tickets", TICKETS),
        ("marketing", MARKETING),
        ("responses", responses_csv()),
        ("events", events_csv()),
    ):
        path = root / f"{table}.csv"
        path.write_text(content)
        ws.import_file(table, path)
    return root


@pytest.fixture(scope="session")
def hand_ws(tmp_path_factory):
    root = build(tmp_path_factory.mktemp("hand") / "ws")
    ws = cxlens.open(root)
    yield ws
    ws.close()
