"""Key drivers of NPS: which experiences and attributes move the recommendation score most.

Data: one row per customer who answered the NPS question in the period; the
target is their latest 0-10 score. Candidate drivers, each a group of columns:

* **touchpoint**: the customer's mean CSAT (1-5) and mean CES (1-7) at each
  touchpoint surveyed (with an indicator for "not measured", so customers who
  did not pass the touchpoint still count);
* **tickets**: number of tickets, mean hours to resolution (log scale), whether a
  ticket was reopened;
* **attribute**: country, language, acquisition channel (as categories), years as
  a customer, number of orders (log scale).

Method: an ordinary least-squares regression of the score on all groups; the
model's R² is split among the groups by its Shapley value (the LMG / dominance
decomposition: each group's average gain in R² over all orders of entering the
model; Lindeman, Merenda & Gold 1980, Grömping 2007), computed exactly from the
covariance matrix. Importance is that share of R²; its 95% interval comes from a
bootstrap of customers. Significance is the partial F test of dropping the group
from the full model. Sign is the direction of the score's coefficient for numeric
drivers. For experience drivers, *affected* is the share of respondents measured
at the touchpoint (or with a ticket), *poor* the share with a poor experience
(CSAT 1-3, CES 1-3, a reopened ticket, resolution over 48 hours) and
*NPS gap* the NPS of those with a poor experience minus the NPS of the other
measured ones, with its interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import fdtrc
from threadpoolctl import threadpool_limits

from cxlens.errors import CxlensError
from cxlens.i18n import pgettext
from cxlens.journeys import DRIVER_NAMES
from cxlens.journeys.base import Range, require, seconds_between
from cxlens.journeys.results import DriverReport
from cxlens.stats import nps_difference_test

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxlens.data import WorkspaceData

ATTRIBUTES = ("country", "language", "acquisition_channel")
MAX_GROUPS = 14
POOR_HOURS = 48.0


@dataclass
class Group:
    key: str
    """The driver's id (``driver_csat`` ...): its name is ``DRIVER_NAMES[key]`` with ``touchpoint``."""
    kind: str
    columns: list[str]
    sign_column: str | None = None
    poor: np.ndarray | None = None
    measured: np.ndarray | None = None
    touchpoint: str = ""

    def name(self, lang: str = "en") -> str:
        """The name in ``lang``, with the touchpoint's id (the faces show its label instead)."""
        return pgettext("driver", DRIVER_NAMES[self.key], lang, touchpoint=self.touchpoint)


#: fewer customers with an NPS answer than this and the drivers are not computed
MIN_RESPONDENTS = 30


def _nps_answers(ws: WorkspaceData, rng: Range) -> ir.Table:
    r = rng.filter(require(ws, "responses", "Key drivers"), "ts")
    return r.filter((r.kind == "nps") & r.score.notnull() & r.customer_id.notnull())


def _respondents(ws: WorkspaceData, rng: Range) -> pd.DataFrame:
    nps = _nps_answers(ws, rng)
    latest = nps.group_by("customer_id").aggregate(
        nps=nps.score.argmax(nps.ts), answered=nps.ts.max()
    )
    return latest.execute()


def _touchpoint_scores(ws: WorkspaceData, rng: Range) -> pd.DataFrame:
    r = rng.filter(ws.table("responses"), "ts")
    r = r.filter(
        r.kind.isin(["csat", "ces"])
        & r.score.notnull()
        & r.customer_id.notnull()
        & r.touchpoint.notnull()
    )
    per = r.group_by(["customer_id", "kind", "touchpoint"]).aggregate(score=r.score.mean())
    return per.execute()


def _tickets(ws: WorkspaceData, rng: Range) -> pd.DataFrame:
    t = rng.filter(ws.table("tickets"), "opened_at")
    hours = seconds_between(t.resolved_at, t.opened_at) / 3600.0
    return (
        t.group_by("customer_id")
        .aggregate(
            tickets=t.count(),
            hours=hours.mean(),
            reopened=t.reopened.fill_null(False).ifelse(1, 0).max(),
        )
        .execute()
    )


def _attributes(ws: WorkspaceData, as_of: pd.Timestamp, rng: Range) -> pd.DataFrame:
    """The attributes of the customers who answered NPS in ``rng`` (the only ones the
    design reads: the warehouse leaves the others out)."""
    answered = _nps_answers(ws, rng).select(_who="customer_id").distinct()
    c = ws.table("customers")
    c = c.semi_join(answered, c.customer_id == answered._who)
    cols = [a for a in ATTRIBUTES if a in c.columns]
    frame = c.select("customer_id", "created_at", *cols).execute()
    created = pd.to_datetime(frame.pop("created_at"), utc=True)
    frame["tenure_years"] = (as_of - created).dt.days / 365.25
    if ws.warehouse.exists("orders"):
        o = ws.table("orders")
        o = o.semi_join(answered, o.customer_id == answered._who)
        counts = o.group_by("customer_id").aggregate(orders=o.count()).execute()
        frame = frame.merge(counts, on="customer_id", how="left")
    frame["orders"] = frame.get("orders", pd.Series(0, index=frame.index)).fillna(0)
    return frame


def build_design(
    ws: WorkspaceData, by: str | None, start: object, end: object
) -> tuple[np.ndarray, pd.DataFrame, list[Group]]:
    rng = Range.of(ws, start, end)
    resp = _respondents(ws, rng)
    if len(resp) < MIN_RESPONDENTS:
        raise CxlensError(
            f"Key drivers need at least {MIN_RESPONDENTS} customers with an NPS answer; there are {len(resp)}."
        )
    # the engine returns groups in any order; a fixed order keeps the bootstrap reproducible
    base = resp.sort_values("customer_id").set_index("customer_id")
    y = base["nps"].to_numpy(float)
    x = pd.DataFrame(index=base.index)
    groups: list[Group] = []
    if by in (None, "touchpoint"):
        groups += experience_groups(ws, rng, x)
    if by in (None, "attribute") and ws.warehouse.exists("customers"):
        # tenure at the end of the analysed answers, so the result does not depend on the clock
        as_of = pd.Timestamp(rng.end_utc) if rng.end_utc else pd.Timestamp(resp["answered"].max())
        attrs = _attributes(ws, as_of, rng).set_index("customer_id").reindex(base.index)
        groups += attribute_groups(attrs, x)
    return y, x, usable_groups(x, groups, "the NPS respondents")


def usable_groups(x: pd.DataFrame, groups: list[Group], who: str) -> list[Group]:
    """The groups that vary and add something, at most :data:`MAX_GROUPS`; an error if none."""
    groups = _informative(x, [g for g in groups if x[g.columns].to_numpy().std(axis=0).max() > 0])
    if not groups:
        raise CxlensError(f"No driver varies among {who}; there is nothing to explain.")
    return groups[:MAX_GROUPS]


def experience_groups(ws: WorkspaceData, rng: Range, x: pd.DataFrame) -> list[Group]:
    """CSAT and CES per touchpoint and the ticket drivers, as columns of ``x`` (indexed by customer)."""
    groups: list[Group] = []
    index = x.index
    scores = _touchpoint_scores(ws, rng)
    for (kind, tp), part in scores.groupby(["kind", "touchpoint"]):
        values = part.set_index("customer_id")["score"].reindex(index)
        measured = values.notna().to_numpy()
        if measured.sum() < 20:
            continue
        col = f"{kind}:{tp}"
        x[col] = values.fillna(values.mean())
        x[col + ":missing"] = (~measured).astype(float)
        poor = (values <= 3).to_numpy() & measured
        groups.append(
            Group(
                f"driver_{kind}",
                "touchpoint",
                [col, col + ":missing"],
                col,
                poor,
                measured,
                str(tp),
            )
        )
    if ws.warehouse.exists("tickets"):
        t = _tickets(ws, rng).set_index("customer_id").reindex(index)
        had = t["tickets"].notna().to_numpy()
        x["tickets"] = t["tickets"].fillna(0)
        groups.append(Group("driver_tickets", "tickets", ["tickets"], "tickets", None, had))
        hours = t["hours"]
        resolved = hours.notna().to_numpy()
        if resolved.sum() >= 20:
            x["ttr"] = np.log1p(hours.fillna(hours.median()).clip(lower=0))
            x["ttr:missing"] = (~resolved).astype(float)
            groups.append(
                Group(
                    "driver_ttr",
                    "tickets",
                    ["ttr", "ttr:missing"],
                    "ttr",
                    (hours > POOR_HOURS).to_numpy() & resolved,
                    resolved,
                )
            )
        reopened = t["reopened"].fillna(0).to_numpy(float)
        if reopened.sum() >= 5:
            x["reopened"] = reopened
            groups.append(
                Group("driver_reopened", "tickets", ["reopened"], "reopened", reopened > 0, had)
            )
    return groups


def attribute_groups(attrs: pd.DataFrame, x: pd.DataFrame) -> list[Group]:
    """Country, language and acquisition channel (categories), tenure and orders, as columns of ``x``.

    ``attrs`` is indexed like ``x`` and has ``tenure_years`` and ``orders``.
    """
    groups: list[Group] = []
    for a in ATTRIBUTES:
        if a not in attrs:
            continue
        values = attrs[a].fillna("(unknown)").astype(str)
        levels = values.value_counts()
        levels = levels[levels >= 10]
        if len(levels) < 2:
            continue
        cols = []
        for level in levels.index[1:]:  # the largest level is the reference
            col = f"{a}={level}"
            x[col] = (values == level).astype(float)
            cols.append(col)
        groups.append(Group(f"driver_{a}", "attribute", cols))
    x["tenure"] = attrs["tenure_years"].fillna(attrs["tenure_years"].median())
    groups.append(Group("driver_tenure", "attribute", ["tenure"], "tenure"))
    x["orders"] = np.log1p(attrs["orders"].fillna(0))
    groups.append(Group("driver_orders", "attribute", ["orders"], "orders"))
    return groups


def _informative(x: pd.DataFrame, groups: list[Group]) -> list[Group]:
    """Drop groups that add nothing the earlier ones do not already say.

    When every country speaks one language, language repeats country exactly; the
    regression cannot tell them apart, so only the first is kept. The rank of the
    design is read off the predictors' correlation matrix (the intercept takes the
    means), so it costs one small eigen-decomposition per group, not one of the
    whole design.
    """
    columns = [c for g in groups for c in g.columns]
    corr, _ = _standardised(np.atleast_2d(np.cov(x[columns].to_numpy(float), rowvar=False)))
    position = {c: i for i, c in enumerate(columns)}
    kept: list[Group] = []
    rank = 0
    for g in groups:
        idx = [position[c] for k in [*kept, g] for c in k.columns]
        new_rank = _rank(np.linalg.eigvalsh(corr[np.ix_(idx, idx)]))
        if new_rank > rank:
            kept.append(g)
            rank = new_rank
    return kept


def _standardised(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The correlation matrix of a covariance matrix, and the standard deviations.

    A column without variance gets a zero row and column: it explains nothing.
    """
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    inv = np.divide(1.0, sd, out=np.zeros_like(sd), where=sd > 0)
    return cov * inv[:, None] * inv[None, :], sd


def _rank(eigenvalues: np.ndarray) -> int:
    """How many eigenvalues of a correlation matrix are not zero up to rounding."""
    top = float(eigenvalues.max()) if eigenvalues.size else 0.0
    return int((eigenvalues > max(top, 1.0) * len(eigenvalues) * 1e-12).sum())


def _subset_columns(spans: list[list[int]], width: int) -> np.ndarray:
    """A (2^k, width) boolean table: which columns each subset of groups (bitmask index) holds."""
    k = len(spans)
    groups_in = (np.arange(1 << k)[:, None] >> np.arange(k)) & 1  # (subsets, groups)
    column_group = np.zeros(width, dtype=int)
    for g, span in enumerate(spans):
        column_group[span] = g
    return groups_in[:, column_group].astype(bool)


@dataclass(frozen=True)
class Subsets:
    """R² and design rank of the regression on every subset of groups (bitmask index)."""

    r2: np.ndarray
    rank: np.ndarray


def _r2_all_subsets(cov: np.ndarray, spans: list[list[int]]) -> Subsets:
    """Every subset's regression from one covariance matrix of ``[y, predictors]``.

    For the predictors S of a subset, R²(S) = c_Sᵀ C_SS⁺ c_S / var(y), with C the
    predictors' correlation matrix, c their correlation with y and ⁺ the
    pseudo-inverse, which is what least squares solves (the minimum-norm solution
    where groups overlap). All subsets are decomposed at once: the columns outside
    S become unit rows and columns with a zero right-hand side, which adds
    eigenvalues of one that contribute nothing.
    """
    corr, sd = _standardised(cov)
    cxx, cxy = corr[1:, 1:], corr[1:, 0]
    width = cxx.shape[0]
    inside = _subset_columns(spans, width)
    r2 = np.zeros(inside.shape[0])
    rank = np.zeros(inside.shape[0], dtype=int)
    eye = np.eye(width)
    # when the whole correlation matrix is positive definite, so is every principal
    # submatrix: one batched LU solve does; otherwise decompose to skip null directions
    full_rank = _rank(np.linalg.eigvalsh(cxx)) == width
    step = max(1, 4_000_000 // max(width * width, 1))  # bound the stacked matrices' memory
    for lo in range(0, inside.shape[0], step):
        m = inside[lo : lo + step]
        systems = np.where(m[:, :, None] & m[:, None, :], cxx, eye)
        rhs = np.where(m, cxy, 0.0)
        if full_rank:
            beta = np.linalg.solve(systems, rhs[:, :, None])[:, :, 0]
            r2[lo : lo + step] = np.einsum("si,si->s", rhs, beta)
            rank[lo : lo + step] = m.sum(axis=1)
            continue
        values, vectors = np.linalg.eigh(systems)
        # eigenvalues of the padded identity are exactly one and are not counted
        padding = width - m.sum(axis=1)
        tol = np.maximum(values.max(axis=1), 1.0) * width * 1e-12
        keep = values > tol[:, None]
        proj = np.einsum("sji,sj->si", vectors, rhs)
        safe = np.where(keep, values, 1.0)
        r2[lo : lo + step] = np.where(keep, proj**2 / safe, 0.0).sum(axis=1)
        rank[lo : lo + step] = keep.sum(axis=1) - padding
    r2[0], rank[0] = 0.0, 0
    if sd[0] <= 0:
        r2[:] = 0.0
    return Subsets(np.clip(r2, 0.0, 1.0), rank)


def _shapley_weights(k: int) -> np.ndarray:
    """w[s] = s! (k − s − 1)! / k!, the weight of a coalition of size s joined by one more group."""
    fact = [math.factorial(i) for i in range(k + 1)]
    return np.array([fact[s] * fact[k - s - 1] / fact[k] for s in range(k)])


def shapley_values(subsets: Subsets, k: int) -> np.ndarray:
    """Each of ``k`` groups' Shapley share of the full model's R² (the LMG decomposition)."""
    r2 = subsets.r2
    masks = np.arange(1 << k)
    sizes = np.array([bin(int(m)).count("1") for m in masks])
    weights = _shapley_weights(k)
    values = np.zeros(k)
    for g in range(k):
        without = masks[(masks >> g & 1) == 0]
        values[g] = float(np.sum(weights[sizes[without]] * (r2[without | 1 << g] - r2[without])))
    return values


def _covariance(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    cov = np.atleast_2d(np.cov(np.column_stack([y, x]), rowvar=False))
    if cov[0, 0] <= 0:
        raise CxlensError("Every respondent gave the same NPS score; there is nothing to explain.")
    return cov


def shapley_r2(y: np.ndarray, x: np.ndarray, spans: list[list[int]]) -> tuple[np.ndarray, float]:
    """Each group's Shapley share of R² (values sum to the full model's R²), and R²."""
    subsets = _r2_all_subsets(_covariance(y, x), spans)
    return shapley_values(subsets, len(spans)), float(subsets.r2[-1])


def spans_of(groups: list[Group]) -> list[list[int]]:
    """The column positions of each group in the concatenated design."""
    spans, pos = [], 0
    for g in groups:
        spans.append(list(range(pos, pos + len(g.columns))))
        pos += len(g.columns)
    return spans


@dataclass(frozen=True)
class Decomposition:
    """The Shapley (LMG) decomposition of a regression's R² over groups of columns."""

    shares: np.ndarray
    """Each group's share of R² (summing to ``r2``)."""
    r2: float
    low: np.ndarray
    """95 % bootstrap bounds of each group's importance (percent of R²)."""
    high: np.ndarray
    coef: np.ndarray
    """Standardised full-model coefficients, one per column."""
    p_values: np.ndarray
    """Partial F test of dropping each group."""
    extras: list[Any]
    """What ``on_resample`` returned for each bootstrap resample that could be fitted."""

    @property
    def importance(self) -> np.ndarray:
        return 100 * self.shares / self.r2 if self.r2 > 0 else np.full(self.shares.size, np.nan)


def decompose(
    y: np.ndarray,
    xm: np.ndarray,
    spans: list[list[int]],
    bootstrap: int = 50,
    seed: int = 0,
    on_resample: Callable[[np.ndarray], Any] | None = None,
) -> Decomposition:
    """Shapley shares of R², bootstrap intervals of the importances and partial F tests.

    ``on_resample(pick)`` is called with the row indices of every bootstrap resample
    (customers drawn with replacement), so callers can compute their own statistics
    on the same resamples.
    """
    # thousands of small systems: a BLAS thread pool costs more than it saves (5x here)
    with threadpool_limits(limits=1, user_api="blas"):
        cov = _covariance(y, xm)
        subsets = _r2_all_subsets(cov, spans)
        shares, r2 = shapley_values(subsets, len(spans)), float(subsets.r2[-1])
        rng = np.random.default_rng(seed)
        boots, extras = [], []
        for _ in range(bootstrap):
            pick = rng.integers(0, len(y), len(y))
            try:
                b, r2_b = shapley_r2(y[pick], xm[pick], spans)
            except CxlensError:
                continue
            if r2_b > 0:
                boots.append(100 * b / r2_b)  # each resample's own shares of its R²
                if on_resample is not None:
                    extras.append(on_resample(pick))
    if boots:
        # Percentile bounds, extended to the estimate where the bootstrap's skew leaves
        # it outside them (as cxlens.stats.resampling does): a driver that explains
        # next to nothing has resamples that all credit it a little more than the data.
        boot = np.array(boots)
        point = 100 * shares / r2 if r2 > 0 else np.full(len(spans), np.nan)
        low = np.fmin(np.percentile(boot, 2.5, axis=0), point)
        high = np.fmax(np.percentile(boot, 97.5, axis=0), point)
    else:
        low = high = np.full(len(spans), np.nan)
    coef, p_values = _ols_tests(cov, subsets, spans, len(y))
    return Decomposition(shares, r2, low, high, coef, p_values, extras)


def drivers(
    ws: WorkspaceData,
    by: str | None = None,
    start: object = None,
    end: object = None,
    bootstrap: int = 50,
    seed: int = 0,
) -> DriverReport:
    if by not in (None, "touchpoint", "attribute"):
        raise CxlensError(f"--by is touchpoint or attribute, got {by!r}.")
    y, x, groups = build_design(ws, by, start, end)
    columns = [c for g in groups for c in g.columns]
    result = decompose(y, x[columns].to_numpy(float), spans_of(groups), bootstrap, seed)
    rows = []
    for i, g in enumerate(groups):
        row = {
            **driver_row(g, i, result, columns),
            "nps_gap": np.nan,
            "nps_gap_low": np.nan,
            "nps_gap_high": np.nan,
        }
        if g.poor is not None and g.measured is not None:
            row.update(_nps_gap(y, g.poor, g.measured & ~g.poor))
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("importance", ascending=False).reset_index(drop=True)
    return DriverReport(table, result.r2, len(y))


def driver_row(g: Group, i: int, result: Decomposition, columns: list[str]) -> dict[str, Any]:
    """The columns every driver table shares: name, importance with interval, sign, test, reach."""
    sign = ""
    if g.sign_column is not None:
        sign = "+" if result.coef[columns.index(g.sign_column)] > 0 else "−"
    return {
        "driver": g.name(),
        "key": g.key,
        "touchpoint": g.touchpoint,
        "kind": g.kind,
        # shares of R² in percent: rounding can leave a driver that adds nothing a hair below 0
        "importance": float(np.clip(result.importance[i], 0.0, 100.0)),
        "importance_low": float(np.clip(result.low[i], 0.0, 100.0)),
        "importance_high": float(np.clip(result.high[i], 0.0, 100.0)),
        "r2_share": result.shares[i],
        "sign": sign,
        "p_value": result.p_values[i],
        "significant": bool(result.p_values[i] < 0.05),
        "affected": float(g.measured.mean()) if g.measured is not None else 1.0,
        "poor": float(g.poor.mean()) if g.poor is not None else np.nan,
    }


def _nps_gap(y: np.ndarray, poor: np.ndarray, rest: np.ndarray) -> dict[str, float]:
    """NPS of the poor-experience group minus NPS of the rest, with a 95% interval (z test)."""

    def counts(mask: np.ndarray) -> tuple[float, float, float]:
        return float((y[mask] >= 9).sum()), float((y[mask] <= 6).sum()), float(mask.sum())

    a, b = counts(rest), counts(poor)
    if not a[2] or not b[2]:
        return {}
    test = nps_difference_test(*a, *b)
    half = np.nan
    if np.isfinite(test.statistic) and test.statistic != 0:
        half = 1.959964 * abs(test.difference / test.statistic)
    return {
        "nps_gap": test.difference,
        "nps_gap_low": test.difference - half,
        "nps_gap_high": test.difference + half,
    }


def _ols_tests(
    cov: np.ndarray, subsets: Subsets, spans: list[list[int]], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Full-model coefficients (standardised) and the partial F test p-value of dropping each group.

    The residual sums of squares follow from the subsets' R²: RSS(S) = (n − 1)·var(y)·(1 − R²(S)),
    so F = ((R²_full − R²_without) / q) / ((1 − R²_full) / (n − rank − 1)), with q the
    rank the group adds.
    """
    corr, _ = _standardised(cov)
    coef = np.linalg.lstsq(corr[1:, 1:], corr[1:, 0], rcond=None)[0]
    full = (1 << len(spans)) - 1
    r2_full, rank_full = float(subsets.r2[full]), int(subsets.rank[full])
    df_full = n - rank_full - 1
    p_values = []
    for g in range(len(spans)):
        without = full & ~(1 << g)
        q = rank_full - int(subsets.rank[without])
        if df_full <= 0 or r2_full >= 1 or q <= 0:
            p_values.append(np.nan)
            continue
        f = ((r2_full - float(subsets.r2[without])) / q) / ((1 - r2_full) / df_full)
        p_values.append(float(fdtrc(q, df_full, max(f, 0.0))))
    return coef, np.array(p_values)
