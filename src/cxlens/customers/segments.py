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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cxlens.errors import CxlensError

if TYPE_CHECKING:
    import ibis.expr.types as ir

OTHER = "other"


@dataclass(frozen=True)
class SegmentRule:
    key: str
    r: tuple[int, int] = (1, 5)
    f: tuple[int, int] = (1, 5)
    m: tuple[int, int] = (1, 5)
    names: dict[str, str] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.key

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


def _names(en: str, et: str, bg: str, de: str, hr: str, fi: str) -> dict[str, str]:
    return {"en": en, "et": et, "bg": bg, "de": de, "hr": hr, "fi": fi}


STANDARD: tuple[SegmentRule, ...] = (
    SegmentRule(
        "champions",
        (4, 5),
        (4, 5),
        (4, 5),
        _names("Champions", "Tšempionid", "Шампиони", "Champions", "Prvaci", "Mestarit"),
    ),
    SegmentRule(
        "loyal_customers",
        (3, 5),
        (4, 5),
        names=_names(
            "Loyal Customers",
            "Lojaalsed kliendid",
            "Лоялни клиенти",
            "Treue Kunden",
            "Vjerni kupci",
            "Uskolliset asiakkaat",
        ),
    ),
    SegmentRule(
        "cant_lose_them",
        (1, 2),
        (4, 5),
        (4, 5),
        _names(
            "Can't Lose Them",
            "Ei tohi kaotada",
            "Не бива да ги губим",
            "Nicht verlieren",
            "Ne smijemo ih izgubiti",
            "Ei saa menettää",
        ),
    ),
    SegmentRule(
        "at_risk",
        (1, 2),
        (3, 5),
        names=_names("At Risk", "Ohus", "В риск", "Gefährdet", "U opasnosti", "Vaarassa"),
    ),
    SegmentRule(
        "new_customers",
        (5, 5),
        (1, 1),
        names=_names(
            "New Customers",
            "Uued kliendid",
            "Нови клиенти",
            "Neukunden",
            "Novi kupci",
            "Uudet asiakkaat",
        ),
    ),
    SegmentRule(
        "promising",
        (4, 4),
        (1, 1),
        names=_names(
            "Promising", "Paljutõotavad", "Обещаващи", "Vielversprechend", "Obećavajući", "Lupaavat"
        ),
    ),
    SegmentRule(
        "potential_loyalist",
        (4, 5),
        (2, 3),
        names=_names(
            "Potential Loyalist",
            "Potentsiaalsed püsikliendid",
            "Потенциално лоялни",
            "Potenziell treue Kunden",
            "Potencijalno vjerni",
            "Mahdolliset kanta-asiakkaat",
        ),
    ),
    SegmentRule(
        "need_attention",
        (3, 3),
        (3, 3),
        names=_names(
            "Need Attention",
            "Vajavad tähelepanu",
            "Нуждаят се от внимание",
            "Brauchen Aufmerksamkeit",
            "Trebaju pažnju",
            "Vaativat huomiota",
        ),
    ),
    SegmentRule(
        "about_to_sleep",
        (3, 3),
        (1, 2),
        names=_names(
            "About To Sleep",
            "Uinumas",
            "На път да заспят",
            "Kurz vor dem Einschlafen",
            "Na rubu neaktivnosti",
            "Nukahtamassa",
        ),
    ),
    SegmentRule(
        "lost",
        (1, 1),
        (1, 1),
        names=_names("Lost", "Kaotatud", "Изгубени", "Verloren", "Izgubljeni", "Menetetyt"),
    ),
    SegmentRule(
        "hibernating",
        (1, 2),
        (1, 2),
        names=_names(
            "Hibernating", "Talveunes", "Заспали", "Im Winterschlaf", "U hibernaciji", "Horroksessa"
        ),
    ),
)

OTHER_NAMES = _names("Other", "Muud", "Други", "Sonstige", "Ostali", "Muut")


@dataclass(frozen=True)
class SegmentMap:
    rules: tuple[SegmentRule, ...]
    bins: int = 5

    def name(self, key: str | None, lang: str) -> str:
        for rule in self.rules:
            if rule.key == key:
                return rule.name(lang)
        return OTHER_NAMES.get(lang, "Other")

    def keys(self) -> list[str]:
        return [rule.key for rule in self.rules]

    def key_of(self, name_or_key: str) -> str:
        """The segment key for a key or a name in any language (case-insensitive)."""
        wanted = name_or_key.strip().casefold()
        for rule in self.rules:
            if wanted == rule.key.casefold() or wanted in (
                n.casefold() for n in rule.names.values()
            ):
                return rule.key
        if wanted in (OTHER, *(n.casefold() for n in OTHER_NAMES.values())):
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
                {"en": name},
            )
        )
    return SegmentMap(tuple(out), bins)
