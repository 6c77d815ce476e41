"""Vectorised ANCOVA and confidence-bound crossing for many stability data sets at once.

Every data set shares one layout (which rows belong to which batch) but has its own
times and values, so the fits reduce to per-batch sums taken with one matrix product.
The single-data-set engine calls the same code with one row, so both give identical
answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

MODELS = ("pooled", "common_slope", "separate")


@dataclass(frozen=True, eq=False)
class Lines:
    """Fitted lines ``mean(t) = centre_value + slope * (t - centre_time)`` per batch.

    The variance of the mean is ``s2 * (1 / n_eff + (t - centre_time)**2 / sxx)`` on
    ``df`` degrees of freedom. Arrays are shaped ``(m data sets, k batches)``.
    """

    centre_value: np.ndarray
    slope: np.ndarray
    centre_time: np.ndarray
    n_eff: np.ndarray
    sxx: np.ndarray
    s2: np.ndarray
    df: np.ndarray

    def mean(self, t: np.ndarray) -> np.ndarray:
        return self.centre_value + self.slope * (t - self.centre_time)

    def se(self, t: np.ndarray) -> np.ndarray:
        return np.sqrt(self.s2 * (1.0 / self.n_eff + (t - self.centre_time) ** 2 / self.sxx))


@dataclass(frozen=True, eq=False)
class Ancova:
    """Fits of the three Q1E models and the two poolability F tests, per data set."""

    lines: dict[str, Lines]
    f_slopes: np.ndarray
    p_slopes: np.ndarray
    f_intercepts: np.ndarray
    p_intercepts: np.ndarray
    df_full: np.ndarray
    sse: dict[str, np.ndarray]


def fit_ancova(
    t: np.ndarray, y: np.ndarray, groups: np.ndarray, separate_mse: str = "per_batch"
) -> Ancova:
    """Fit pooled, common-slope and separate lines for data sets ``t, y`` of shape (m, n).

    ``groups`` is an ``(n, k)`` 0/1 matrix saying which batch each row belongs to.
    Sums are taken about per-batch means (two passes), which keeps them accurate.
    """
    m, _ = y.shape
    k = groups.shape[1]
    n_i = groups.sum(axis=0).astype(float)  # (k,)
    n = float(n_i.sum())
    tbar = (t @ groups) / n_i
    ybar = (y @ groups) / n_i
    dt = t - tbar @ groups.T
    dy = y - ybar @ groups.T
    stt = (dt * dt) @ groups
    sty = (dt * dy) @ groups
    syy = (dy * dy) @ groups

    # Separate intercepts and slopes (the full model).
    b_sep = sty / stt
    sse_i = np.maximum(syy - sty * b_sep, 0.0)
    sse_full = sse_i.sum(axis=1)
    df_full = n - 2 * k
    # Common slope, separate intercepts.
    stt_w = stt.sum(axis=1)
    b_cs = sty.sum(axis=1) / stt_w
    sse_cs = np.maximum(syy.sum(axis=1) - sty.sum(axis=1) * b_cs, 0.0)
    df_cs = n - k - 1
    # One line for all batches.
    t_all = (t * 1.0).mean(axis=1)
    y_all = y.mean(axis=1)
    dta = t - t_all[:, None]
    dya = y - y_all[:, None]
    stt_a = np.sum(dta * dta, axis=1)
    b_p = np.sum(dta * dya, axis=1) / stt_a
    sse_p = np.maximum(np.sum(dya * dya, axis=1) - np.sum(dta * dya, axis=1) * b_p, 0.0)
    df_p = n - 2

    ones = np.ones((m, k))
    lines = {
        "pooled": Lines(
            y_all[:, None] * ones,
            b_p[:, None] * ones,
            t_all[:, None] * ones,
            n * ones,
            stt_a[:, None] * ones,
            (sse_p / df_p)[:, None] * ones,
            df_p * ones,
        ),
        "common_slope": Lines(
            ybar,
            b_cs[:, None] * ones,
            tbar,
            n_i * ones,
            stt_w[:, None] * ones,
            (sse_cs / df_cs)[:, None] * ones,
            df_cs * ones,
        ),
    }
    if separate_mse == "pooled":
        s2_sep = (sse_full / df_full)[:, None] * ones
        df_sep = df_full * ones
    else:
        s2_sep = sse_i / (n_i - 2)
        df_sep = (n_i - 2) * ones
    lines["separate"] = Lines(ybar, b_sep, tbar, n_i * ones, stt, s2_sep, df_sep)

    if k > 1 and df_full > 0:
        mse_full = sse_full / df_full
        with np.errstate(divide="ignore", invalid="ignore"):
            f_s = ((sse_cs - sse_full) / (k - 1)) / mse_full
            f_i = ((sse_p - sse_cs) / (k - 1)) / mse_full
        f_s = np.where(mse_full > 0, f_s, np.inf)
        f_i = np.where(mse_full > 0, f_i, np.inf)
        p_s = sps.f.sf(f_s, k - 1, df_full)
        p_i = sps.f.sf(f_i, k - 1, df_full)
    else:
        f_s = f_i = p_s = p_i = np.full(m, np.nan)
    return Ancova(
        lines=lines,
        f_slopes=f_s,
        p_slopes=p_s,
        f_intercepts=f_i,
        p_intercepts=p_i,
        df_full=np.full(m, df_full),
        sse={"pooled": sse_p, "common_slope": sse_cs, "separate": sse_full},
    )


def choose_model(ancova: Ancova, pool_alpha: float) -> np.ndarray:
    """Q1E choice per data set: slopes first, then intercepts, each at ``pool_alpha``."""
    p_s = ancova.p_slopes
    p_i = ancova.p_intercepts
    single = np.isnan(p_s)
    out = np.where(
        p_s < pool_alpha, "separate", np.where(p_i < pool_alpha, "common_slope", "pooled")
    )
    return np.where(single, "pooled", out)


def crossing_time(
    lines: Lines, limit: float, side: str, q: np.ndarray, t_start: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Earliest time >= ``t_start`` at which the one-sided bound meets ``limit``.

    Solves ``d + beta*tau = q*s*sqrt(1/N + tau^2/S)`` (tau = t - centre_time) in closed
    form; the bound is concave in t, so after ``t_start`` there is at most one genuine
    root. Returns ``(time, status)`` with status 0 = crossed, 1 = never crosses,
    2 = already beyond the limit at ``t_start``. ``time`` is ``t_start`` for status 2
    and ``inf`` for status 1.
    """
    sign = 1.0 if side == "lower" else -1.0
    d = sign * (lines.centre_value - limit)
    beta = sign * lines.slope
    qs2 = (q * q) * lines.s2
    tau0 = t_start - lines.centre_time
    g0 = d + beta * tau0 - q * np.sqrt(lines.s2 * (1.0 / lines.n_eff + tau0**2 / lines.sxx))
    a = beta * beta - qs2 / lines.sxx
    b = 2.0 * d * beta
    c = d * d - qs2 / lines.n_eff
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = b * b - 4.0 * a * c
        root = np.sqrt(np.maximum(disc, 0.0))
        # Stable pair of roots (no subtraction of nearly equal numbers).
        qq = -0.5 * (b + np.copysign(root, b))
        r1 = qq / a
        r2 = c / qq
        lin = -c / b  # a == 0: the quadratic is linear
    candidates = []
    for r in (r1, r2):
        ok = np.isfinite(r) & (disc >= 0) & (np.abs(a) > 0)
        candidates.append(np.where(ok, r, np.nan))
    candidates.append(np.where((a == 0) & np.isfinite(lin), lin, np.nan))
    best = np.full(np.shape(d), np.inf)
    for r in candidates:
        # Genuine roots of the unsquared equation lie where d + beta*tau >= 0.
        good = np.isfinite(r) & (r >= tau0 - 1e-12 * (1 + np.abs(tau0))) & (d + beta * r >= 0)
        best = np.where(good & (r < best), r, best)
    # One Newton step on the unsquared equation polishes the closed-form root.
    with np.errstate(divide="ignore", invalid="ignore"):
        fin = np.isfinite(best)
        tau = np.where(fin, best, 0.0)
        h = np.sqrt(lines.s2 * (1.0 / lines.n_eff + tau**2 / lines.sxx))
        g = d + beta * tau - q * h
        dg = beta - q * lines.s2 * tau / (lines.sxx * h)
        step = np.where(fin & (dg != 0), g / dg, 0.0)
        tau = tau - np.where(np.abs(step) < 1e-3 * (1 + np.abs(tau)), step, 0.0)
    time = np.where(fin, tau + lines.centre_time, np.inf)
    status = np.where(fin, 0, 1)
    already = g0 <= 0
    time = np.where(already, t_start, time)
    status = np.where(already, 2, status)
    return time, status


def quantile(confidence: float, two_limits: bool, df: np.ndarray) -> np.ndarray:
    """One-sided t quantile: ``confidence`` for one limit, ``(1 + confidence) / 2`` for two."""
    level = (1.0 + confidence) / 2.0 if two_limits else confidence
    return sps.t.ppf(level, df)
