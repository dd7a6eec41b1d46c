"""Locale formatting, language negotiation and the names of ids, in the six languages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cxlens.config import LANGUAGES
from cxlens.errors import CxlensError
from cxlens.i18n import (
    DEFAULT_LABELS,
    Labels,
    check_language,
    format_duration,
    format_hours,
    format_month,
    format_period,
    format_value,
    gettext,
    negotiate_language,
)
from cxlens.i18n.labels import parse_labels, readable

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("lang", "currency", "percent"),
    [
        ("en", "€12,345.68", "41.2%"),
        ("de", "12.345,68\xa0€", f"41,2{NBSP}%"),
        ("fi", "12\xa0345,68\xa0€", f"41,2{NBSP}%"),
    ],
)
def test_locale_formats(lang, currency, percent):
    assert format_value(12345.678, "currency", lang) == currency
    # the percent sign is held to its number: it never wraps onto a line of its own
    assert format_value(41.23, "percent", lang) == percent


def test_undefined_values_and_languages():
    assert format_value(float("nan"), "percent", "et") == "–"
    assert gettext("Value", "bg") == "Стойност"
    with pytest.raises(CxlensError, match="Unknown language"):
        check_language("sv")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("fr-CH, fr;q=0.9, hr;q=0.8, en;q=0.7", "hr"),  # the first one we have, by q
        ("en;q=0.5, fi", "fi"),  # q-values, not the order written, decide
        ("sv, nb;q=0.9", "et"),  # none of ours: the default
        ("", "et"),
        ("bg;q=0, de;q=0.1", "de"),  # q=0 means "not this one"
    ],
)
def test_negotiate_language_from_accept_language(header, expected):
    assert negotiate_language(header, default="et") == expected


def test_months_and_periods_are_written_in_the_language():
    from datetime import date

    assert format_month(date(2026, 3, 1), "en") == "Mar 2026"
    assert format_month(date(2026, 3, 1), "de") == "März 2026"
    assert format_month(date(2026, 1, 1), "fi") == "tammi 2026"
    # CLDR writes Bulgarian month-and-year as digits; a chart axis gets the name
    assert format_month(date(2026, 1, 1), "bg") == "яну 2026"
    assert format_period("2026-Q2", "quarter", "de") == "Q2 2026"
    assert format_period("2026-Q2", "quarter", "et") == "K2 2026"
    assert format_period("2026-W05", "week", "de") == "KW 5/2026"
    assert format_period("2026-03-05", "day", "hr") == "5. ožu 2026."
    # anything that is not a period label of that unit stays as it is
    assert format_period("all", None, "de") == "all"
    assert format_period("2026", "year", "fi") == "2026"


def test_durations_name_their_unit_in_the_language():
    assert format_duration(timedelta(days=14), "en") == "2 weeks"
    assert format_duration(timedelta(days=30), "hr") == "30 dana"
    assert format_duration(timedelta(days=31), "hr") == "31 dan"
    assert format_duration(timedelta(hours=36), "de") == "36 Stunden"
    assert format_hours(5.25, "fi") == f"5,2{NBSP}h"
    assert format_hours(72, "et", days_from=48) == f"3,0{NBSP}p"


def test_ids_get_their_names_in_every_language():
    for lang in LANGUAGES:
        assert DEFAULT_LABELS.name("touchpoint", "ad_impression", lang)
    assert DEFAULT_LABELS.name("touchpoint", "ad_impression", "de") == "Anzeigeneinblendung"
    assert DEFAULT_LABELS.name("stage", "awareness", "fi") == "Tietoisuus"
    # GA4, Shopify and Zendesk spell their values their own way: they match all the same
    assert DEFAULT_LABELS.name("channel", "Organic Search", "et") == "Orgaaniline otsing"
    assert DEFAULT_LABELS.name("channel", "facebook-instagram", "en") == "Facebook & Instagram"
    assert DEFAULT_LABELS.name("acquisition_channel", "voice", "hr") == "Telefon"
    assert DEFAULT_LABELS.name("model", "time-decay", "bg") == "Затихване във времето"
    # what the import presets write: Zendesk's "Web form", Freshdesk's "Portal", priorities
    assert DEFAULT_LABELS.name("channel", "web form", "de") == "Webformular"
    assert DEFAULT_LABELS.name("channel", "portal", "fi") == "Asiakasportaali"
    assert DEFAULT_LABELS.name("priority", "urgent", "hr") == "Hitan"
    assert DEFAULT_LABELS.name("status", "pending", "et") == "Ootel"
    assert DEFAULT_LABELS.name("segment", "cant_lose_them", "de") == "Nicht verlieren"
    assert DEFAULT_LABELS.name("country", "EE", "de") == "Estland"
    assert DEFAULT_LABELS.name("language", "fi", "et") == "soome"
    # unknown ids of known dimensions read as words; other columns stay as they are
    assert DEFAULT_LABELS.name("touchpoint", "gift_card", "fi") == "Gift card"
    assert DEFAULT_LABELS.name("campaign", "spring_sale", "de") == "spring_sale"
    assert DEFAULT_LABELS.name("segment", "VIP", "de") == "VIP"
    assert DEFAULT_LABELS.dimension("touchpoint", "hr") == "Dodirna točka"
    assert readable("ad_impression") == "Ad impression" and readable("Ad Seen") == "Ad Seen"


def test_workspace_names_come_first_and_fall_back_per_language():
    labels = Labels(
        parse_labels(
            {
                "touchpoint": {
                    "ad_impression": {"en": "Ad seen", "de": "Anzeige gesehen"},
                    "loyalty_app": "Loyalty app",
                },
                "acquisition_channel": {"search": {"fi": "Hakukone"}},
            },
            "cxlens.toml",
        )
    )
    assert labels.name("touchpoint", "ad_impression", "de") == "Anzeige gesehen"
    assert labels.name("touchpoint", "ad_impression", "en") == "Ad seen"
    # a language left out: the built-in name, else the workspace's English one
    assert labels.name("touchpoint", "ad_impression", "fi") == "Mainoksen näyttökerta"
    assert labels.name("touchpoint", "loyalty_app", "bg") == "Loyalty app"
    # channel columns share one table
    assert labels.name("channel", "search", "fi") == "Hakukone"


def test_bad_labels_are_named_with_where_they_are():
    with pytest.raises(CxlensError) as info:
        parse_labels(
            {"touchpoint": {"cart": {"sv": "Varukorg"}, "x": 3}, "stage": "awareness"},
            "ws/cxlens.toml, [labels]",
        )
    message = str(info.value)
    assert message.startswith("ws/cxlens.toml, [labels] has problems")
    assert "[labels.touchpoint] cart: unknown language(s) sv" in message
    assert "[labels.touchpoint] x: give a name" in message
    assert "[labels.stage] is a table" in message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_negative_number_that_rounds_to_zero_has_no_sign(lang):
    from cxlens.i18n.formats import format_number, format_percent

    assert format_number(-0.3, lang, 0) == "0"
    assert format_number(-0.04, lang, 1) == format_number(0.0, lang, 1)
    assert "0" in format_percent(-0.01, lang) and not format_percent(-0.01, lang).startswith(
        ("-", "−")
    )
    assert format_number(-0.6, lang, 0) in ("-1", "−1")
