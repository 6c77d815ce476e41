"""Benchmark: Q1E shelf lives for 10,000 simulated studies, OpenCMC against a statsmodels loop.

Each study has 3 batches x 8 time points. OpenCMC computes all of them as arrays
(:func:`opencmc.science.stats.stability_many.shelf_life_many`); the peer is the
straightforward loop a statistician would write: statsmodels OLS fits of the three
ANCOVA models, ``anova_lm`` for the poolability F tests, and ``scipy.optimize.brentq``
on the confidence bound, one study at a time. Both run in this process on the same
data; the answers must agree to 1e-6 months. The loop is slow, so by default it runs on
the first ``--loop-n`` studies and its rate is measured there.

    python bench/stability_batch.py [--n 10000] [--loop-n 500] [--seed 1]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.stats.anova import anova_lm

from opencmc.science.stats.stability_many import shelf_life_many

MONTHS = np.array([0, 3, 6, 9, 12, 18, 24, 36], dtype=float)
LOWER = 95.0
CONFIDENCE = 0.95
ALPHA = 0.25


def simulate(n_sets: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Potency studies: 3 batches, batch-to-batch spread in start and slope, assay noise."""
    rng = np.random.default_rng(seed)
    t = np.tile(MONTHS, 3)
    batch = np.repeat(np.array(["A", "B", "C"]), len(MONTHS))
    start = 100.5 + rng.normal(0, 0.6, (n_sets, 3))
    slope = -0.12 + rng.normal(0, 0.03, (n_sets, 3)) * rng.integers(0, 2, (n_sets, 1))
    mean = np.repeat(start, len(MONTHS), axis=1) + np.repeat(slope, len(MONTHS), axis=1) * t
    y = mean + rng.normal(0, 0.4, (n_sets, t.size))
    return t, batch, y


def _design(t: np.ndarray, codes: np.ndarray, model: str) -> np.ndarray:
    dummies = np.eye(3)[codes]
    if model == "pooled":
        return np.column_stack([np.ones_like(t), t])
    if model == "common_slope":
        return np.column_stack([dummies, t])
    return np.column_stack([dummies, dummies * t[:, None]])


def loop_one(t: np.ndarray, codes: np.ndarray, y: np.ndarray) -> float:
    """One study the plain way: three OLS fits, anova_lm, brentq on the bound."""
    fits = {
        m: sm.OLS(y, _design(t, codes, m)).fit() for m in ("pooled", "common_slope", "separate")
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = anova_lm(fits["pooled"], fits["common_slope"], fits["separate"])
    mse = fits["separate"].mse_resid
    df_full = fits["separate"].df_resid
    f_slopes = (table["ss_diff"].iloc[2] / 2) / mse
    f_int = (table["ss_diff"].iloc[1] / 2) / mse
    p_slopes = stats.f.sf(f_slopes, 2, df_full)
    p_int = stats.f.sf(f_int, 2, df_full)
    model = "separate" if p_slopes < ALPHA else "common_slope" if p_int < ALPHA else "pooled"
    search_max = 5 * t.max()
    out = np.inf
    for b in range(3):
        if model == "separate":  # each batch fitted alone
            mask = codes == b
            fit = sm.OLS(y[mask], np.column_stack([np.ones(mask.sum()), t[mask]])).fit()

            def row(x, fit=fit):
                return np.array([1.0, x])
        else:
            fit = fits[model]

            def row(x, b=b, model=model):
                return _design(np.array([x]), np.array([b]), model)[0]

        q = stats.t.ppf(CONFIDENCE, fit.df_resid)
        cov = fit.cov_params()

        def bound(x, fit=fit, row=row, q=q, cov=cov):
            r = row(x)
            return r @ fit.params - q * np.sqrt(r @ cov @ r) - LOWER

        if bound(0.0) <= 0:
            return 0.0
        if bound(search_max) > 0:
            continue
        out = min(out, optimize.brentq(bound, 0.0, search_max, xtol=1e-12, rtol=1e-14))
        if model == "pooled":
            break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="studies for OpenCMC")
    parser.add_argument("--loop-n", type=int, default=500, help="studies for the loop")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    t, batch, y = simulate(args.n, args.seed)
    start = time.perf_counter()
    fast = shelf_life_many(t, y, batch, lower=LOWER, confidence=CONFIDENCE, pool_alpha=ALPHA)
    fast_s = time.perf_counter() - start

    n_loop = min(args.loop_n, args.n)
    codes = pd.factorize(batch)[0]
    start = time.perf_counter()
    slow = np.array([loop_one(t, codes, y[i]) for i in range(n_loop)])
    loop_s = time.perf_counter() - start

    diff = np.abs(
        np.where(np.isinf(slow), 0, slow)
        - np.where(np.isinf(fast.shelf_life[:n_loop]), 0, fast.shelf_life[:n_loop])
    )
    same_reach = np.array_equal(np.isinf(slow), np.isinf(fast.shelf_life[:n_loop]))
    fast_rate = args.n / fast_s
    loop_rate = n_loop / loop_s
    models = pd.Series(fast.model).value_counts().to_dict()
    print(f"studies: OpenCMC {args.n}, statsmodels loop {n_loop} (3 batches x 8 time points)")
    print(f"models chosen by OpenCMC: {models}")
    print(f"OpenCMC arrays     : {fast_rate:12.0f} studies/s ({fast_s:.3f} s)")
    print(f"statsmodels loop   : {loop_rate:12.1f} studies/s ({loop_s:.3f} s)")
    print(f"ratio              : {fast_rate / loop_rate:12.1f} x")
    print(f"max |difference|   : {diff.max():.2e} months (same not-reached set: {same_reach})")
    if diff.max() > 1e-6 or not same_reach:
        raise SystemExit("answers differ by more than 1e-6 months")


if __name__ == "__main__":
    main()
