"""The metric catalog: loading ``catalog.yaml`` and checking it as a whole.

>>> catalog = load_catalog()
>>> catalog["nps"].name("et")
'Soovitusindeks (NPS)'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from cxlens.config import LANGUAGES, parse_yaml
from cxlens.errors import CxlensError
from cxlens.i18n import NP_, pgettext
from cxlens.schema import TABLES

KINDS = ("nps", "proportion", "mean", "median", "cost", "ratio", "clv")
#: the units, with the name people read (translated in the UI catalogs)
UNITS = {
    "points": NP_("unit", "points (−100 to +100)"),
    "percent": NP_("unit", "percent"),
    "score": NP_("unit", "score on the answer scale"),
    "hours": NP_("unit", "hours"),
    "currency": NP_("unit", "amount in the workspace currency"),
    "ratio": NP_("unit", "ratio"),
    "years": NP_("unit", "years"),
    "count": NP_("unit", "count"),
}
#: the catalog's ``interval`` texts (how the 95 % interval is computed), for the UI catalogs
INTERVALS = (
    NP_("interval method", "Tango's score interval for the trinomial"),
    NP_("interval method", "Wilson score"),
    NP_(
        "interval method",
        "Student's t cut to the 1–7 scale (Wilson bound when the answers show no spread)",
    ),
    NP_("interval method", "order statistics, distribution-free (exact coverage stated)"),
    NP_("interval method", "exact Poisson (Garwood) for the count, spend held fixed"),
    NP_("interval method", "Student's t on the log scale (delta method)"),
    NP_("interval method", "delta method for a ratio of sums over the rows, log scale"),
    NP_(
        "interval method",
        "delta method for the product of mean revenue and mean lifespan, log scale",
    ),
)
#: the catalog's ``test`` texts (how a change between two periods is tested)
TESTS = (
    NP_("test method", "two-sample z test on ±1/0 scores"),
    NP_("test method", "two-proportion z test"),
    NP_("test method", "Welch's t test"),
    NP_("test method", "Mood's median test"),
    NP_("test method", "exact Poisson rate test (conditional binomial)"),
    NP_("test method", "z test on the log scale (delta method)"),
)
BETTER = {"higher": NP_("better when", "higher"), "lower": NP_("better when", "lower")}


@dataclass(frozen=True)
class Metric:
    id: str
    kind: str
    unit: str
    better: str
    needs: dict[str, tuple[str, ...]]
    formulas: dict[str, str]
    names: dict[str, str]
    definitions: dict[str, str]
    #: how the 95 % interval and the test of a change are computed (catalog text)
    interval: str
    test: str
    #: (lowest, highest) value the metric can take; None: no bound that side
    range: tuple[float | None, float | None] = (None, None)
    #: the answer scale a share or mean is computed from (CSAT 1–5), if any
    answer_scale: tuple[float, float] | None = None
    scale: float = 1.0

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names["en"]

    def definition(self, lang: str = "en") -> str:
        return self.definitions.get(lang) or self.definitions["en"]

    def formula(self, lang: str = "en") -> str:
        """How it is computed, in words."""
        return self.formulas.get(lang) or self.formulas["en"]

    def unit_name(self, lang: str = "en") -> str:
        return pgettext("unit", UNITS[self.unit], lang)

    def better_name(self, lang: str = "en") -> str:
        """Which direction is good: "higher" or "lower" in ``lang``."""
        return pgettext("better when", BETTER[self.better], lang)

    def interval_name(self, lang: str = "en") -> str:
        """The method of the 95 % interval in ``lang``."""
        return pgettext("interval method", self.interval, lang)

    @property
    def higher_is_better(self) -> bool:
        return self.better == "higher"

    @property
    def interval_method(self) -> str:
        """The interval method in English, as the catalog writes it (JSON output)."""
        return self.interval

    def test_name(self, lang: str = "en") -> str:
        """How a change between two periods is tested, in ``lang``."""
        return pgettext("test method", self.test, lang)

    @property
    def bounded(self) -> bool:
        """Both ends of the range are finite (a score on a fixed scale, a share)."""
        return self.range[0] is not None and self.range[1] is not None

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.needs)


class Catalog(dict[str, Metric]):
    """Metrics by id, in catalog order."""

    def get_metric(self, metric_id: str) -> Metric:
        try:
            return self[metric_id]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(metric_id, list(self), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise CxlensError(
                f"Unknown metric '{metric_id}'.{hint} `cxlens metrics list` shows them all."
            ) from None


def problems(entries: list[dict[str, Any]]) -> list[str]:
    """Every problem of the raw catalog entries at once (empty when it is sound)."""
    found: list[str] = []
    seen: set[str] = set()
    for i, e in enumerate(entries):
        mid = e.get("id", f"entry {i + 1}")
        if mid in seen:
            found.append(f"{mid}: declared twice")
        seen.add(mid)
        for field in (
            "kind", "unit", "better", "needs", "range", "interval", "test", "formulas", "names",
            "definitions",
        ):  # fmt: skip
            if field not in e:
                found.append(f"{mid}: no {field}")
        if e.get("kind") not in KINDS:
            found.append(f"{mid}: kind {e.get('kind')!r} is not one of {', '.join(KINDS)}")
        if e.get("unit") not in UNITS:
            found.append(f"{mid}: unit {e.get('unit')!r} is not one of {', '.join(UNITS)}")
        if e.get("better") not in ("higher", "lower"):
            found.append(f"{mid}: better must be higher or lower")
        found += _range_problems(mid, e)
        for field in ("formulas", "names", "definitions"):
            texts = e.get(field) or {}
            for lang in LANGUAGES:
                if not str(texts.get(lang, "")).strip():
                    found.append(f"{mid}: no {field[:-1]} in {lang}")
            unknown = sorted(set(texts) - set(LANGUAGES))
            if unknown:
                found.append(f"{mid}: {field} in unknown language(s) {', '.join(unknown)}")
        for table, columns in (e.get("needs") or {}).items():
            if table not in TABLES:
                found.append(f"{mid}: needs unknown table {table!r}")
                continue
            for col in columns:
                if col not in TABLES[table].column_names:
                    found.append(f"{mid}: needs unknown column {table}.{col}")
    return found


def _range_problems(mid: str, e: dict[str, Any]) -> list[str]:
    found = []
    for field in ("range", "answer_scale"):
        value = e.get(field)
        if value is None and field == "answer_scale":
            continue
        if not (isinstance(value, list) and len(value) == 2):
            found.append(f"{mid}: {field} must be [lowest, highest]")
            continue
        lo, hi = value
        if field == "answer_scale" and None in value:
            found.append(f"{mid}: answer_scale needs both ends")
        elif lo is not None and hi is not None and lo >= hi:
            found.append(f"{mid}: {field} {value} is empty")
    for field, known in (("interval", INTERVALS), ("test", TESTS)):
        if field in e and not str(e[field]).strip():
            found.append(f"{mid}: {field} is empty")
        elif field in e and str(e[field]) not in known:
            found.append(
                f"{mid}: {field} {e[field]!r} is not listed in cxlens.metrics.catalog "
                f"(add it there, so that translators see it)"
            )
    return found


def _bounds(value: list[Any]) -> tuple[float | None, float | None]:
    lo, hi = value
    return (None if lo is None else float(lo), None if hi is None else float(hi))


@cache
def load_catalog() -> Catalog:
    """The packaged catalog, checked; raises with every problem if it is unsound."""
    text = resources.files("cxlens.metrics").joinpath("catalog.yaml").read_text(encoding="utf-8")
    entries = parse_yaml(text)
    found = problems(entries)
    if found:
        raise CxlensError("The metric catalog has problems:\n  " + "\n  ".join(found))
    return Catalog(
        (
            e["id"],
            Metric(
                id=e["id"],
                kind=e["kind"],
                unit=e["unit"],
                better=e["better"],
                needs={t: tuple(c) for t, c in e["needs"].items()},
                formulas=dict(e["formulas"]),
                names=dict(e["names"]),
                definitions=dict(e["definitions"]),
                interval=str(e["interval"]),
                test=str(e["test"]),
                range=_bounds(e["range"]),
                answer_scale=(
                    (float(e["answer_scale"][0]), float(e["answer_scale"][1]))
                    if e.get("answer_scale")
                    else None
                ),
                scale=float(e.get("scale", 1.0)),
            ),
        )
        for e in entries
    )
