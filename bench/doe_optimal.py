"""Benchmark: D-optimal design, full quadratic in 6 factors (28 terms), 40 runs, constrained region.

OpenCMC's coordinate exchange (:func:`opencmc.science.stats.doe.optimal_design`, which
for a polynomial model runs Meyer and Nachtsheim's exchange one move at a time in a
numba-compiled loop) against a straightforward Fedorov exchange written here: the
candidate set is the full 3^6 grid less the points the constraints forbid; each
iteration evaluates Fedorov's delta for every (design point, candidate) pair as arrays
and makes the best exchange, until no exchange improves the determinant. Both get the
same number of random starts and keep their best design; both are timed in this
process, and D-efficiency is 100 det(X'X/n)^(1/p) for both. OpenCMC's time is the whole
``optimal_design`` call (the region's moment matrix, the random starts, the exchange,
the efficiencies it reports).

The compiled loop is built once per installation (numba's on-disk cache) and loaded on
the first call in a process; that first call is made, timed and printed on its own
before the timing, on a small problem, so that neither side's figure includes it.

The region: A + B <= 1 (both high together is unsafe) and C - D >= -1.5 (C low with D
high is not allowed), in coded units.

BLAS runs on one thread (unless the environment says otherwise): on a shared machine a
multi-threaded BLAS can slow the matrix-heavy Fedorov exchange by two orders of
magnitude through oversubscription, which would flatter the ratio.

Each side is timed ``--repeat`` times (5 by default; the same designs each time) and
its best time kept, as ``timeit`` does: one call takes a few milliseconds, and a single
timing of that on a shared machine says more about the machine than the algorithm.
``--repeat 1`` times one call of each.

    python bench/doe_optimal.py [--starts 10] [--seed 1] [--repeat 5]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import itertools  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from opencmc.science.stats.doe import Region, optimal_design  # noqa: E402
from opencmc.science.stats.doe.factors import Model  # noqa: E402
from opencmc.science.stats.doe.optimal import d_efficiency  # noqa: E402

FACTORS = ["A", "B", "C", "D", "E", "F"]
CONSTRAINTS = ["A + B <= 1", "C - D >= -1.5"]
RUNS = 40


def fedorov(cand: np.ndarray, n: int, rng: np.random.Generator, max_iter: int = 5000) -> np.ndarray:
    """Fedorov (1972) exchange on the model rows of a candidate set; returns chosen rows."""
    big_n, p = cand.shape
    for _ in range(100):
        idx = rng.choice(big_n, n, replace=False)
        if np.linalg.matrix_rank(cand[idx]) == p:
            break
    for _ in range(max_iter):
        x = cand[idx]
        minv = np.linalg.inv(x.T @ x)
        v = cand @ minv
        d_cand = np.einsum("ij,ij->i", v, cand)
        d_des = d_cand[idx]
        cross = x @ v.T  # d(x_i, x_j) for design i, candidate j
        delta = (1 + d_cand)[None, :] * (1 - d_des)[:, None] + cross**2 - 1
        i, j = np.unravel_index(np.argmax(delta), delta.shape)
        if delta[i, j] <= 1e-9:
            break
        idx[i] = j
    return cand[idx]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=10, help="random starts for each algorithm")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="time each algorithm this many times and keep its best time (the designs are "
        "the same every time)",
    )
    args = ap.parse_args()

    # the first call in a process compiles the exchange loop (once per installation) or
    # loads it from numba's cache: time it separately, on a small problem
    t0 = time.perf_counter()
    optimal_design(
        ["x1", "x2"],
        "quadratic",
        8,
        constraints=["x1 + x2 <= 1"],
        starts=1,
        seed=0,
        randomize=False,
    )
    t_first = time.perf_counter() - t0

    region = Region(tuple(FACTORS), tuple(CONSTRAINTS))
    model = Model.build(region.factors, "quadratic")
    p = model.n_columns

    t_ours = np.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        design = optimal_design(
            region, "quadratic", args.runs, starts=args.starts, seed=args.seed, randomize=False
        )
        t_ours = min(t_ours, time.perf_counter() - t0)
    eff_ours = d_efficiency(model.matrix(design.coded))
    assert region.feasible(design.coded).all()

    grid = np.array(list(itertools.product([-1.0, 0.0, 1.0], repeat=len(FACTORS))))
    grid = grid[region.feasible(grid)]
    cand = model.matrix(grid)
    t_fed = np.inf
    for _ in range(args.repeat):
        rng = np.random.default_rng(args.seed)
        t0 = time.perf_counter()
        best = max((fedorov(cand, args.runs, rng) for _ in range(args.starts)), key=d_efficiency)
        t_fed = min(t_fed, time.perf_counter() - t0)
    eff_fed = d_efficiency(best)

    print(
        f"model: full quadratic in {len(FACTORS)} factors, {p} terms; {args.runs} runs; "
        f"constraints {', '.join(CONSTRAINTS)}; {args.starts} random starts each"
    )
    print(f"candidates for Fedorov: {len(grid)} of the 3^{len(FACTORS)} grid points are feasible")
    print(
        f"first call, compiling or loading the compiled kernel: {t_first:.3f} s (not timed below)"
    )
    timing = "one call each" if args.repeat == 1 else f"best of {args.repeat} calls each"
    print(f"{'algorithm':<32}{'D-efficiency %':>16}{'seconds':>10}{'per start':>11}  ({timing})")
    print(
        f"{'OpenCMC coordinate exchange':<32}{eff_ours:>16.3f}{t_ours:>10.4f}"
        f"{t_ours / args.starts:>11.5f}"
    )
    print(
        f"{'Fedorov exchange (3^6 grid)':<32}{eff_fed:>16.3f}{t_fed:>10.4f}"
        f"{t_fed / args.starts:>11.5f}"
    )
    print(
        f"ratio (Fedorov time / OpenCMC time): {t_fed / t_ours:.1f}x; "
        f"D-efficiency OpenCMC - Fedorov: {eff_ours - eff_fed:+.3f} points"
    )


if __name__ == "__main__":
    main()
