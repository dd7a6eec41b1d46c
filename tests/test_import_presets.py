"""Known exports imported through their presets: the rows and values that land, worked by hand."""

from __future__ import annotations

import shutil

import pytest

from cxlens.errors import CxlensError, ImportRejected
from tests.conftest import FIXTURES, snapshot

EXPORTS = FIXTURES / "exports"


def rows(ws, table, key):
    return {r[key]: r for r in ws.table(table).execute().to_dict("records")}


def test_shopify_orders_grouped_by_name_net_of_refunds(ws):
    result = ws.import_export(EXPORTS / "shopify_orders_export.csv")
    assert result.preset == "shopify-orders" and result.detected
    orders = rows(ws, "orders", "order_id")
    # #1004 was voided (never paid); #1005 has no e-mail, so no customer: both left out
    assert set(orders) == {"#1001", "#1002", "#1003"}
    # two line items (2 + 1) in one order; Total 58.90, nothing refunded
    assert orders["#1001"]["amount"] == pytest.approx(58.90)
    assert orders["#1001"]["items"] == 3
    # Total 120.00 with 40.00 refunded: 80.00 net
    assert orders["#1002"]["amount"] == pytest.approx(80.00)
    assert orders["#1002"]["financial_status"] == "partially_refunded"
    # "2025-03-03 10:14:55 +0200" is 08:14:55 UTC
    assert orders["#1001"]["ts"].isoformat() == "2025-03-03T08:14:55+00:00"
    assert orders["#1003"]["channel"] == "pos"
    # " ANNA.TAMM@example.com " and "Anna.Tamm@Example.com" are one person
    assert orders["#1001"]["customer_id"] == orders["#1003"]["customer_id"]
    assert orders["#1001"]["customer_id"] != orders["#1002"]["customer_id"]
    customers = rows(ws, "customers", "customer_id")
    anna = customers[orders["#1001"]["customer_id"]]
    assert anna["email"] == "anna.tamm@example.com"
    assert anna["created_at"].isoformat() == "2025-03-03T08:14:55+00:00"
    assert anna["acquisition_channel"] == "web"
    stats = result.identity
    assert (stats.matched, stats.new, stats.unmatched) == (0, 2, 1)
    assert stats.unmatched_rows == [6] and stats.left_out == {"orders": 1}


def test_reimport_changes_nothing(ws):
    ws.import_export(EXPORTS / "shopify_orders_export.csv")
    before = snapshot(ws)
    again = ws.import_export(EXPORTS / "shopify_orders_export.csv")
    assert snapshot(ws) == before
    assert all(r.added == 0 and r.updated == 0 for r in again.tables)
    assert (again.identity.matched, again.identity.new) == (3, 0)


def test_zendesk_tickets_and_csat_tied_to_shopify_customers(ws):
    ws.import_export(EXPORTS / "shopify_orders_export.csv")
    result = ws.import_export(EXPORTS / "zendesk_tickets_export.csv")
    assert result.preset == "zendesk"
    # Anna and Jonas bought in the shop; Peeter is new
    assert (result.identity.matched, result.identity.new, result.identity.unmatched) == (2, 1, 0)
    orders = rows(ws, "orders", "order_id")
    tickets = rows(ws, "tickets", "ticket_id")
    assert tickets["zendesk-501"]["customer_id"] == orders["#1001"]["customer_id"]
    assert tickets["zendesk-502"]["customer_id"] == orders["#1002"]["customer_id"]
    # created 09:00 + first reply after 45 minutes
    assert tickets["zendesk-501"]["first_response_at"].isoformat() == "2025-03-06T09:45:00+00:00"
    assert tickets["zendesk-501"]["resolved_at"].isoformat() == "2025-03-06T15:30:00+00:00"
    assert (tickets["zendesk-502"]["reopened"], tickets["zendesk-502"]["reopens"]) == (True, 1)
    assert (
        tickets["zendesk-502"]["contacts"] == 3 and tickets["zendesk-502"]["channel"] == "web form"
    )
    assert (
        tickets["zendesk-503"]["resolved_at"] is None
        or str(tickets["zendesk-503"]["resolved_at"]) == "NaT"
    )
    responses = rows(ws, "responses", "response_id")
    # Good = 5, Bad = 1; the ticket only offered a survey gives no answer
    assert {k: (r["kind"], r["score"]) for k, r in responses.items()} == {
        "zendesk-csat-501": ("csat", 5.0),
        "zendesk-csat-502": ("csat", 1.0),
    }
    assert responses["zendesk-csat-502"]["ticket_id"] == "zendesk-502"
    assert responses["zendesk-csat-502"]["customer_id"] == orders["#1002"]["customer_id"]
    # a requester is no acquisition: Peeter has no acquisition channel
    peeter = rows(ws, "customers", "email")["peeter@example.ee"]
    assert peeter["acquisition_channel"] is None
    kpi = ws.kpi(["csat"])
    assert kpi.iloc[0]["value"] == pytest.approx(50.0) and kpi.iloc[0]["n"] == 2  # percent


def test_german_google_ads_report(ws):
    result = ws.import_export(EXPORTS / "google_ads_report_de.csv")
    assert result.preset == "google-ads"
    assert any("2 summary row(s)" in w for w in result.warnings)
    m = ws.table("marketing").order_by(["date", "campaign"]).execute()
    assert len(m) == 3  # the two "Gesamt:" rows are left out
    first = m.iloc[0]
    assert str(first["date"])[:10] == "2025-03-01" and first["campaign"] == "Frühling Suche"
    # channels are named by group, so spend lines up with acquisition channels
    assert first["channel"] == "paid_search" and first["ad_group"] == "Leinen"
    # "1.234,56" is 1234.56 and "12.500" is 12500 in German
    assert first["spend"] == pytest.approx(1234.56)
    assert (first["impressions"], first["clicks"], first["conversions"]) == (12500, 840, 12)
    assert first["conversion_value"] == pytest.approx(1180.0)
    brand = m[m.campaign == "Marke"].iloc[0]
    # "--" is empty
    assert brand["conversions"] is None or brand["conversions"] != brand["conversions"]
    assert m.spend.sum() == pytest.approx(1347.66)
    # conversions 12 + 3 (2.5 rounded) over 941 clicks
    kpi = ws.kpi(["conversion_rate"])
    assert kpi.iloc[0]["value"] == pytest.approx(100 * 15 / 941)  # percent


def test_english_google_ads_report_and_api_export(ws, write):
    english = write(
        "ads_en.csv",
        "Campaign report\nMarch 1, 2025 - March 2, 2025\n"
        "Day,Campaign,Ad group,Currency code,Cost,Impr.,Clicks,Conversions,Conv. value\n"
        '2025-03-01,Spring,Linen,EUR,"1,234.56","12,500",840,12.00,"1,180.00"\n'
        'Total: Account,,,EUR,"1,234.56","12,500",840,12.00,"1,180.00"\n',
    )
    api = write(
        "ads_api.csv",
        "segments.date,campaign.name,ad_group.name,customer.currency_code,metrics.cost_micros,"
        "metrics.impressions,metrics.clicks,metrics.conversions,metrics.conversions_value\n"
        "2025-03-02,Spring,Linen,EUR,98100000,1020,61,2.0,120.5\n",
    )
    ws.import_export(english)
    ws.import_export(api)
    m = ws.table("marketing").order_by("date").execute()
    assert list(m.spend.round(2)) == [1234.56, 98.10]
    assert list(m.impressions) == [12500, 1020]


def test_unknown_export_is_refused_with_the_columns_expected(ws, write):
    path = write("mystery.csv", "foo,bar\n1,2\n")
    before = snapshot(ws)
    with pytest.raises(CxlensError) as info:
        ws.import_export(path)
    assert snapshot(ws) == before
    msg = str(info.value)
    assert "not an export cxlens knows (its columns: foo, bar)" in msg
    assert "shopify-orders: Name, Email, Financial Status, Lineitem name, Total" in msg
    assert "zendesk:" in msg and "google-ads:" in msg


def test_a_file_matching_two_presets_asks_for_one(ws, tmp_path):
    (ws.root / "presets").mkdir()
    shutil.copy(
        EXPORTS.parent.parent.parent / "src/cxlens/ingest/presets/zendesk.yaml",
        ws.root / "presets/helpdesk.yaml",
    )
    text = (
        (ws.root / "presets/helpdesk.yaml")
        .read_text()
        .replace("name: zendesk", "name: my-helpdesk")
    )
    (ws.root / "presets/helpdesk.yaml").write_text(text)
    with pytest.raises(CxlensError) as info:
        ws.import_export(EXPORTS / "zendesk_tickets_export.csv")
    assert "more than one known export (my-helpdesk, zendesk)" in str(info.value)
    assert "--preset NAME" in str(info.value)
    assert (
        ws.import_export(EXPORTS / "zendesk_tickets_export.csv", preset="my-helpdesk").preset
        == "my-helpdesk"
    )


def test_bad_value_in_an_export_names_row_and_vendor_column(ws, write):
    text = (
        (EXPORTS / "shopify_orders_export.csv")
        .read_text()
        .replace(",120.00,SPRING10", ",12O.00,SPRING10")
    )
    before = snapshot(ws)
    with pytest.raises(ImportRejected) as info:
        ws.import_export(write("orders_export.csv", text))
    assert snapshot(ws) == before  # neither customers nor orders were written
    msg = str(info.value)
    assert "orders: values that do not parse (1)" in msg
    assert "row 3, column 'Total (amount)'" in msg and "'12O.00'" in msg


def test_hashed_emails_keep_no_address(ws):
    toml = ws.root / "cxlens.toml"
    toml.write_text(toml.read_text().replace('emails = "keep"', 'emails = "hash"'))
    import cxlens

    hashed = cxlens.open(ws.root)
    hashed.import_export(EXPORTS / "shopify_orders_export.csv")
    result = hashed.import_export(EXPORTS / "zendesk_tickets_export.csv")
    # matched by the hash of the address
    assert (result.identity.matched, result.identity.new) == (2, 1)
    customers = hashed.table("customers").execute()
    assert customers.email.isna().all()
    import hashlib

    assert hashlib.sha256(b"anna.tamm@example.com").hexdigest() in set(customers.email_sha256)
    for path in hashed.warehouse.data_dir.glob("*.parquet"):
        assert b"anna.tamm" not in path.read_bytes().lower()


def ga4_parquet(tmp_path):
    """The GA4 sample as BigQuery would export it to Parquet (nested records kept)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [json.loads(line) for line in (EXPORTS / "ga4_events.jsonl").read_text().splitlines()]
    for r in records:
        r["event_timestamp"] = int(r["event_timestamp"])
        for p in r["event_params"]:
            v = p["value"]["int_value"]
            p["value"]["int_value"] = int(v) if v is not None else None
    path = tmp_path / "events_20250305.parquet"
    pq.write_table(pa.Table.from_pylist(records), path)
    return path


@pytest.mark.parametrize("form", ["jsonl", "parquet"])
def test_ga4_sessions_events_in_order_and_purchases_as_orders(ws, tmp_path, form):
    path = EXPORTS / "ga4_events.jsonl" if form == "jsonl" else ga4_parquet(tmp_path)
    result = ws.import_export(path)
    assert result.preset == "ga4"
    events = ws.table("events").execute()
    session = events[events.session_id == "1234567.1741168800.1741168800"].sort_values("ts")
    # the session's events in the order they happened, the purchase not among them
    assert list(session.event_name) == ["first_visit", "session_start", "page_view", "add_to_cart"]
    assert list(session.stage) == ["awareness", "awareness", "consideration", "consideration"]
    first = session.iloc[0]
    # 1741168800000000 microseconds is 2025-03-05 10:00:00 UTC
    assert first["ts"].isoformat() == "2025-03-05T10:00:00+00:00"
    assert first["customer_id"] == "ga4-1234567.1741168800"  # no user_id: the pseudo id
    assert (first["touchpoint"], first["channel"], first["campaign"]) == (
        "website", "paid_search", "spring_linen",
    )  # fmt: skip
    other = events[events.session_id != "1234567.1741168800.1741168800"].iloc[0]
    # user_id wins over the pseudo id; organic first-touch medium where nothing was collected
    assert (other["customer_id"], other["channel"]) == ("shop-42", "organic_search")
    orders = ws.table("orders").execute()
    assert len(orders) == 1
    order = orders.iloc[0]
    assert (order["order_id"], order["amount"], order["currency"]) == ("T-1001", 49.9, "EUR")
    assert order["ts"].isoformat() == "2025-03-05T10:05:00+00:00"
    assert order["customer_id"] == "ga4-1234567.1741168800" and order["channel"] == "paid_search"
    customers = rows(ws, "customers", "customer_id")
    assert customers["ga4-1234567.1741168800"]["acquisition_channel"] == "paid_search"
    assert customers["shop-42"]["created_at"].isoformat() == "2025-03-06T12:00:00+00:00"


def test_freshdesk_tickets_and_satisfaction(ws):
    result = ws.import_export(EXPORTS / "freshdesk_tickets_export.csv")
    assert result.preset == "freshdesk"
    tickets = rows(ws, "tickets", "ticket_id")
    t = tickets["freshdesk-1201"]
    # created 08:00 + first response after 1.5 hours; resolved 14:00
    assert t["first_response_at"].isoformat() == "2025-03-10T09:30:00+00:00"
    assert t["resolved_at"].isoformat() == "2025-03-10T14:00:00+00:00"
    assert (t["status"], t["channel"], t["category"], t["contacts"]) == (
        "closed",
        "email",
        "incident",
        2,
    )
    assert tickets["freshdesk-1202"]["customer_id"] == tickets["freshdesk-1203"]["customer_id"]
    responses = rows(ws, "responses", "response_id")
    assert {k: r["score"] for k, r in responses.items()} == {
        "freshdesk-csat-1201": 1.0,
        "freshdesk-csat-1202": 5.0,
    }


def test_meta_ads_currency_from_the_spend_header(ws, write):
    result = ws.import_export(EXPORTS / "meta_ads_export.csv")
    assert result.preset == "meta-ads"
    m = ws.table("marketing").order_by(["date", "campaign"]).execute()
    assert list(m.spend) == [45.20, 38.75, 12.05] or sorted(m.spend) == [12.05, 38.75, 45.20]
    assert set(m.currency) == {"EUR"} and set(m.channel) == {"paid_social"}
    assert m.spend.sum() == pytest.approx(96.0)
    assert list(m.sort_values("spend").visitors.fillna(-1)) == [-1, 71, 80]
    # "Amount spent (USD)" is another currency than the workspace's: --rate converts it
    usd = write(
        "meta_usd.csv",
        (EXPORTS / "meta_ads_export.csv")
        .read_text()
        .replace("(EUR)", "(USD)")
        .replace("Spring", "US spring"),
    )
    with pytest.raises(ImportRejected) as info:
        ws.import_export(usd)
    assert "foreign currencies" in str(info.value) and "--rate" in str(info.value)
    ws.import_export(usd, rates={"USD": 0.5})
    us = ws.table("marketing").filter(lambda t: t.campaign == "US spring linen").execute()
    assert sorted(us.spend) == [pytest.approx(19.375), pytest.approx(22.6)]


def test_hubspot_contacts_lifecycle_and_acquisition_channel(ws):
    ws.import_export(EXPORTS / "shopify_orders_export.csv")
    result = ws.import_export(EXPORTS / "hubspot_contacts_export.csv")
    assert result.preset == "hubspot-contacts"
    assert (result.identity.matched, result.identity.new) == (1, 2)
    customers = rows(ws, "customers", "email")
    anna = customers["anna.tamm@example.com"]
    assert (anna["lifecycle_stage"], anna["acquisition_channel"]) == ("customer", "paid_search")
    assert anna["created_at"].isoformat() == "2025-02-20T09:30:00+00:00"
    assert customers["liis@example.ee"]["acquisition_channel"] == "paid_social"
    assert customers["mart@example.ee"]["acquisition_channel"] == "organic_search"
    # Anna's orders are still hers
    orders = ws.table("orders").execute()
    assert set(orders[orders.order_id.isin(["#1001", "#1003"])].customer_id) == {
        anna["customer_id"]
    }


def test_stripe_paid_charges_net_of_refunds_with_disputes(ws):
    result = ws.import_export(EXPORTS / "stripe_payments_export.csv")
    assert result.preset == "stripe-payments"
    orders = rows(ws, "orders", "order_id")
    assert set(orders) == {"ch_3Px1", "ch_3Px2", "ch_3Px4"}  # the failed charge is left out
    assert orders["ch_3Px2"]["amount"] == pytest.approx(80.0)  # 120.00 - 40.00 refunded
    assert orders["ch_3Px1"]["ts"].isoformat() == "2025-03-03T08:15:00+00:00"  # UTC as stated
    assert orders["ch_3Px1"]["currency"] == "EUR"
    assert (orders["ch_3Px4"]["disputed"], orders["ch_3Px4"]["dispute_status"]) == (
        True,
        "needs_response",
    )
    assert orders["ch_3Px1"]["disputed"] is False


def test_shopify_customers_complete_known_customers_only(ws):
    ws.import_export(EXPORTS / "shopify_orders_export.csv")
    result = ws.import_export(EXPORTS / "shopify_customers_export.csv")
    assert result.preset == "shopify-customers"
    assert (result.identity.matched, result.identity.new, result.identity.unmatched) == (2, 0, 1)
    assert result.identity.unmatched_rows == [3]
    customers = rows(ws, "customers", "email")
    assert "eva@example.com" not in customers
    anna = customers["anna.tamm@example.com"]
    assert (anna["consent"], anna["country"], anna["tags"]) == (True, "EE", "vip, linen")
    # the sign-up time from the orders is kept
    assert anna["created_at"].isoformat() == "2025-03-03T08:14:55+00:00"
    assert customers["jonas@example.de"]["consent"] is False


@pytest.mark.parametrize(
    ("name", "preset"),
    [
        ("shopify_orders_export.csv", "shopify-orders"),
        ("shopify_customers_export.csv", "shopify-customers"),
        ("zendesk_tickets_export.csv", "zendesk"),
        ("freshdesk_tickets_export.csv", "freshdesk"),
        ("google_ads_report_de.csv", "google-ads"),
        ("meta_ads_export.csv", "meta-ads"),
        ("hubspot_contacts_export.csv", "hubspot-contacts"),
        ("stripe_payments_export.csv", "stripe-payments"),
        ("ga4_events.jsonl", "ga4"),
    ],
)
def test_every_sample_is_recognised(name, preset):
    from cxlens.ingest.preset_import import recognise
    from cxlens.ingest.presets import all_presets

    found, _ = recognise(EXPORTS / name, all_presets())
    assert found.name == preset


def test_google_ads_excel_csv_in_utf16_with_tabs(ws, write):
    """Google Ads' "Excel .csv" download: UTF-16 with a byte-order mark, tab-separated."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO((EXPORTS / "google_ads_report_de.csv").read_text())))
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    path = write("Kampagnenbericht.csv", b"\xff\xfe" + text.encode("utf-16-le"))
    assert ws.import_export(path).preset == "google-ads"
    m = ws.table("marketing").execute()
    assert len(m) == 3 and m.spend.sum() == pytest.approx(1347.66)
