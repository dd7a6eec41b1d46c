"""The six canonical tables every source is mapped onto.

Each table is declared as data: its key, its columns with a logical type, which
columns an import must contain, and the ranges values must fall in. Extra
columns found in a source are kept and become usable as dimensions.

Logical types:

``string``     text
``timestamp``  a point in time, stored in UTC
``date``       a calendar day
``float``      a number (amounts, spend)
``integer``    a whole number (counts)
``boolean``    true/false (``1/0``, ``yes/no``, ``true/false``, ``y/n``)
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOGICAL_TYPES = ("string", "timestamp", "date", "float", "integer", "boolean")

#: Score ranges by response kind (inclusive).
SCORE_RANGES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
RESPONSE_KINDS = ("nps", "csat", "ces", "text")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    description: str = ""
    minimum: float | None = None
    pii: bool = False

    def __post_init__(self) -> None:
        if self.type not in LOGICAL_TYPES:
            raise ValueError(f"unknown logical type {self.type!r} for column {self.name!r}")


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""
    #: the column that places a row in time (used for date ranges and periods)
    time_column: str | None = None
    references_customers: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


def _c(
    name: str, type_: str, required: bool = False, description: str = "", **kw: object
) -> Column:
    return Column(name, type_, required, description, **kw)  # type: ignore[arg-type]


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "customers",
            key=("customer_id",),
            time_column="created_at",
            references_customers=False,
            description="One row per customer.",
            columns=(
                _c("customer_id", "string", True, "Stable customer identifier."),
                _c("created_at", "timestamp", True, "When the customer was acquired."),
                _c("country", "string", description="ISO 3166 country code."),
                _c(
                    "language",
                    "string",
                    description="Preferred language (en, et, bg, de, hr, fi, ...).",
                ),
                _c("email", "string", description="E-mail address.", pii=True),
                _c(
                    "consent",
                    "boolean",
                    description="Consent to be contacted (surveys, audiences).",
                ),
                _c(
                    "ended_at",
                    "timestamp",
                    description="End of the contract, for contractual customers.",
                ),
                _c(
                    "acquisition_channel",
                    "string",
                    description="Channel the customer was acquired through.",
                ),
            ),
        ),
        Table(
            "events",
            key=("event_id",),
            time_column="ts",
            description="Touchpoint events along the customer journey.",
            columns=(
                _c("event_id", "string", True),
                _c("customer_id", "string", True),
                _c("ts", "timestamp", True),
                _c(
                    "touchpoint",
                    "string",
                    True,
                    "Where it happened (ad, website, app, store, support, ...).",
                ),
                _c("channel", "string", description="Marketing or service channel."),
                _c(
                    "stage",
                    "string",
                    description="Journey stage (awareness, consideration, purchase, service, loyalty).",
                ),
                _c("campaign", "string"),
                _c("session_id", "string"),
                _c(
                    "system",
                    "boolean",
                    description="True for cxlens' own messages (survey invitations, reminders), "
                    "which journeys leave out.",
                ),
            ),
        ),
        Table(
            "orders",
            key=("order_id",),
            time_column="ts",
            description="Purchases.",
            columns=(
                _c("order_id", "string", True),
                _c("customer_id", "string", True),
                _c("ts", "timestamp", True),
                _c("amount", "float", True, "Order value in the workspace currency."),
                _c(
                    "currency",
                    "string",
                    description="ISO 4217 code; must match the workspace currency.",
                ),
                _c("channel", "string"),
            ),
        ),
        Table(
            "tickets",
            key=("ticket_id",),
            time_column="opened_at",
            description="Support tickets.",
            columns=(
                _c("ticket_id", "string", True),
                _c("customer_id", "string", True),
                _c("opened_at", "timestamp", True),
                _c("first_response_at", "timestamp"),
                _c("resolved_at", "timestamp"),
                _c("channel", "string"),
                _c("category", "string"),
                _c(
                    "contacts",
                    "integer",
                    description="Contacts needed until resolved (1 = first-contact resolution).",
                    minimum=0,
                ),
                _c("reopened", "boolean"),
            ),
        ),
        Table(
            "responses",
            key=("response_id",),
            time_column="ts",
            description="Survey answers (one row per answered question).",
            columns=(
                _c("response_id", "string", True),
                _c("customer_id", "string", description="Empty for anonymous answers."),
                _c("ts", "timestamp", True),
                _c("survey_id", "string"),
                _c("kind", "string", True, "nps, csat, ces or text."),
                _c("score", "float", description="0-10 for nps, 1-5 for csat, 1-7 for ces."),
                _c("comment", "string", description="Free text (may name the person).", pii=True),
                _c("language", "string"),
                _c("touchpoint", "string"),
                _c(
                    "complete",
                    "boolean",
                    description="False for the answers of a survey answered only in part.",
                ),
                _c(
                    "ticket_id",
                    "string",
                    description="The resolved ticket whose survey this answers (its agent, "
                    "channel and category become dimensions).",
                ),
            ),
        ),
        Table(
            "marketing",
            key=("date", "channel", "campaign", "ad_group"),
            time_column="date",
            references_customers=False,
            description="Marketing spend and ad statistics per day, channel, campaign and ad group.",
            columns=(
                _c("date", "date", True),
                _c("channel", "string", True),
                _c("campaign", "string"),
                _c("ad_group", "string"),
                _c("spend", "float", True, minimum=0),
                _c("currency", "string"),
                _c("impressions", "integer", minimum=0),
                _c("clicks", "integer", minimum=0),
                _c("views", "integer", minimum=0),
                _c("engagements", "integer", minimum=0),
                _c("downloads", "integer", minimum=0),
                _c("leads", "integer", minimum=0),
                _c("visitors", "integer", minimum=0),
                _c("conversions", "integer", minimum=0),
                _c("conversion_value", "float", minimum=0),
                _c("new_customers", "integer", minimum=0),
            ),
        ),
    )
}

TABLE_NAMES = tuple(TABLES)


def get_table(name: str) -> Table:
    """Return the canonical table ``name`` or raise a helpful error."""
    from cxlens.errors import CxlensError

    try:
        return TABLES[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, TABLE_NAMES, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise CxlensError(
            f"Unknown table '{name}'.{hint} The canonical tables are: {', '.join(TABLE_NAMES)}."
        ) from None
