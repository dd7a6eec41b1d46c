"""A light marketing-mix model: geometric adstock and Hill saturation per channel, on weekly data.

For week ``t`` and channel ``c`` with spend ``x_ct``::

    y_t = b₀ + b₁ t/n [+ b₂ sin(2πt/52.18) + b₃ cos(2πt/52.18)] + Σ_c β_c h(a_ct; K_c, s_c) + ε_t
    a_ct = (1 − θ_c) x_ct + θ_c a_c,t−1,   a_c,−1 = x_c0          (geometric adstock)
    h(a; K, s) = a^s / (a^s + K^s)                                 (Hill saturation)

``θ`` is the share of a week's effect carried into the next, ``K`` the weekly spend
at which a channel gives half its most, ``s`` the steepness, ``β`` its most per
week. The adstock is normalised, so steady spend ``x`` keeps the level ``x`` and the
steady-state response to ``x`` a week is ``β h(x)``. A yearly wave enters once
there are two years of weeks.

**Fit.** The linear coefficients are least squares given the other parameters
(variable projection), with ``β ≥ 0`` and a light ridge penalty on the channels'
coefficients (of their standardised columns). The others maximise the profile
likelihood ``−n/2 · log(RSS/n)`` plus weakly informative priors on transformed
scales, which keep them away from the edges where the data cannot tell them apart:
``logit θ ~ N(logit 0.3, 1.5²)``, ``log(K / mean spend) ~ N(0, 1)``,
``log s ~ N(0, 0.5²)``; θ stays within 0…0.95, ``K`` within 0.05…20 times the
mean spend and ``s`` within 0.3…4 (L-BFGS-B from a few starting points).

**Intervals** come from a moving-block bootstrap of the residuals (blocks of four
weeks keep their autocorrelation; the residuals scaled by ``√(n/(n−p))`` to the
errors' variance): the fitted weeks plus resampled residuals are fitted again, and every reported quantity gets the percentile interval of its
refits (:func:`cxlens.stats.resampling.percentile_interval`).

**Enough data?** Every fitted parameter needs its weeks: the model refuses to fit
with fewer than ``min_weeks_per_parameter`` (4) weeks per parameter, or when a
channel spent in fewer than 8 weeks or never changed its spend, and says why.

For a full Bayesian treatment (priors chosen per channel, posterior intervals,
geo-level data, lagged peaks) PyMC-Marketing or Meridian are the better tools; the
weekly table (:mod:`cxlens.marketing.weekly`) is their input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize
from scipy.signal import lfilter
from scipy.special import logit
from threadpoolctl import threadpool_limits

from cxlens.errors import CxlensError
from cxlens.stats.resampling import percentile_interval

FloatArray = npt.NDArray[np.float64]

MIN_WEEKS_PER_PARAMETER = 4.0
MIN_SPEND_WEEKS = 8
PARAMETERS_PER_CHANNEL = 4
WEEKS_PER_YEAR = 365.25 / 7
BLOCK_WEEKS = 4
RIDGE = 1e-3
#: a typical spread of a channel's saturation curve h (0...1), the unit of the ridge penalty
RIDGE_SCALE = 0.2
MAX_CARRY_OVER = 0.95
K_RANGE = (0.05, 20.0)
SHAPE_RANGE = (0.3, 4.0)
PRIOR_CARRY_OVER = (logit(0.3), 1.5)
PRIOR_LOG_K = (0.0, 1.0)
PRIOR_LOG_SHAPE = (0.0, 0.5)


def geometric_adstock(spend: FloatArray, carry_over: FloatArray) -> FloatArray:
    """Normalised geometric adstock of ``(weeks, channels)`` spend with per-channel carry-over.

    ``a_t = (1 − θ) x_t + θ a_(t−1)`` with ``a_(−1) = x_0``: a first-order recursive
    filter per channel (``scipy.signal.lfilter``).
    """
    out = np.empty_like(spend, dtype=float)
    for j in range(spend.shape[1]):
        theta = float(carry_over[j])
        x = spend[:, j]
        out[:, j] = lfilter([1.0 - theta], [1.0, -theta], x, zi=[theta * x[0]])[0]
    return out


def hill(adstocked: FloatArray, half_saturation: FloatArray, shape: FloatArray) -> FloatArray:
    """``a^s / (a^s + K^s)``, computed as ``1 / (1 + (K/a)^s)`` (0 where ``a = 0``)."""
    with np.errstate(divide="ignore", over="ignore"):
        ratio = np.power(np.divide(half_saturation, adstocked), shape)
    return np.where(adstocked > 0, 1.0 / (1.0 + ratio), 0.0)


@dataclass(frozen=True)
class Sufficiency:
    weeks: int
    parameters: int
    min_weeks_per_parameter: float

    @property
    def weeks_per_parameter(self) -> float:
        return self.weeks / self.parameters


def check_data(
    spend: pd.DataFrame, seasonal: bool, min_weeks_per_parameter: float = MIN_WEEKS_PER_PARAMETER
) -> Sufficiency:
    """Refuse, with the reason, to fit a model the weekly data cannot support."""
    weeks, channels = spend.shape
    if channels == 0:
        raise CxlensError("There is no channel with spend to model.")
    parameters = 2 + (2 if seasonal else 0) + PARAMETERS_PER_CHANNEL * channels
    enough = Sufficiency(weeks, parameters, min_weeks_per_parameter)
    if enough.weeks_per_parameter < min_weeks_per_parameter:
        needed = math.ceil(min_weeks_per_parameter * parameters)
        raise CxlensError(
            f"Not enough data for a marketing-mix model: {weeks} weeks for {parameters} parameters"
            f" ({enough.weeks_per_parameter:.2f} weeks per parameter; at least"
            f" {min_weeks_per_parameter:g} are needed, so {needed} weeks). {channels} channels"
            f" take {PARAMETERS_PER_CHANNEL} parameters each (coefficient, carry-over,"
            " half-saturation, shape) besides the baseline and trend: wait for more weeks,"
            " or model fewer channels with --channels."
        )
    for name in spend.columns:
        x = spend[name].to_numpy(float)
        active = int((x > 0).sum())
        if active < MIN_SPEND_WEEKS:
            raise CxlensError(
                f"Channel '{name}' has spend in only {active} of {weeks} weeks; a marketing-mix"
                f" model needs at least {MIN_SPEND_WEEKS} to see what it does. Leave it out with"
                " --channels."
            )
        if np.ptp(x) <= 1e-9 * max(abs(float(x.mean())), 1.0):
            raise CxlensError(
                f"Channel '{name}' spent the same every week; without changes in its spend a"
                " model cannot tell its effect from the baseline."
            )
    return enough


@dataclass(frozen=True)
class Fit:
    """Point estimates of one fit (natural scales)."""

    carry_over: FloatArray
    half_saturation: FloatArray
    shape: FloatArray
    coefficient: FloatArray
    baseline: FloatArray
    """Intercept, trend (and the seasonal pair)."""
    fitted: FloatArray
    contributions: FloatArray
    """``(weeks, channels)``: each channel's part of the fitted outcome."""
    objective: float


@dataclass
class Problem:
    """A weekly outcome and spend, with the design of the baseline."""

    y: FloatArray
    spend: FloatArray
    seasonal: bool
    mean_spend: FloatArray = field(init=False)
    controls: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        n = self.y.size
        self.mean_spend = np.maximum(self.spend.mean(axis=0), 1e-9)
        t = np.arange(n, dtype=float)
        cols = [np.ones(n), t / max(n - 1, 1)]
        if self.seasonal:
            angle = 2 * np.pi * t / WEEKS_PER_YEAR
            cols += [np.sin(angle), np.cos(angle)]
        self.controls = np.column_stack(cols)

    @property
    def channels(self) -> int:
        return int(self.spend.shape[1])

    def unpack(self, z: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        c = self.channels
        return z[:c], self.mean_spend * np.exp(z[c : 2 * c]), np.exp(z[2 * c :])

    def bounds(self) -> list[tuple[float, float]]:
        c = self.channels
        return (
            [(0.0, MAX_CARRY_OVER)] * c
            + [(math.log(K_RANGE[0]), math.log(K_RANGE[1]))] * c
            + [(math.log(SHAPE_RANGE[0]), math.log(SHAPE_RANGE[1]))] * c
        )

    def responses(self, z: FloatArray) -> FloatArray:
        theta, k, s = self.unpack(z)
        return hill(geometric_adstock(self.spend, theta), k, s)

    @staticmethod
    def ridge(n: int) -> float:
        """The ridge weight on each channel's coefficient (fixed, so the profile stays smooth)."""
        return RIDGE * n * RIDGE_SCALE**2

    def responses_and_slopes(self, z: FloatArray) -> tuple[FloatArray, list[FloatArray]]:
        """``h`` per week and channel, and its derivatives in θ, log(K / mean spend) and log s.

        With ``u = (K/a)^s``: ``∂h/∂a = s u / (a (1+u)²)``, ``∂h/∂log K = −s u / (1+u)²``,
        ``∂h/∂log s = −s u log(K/a) / (1+u)²``; and ``∂a_t/∂θ = a_(t−1) − x_t + θ ∂a_(t−1)/∂θ``
        (a recursive filter again, from zero, with ``a_(−1) = x_0``).
        """
        theta, k, s = self.unpack(z)
        a = geometric_adstock(self.spend, theta)
        previous = np.vstack([self.spend[:1], a[:-1]])
        da = np.empty_like(a)
        for j in range(a.shape[1]):
            da[:, j] = lfilter([1.0], [1.0, -float(theta[j])], previous[:, j] - self.spend[:, j])
        positive = a > 0
        safe = np.where(positive, a, 1.0)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            log_ratio = np.log(k) - np.log(safe)
            u = np.exp(np.clip(s * log_ratio, -700, 700))
            h = np.where(positive, 1.0 / (1.0 + u), 0.0)
            core = np.where(positive, u / (1.0 + u) ** 2, 0.0)
        dh_da = s * core / safe
        return h, [dh_da * da, -s * core, -s * core * log_ratio]

    def linear(self, features: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Least squares of ``y`` on controls and channel features, β ≥ 0, ridge on β.

        Solved from the normal equations (a handful of columns); a channel whose
        coefficient comes out negative is dropped and the rest solved again.
        """
        c = self.channels
        q = self.controls.shape[1]
        design = np.concatenate([self.controls, features], axis=1)
        gram = design.T @ design
        moment = design.T @ y
        gram[q:, q:] += np.eye(c) * self.ridge(y.size)
        active = np.ones(q + c, dtype=bool)
        for _ in range(c + 1):
            solution = np.zeros(q + c)
            try:
                solution[active] = np.linalg.solve(gram[np.ix_(active, active)], moment[active])
            except np.linalg.LinAlgError:
                solution[active] = np.linalg.lstsq(
                    gram[np.ix_(active, active)], moment[active], rcond=None
                )[0]
            beta = solution[q:]
            if (beta >= -1e-12).all():
                return solution[:q], np.clip(beta, 0.0, None)
            active[q:] &= beta > 0  # drop the negative ones and solve again
        return solution[:q], np.clip(solution[q:], 0.0, None)

    def objective(self, z: FloatArray, y: FloatArray) -> tuple[float, FloatArray]:
        """``n/2 log(F/n)`` plus the priors, and its gradient in ``z``.

        ``F`` is the residual sum of squares plus the ridge term at the best linear
        coefficients; those are optimal, so ``∂F/∂z`` needs no derivative through them
        (the envelope theorem): ``∂F/∂z = −2 Σ_t r_t β_c ∂h_ct/∂z``.
        """
        features, slopes = self.responses_and_slopes(z)
        base, beta = self.linear(features, y)
        residual = y - self.controls @ base - features @ beta
        n = y.size
        f = float(residual @ residual) + self.ridge(n) * float(beta @ beta)
        f = max(f, 1e-300)
        grad_f = -2.0 * (residual @ np.concatenate(slopes, axis=1)) * np.tile(beta, 3)
        grad = 0.5 * n / f * grad_f + self.penalty_gradient(z)
        return 0.5 * n * math.log(f / n) + self.penalty(z), grad

    def penalty(self, z: FloatArray) -> float:
        c = self.channels
        theta = np.clip(z[:c], 1e-6, MAX_CARRY_OVER)
        mu, sd = PRIOR_CARRY_OVER
        out = 0.5 * float(np.sum(((logit(theta) - mu) / sd) ** 2))
        mu, sd = PRIOR_LOG_K
        out += 0.5 * float(np.sum(((z[c : 2 * c] - mu) / sd) ** 2))
        mu, sd = PRIOR_LOG_SHAPE
        out += 0.5 * float(np.sum(((z[2 * c :] - mu) / sd) ** 2))
        return out

    def penalty_gradient(self, z: FloatArray) -> FloatArray:
        c = self.channels
        theta = np.clip(z[:c], 1e-6, MAX_CARRY_OVER)
        mu, sd = PRIOR_CARRY_OVER
        g_theta = (logit(theta) - mu) / sd**2 / (theta * (1.0 - theta))
        g_k = (z[c : 2 * c] - PRIOR_LOG_K[0]) / PRIOR_LOG_K[1] ** 2
        g_s = (z[2 * c :] - PRIOR_LOG_SHAPE[0]) / PRIOR_LOG_SHAPE[1] ** 2
        return np.concatenate([g_theta, g_k, g_s])

    def starts(self, rng: np.random.Generator, count: int) -> list[FloatArray]:
        c = self.channels
        prior = np.concatenate([np.full(c, 0.3), np.zeros(c), np.zeros(c)])
        out = [prior]
        for _ in range(count - 1):
            out.append(
                np.concatenate(
                    [rng.uniform(0.05, 0.8, c), rng.normal(0.0, 0.7, c), rng.normal(0.0, 0.3, c)]
                )
            )
        return out

    def fit(self, y: FloatArray, starts: list[FloatArray]) -> Fit:
        bounds = self.bounds()
        best = None
        for start in starts:
            lo = np.array([b[0] for b in bounds])
            hi = np.array([b[1] for b in bounds])
            result = optimize.minimize(
                self.objective, np.clip(start, lo, hi), args=(y,), jac=True,
                method="L-BFGS-B", bounds=bounds, options={"maxiter": 400},
            )  # fmt: skip
            if best is None or result.fun < best.fun:
                best = result
        assert best is not None
        z = np.asarray(best.x, dtype=float)
        theta, k, s = self.unpack(z)
        features = self.responses(z)
        base, beta = self.linear(features, y)
        contributions = features * beta
        fitted = self.controls @ base + contributions.sum(axis=1)
        return Fit(theta, k, s, beta, base, fitted, contributions, float(best.fun))


def _blocks(rng: np.random.Generator, residuals: FloatArray, block: int) -> FloatArray:
    """A moving-block resample of ``residuals`` of the same length."""
    n = residuals.size
    block = max(1, min(block, n))
    starts = rng.integers(0, n - block + 1, size=math.ceil(n / block))
    return np.concatenate([residuals[s : s + block] for s in starts])[:n]


@dataclass(frozen=True)
class MixModel:
    channels: list[str]
    weeks: list[object]
    y: FloatArray
    spend: FloatArray
    point: Fit
    draws: list[Fit]
    sufficiency: Sufficiency
    seasonal: bool
    outcome: str

    @property
    def r2(self) -> float:
        resid = self.y - self.point.fitted
        total = float(np.sum((self.y - self.y.mean()) ** 2))
        return 1.0 - float(np.sum(resid**2)) / total if total > 0 else math.nan

    @property
    def mape(self) -> float:
        usable = self.y != 0
        return float(np.mean(np.abs((self.y - self.point.fitted)[usable] / self.y[usable])))

    def response(self, fit: Fit, spend: FloatArray) -> FloatArray:
        """Steady-state weekly response of each channel to weekly ``spend`` (``(..., channels)``)."""
        return fit.coefficient * hill(
            np.asarray(spend, dtype=float), fit.half_saturation, fit.shape
        )

    def marginal(self, fit: Fit, spend: FloatArray) -> FloatArray:
        """d response / d spend at weekly ``spend``: β s K^s x^(s−1) / (x^s + K^s)²."""
        x = np.maximum(np.asarray(spend, dtype=float), 1e-12)
        k, s = fit.half_saturation, fit.shape
        return fit.coefficient * s * k**s * x ** (s - 1) / (x**s + k**s) ** 2

    def channel_table(self, recent_weeks: int = 13) -> pd.DataFrame:
        """Per channel: parameters, contribution, return per spend, current and marginal return.

        ``current_weekly_spend`` is the mean of the last ``recent_weeks`` weeks; the
        marginal return is the steady-state response's slope there.
        """
        current = self.spend[-recent_weeks:].mean(axis=0)
        total_spend = np.maximum(self.spend.sum(axis=0), 1e-12)
        quantities = {
            "carry_over": lambda f: f.carry_over,
            "half_saturation": lambda f: f.half_saturation,
            "shape": lambda f: f.shape,
            "coefficient": lambda f: f.coefficient,
            "contribution": lambda f: f.contributions.sum(axis=0),
            "return_per_spend": lambda f: f.contributions.sum(axis=0) / total_spend,
            "marginal_return": lambda f: self.marginal(f, current),
        }
        table = pd.DataFrame(
            {
                "channel": self.channels,
                "spend": self.spend.sum(axis=0),
                "current_weekly_spend": current,
            }
        )
        for key, of in quantities.items():
            point = np.asarray(of(self.point), dtype=float)
            draws = np.array([of(d) for d in self.draws], dtype=float).reshape(-1, point.size)
            bounds = [percentile_interval(float(point[j]), draws[:, j]) for j in range(point.size)]
            table[key] = point
            table[f"{key}_low"] = [b.low for b in bounds]
            table[f"{key}_high"] = [b.high for b in bounds]
        return table

    def curves(self, points: int = 25) -> pd.DataFrame:
        """Response curves: weekly spend from 0 to twice the largest week, with intervals."""
        rows = []
        top = self.spend.max(axis=0) * 2.0
        for j, name in enumerate(self.channels):
            for x in np.linspace(0.0, top[j], points):
                spend = np.zeros(len(self.channels))
                spend[j] = x
                point = float(self.response(self.point, spend)[j])
                band = percentile_interval(
                    point, [float(self.response(d, spend)[j]) for d in self.draws]
                )
                low, high = band.low, band.high
                rows.append(
                    {"channel": name, "weekly_spend": float(x), "response": point,
                     "response_low": low, "response_high": high}
                )  # fmt: skip
        return pd.DataFrame(rows)


def fit_mix(
    weekly: pd.DataFrame,
    outcome: str = "outcome",
    channels: list[str] | None = None,
    bootstrap: int = 100,
    seed: int = 0,
    min_weeks_per_parameter: float = MIN_WEEKS_PER_PARAMETER,
    starts: int = 4,
) -> MixModel:
    """Fit the model to a weekly table (``week``, ``outcome`` and a spend column per channel)."""
    names = channels or [c for c in weekly.columns if c not in ("week", "outcome")]
    missing = [c for c in names if c not in weekly.columns]
    if missing:
        raise CxlensError(
            f"No spend for channel(s) {', '.join(missing)}; the marketing table has"
            f" {', '.join(c for c in weekly.columns if c not in ('week', 'outcome'))}."
        )
    spend_frame = weekly[names].astype(float)
    seasonal = len(weekly) >= 2 * WEEKS_PER_YEAR
    enough = check_data(spend_frame, seasonal, min_weeks_per_parameter)
    y = weekly["outcome"].to_numpy(float)
    problem = Problem(y, spend_frame.to_numpy(float), seasonal)
    rng = np.random.default_rng(seed)
    with threadpool_limits(limits=1, user_api="blas"):
        point = problem.fit(y, problem.starts(rng, starts))
        z0 = np.concatenate(
            [
                point.carry_over,
                np.log(point.half_saturation / problem.mean_spend),
                np.log(point.shape),
            ]
        )
        # fitted residuals are smaller than the errors by the parameters spent on them:
        # scaled by sqrt(n / (n - p)) they have the errors' variance again
        residuals = (y - point.fitted) * math.sqrt(y.size / max(y.size - enough.parameters, 1))
        # each refit starts from the estimate and from the priors' centre, so that a
        # resample leading elsewhere is followed there
        refit_starts = [z0, problem.starts(rng, 1)[0]]
        draws = [
            problem.fit(point.fitted + _blocks(rng, residuals, BLOCK_WEEKS), refit_starts)
            for _ in range(bootstrap)
        ]
    return MixModel(
        names, list(weekly["week"]), y, problem.spend, point, draws, enough, seasonal, outcome
    )
