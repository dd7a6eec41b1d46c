"""The Gamma-Gamma model of spend per transaction.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value
curves for customer base analysis. *Journal of Marketing Research* 42(4), 415-430
(the spend sub-model); Fader, P. S. & Hardie, B. G. S. (2013). "The Gamma-Gamma
model of monetary value".

A customer's transaction values are ``z ~ Gamma(p, ν)`` (shape, rate), so her
mean spend is ``p/ν``; across customers ``ν ~ Gamma(q, γ)``.  Only the number of
repeat transactions ``x`` and their mean value ``m_x`` are needed.  The model
assumes spend is independent of the purchase process; check that the correlation
between frequency and mean spend is weak before using it for CLV.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

from cxlens.clv.base import (
    ArrayLike,
    ClvDataError,
    Compressed,
    FloatArray,
    MaximumLikelihoodModel,
    Objective,
    compress,
    wsum,
)
from cxlens.clv.checks import check_columns, describe_rows, raise_problems


def gammagamma_log_likelihood(
    params: ArrayLike, frequency: FloatArray, monetary: FloatArray
) -> FloatArray:
    """Log density of the mean spend ``m_x`` of ``x > 0`` transactions:

    ``f(m_x | p, q, γ; x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q x^(px) m_x^(px−1) / (γ + x m_x)^(px+q)``

    (the sum ``x·m_x ~ Gamma(px, ν)`` with ``ν`` integrated out; FHL 2005b, spend model).
    """
    p, q, gamma = np.asarray(params, dtype=float)
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary, dtype=float)
    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + px * np.log(x)
        + (px - 1) * np.log(m)
        - (px + q) * np.log(gamma + x * m),
        dtype=float,
    )


def _objective(data: Compressed) -> Objective:
    """Summed negative log-likelihood and its gradient in ``log(p, q, γ)``."""
    x, m = data.columns
    w = data.weights
    log_x = np.log(x)
    log_m = np.log(m)
    xm = x * m
    total = float(w.sum())

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        p, q, gamma = np.exp(theta)
        ll = wsum(w, gammagamma_log_likelihood((p, q, gamma), x, m))
        px = p * x
        log_gxm = np.log(gamma + xm)
        psi_pxq = digamma(px + q)
        d_p = wsum(w, x * (psi_pxq - digamma(px) + log_x + log_m - log_gxm))
        d_q = wsum(w, psi_pxq - log_gxm) + total * (np.log(gamma) - digamma(q))
        d_gamma = total * q / gamma - wsum(w, (px + q) / (gamma + xm))
        return -ll, -np.array([d_p, d_q, d_gamma]) * np.array([p, q, gamma])

    return objective


def _check_spend(
    what: str, frequency: ArrayLike, monetary: ArrayLike, weights: ArrayLike | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    cols, w = check_columns(what, {"frequency": frequency, "monetary_value": monetary}, weights)
    x, m = cols["frequency"], cols["monetary_value"]
    problems = []
    not_whole = x != np.round(x)
    if not_whole.any():
        problems.append(f"'frequency' is not a whole number in {describe_rows(not_whole)}")
    no_spend = (x > 0) & (m <= 0)
    if no_spend.any():
        problems.append(
            f"'monetary_value' is 0 although 'frequency' is above 0 in {describe_rows(no_spend)}"
            " (the model needs a positive mean spend for every customer with repeat purchases)"
        )
    if problems:
        raise_problems(what, x.size, problems)
    return x, m, w


class GammaGammaModel(MaximumLikelihoodModel):
    """Gamma-Gamma spend model: ``fit`` on frequency and mean repeat spend.

    On the 946 CDNOW customers with repeat purchases: ``p = 6.25, q = 3.74,
    gamma = 15.44``.

    Examples
    --------
    >>> model = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
    >>> round(float(model.conditional_expected_spend(2, 22.35)[0]), 2)
    24.66
    """

    param_names = ("p", "q", "gamma")

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
    ) -> GammaGammaModel:
        """Maximum likelihood fit on the customers with ``frequency > 0``.

        Rows with ``frequency == 0`` carry no spend information and are skipped
        (``n_customers_`` counts the rows used); ``monetary_value`` is the mean
        value of the repeat transactions.
        """
        x, m, w = _check_spend("fit the Gamma-Gamma model", frequency, monetary_value, weights)
        used = (x > 0) & (w > 0)
        if not used.any():
            raise ClvDataError(
                f"Cannot fit the Gamma-Gamma model: none of the {x.size} customer row(s) has a"
                " repeat purchase (frequency > 0), and only repeat purchases inform spend."
            )
        data = compress([x[used], m[used]], w[used])
        total = float(data.weights.sum())
        mean = wsum(data.weights, data.columns[1]) / total
        starts = [np.log([1.0, 2.0, mean]), np.log([5.0, 4.0, 3.0 * mean])]
        self._fit_objective(_objective(data), starts, total, data.weights.size)
        return self

    def log_likelihood(self, frequency: ArrayLike, monetary_value: ArrayLike) -> FloatArray:
        """Per-customer log density of the observed mean spend (``NaN`` where ``frequency == 0``)."""
        x, m, _ = _check_spend("evaluate the Gamma-Gamma likelihood", frequency, monetary_value)
        with np.errstate(all="ignore"):
            ll = gammagamma_log_likelihood(self._p, x, m)
        return np.where(x > 0, ll, np.nan)

    def mean_spend(self) -> float:
        """Population mean spend per transaction, ``E[Z] = pγ/(q−1)`` (infinite if ``q ≤ 1``)."""
        p, q, gamma = self._p
        return float(p * gamma / (q - 1)) if q > 1 else float("inf")

    def conditional_expected_spend(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> FloatArray:
        """Expected spend per future transaction given ``x`` repeat transactions of mean ``m_x``:

        ``E[Z | x, m_x] = p(γ + x m_x)/(px + q − 1)``, a weighted average of the
        population mean ``pγ/(q−1)`` (weight ``(q−1)/(px+q−1)``) and ``m_x`` (FHL 2005b).
        For ``x = 0`` this is the population mean; ``q > 1`` is required.
        """
        x, m, _ = _check_spend("predict spend", frequency, monetary_value)
        p, q, gamma = self._p
        if q <= 1:
            raise ClvDataError(
                f"The Gamma-Gamma model has q = {q:.3g} <= 1, so the mean spend is infinite;"
                " the spend data are too heavy-tailed for this model."
            )
        m_used = np.where(x > 0, m, 0.0)
        return np.asarray(p * (gamma + x * m_used) / (p * x + q - 1), dtype=float)
