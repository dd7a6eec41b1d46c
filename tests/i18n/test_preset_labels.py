"""Every value the import presets write, and every value they pass on from the vendors'
exports, has a built-in name in the six languages (no raw id on a page)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest

from cxlens.config import parse_yaml
from cxlens.i18n import DEFAULT_LABELS
from cxlens.i18n.builtin_labels import ALIASES, BUILTIN, FALLBACKS
from cxlens.i18n.labels import normalise

#: the values the vendors' exports hold in the columns the presets pass on (lower-cased),
#: from the vendors' documentation of those fields
PASSED_ON = {
    # Zendesk: "Via" (ticket channels), Status, Priority, Ticket type
    ("zendesk", "channel"): ["web", "email", "mail", "chat", "voice", "api", "web service",
                             "mobile", "mobile sdk", "web widget", "help center", "closed ticket",
                             "rule", "answer bot", "facebook", "twitter", "sms", "text",
                             "native messaging", "whatsapp", "side conversation", "sample ticket"],
    ("zendesk", "status"): ["new", "open", "pending", "hold", "on-hold", "solved", "closed"],
    ("zendesk", "priority"): ["low", "normal", "high", "urgent"],
    ("zendesk", "category"): ["question", "incident", "problem", "task"],
    # Freshdesk: Source, Status, Priority, Type
    ("freshdesk", "channel"): ["email", "portal", "phone", "chat", "feedback widget",
                               "outbound email", "forum", "twitter", "facebook", "mobihelp",
                               "ecommerce", "bot", "whatsapp"],
    ("freshdesk", "status"): ["open", "pending", "resolved", "closed", "waiting on customer",
                              "waiting on third party"],
    ("freshdesk", "priority"): ["low", "medium", "high", "urgent"],
    ("freshdesk", "category"): ["question", "incident", "problem", "feature request", "refund"],
    # Shopify orders: Source, Financial Status
    ("shopify-orders", "channel"): ["web", "pos", "shopify_draft_order", "iphone", "android"],
    ("shopify-orders", "financial_status"): ["paid", "partially_paid", "partially_refunded",
                                             "refunded", "pending", "authorized", "voided",
                                             "expired"],
    # Stripe payments: Status, Dispute Status
    ("stripe-payments", "status"): ["paid", "succeeded", "refunded", "partially refunded",
                                    "partially_refunded", "disputed", "failed", "canceled",
                                    "uncaptured"],
    ("stripe-payments", "dispute_status"): ["warning_needs_response", "warning_under_review",
                                            "warning_closed", "needs_response", "under_review",
                                            "won", "lost", "prevented"],
    # HubSpot contacts: Lifecycle Stage, as labels and as internal values
    ("hubspot-contacts", "lifecycle_stage"): ["subscriber", "lead", "marketing qualified lead",
                                              "marketingqualifiedlead", "sales qualified lead",
                                              "salesqualifiedlead", "opportunity", "customer",
                                              "evangelist", "other"],
}  # fmt: skip


def builtin_name(column: str, value: str) -> str | None:
    """The built-in English name of ``value`` in ``column``, or None."""
    table = ALIASES.get(column, column)
    for source in (table, *FALLBACKS.get(table, ())):
        names = BUILTIN.get(source, {})
        found = names.get(value) or names.get(normalise(value))
        if found:
            return found
    return None


def _written(spec: Any) -> list[str]:
    """The values a column's rule can write itself: map values, fixed values, defaults."""
    out: list[str] = []
    if isinstance(spec, dict):
        if isinstance(spec.get("map"), dict):
            out += [str(v) for v in spec["map"].values()]
        for key in ("value", "default"):
            if key in spec and not isinstance(spec[key], dict | list):
                out.append(str(spec[key]))
        for inner in spec.values():
            if isinstance(inner, dict | list):
                out += _written(inner)
    elif isinstance(spec, list):
        for inner in spec:
            out += _written(inner)
    return out


def preset_values() -> list[tuple[str, str, str]]:
    folder = resources.files("cxlens.ingest.presets")
    found = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        preset = parse_yaml(entry.read_text(encoding="utf-8"))
        for table in (preset.get("tables") or {}).values():
            for column, spec in (table.get("columns") or {}).items():
                if ALIASES.get(column, column) in BUILTIN:
                    found += [(preset["name"], column, v) for v in _written(spec)]
    return sorted(set(found))


def test_the_presets_write_values_with_names():
    values = preset_values()
    assert len(values) > 30  # the walk found the presets' maps
    assert [v for v in values if builtin_name(v[1], v[2]) is None] == []


@pytest.mark.parametrize(("preset", "column"), sorted(PASSED_ON))
def test_values_the_presets_pass_on_have_names(preset, column):
    missing = [v for v in PASSED_ON[preset, column] if builtin_name(column, v) is None]
    assert missing == [], f"{preset}: {column} values without a built-in name"


@pytest.mark.parametrize(
    ("column", "value", "de", "hr"),
    [
        ("status", "paid", "Bezahlt", "Plaćeno"),  # Stripe's orders: a payment, not a case
        ("status", "waiting on customer", "Wartet auf den Kunden", "Čeka kupca"),
        ("financial_status", "partially_refunded", "Teilweise erstattet", "Djelomično povraćeno"),
        ("dispute_status", "needs_response", "Antwort nötig", "Potreban odgovor"),
        ("lifecycle_stage", "Marketing Qualified Lead", "Marketing-qualifizierter Lead",
         "Marketinški kvalificiran potencijalni kupac"),
        ("channel", "closed ticket", "Folgeanfrage zu einem geschlossenen Ticket",
         "Nastavak zatvorenog zahtjeva"),
        ("event_name", "add_to_cart", "In den Warenkorb gelegt", None),
    ],
)  # fmt: skip
def test_preset_values_read_in_the_readers_language(column, value, de, hr):
    assert DEFAULT_LABELS.name(column, value, "de") == de
    if hr:
        assert DEFAULT_LABELS.name(column, value, "hr") == hr
    assert DEFAULT_LABELS.name(column, value, "en") == builtin_name(column, value)
