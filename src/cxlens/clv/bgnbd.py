"""The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005a).

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the
easy way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.

While alive a customer buys at Poisson rate ``λ``; right after each repeat purchase
she drops out with probability ``p``.  Across customers ``λ ~ Gamma(r, α)`` (shape,
rate) and ``p ~ Beta(a, b)``.  The data per customer are ``x`` repeat purchases,
the time of the last one ``t_x`` (recency) and the time since the first purchase
``T``, all in one time unit (the unit of ``α``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, logsumexp

from cxlens.clv.base import (
    ArrayLike,
    Compressed,
    FloatArray,
    MaximumLikelihoodModel,
    Objective,
    compress,
    unique_index,
    wsum,
)
from cxlens.clv.checks import check_rfm
from cxlens.clv.quadrature import BETA_WEIGHTED_RULE, chunk_slices


def bgnbd_log_likelihood(
    params: ArrayLike, frequency: FloatArray, recency: FloatArray, T: FloatArray
) -> FloatArray:
    """Per-customer log-likelihood, FHL (2005a) eq. (6), in log space.

    ``L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
    + δ(x>0) · B(a+1, b+x-1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))``;
    the two terms are added with ``logaddexp``.
    """
    r, alpha, a, b = np.asarray(params, dtype=float)
    x = np.asarray(frequency, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x1 = np.maximum(x, 1.0)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        alive = betaln(a, b + x) - (r + x) * np.log(alpha + np.asarray(T, dtype=float))
        dead = np.where(
            x > 0,
            betaln(a + 1, b + x1 - 1) - (r + x) * np.log(alpha + np.asarray(recency, dtype=float)),
            -np.inf,
        )
        return np.asarray(common + np.logaddexp(alive, dead), dtype=float)


def _objective(data: Compressed) -> Objective:
    """Summed negative log-likelihood of eq. (6) and its analytic gradient in ``log(params)``.

    Terms that depend only on ``x``, ``T`` or ``t_x`` are computed once per distinct
    value.  With ``ω`` the posterior weight of the "dropped out after the last
    purchase" branch, the per-customer derivatives are
    ``∂/∂r = ψ(r+x) − ψ(r) + ln α − (1−ω) ln(α+T) − ω ln(α+t_x)``,
    ``∂/∂α = r/α − (r+x) [(1−ω)/(α+T) + ω/(α+t_x)]``,
    ``∂/∂a = ψ(a+b) − ψ(a+b+x) + ω/a`` and
    ``∂/∂b = ψ(a+b) − ψ(a+b+x) − ψ(b) + ψ(b+x) − ω/(b+x−1)``.
    """
    x, tx, age = data.columns
    w = data.weights
    xu, xi = unique_index(x)
    tu, ti = unique_index(tx)
    au, ai = unique_index(age)
    wx = np.bincount(xi, weights=w, minlength=xu.size).astype(float)
    xu1 = np.maximum(xu, 1.0)
    repeat = x > 0
    total_w = float(w.sum())

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        r, alpha, a, b = np.exp(theta)
        lbab = betaln(a, b)
        alive_x = betaln(a, b + xu) - lbab
        dead_x = np.where(xu > 0, betaln(a + 1, b + xu1 - 1) - lbab, -np.inf)
        log_at = np.log(alpha + au)
        log_atx = np.log(alpha + tu)
        rx = r + x
        alive = alive_x[xi] - rx * log_at[ai]
        dead = dead_x[xi] - rx * log_atx[ti]
        ll_x = gammaln(r + xu) - gammaln(r)
        ll = wsum(wx, ll_x) + total_w * r * np.log(alpha) + wsum(w, np.logaddexp(alive, dead))
        omega = np.where(repeat, expit(dead - alive), 0.0)
        w_omega = w * omega
        d_r = (
            wsum(wx, digamma(r + xu) - digamma(r))
            + total_w * np.log(alpha)
            - wsum(w - w_omega, log_at[ai])
            - wsum(w_omega, log_atx[ti])
        )
        d_alpha = total_w * r / alpha - wsum(
            w * rx, (1 - omega) / (alpha + au[ai]) + omega / (alpha + tu[ti])
        )
        psi_common = digamma(a + b) - digamma(a + b + xu)
        w_omega_x = np.bincount(xi, weights=w_omega, minlength=xu.size).astype(float)
        d_a = wsum(wx, psi_common) + float(w_omega_x.sum()) / a
        d_b = wsum(wx, psi_common - digamma(b) + digamma(b + xu)) - wsum(
            w_omega_x, np.where(xu > 0, 1.0 / (b + xu1 - 1), 0.0)
        )
        grad = -np.array([d_r, d_alpha, d_a, d_b]) * np.array([r, alpha, a, b])
        return -ll, grad

    return objective


def bgnbd_probability_alive(
    params: ArrayLike, frequency: FloatArray, recency: FloatArray, T: FloatArray
) -> FloatArray:
    """``P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))``.

    The ratio of the two likelihood terms of eq. (6) (FHL 2005a appendix; Fader,
    Hardie & Lee 2008, "Computing P(alive) using the BG/NBD model"), evaluated as a
    logistic function of the log odds so it neither overflows nor returns NaN.
    """
    r, alpha, a, b = np.asarray(params, dtype=float)
    x = np.asarray(frequency, dtype=float)
    x1 = np.maximum(x, 1.0)
    log_odds_dead = (
        np.log(a)
        - np.log(b + x1 - 1)
        + (r + x)
        * (np.log(alpha + np.asarray(T, float)) - np.log(alpha + np.asarray(recency, float)))
    )
    return np.asarray(np.where(x > 0, expit(-log_odds_dead), 1.0), dtype=float)


#: Beta posteriors with both shape parameters at least this large are integrated on the
#: logit scale around their mode instead of by the fixed tanh-sinh rule, whose nodes
#: lie too far apart to see so narrow a peak (0.6 % off at a = 200, b = 3000; zero
#: at a = 8e5, b = 1e7, fits of a population whose dropout chances barely differ)
CONCENTRATED = 20.0
_HERMITE_NODES, _HERMITE_WEIGHTS = np.polynomial.hermite.hermgauss(64)


def _expected_given_alive(
    params: FloatArray, t: FloatArray, x: FloatArray, T: FloatArray
) -> FloatArray:
    """``E[Y(t) | x, T, alive at T]`` for matching 1-D arrays ``t``, ``x``, ``T``.

    Given survival to ``T`` the posterior is ``λ ~ Gamma(r+x, α+T)`` and
    ``p ~ Beta(a, b+x)``, and ``E[Y(t) | λ, p, alive] = (1 − e^(−λpt))/p`` (FHL 2005a,
    the individual-level mean used to derive eq. 10).  Integrating ``λ`` out gives
    ``E_p[(1 − (1 + p t/(α+T))^−(r+x)) / p]``, whose closed form is the bracket of
    eq. (10): ``(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]``.
    The expectation over ``p`` is computed by tanh-sinh quadrature instead of
    scipy's ``hyp2f1``, which returns NaN or wrong digits once ``r+x`` is in the
    hundreds and ``t/(α+T+t)`` approaches 1, and is singular at ``a = 1``; a narrow
    posterior (both shapes at least :data:`CONCENTRATED`) by Gauss-Hermite quadrature
    on the logit scale instead (:func:`_expected_given_alive_narrow`).
    """
    r, alpha, a, b = params
    narrow = np.minimum(a, b + x) >= CONCENTRATED
    if narrow.any():
        out = np.empty(t.size)
        out[narrow] = _expected_given_alive_narrow(params, t[narrow], x[narrow], T[narrow])
        if (~narrow).any():
            wide = ~narrow
            out[wide] = _expected_given_alive(params, t[wide], x[wide], T[wide])
        return np.where(t > 0, out, 0.0)
    rule = BETA_WEIGHTED_RULE
    out = np.empty(t.size)
    for rows in chunk_slices(t.size, rule.size):
        xs = x[rows, None]
        kappa = (t[rows] / (alpha + T[rows]))[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_psi = np.log(-np.expm1(-(r + xs) * np.log1p(kappa * np.exp(rule.log_nodes))))
            terms = (
                (a - 2.0) * rule.log_nodes
                + (b + xs - 1.0) * rule.log_complement
                - betaln(a, b + xs)
                + log_psi
                + rule.log_weights
            )
            out[rows] = np.exp(logsumexp(terms, axis=1))
    return np.where(t > 0, out, 0.0)


def _expected_given_alive_narrow(
    params: FloatArray, t: FloatArray, x: FloatArray, T: FloatArray
) -> FloatArray:
    """The expectation over ``p ~ Beta(a, b+x)`` of :func:`_expected_given_alive` for a narrow
    posterior, on the scale ``u = logit(p)``.

    There the density is ``p^a (1−p)^(b+x) / B(a, b+x)``, with its mode at
    ``u₀ = log(a/(b+x))`` and curvature ``a(b+x)/(a+b+x)`` there. With ``σ`` one over
    the square root of the curvature, ``∫ F(u) du = √2 σ Σ_k w_k e^(t_k²) F(u₀ + √2 σ t_k)``
    for the 64 Gauss-Hermite nodes ``t_k`` and weights ``w_k``: exact for a normal
    density, and accurate for the nearly normal ones that large shapes give.
    """
    r, alpha, a, b = params
    b1 = b + x
    centre = np.log(a) - np.log(b1)
    sigma = np.sqrt((a + b1) / (a * b1))
    nodes = np.sqrt(2.0) * _HERMITE_NODES
    out = np.empty(t.size)
    for rows in chunk_slices(t.size, nodes.size):
        u = centre[rows, None] + sigma[rows, None] * nodes[None, :]
        log_p = -np.logaddexp(0.0, -u)
        log_q = -np.logaddexp(0.0, u)
        kappa = (t[rows] / (alpha + T[rows]))[:, None]
        xs = x[rows, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_psi = np.log(-np.expm1(-(r + xs) * np.log1p(kappa * np.exp(log_p))))
            terms = (
                np.log(np.sqrt(2.0) * sigma[rows, None])
                + np.log(_HERMITE_WEIGHTS)[None, :]
                + (_HERMITE_NODES**2)[None, :]
                + a * log_p
                + b1[rows, None] * log_q
                - betaln(a, b1[rows, None])
                + log_psi
                - log_p
            )
            out[rows] = np.exp(logsumexp(terms, axis=1))
    return out


#: a + b beyond this and the fitted Beta(a, b) of the dropout probability is a point mass
#: (its standard deviation below 0.0005 for any mean): the fit ran off along a ridge
POINT_DROPOUT = 1e6


class BGNBDModel(MaximumLikelihoodModel):
    """BG/NBD model: ``fit`` on frequency / recency / T, then predict per customer.

    Parameters ``r, alpha`` (gamma heterogeneity of the purchase rate, ``alpha`` in
    the time unit of the data) and ``a, b`` (beta heterogeneity of the dropout
    probability).  On the CDNOW sample (weeks) this gives the published
    ``r = 0.243, alpha = 4.414, a = 0.793, b = 2.426`` with log-likelihood -9582.4.

    Examples
    --------
    >>> model = BGNBDModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> round(float(model.conditional_expected_purchases(39, 2, 30.43, 38.86)[0]), 3)
    1.226
    """

    param_names = ("r", "alpha", "a", "b")

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> BGNBDModel:
        """Maximum likelihood fit of eq. (6).

        ``weights`` (optional) counts identical customers per row, so a summary
        already grouped by ``(frequency, recency, T)`` fits the same as the raw one.
        Identical rows are merged internally either way.
        """
        x, tx, age, w = check_rfm(
            "fit the BG/NBD model", frequency, recency, T, weights, require_repeat=True
        )
        data = compress([x, tx, age], w)
        total = float(data.weights.sum())
        rate = wsum(w, x) / max(wsum(w, age), 1e-12)
        rate = rate if rate > 0 else 1.0
        starts = [
            np.log([1.0, 1.0 / rate, 1.0, 1.0]),
            np.log([0.5, 0.5 / rate, 0.5, 2.0]),
        ]
        self._fit_objective(_objective(data), starts, total, data.weights.size)
        a, b = self._p[2], self._p[3]
        if self.converged_ and a + b > POINT_DROPOUT:
            # Beta(a, b) with a + b this large is a point mass at a / (a + b): every
            # customer drops out with one probability, and the likelihood is flat along
            # a / (a + b) fixed, so a and b (and their errors) are not identified
            self.converged_ = False
            self.optimizer_message_ = (
                f"a + b = {a + b:.3g}: the dropout probability is the same for every "
                f"customer ({a / (a + b):.3g}); a and b are not identified"
            )
        return self

    def log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """Per-customer log-likelihood (eq. 6) at the model's parameters."""
        x, tx, age, _ = check_rfm("evaluate the BG/NBD likelihood", frequency, recency, T)
        return bgnbd_log_likelihood(self._p, x, tx, age)

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Probability that each customer is still active at ``T``."""
        x, tx, age, _ = check_rfm("compute P(alive)", frequency, recency, T)
        return bgnbd_probability_alive(self._p, x, tx, age)

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """Unconditional ``E[X(t)]`` for a new customer: FHL (2005a), the mean of ``X(t)``

        ``(a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]``, which is the
        conditional expectation of eq. (10) at ``x = t_x = T = 0``.
        """
        times = np.atleast_1d(np.asarray(t, dtype=float))
        zeros = np.zeros_like(times)
        return _expected_given_alive(self._p, times, zeros, zeros)

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected purchases in ``(T, T+t]`` given the history, FHL (2005a) eq. (10).

        ``t`` is one horizon (scalar) or one per customer, in the data's time unit.
        """
        x, tx, age, _ = check_rfm("predict BG/NBD purchases", frequency, recency, T)
        horizons = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
        return self.expected_purchases_grid(np.asarray(horizons), x, tx, age, per_row=True)

    def expected_purchases_grid(
        self,
        horizons: FloatArray,
        x: FloatArray,
        tx: FloatArray,
        age: FloatArray,
        *,
        per_row: bool = False,
    ) -> FloatArray:
        """Eq. (10) for checked arrays: a ``(customers, horizons)`` table, or one value per
        customer (horizon per customer) with ``per_row``.  The expectation given survival
        is computed once per distinct ``(x, T)`` (and horizon).
        """
        if np.any(~np.isfinite(horizons) | (horizons < 0)):
            raise ValueError("horizons must be finite and non-negative")
        p = self._p
        alive = bgnbd_probability_alive(p, x, tx, age)
        if per_row:
            combos = compress([x, age, horizons], np.ones(x.size))
            cx, cage, ct = combos.columns
            return np.asarray(
                alive * _expected_given_alive(p, ct, cx, cage)[combos.inverse], dtype=float
            )
        # the posterior given survival depends on (x, T) only: one row per distinct pair
        pairs = compress([x, age], np.ones(x.size))
        px, page = pairs.columns
        h = horizons.size
        given = _expected_given_alive(
            p, np.tile(horizons, px.size), np.repeat(px, h), np.repeat(page, h)
        )
        return np.asarray(alive[:, None] * given.reshape(px.size, h)[pairs.inverse], dtype=float)
