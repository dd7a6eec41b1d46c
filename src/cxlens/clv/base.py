"""What the CLV models share: input checks, row compression, maximum likelihood, summaries.

Every model is fitted by maximum likelihood on the log of its (positive)
parameters with L-BFGS-B, from a few starting points.  Standard errors come from
the inverse of a numerical Hessian of the negative log-likelihood at the optimum,
taken on the log-parameter scale ``θ = log(param)`` and carried back to the
natural scale by the delta method: ``SE(param) = param * SE(θ)``.  The 95%
intervals in :meth:`MaximumLikelihoodModel.summary` are Wald intervals on the log
scale, ``exp(θ ± 1.96 SE(θ))``: they stay positive and are not symmetric.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize
from threadpoolctl import threadpool_limits

from cxlens.errors import CxlensError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
ArrayLike = npt.ArrayLike

LOG_PARAM_BOUNDS = (-20.0, 20.0)
"""Bounds of each log-parameter during the search (about 2e-9 to 5e8)."""

Z_95 = 1.959963984540054


class ClvError(CxlensError):
    """Base class of the CLV models' errors."""


class ClvDataError(ClvError):
    """The customer summary cannot support the fit or prediction that was asked for."""

    def __init__(self, message: str, problems: Sequence[str] = ()):
        self.problems = list(problems)
        super().__init__(message)


class ModelNotFittedError(ClvError):
    """A prediction was asked of a model that has no parameters yet."""


class PurchaseModel(Protocol):
    """What the holdout report and CLV need of a purchase model (BG/NBD, Pareto/NBD)."""

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray: ...

    def expected_purchases_grid(
        self,
        horizons: FloatArray,
        x: FloatArray,
        tx: FloatArray,
        age: FloatArray,
        *,
        per_row: bool = False,
    ) -> FloatArray: ...


# ------------------------------------------------------------- compression


def wsum(weights: FloatArray, values: FloatArray) -> float:
    """``Σ weights · values`` without BLAS.

    ``weights @ values`` goes through multi-threaded BLAS, whose thread start-up
    made the likelihood evaluations several times slower on two cores.
    """
    return float(np.einsum("i,i->", weights, values))


@dataclass(frozen=True)
class Compressed:
    """Distinct rows of a summary with the summed weight of each."""

    columns: tuple[FloatArray, ...]
    weights: FloatArray
    inverse: IntArray
    """Row ``i`` of the input is distinct row ``inverse[i]``."""


def compress(columns: Sequence[FloatArray], weights: FloatArray) -> Compressed:
    """Merge identical rows and add up their weights; zero-weight rows are dropped.

    Rows are matched by hashing (``pandas.factorize``), which is linear in the
    number of rows; distinct rows come out in order of first appearance.
    """
    keep = weights > 0
    kept = [np.asarray(c[keep], dtype=np.float64) for c in columns]
    key = np.zeros(int(keep.sum()), dtype=np.int64)
    for column in kept:
        codes, uniques = pd.factorize(column)
        key, _ = pd.factorize(key * len(uniques) + codes)
    n_distinct = int(key.max()) + 1 if key.size else 0
    first = np.empty(n_distinct, dtype=np.intp)
    first[key[::-1]] = np.arange(key.size - 1, -1, -1)
    summed = np.bincount(key, weights=weights[keep], minlength=n_distinct).astype(float)
    full_inverse = np.full(weights.size, -1, dtype=np.intp)
    full_inverse[keep] = key
    return Compressed(tuple(c[first] for c in kept), summed, full_inverse)


def unique_index(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct values and, for each input value, its position among them."""
    unique, inverse = np.unique(values, return_inverse=True)
    return unique, inverse.reshape(-1)


# ----------------------------------------------------------- likelihood fit

Objective = Callable[[FloatArray], tuple[float, FloatArray | None]]
"""Maps log-parameters to (summed negative log-likelihood, its gradient or None)."""


def numerical_hessian(objective: Objective, theta: FloatArray, step: float = 1e-4) -> FloatArray:
    """Hessian of the objective at ``theta`` by central differences.

    Uses differences of the analytic gradient when the objective returns one,
    otherwise second differences of function values (with a larger step).
    """
    k = theta.size
    hessian = np.empty((k, k))
    _, grad0 = objective(theta)
    if grad0 is not None:
        for j in range(k):
            e = np.zeros(k)
            e[j] = step
            g_plus = objective(theta + e)[1]
            g_minus = objective(theta - e)[1]
            assert g_plus is not None and g_minus is not None
            hessian[:, j] = (g_plus - g_minus) / (2 * step)
        return (hessian + hessian.T) / 2
    h = 1e-3
    f0 = objective(theta)[0]
    for i in range(k):
        for j in range(i, k):
            ei = np.zeros(k)
            ej = np.zeros(k)
            ei[i] = h
            ej[j] = h
            if i == j:
                f_plus = objective(theta + ei)[0]
                f_minus = objective(theta - ei)[0]
                hessian[i, i] = (f_plus - 2 * f0 + f_minus) / h**2
            else:
                f_pp = objective(theta + ei + ej)[0]
                f_pm = objective(theta + ei - ej)[0]
                f_mp = objective(theta - ei + ej)[0]
                f_mm = objective(theta - ei - ej)[0]
                hessian[i, j] = hessian[j, i] = (f_pp - f_pm - f_mp + f_mm) / (4 * h * h)
    return hessian


@dataclass(frozen=True)
class FitResult:
    theta: FloatArray
    neg_log_likelihood: float
    converged: bool
    message: str
    iterations: int


def _at_bound(theta: FloatArray) -> bool:
    low, high = LOG_PARAM_BOUNDS
    return bool(np.any((theta <= low + 1e-6) | (theta >= high - 1e-6)))


def minimize_log_params(
    objective: Objective, starts: Sequence[FloatArray], total_weight: float
) -> FitResult:
    """Minimise the summed negative log-likelihood over log-parameters with L-BFGS-B.

    The search runs on the mean over customers (better scaled tolerances).  The
    next starting point is tried only when the search did not converge or stopped
    at a parameter bound; the lowest optimum found is kept.
    """
    has_gradient = objective(np.asarray(starts[0], dtype=float))[1] is not None

    def scaled(theta: FloatArray) -> Any:
        with np.errstate(all="ignore"):
            value, grad = objective(theta)
        if not np.isfinite(value):
            return (1e300, np.zeros_like(theta)) if has_gradient else 1e300
        if has_gradient:
            assert grad is not None
            return value / total_weight, grad / total_weight
        return value / total_weight

    best: optimize.OptimizeResult | None = None
    # L-BFGS-B does its linear algebra on vectors of a few parameters: a BLAS thread
    # pool costs more than it saves there (7x slower fits on a busy 2-core machine)
    with threadpool_limits(limits=1, user_api="blas"):
        for start in starts:
            result = optimize.minimize(
                scaled,
                np.asarray(start, dtype=float),
                jac=True if has_gradient else "3-point",
                method="L-BFGS-B",
                bounds=[LOG_PARAM_BOUNDS] * len(start),
                options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8},
            )
            if best is None or result.fun < best.fun:
                best = result
            if best.success and not _at_bound(best.x):
                break
    assert best is not None
    return FitResult(
        theta=np.asarray(best.x, dtype=float),
        neg_log_likelihood=float(best.fun) * total_weight,
        converged=bool(best.success) and not _at_bound(best.x),
        message=str(best.message),
        iterations=int(best.nit),
    )


# --------------------------------------------------------------- base model


class MaximumLikelihoodModel:
    """Parameters, standard errors and a summary table, shared by the three models.

    Subclasses set ``param_names`` and call :meth:`_fit_objective` from ``fit``.
    """

    param_names: ClassVar[tuple[str, ...]] = ()

    params_: pd.Series
    standard_errors_: pd.Series
    covariance_: pd.DataFrame
    log_likelihood_: float
    n_customers_: float
    n_distinct_rows_: int
    converged_: bool
    """The optimizer reported convergence and no parameter sits at its search bound."""
    optimizer_message_: str

    def __init__(self) -> None:
        self._params: FloatArray | None = None

    @classmethod
    def from_params(cls, **params: float) -> Self:
        """A model with known parameters (for example published ones) and no fit statistics."""
        missing = [name for name in cls.param_names if name not in params]
        extra = [name for name in params if name not in cls.param_names]
        if missing or extra:
            raise ClvError(
                f"{cls.__name__} takes parameters {', '.join(cls.param_names)};"
                f" missing: {missing or 'none'}, unknown: {extra or 'none'}."
            )
        values = np.array([float(params[name]) for name in cls.param_names])
        if not np.all(np.isfinite(values) & (values > 0)):
            raise ClvError(f"{cls.__name__} parameters must be positive and finite: {params}.")
        model = cls()
        model._set_params(values)
        return model

    def _set_params(self, values: FloatArray) -> None:
        self._params = np.asarray(values, dtype=float)
        self.params_ = pd.Series(self._params, index=list(self.param_names), name="estimate")

    @property
    def _p(self) -> FloatArray:
        if self._params is None:
            raise ModelNotFittedError(
                f"{type(self).__name__} has no parameters yet: call fit() or from_params() first."
            )
        return self._params

    def _fit_objective(
        self,
        objective: Objective,
        starts: Sequence[FloatArray],
        total_weight: float,
        n_distinct_rows: int,
    ) -> None:
        result = minimize_log_params(objective, starts, total_weight)
        self._set_params(np.exp(result.theta))
        self.log_likelihood_ = -result.neg_log_likelihood
        self.n_customers_ = float(total_weight)
        self.n_distinct_rows_ = int(n_distinct_rows)
        self.converged_ = result.converged
        self.optimizer_message_ = result.message
        with np.errstate(all="ignore"):
            hessian = numerical_hessian(objective, result.theta)
        names = list(self.param_names)
        try:
            cov_theta = np.linalg.inv(hessian)
        except np.linalg.LinAlgError:
            cov_theta = np.full_like(hessian, np.nan)
        bad = ~np.isfinite(np.diag(cov_theta)) | (np.diag(cov_theta) <= 0)
        cov_theta[bad, :] = np.nan
        cov_theta[:, bad] = np.nan
        self._cov_theta = cov_theta
        p = self._p
        self.covariance_ = pd.DataFrame(cov_theta * np.outer(p, p), index=names, columns=names)
        with np.errstate(invalid="ignore"):
            self.standard_errors_ = pd.Series(
                p * np.sqrt(np.diag(cov_theta)), index=names, name="std_error"
            )

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals (Wald on the log scale).

        Columns: ``estimate``, ``std_error`` (delta method), ``ci_lower``, ``ci_upper``.
        """
        p = self._p
        if not hasattr(self, "standard_errors_"):
            nan = np.full(p.size, np.nan)
            return pd.DataFrame(
                {"estimate": p, "std_error": nan, "ci_lower": nan, "ci_upper": nan},
                index=pd.Index(self.param_names, name="parameter"),
            )
        with np.errstate(invalid="ignore"):
            se_theta = np.sqrt(np.diag(self._cov_theta))
        return pd.DataFrame(
            {
                "estimate": p,
                "std_error": self.standard_errors_.to_numpy(),
                "ci_lower": p * np.exp(-Z_95 * se_theta),
                "ci_upper": p * np.exp(Z_95 * se_theta),
            },
            index=pd.Index(self.param_names, name="parameter"),
        )

    def __repr__(self) -> str:
        if self._params is None:
            return f"{type(self).__name__}(unfitted)"
        inner = ", ".join(
            f"{k}={v:.4g}" for k, v in zip(self.param_names, self._params, strict=True)
        )
        return f"{type(self).__name__}({inner})"
