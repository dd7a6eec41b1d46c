"""The markers cxlens writes for missing values read in the reader's language."""

from __future__ import annotations

import pytest

from cxlens.i18n.labels import Labels


@pytest.mark.parametrize(
    ("dimension", "marker", "lang", "name"),
    [
        ("touchpoint", "(no answer)", "fi", "(ei vastausta)"),
        ("theme", "(no answer)", "bg", "(няма отговор)"),
        ("touchpoint", "(no answer)", "de", "(keine Antwort)"),
        ("channel", "(unknown)", "fi", "(tuntematon)"),
        ("acquisition_channel", "(unknown)", "hr", "(nepoznat)"),
        ("channel", "(unknown)", "et", "(teadmata)"),
        ("channel", "(unknown)", "en", "(unknown)"),
    ],
)
def test_revenue_at_risk_and_acquisition_markers_are_translated(dimension, marker, lang, name):
    # revenue at risk groups customers without an answer as "(no answer)"
    # (cxlens.value.risk), acquisition those of no known channel as "(unknown)"
    assert Labels().name(dimension, marker, lang) == name
