"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers:
who are they and what will they do next? *Management Science* 33(1), 1-24.
Likelihood, P(alive) and conditional expectation as derived in Fader, P. S. &
Hardie, B. G. S. (2005). "A note on deriving the Pareto/NBD model and related
expressions" (sections 3, 5 and 6; likelihood eqs. 22-23).

While alive a customer buys at Poisson rate ``λ``; her lifetime is exponential
with rate ``μ``.  Across customers ``λ ~ Gamma(r, α)`` and ``μ ~ Gamma(s, β)``
(shape, rate), independently.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from scipy.special import digamma, gammaln, logsumexp

from cxlens.clv.base import (
    ArrayLike,
    Compressed,
    FloatArray,
    IntArray,
    MaximumLikelihoodModel,
    Objective,
    compress,
    wsum,
)
from cxlens.clv.checks import check_rfm
from cxlens.clv.quadrature import BOUNDED_RULE, chunk_slices


@dataclass(frozen=True)
class TailIntegrals:
    """``log I(t)`` and the moments of ``τ`` under the integrand that give its gradient.

    ``∂ log I/∂r = −E[ln(α+τ)]``, ``∂ log I/∂α = −(r+x) E[1/(α+τ)]``,
    ``∂ log I/∂s = −E[ln(β+τ)]`` and ``∂ log I/∂β = −(s+1) E[1/(β+τ)]``, with ``E``
    the expectation under the density proportional to the integrand on ``(t, ∞)``.
    """

    log_i: FloatArray
    mean_log_alpha: FloatArray
    mean_log_beta: FloatArray
    mean_inv_alpha: FloatArray
    mean_inv_beta: FloatArray

    def take(self, index: IntArray) -> TailIntegrals:
        return TailIntegrals(*(getattr(self, f.name)[index] for f in fields(self)))

    def gradient(self, x: FloatArray, r: float, s: float) -> FloatArray:
        """``∂ log I / ∂(r, α, s, β)`` as a ``(rows, 4)`` array."""
        return np.column_stack(
            [
                -self.mean_log_alpha,
                -(r + x) * self.mean_inv_alpha,
                -self.mean_log_beta,
                -(s + 1.0) * self.mean_inv_beta,
            ]
        )


def tail_integrals(
    t: FloatArray, x: FloatArray, r: float, alpha: float, s: float, beta: float
) -> TailIntegrals:
    """``log I(t)`` with ``I(t) = ∫_t^∞ (α+τ)^−(r+x) (β+τ)^−(s+1) dτ``, per element.

    This is the hypergeometric part of the likelihood: with ``c = r+s+x`` and
    ``m = max(α, β)``, ``c · I(t) · (m+t)^c`` equals ``₂F₁(c, s+1; c+1; (α−β)/(α+t))``
    when ``α ≥ β`` and ``₂F₁(c, r+x; c+1; (β−α)/(β+t))`` when ``α < β``, the two
    cases of the A0 term (FH 2005 note, eq. 23).  Substituting
    ``y = ((m+t)/(m+τ))^c`` gives
    ``I(t) = (m+t)^−c / c · ∫_0^1 (1 − z y^(1/c))^−e dy`` with
    ``z = |α−β|/(m+t) ∈ [0, 1)`` and ``e = s+1`` (``α ≥ β``) or ``r+x`` (``α < β``):
    a bounded, increasing integrand, integrated by tanh-sinh quadrature.  The same
    nodes give the moments of ``τ`` for the gradient.
    """
    rule = BOUNDED_RULE
    alpha_ref = alpha >= beta
    m = alpha if alpha_ref else beta
    other = beta if alpha_ref else alpha
    out = {name: np.empty(t.size) for name in ("log_i", "log_m", "log_o", "inv_m", "inv_o")}
    for rows in chunk_slices(t.size, rule.size):
        xs = x[rows]
        ts = t[rows]
        c = (r + s + xs)[:, None]
        exponent = (s + 1.0) if alpha_ref else (r + xs)[:, None]
        z = ((m - other) / (m + ts))[:, None]
        ratio = ((other + ts) / (m + ts))[:, None]
        # 1 − z·y^(1/c) = (other+τ)/(m+τ) = (other+t)/(m+t) + z·(1 − y^(1/c)), both terms ≥ 0
        log_gap = np.log(ratio - z * np.expm1(rule.log_nodes / c))
        log_terms = -exponent * log_gap + rule.log_weights
        log_j = logsumexp(log_terms, axis=1)
        weights = np.exp(log_terms - log_j[:, None])
        log_m_tau = np.log(m + ts)[:, None] - rule.log_nodes / c  # ln(m+τ_k)
        log_o_tau = log_m_tau + log_gap  # ln(other+τ_k)
        out["log_i"][rows] = -(r + s + xs) * np.log(m + ts) - np.log(r + s + xs) + log_j
        out["log_m"][rows] = np.sum(weights * log_m_tau, axis=1)
        out["log_o"][rows] = np.sum(weights * log_o_tau, axis=1)
        out["inv_m"][rows] = np.sum(weights * np.exp(-log_m_tau), axis=1)
        out["inv_o"][rows] = np.sum(weights * np.exp(-log_o_tau), axis=1)
    a_key, b_key = ("m", "o") if alpha_ref else ("o", "m")
    return TailIntegrals(
        out["log_i"],
        out[f"log_{a_key}"],
        out[f"log_{b_key}"],
        out[f"inv_{a_key}"],
        out[f"inv_{b_key}"],
    )


def log_tail_integral(
    t: FloatArray, x: FloatArray, r: float, alpha: float, s: float, beta: float
) -> FloatArray:
    """``log I(t)`` only; see :func:`tail_integrals`."""
    return tail_integrals(t, x, r, alpha, s, beta).log_i


def _tail_pairs(x: FloatArray, tx: FloatArray, age: FloatArray) -> Compressed:
    """Distinct ``(x, t)`` pairs over ``t = t_x`` and ``t = T``: the integrals needed."""
    return compress([np.concatenate([x, x]), np.concatenate([tx, age])], np.ones(2 * x.size))


@dataclass(frozen=True)
class _Terms:
    """``L = C · (alive + dead)`` in logs, with the tail integrals behind ``dead``."""

    log_c: FloatArray
    log_alive: FloatArray
    log_dead: FloatArray
    tail_tx: TailIntegrals
    tail_age: TailIntegrals


def _log_terms(
    params: FloatArray,
    x: FloatArray,
    tx: FloatArray,
    age: FloatArray,
    pairs: Compressed | None = None,
) -> _Terms:
    """``C = Γ(r+x) α^r β^s / Γ(r)``, alive-term ``= (α+T)^−(r+x) (β+T)^−s`` (alive
    through ``T``) and dead-term ``= s · ∫_{t_x}^T (α+τ)^−(r+x) (β+τ)^−(s+1) dτ``
    ``= s · (I(t_x) − I(T))`` (died in ``(t_x, T]``), which is ``s/(r+s+x) · A0``.
    """
    r, alpha, s, beta = params
    log_c = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    log_alive = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    pairs = _tail_pairs(x, tx, age) if pairs is None else pairs
    with np.errstate(divide="ignore", invalid="ignore"):
        tails = tail_integrals(pairs.columns[1], pairs.columns[0], r, alpha, s, beta)
        tail_tx = tails.take(pairs.inverse[: x.size])
        tail_age = tails.take(pairs.inverse[x.size :])
        diff = np.minimum(tail_age.log_i - tail_tx.log_i, 0.0)
        log1mexp = np.where(diff > -np.log(2), np.log(-np.expm1(diff)), np.log1p(-np.exp(diff)))
        log_dead = np.where(age > tx, np.log(s) + tail_tx.log_i + log1mexp, -np.inf)
    return _Terms(log_c, log_alive, log_dead, tail_tx, tail_age)


def paretonbd_log_likelihood(
    params: ArrayLike,
    frequency: FloatArray,
    recency: FloatArray,
    T: FloatArray,
    pairs: Compressed | None = None,
) -> FloatArray:
    """Per-customer log-likelihood (FH 2005 note, eq. 22), in log space."""
    terms = _log_terms(np.asarray(params, dtype=float), frequency, recency, T, pairs)
    return np.asarray(terms.log_c + np.logaddexp(terms.log_alive, terms.log_dead), dtype=float)


def _objective(data: Compressed) -> Objective:
    """Summed negative log-likelihood and its analytic gradient in ``log(params)``.

    With ``ω`` the posterior probability of the "died in ``(t_x, T]``" branch and
    ``ρ = I(T)/I(t_x)``, the dead-term's log-derivative is
    ``∂ ln s + (g(t_x) − ρ g(T))/(1 − ρ)`` with ``g = ∂ log I`` from
    :class:`TailIntegrals`; the alive-term and ``C`` differentiate directly.
    """
    x, tx, age = data.columns
    w = data.weights
    pairs = _tail_pairs(x, tx, age)
    died = age > tx

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        r, alpha, s, beta = params = np.exp(theta)
        terms = _log_terms(params, x, tx, age, pairs)
        log_total = np.logaddexp(terms.log_alive, terms.log_dead)
        ll = terms.log_c + log_total
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            omega = np.where(died, np.exp(terms.log_dead - log_total), 0.0)
            rho = np.exp(np.minimum(terms.tail_age.log_i - terms.tail_tx.log_i, 0.0))
            g_tx = terms.tail_tx.gradient(x, r, s)
            g_age = terms.tail_age.gradient(x, r, s)
            g_dead = (g_tx - rho[:, None] * g_age) / (1.0 - rho)[:, None]
        g_dead = np.where((omega > 0)[:, None], g_dead, 0.0)
        g_dead[:, 2] += 1.0 / s
        keep = 1.0 - omega
        g_alive = np.column_stack(
            [
                digamma(r + x) - digamma(r) + np.log(alpha) - keep * np.log(alpha + age),
                r / alpha - keep * (r + x) / (alpha + age),
                np.log(beta) - keep * np.log(beta + age),
                s / beta - keep * s / (beta + age),
            ]
        )
        grad = np.einsum("i,ij->j", w, g_alive + omega[:, None] * g_dead)
        return -wsum(w, ll), -grad * params

    return objective


def paretonbd_probability_alive(
    params: ArrayLike, frequency: FloatArray, recency: FloatArray, T: FloatArray
) -> FloatArray:
    """``P(alive | x, t_x, T)``: the alive-term's share of the likelihood (FH 2005 note, sec. 5)."""
    terms = _log_terms(np.asarray(params, dtype=float), frequency, recency, T)
    total = np.logaddexp(terms.log_alive, terms.log_dead)
    return np.asarray(np.exp(terms.log_alive - total), dtype=float)


def _one_minus_power_over(k: float, log_ratio: FloatArray) -> FloatArray:
    """``(1 − exp(−k·L))/k`` for ``L ≥ 0``, with its limit ``L`` at ``k = 0``."""
    if abs(k) < 1e-12:
        return log_ratio
    return np.asarray(-np.expm1(-k * log_ratio) / k, dtype=float)


class ParetoNBDModel(MaximumLikelihoodModel):
    """Pareto/NBD model: ``fit`` on frequency / recency / T, then predict per customer.

    Parameters ``r, alpha`` (purchase-rate heterogeneity) and ``s, beta``
    (dropout-rate heterogeneity); ``alpha`` and ``beta`` are in the data's time unit.
    On the CDNOW sample (weeks): ``r = 0.553, alpha = 10.578, s = 0.606,
    beta = 11.669``, log-likelihood -9595.0.
    """

    param_names = ("r", "alpha", "s", "beta")

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> ParetoNBDModel:
        """Maximum likelihood fit (eq. 22); ``weights`` count identical customers per row."""
        x, tx, age, w = check_rfm(
            "fit the Pareto/NBD model", frequency, recency, T, weights, require_repeat=True
        )
        data = compress([x, tx, age], w)
        total = float(data.weights.sum())
        mean_age = wsum(w, age) / total
        rate = wsum(w, x) / max(wsum(w, age), 1e-12)
        rate = rate if rate > 0 else 1.0
        scale = max(mean_age, 1e-6)
        starts = [
            np.log([1.0, 1.0 / rate, 1.0, scale]),
            np.log([0.5, 0.5 / rate, 0.5, 0.5 * scale]),
        ]
        self._fit_objective(_objective(data), starts, total, data.weights.size)
        return self

    def log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """Per-customer log-likelihood at the model's parameters."""
        x, tx, age, _ = check_rfm("evaluate the Pareto/NBD likelihood", frequency, recency, T)
        return paretonbd_log_likelihood(self._p, x, tx, age)

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Probability that each customer is still active at ``T``."""
        x, tx, age, _ = check_rfm("compute P(alive)", frequency, recency, T)
        return paretonbd_probability_alive(self._p, x, tx, age)

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """Unconditional ``E[X(t)] = rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)]`` (FH 2005 note, sec. 4)."""
        r, alpha, s, beta = self._p
        times = np.atleast_1d(np.asarray(t, dtype=float))
        return r / alpha * beta * _one_minus_power_over(s - 1.0, np.log1p(times / beta))

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected purchases in ``(T, T+t]`` given the history (FH 2005 note, sec. 6):

        ``P(alive) · (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)]``
        (the ``s → 1`` limit is handled).  ``t`` is a scalar or one per customer.
        """
        x, tx, age, _ = check_rfm("predict Pareto/NBD purchases", frequency, recency, T)
        horizons = np.asarray(np.broadcast_to(np.asarray(t, dtype=float), x.shape))
        return self.expected_purchases_grid(horizons, x, tx, age, per_row=True)

    def expected_purchases_grid(
        self,
        horizons: FloatArray,
        x: FloatArray,
        tx: FloatArray,
        age: FloatArray,
        *,
        per_row: bool = False,
    ) -> FloatArray:
        """Conditional expectation for checked arrays, as a ``(customers, horizons)``
        table (or one value per customer with ``per_row``)."""
        if np.any(~np.isfinite(horizons) | (horizons < 0)):
            raise ValueError("horizons must be finite and non-negative")
        r, alpha, s, beta = self._p
        alive = paretonbd_probability_alive(self._p, x, tx, age)
        scale = alive * (r + x) * (beta + age) / (alpha + age)
        if per_row:
            log_ratio = np.log1p(horizons / (beta + age))
            return np.asarray(scale * _one_minus_power_over(s - 1.0, log_ratio), dtype=float)
        log_ratio = np.log1p(horizons[None, :] / (beta + age)[:, None])
        return np.asarray(scale[:, None] * _one_minus_power_over(s - 1.0, log_ratio), dtype=float)
