"""Benchmark: I-MR limits and all eight Nelson rules on 10,000,000 points, against pandas.

OpenCMC (:func:`opencmc.science.stats.spc.imr`) computes the limits and evaluates the
eight rules with whole-array NumPy operations. The peer is the straightforward pandas
version a statistician would write: ``Series.diff``/``mean`` for the limits and
``rolling(k).sum()`` over boolean series for every rule. Both run in this process on the
same data, and the points each rule fires at must be identical.

    python bench/spc_rules.py [--n 10000000] [--seed 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from opencmc.science.stats import spc

D2_2 = 1.1283791670955126  # d2 for n = 2, 2/sqrt(pi)


def simulate(n: int, seed: int) -> np.ndarray:
    """In-control normal data with a few shifts, trends and a stretch of low noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(100.0, 2.0, n)
    m = max(n // 50, 1)
    x[m : 2 * m] += 3.0  # a sustained shift: runs on one side, rules 2, 5, 6
    x[3 * m : 3 * m + 200] = 100.0 + np.linspace(-4, 4, min(200, max(n - 3 * m, 0)))  # trend
    x[4 * m : 5 * m] = 100.0 + rng.normal(0, 0.3, min(m, max(n - 4 * m, 0)))  # stratification
    return x


def pandas_rules(x: np.ndarray) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The plain pandas way: rolling windows over boolean series."""
    s = pd.Series(x)
    mr_bar = s.diff().abs().mean()
    sigma = mr_bar / D2_2
    center = s.mean()
    ucl, lcl = center + 3 * sigma, center - 3 * sigma
    above, below = s > center, s < center
    a1, b1 = s > center + sigma, s < center - sigma
    a2, b2 = s > center + 2 * sigma, s < center - 2 * sigma
    d = s.diff()
    inc, dec = d > 0, d < 0
    sign = np.sign(d)
    alt = (sign * sign.shift(1)) < 0
    out = {
        "nelson1": (s > ucl) | (s < lcl),
        "nelson2": (above.rolling(9).sum() == 9) | (below.rolling(9).sum() == 9),
        "nelson3": (inc.rolling(5).sum() == 5) | (dec.rolling(5).sum() == 5),
        "nelson4": alt.rolling(12).sum() == 12,
        "nelson5": (a2 & (a2.rolling(3).sum() >= 2)) | (b2 & (b2.rolling(3).sum() >= 2)),
        "nelson6": (a1 & (a1.rolling(5).sum() >= 4)) | (b1 & (b1.rolling(5).sum() >= 4)),
        "nelson7": (~(a1 | b1)).rolling(15).sum() == 15,
        "nelson8": (a1 | b1).rolling(8).sum() == 8,
    }
    limits = {"center": center, "lcl": lcl, "ucl": ucl}
    return limits, {k: np.flatnonzero(v.to_numpy()) for k, v in out.items()}


def opencmc_rules(x: np.ndarray) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    chart = spc.imr(x, rules="nelson")
    limits = {"center": chart.center, "lcl": chart.lcl, "ucl": chart.ucl}
    return limits, {r: np.asarray(chart.signal_indices(r)) for r in chart.rules}


def _time(fn, x: np.ndarray, repeat: int):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(x)
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    x = simulate(args.n, args.seed)
    t_ours, (lim_ours, ours) = _time(opencmc_rules, x, args.repeat)
    t_pd, (lim_pd, ref) = _time(pandas_rules, x, args.repeat)

    print(f"points: {args.n:,}")
    worst = max(abs(lim_ours[k] - lim_pd[k]) / max(abs(lim_pd[k]), 1.0) for k in lim_pd)
    print(
        f"limits: centre {lim_ours['center']:.6f}, LCL {lim_ours['lcl']:.6f}, "
        f"UCL {lim_ours['ucl']:.6f} (max relative difference {worst:.1e})"
    )
    identical = True
    for rule in ref:
        same = np.array_equal(ours[rule], ref[rule])
        identical &= same
        print(f"  {rule}: {ref[rule].size:>9,} points  {'identical' if same else 'DIFFERENT'}")
    print(f"opencmc (NumPy): {t_ours:8.3f} s")
    print(f"pandas rolling : {t_pd:8.3f} s")
    print(f"ratio: {t_pd / t_ours:.1f}x faster; signals identical: {identical}")
    if not identical or worst > 1e-9:
        raise SystemExit("signals or limits differ")


if __name__ == "__main__":
    main()
