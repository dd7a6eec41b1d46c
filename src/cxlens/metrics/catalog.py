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
from cxlens.schema import TABLES

KINDS = ("nps", "proportion", "mean", "median", "ratio")
UNITS = ("points", "percent", "score", "hours", "currency", "ratio", "years", "count")
INTERVALS = {
    "nps": "Wald (adjusted Wald below 100 answers)",
    "proportion": "Wilson score",
    "mean": "Student's t",
    "median": "order statistics (distribution-free)",
    "ratio": "none (an accounting ratio, not a sample)",
}


@dataclass(frozen=True)
class Metric:
    id: str
    kind: str
    unit: str
    better: str
    needs: dict[str, tuple[str, ...]]
    formula: str
    names: dict[str, str]
    definitions: dict[str, str]
    scale: float = 1.0

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names["en"]

    def definition(self, lang: str = "en") -> str:
        return self.definitions.get(lang) or self.definitions["en"]

    @property
    def higher_is_better(self) -> bool:
        return self.better == "higher"

    @property
    def interval_method(self) -> str:
        return INTERVALS[self.kind]

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
        for field in ("kind", "unit", "better", "needs", "formula", "names", "definitions"):
            if field not in e:
                found.append(f"{mid}: no {field}")
        if e.get("kind") not in KINDS:
            found.append(f"{mid}: kind {e.get('kind')!r} is not one of {', '.join(KINDS)}")
        if e.get("unit") not in UNITS:
            found.append(f"{mid}: unit {e.get('unit')!r} is not one of {', '.join(UNITS)}")
        if e.get("better") not in ("higher", "lower"):
            found.append(f"{mid}: better must be higher or lower")
        for field in ("names", "definitions"):
            texts = e.get(field) or {}
            for lang in LANGUAGES:
                if not str(texts.get(lang, "")).strip():
                    found.append(f"{mid}: no {field[:-1]} in {lang}")
        for table, columns in (e.get("needs") or {}).items():
            if table not in TABLES:
                found.append(f"{mid}: needs unknown table {table!r}")
                continue
            for col in columns:
                if col not in TABLES[table].column_names:
                    found.append(f"{mid}: needs unknown column {table}.{col}")
    return found


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
                formula=e["formula"],
                names=dict(e["names"]),
                definitions=dict(e["definitions"]),
                scale=float(e.get("scale", 1.0)),
            ),
        )
        for e in entries
    )
