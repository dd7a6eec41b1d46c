"""RFM segment maps: which recency / frequency / monetary scores make which segment.

A map is an ordered list of rules; a customer gets the first rule whose score
ranges all hold. The standard map below is the eleven-segment grid that CRM and
e-commerce teams use (Champions ... Lost), arranged on recency (rows) and
frequency (columns), with monetary value splitting the top right and bottom right
corners:

======  =============  =============  =============  ========================
R \\ F   1              2              3              4-5
======  =============  =============  =============  ========================
5       New Customers  Potential L.   Potential L.   Champions (M 4-5), else Loyal
4       Promising      Potential L.   Potential L.   Champions (M 4-5), else Loyal
3       About To Sleep About To Sleep Need Attention Loyal Customers
2       Hibernating    Hibernating    At Risk        Can't Lose Them (M 4-5), else At Risk
1       Lost           Hibernating    At Risk        Can't Lose Them (M 4-5), else At Risk
======  =============  =============  =============  ========================

Every one of the 125 score combinations gets exactly one segment, and every
segment is reachable (tested). Users replace the map in ``cxlens.toml``::

    [[rfm.segments]]
    name = "VIP"
    r = "4-5"
    f = "4-5"
    m = "5"

    [[rfm.segments]]
    name = "Everyone else"      # ranges left out mean "any score"

Scores outside every custom rule are labelled "Other".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cxlens.config import LANGUAGES
from cxlens.errors import CxlensError
from cxlens.i18n import pgettext
from cxlens.i18n.builtin_labels import SEGMENTS

if TYPE_CHECKING:
    import ibis.expr.types as ir

OTHER = "other"


@dataclass(frozen=True)
class SegmentRule:
    key: str
    r: tuple[int, int] = (1, 5)
    f: tuple[int, int] = (1, 5)
    m: tuple[int, int] = (1, 5)
    label: str = ""
    """The English name, translated in the catalogs (context "segment"); the key if empty."""

    def name(self, lang: str) -> str:
        return pgettext("segment", self.label or self.key, lang)

    def matches(self, r: int, f: int, m: int) -> bool:
        return all(
            lo <= v <= hi for v, (lo, hi) in zip((r, f, m), (self.r, self.f, self.m), strict=False)
        )

    def condition(self, r: ir.IntegerValue, f: ir.IntegerValue, m: ir.IntegerValue) -> Any:
        import ibis  # here, so that segment names can be read without loading Ibis

        cond = ibis.literal(True)
        for value, (lo, hi) in zip((r, f, m), (self.r, self.f, self.m), strict=True):
            cond &= value.between(lo, hi)
        return cond


def _standard(
    key: str, r: tuple[int, int], f: tuple[int, int], m: tuple[int, int] = (1, 5)
) -> SegmentRule:
    return SegmentRule(key, r, f, m, SEGMENTS[key])


STANDARD: tuple[SegmentRule, ...] = (
    _standard("champions", (4, 5), (4, 5), (4, 5)),
    _standard("loyal_customers", (3, 5), (4, 5)),
    _standard("cant_lose_them", (1, 2), (4, 5), (4, 5)),
    _standard("at_risk", (1, 2), (3, 5)),
    _standard("new_customers", (5, 5), (1, 1)),
    _standard("promising", (4, 4), (1, 1)),
    _standard("potential_loyalist", (4, 5), (2, 3)),
    _standard("need_attention", (3, 3), (3, 3)),
    _standard("about_to_sleep", (3, 3), (1, 2)),
    _standard("lost", (1, 1), (1, 1)),
    _standard("hibernating", (1, 2), (1, 2)),
)


@dataclass(frozen=True)
class SegmentMap:
    rules: tuple[SegmentRule, ...]
    bins: int = 5

    def name(self, key: str | None, lang: str) -> str:
        for rule in self.rules:
            if rule.key == key:
                return rule.name(lang)
        return pgettext("segment", SEGMENTS[OTHER], lang)

    def keys(self) -> list[str]:
        return [rule.key for rule in self.rules]

    def key_of(self, name_or_key: str) -> str:
        """The segment key for a key or a name in any language (case-insensitive)."""
        wanted = name_or_key.strip().casefold()
        for rule in self.rules:
            if wanted == rule.key.casefold() or wanted in (
                rule.name(lang).casefold() for lang in LANGUAGES
            ):
                return rule.key
        other = (pgettext("segment", SEGMENTS[OTHER], lang).casefold() for lang in LANGUAGES)
        if wanted == OTHER or wanted in other:
            return OTHER
        choices = ", ".join(rule.key for rule in self.rules)
        raise CxlensError(f"Unknown segment '{name_or_key}'; the segments are: {choices}.")

    def expression(
        self, r: ir.IntegerValue, f: ir.IntegerValue, m: ir.IntegerValue
    ) -> ir.StringValue:
        import ibis

        branches = [(rule.condition(r, f, m), rule.key) for rule in self.rules]
        return ibis.cases(*branches, else_=OTHER)

    def assign(self, r: int, f: int, m: int) -> str:
        for rule in self.rules:
            if rule.matches(r, f, m):
                return rule.key
        return OTHER


def _range(value: object, bins: int, where: str) -> tuple[int, int]:
    if value is None:
        return (1, bins)
    text = str(value).strip()
    try:
        lo, _, hi = text.partition("-")
        low, high = int(lo), int(hi or lo)
    except ValueError:
        raise CxlensError(f'{where}: a score range is like "4-5" or "3", got {value!r}.') from None
    if not 1 <= low <= high <= bins:
        raise CxlensError(f"{where}: scores run from 1 to {bins}, got {value!r}.")
    return (low, high)


def segment_map(config: dict[str, Any] | None, bins: int = 5) -> SegmentMap:
    """The map from the ``[rfm]`` section of ``cxlens.toml``, else the standard one."""
    rules = (config or {}).get("segments")
    if not rules:
        if bins != 5:
            raise CxlensError(
                f"The standard segment map is defined on scores 1-5; with --bins {bins}"
                " define your own [[rfm.segments]] in cxlens.toml."
            )
        return SegmentMap(STANDARD, 5)
    out = []
    for i, rule in enumerate(rules, start=1):
        where = f"cxlens.toml, [[rfm.segments]] number {i}"
        if not isinstance(rule, dict) or not rule.get("name"):
            raise CxlensError(f"{where}: every segment needs a name.")
        unknown = set(rule) - {"name", "r", "f", "m"}
        if unknown:
            raise CxlensError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))}; use name, r, f, m."
            )
        name = str(rule["name"])
        out.append(
            SegmentRule(
                name,
                _range(rule.get("r"), bins, where),
                _range(rule.get("f"), bins, where),
                _range(rule.get("m"), bins, where),
                name,
            )
        )
    return SegmentMap(tuple(out), bins)
