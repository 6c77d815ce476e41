"""D- and I-optimal designs by coordinate exchange (Meyer and Nachtsheim 1995).

The exchange itself is in :mod:`.exchange`. For a polynomial model with no disallowed
combinations it is the classic algorithm, one coordinate move at a time, compiled with
numba (:mod:`.exchange_kernel`; built once per installation, loaded on the first call
in a process): each coordinate of each run goes to its best candidate value when
Fedorov's determinant ratio (D) or the rank-two Woodbury change of trace(M^-1 W) (I)
says it improves the design, and a start stops after a pass of the runs without a move.
Otherwise (effects-coded factors, disallowed combinations) array code scores every move
of every random start at once and makes improving moves together, to the same kind of
local optimum. The best of the random starts is the design.

The I criterion and the reported average prediction variance use the moment matrix of
the region (:func:`moment_matrix`: exact on a cube, Monte Carlo otherwise; on the
compiled path its sample is kept and its products summed by compiled code, the same
sample as :func:`sample_region` draws).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .exchange import Exchanger
from .factors import DesignError, Model, Region
from .monomials import model_rows
from .runsheet import Design, _finish, _region


def moment_matrix(
    region: Region, model: Model, n_points: int = 4096, seed: int = 0, *, compiled: bool = False
) -> np.ndarray:
    """E[f(x) f(x)'] over the region, uniform (Monte Carlo on constrained regions).

    On the plain cube of continuous factors it is exact: E[x^a] = 1 / (a + 1) for even a.
    ``compiled`` forms the model rows of a polynomial model with the compiled
    :func:`.exchange_kernel.model_matrix` (the same numbers, without the array-code
    expansion's overhead); it is for callers that load numba anyway.
    """
    exps = model.exponents()
    continuous = all(f.kind == "continuous" for f in region.factors)
    plain = not region.constraints and not region.disallowed
    if plain and exps is not None and continuous:
        total = exps[:, None, :] + exps[None, :, :]
        moments = np.where(total % 2 == 0, 1.0 / (total + 1.0), 0.0)
        return np.prod(moments, axis=2)
    if compiled and continuous and not region.disallowed and exps is not None and len(exps):
        from .exchange_kernel import moments

        return moments(exps, _sample_linear(region, n_points, seed))
    f = _rows(model, sample_region(region, n_points, seed), compiled)
    return f.T @ f / len(f)


def _rows(model: Model, points: np.ndarray, compiled: bool) -> np.ndarray:
    """Model rows of points (N, k), compiled for a polynomial model when asked."""
    exps = model.exponents() if compiled else None
    if exps is None or not len(exps):
        return model_rows(model, points)
    from .exchange_kernel import model_matrix

    return model_matrix(exps, points)


def _sample_linear(region: Region, n: int, seed: int = 0) -> np.ndarray:
    """:func:`sample_region`, factor-first (k, n), for continuous factors under linear
    constraints only: the same draws and the same points, kept by compiled code."""
    from .exchange_kernel import keep_feasible

    rng = np.random.default_rng(seed)
    k = len(region.factors)
    a, b = region.linear_coded()
    out = np.empty((k, n))
    have, tries = 0, 0
    while have < n:
        have = keep_feasible(rng.uniform(-1, 1, (k, max(n, 256))), a, b, out, have)
        tries += 1
        if tries > 200 and have == 0:
            raise DesignError("the constraints leave no feasible points in the factor ranges")
    return out


def sample_region(region: Region, n: int, seed: int = 0) -> np.ndarray:
    """Uniform random coded points in the region (rejection from the cube)."""
    rng = np.random.default_rng(seed)
    k = len(region.factors)
    uniform = all(f.kind in ("continuous", "mixture") for f in region.factors)
    out = np.empty((n, k))
    have, tries = 0, 0
    while have < n:
        if uniform:  # the same draws, factor by factor, as the loop below makes
            x = rng.uniform(-1, 1, (k, max(n, 256))).T
        else:
            x = np.empty((max(n, 256), k))
            for j, f in enumerate(region.factors):
                if f.kind in ("continuous", "mixture"):
                    x[:, j] = rng.uniform(-1, 1, len(x))
                else:
                    x[:, j] = rng.choice(f.coded_levels(), len(x))
        x = x[region.feasible(x)][: n - have]
        out[have : have + len(x)] = x
        have += len(x)
        tries += 1
        if tries > 200 and have == 0:
            raise DesignError("the constraints leave no feasible points in the factor ranges")
    return out


def d_efficiency(x: np.ndarray) -> float:
    """100 det(X'X / n)^(1/p): 100 % for an orthogonal design with +-1 columns."""
    n, p = x.shape
    sign, logdet = np.linalg.slogdet(x.T @ x / n)
    return float(100 * np.exp(logdet / p)) if sign > 0 else 0.0


def _criterion_values(f: np.ndarray, criterion: str, w: np.ndarray) -> np.ndarray:
    """log det X'X (D) or -trace((X'X)^-1 W) (I) of model matrices (starts, n, p)."""
    xtx = np.swapaxes(f, 1, 2) @ f
    sign, logdet = np.linalg.slogdet(xtx)
    out = np.full(len(f), -np.inf)
    ok = sign > 0
    if criterion == "D":
        out[ok] = logdet[ok]
    elif ok.any():
        out[ok] = -np.einsum("rij,ji->r", np.linalg.inv(xtx[ok]), w)
    return out


def optimal_design(
    factors: Any,
    model: str | Sequence[str] = "quadratic",
    runs: int | None = None,
    *,
    criterion: str = "D",
    constraints: Sequence[Any] = (),
    disallowed: Sequence[Any] = (),
    starts: int = 10,
    max_passes: int = 200,
    seed: int | None = None,
    randomize: bool = True,
) -> Design:
    """A D- or I-optimal design for ``model`` in ``runs`` runs on a constrained region.

    ``constraints`` are linear inequalities on actual values (``"T + 10*t <= 300"``);
    ``disallowed`` lists combinations not to run. ``runs`` defaults to the number of
    model coefficients plus 4 (some degrees of freedom for error). ``info`` reports the
    D-efficiency (100 % for an orthogonal +-1 design), the A-efficiency, the average
    prediction variance over the region and the passes taken (a pass scores every
    coordinate of every run once; ``max_passes`` bounds them).

    >>> d = optimal_design(["A", "B", "C"], "interaction", 8, seed=1, randomize=False)
    >>> round(d.info["D_efficiency"], 6)
    100.0
    """
    region = _region(factors, constraints, disallowed)
    mdl = Model.build(region.factors, model)
    criterion = criterion.upper()
    if criterion not in ("D", "I"):
        raise DesignError(f"criterion must be 'D' or 'I', not {criterion!r}")
    p = mdl.n_columns
    n = p + 4 if runs is None else int(runs)
    if n < p:
        raise DesignError(
            f"the model has {p} coefficients; a design needs at least {p} runs, not {n}"
        )
    if starts < 1:
        raise DesignError("starts must be at least 1")
    rng = np.random.default_rng(seed)
    compiled = not region.disallowed and mdl.exponents() is not None
    w = moment_matrix(region, mdl, compiled=compiled)
    ex = Exchanger(region, mdl, n, criterion, rng, weights=w)
    x, passes = ex.run(starts, max_passes)
    rows = _rows(mdl, x.reshape(-1, len(region.factors)), ex.compiled)
    scores = _criterion_values(rows.reshape(starts, n, p), criterion, w)
    best = int(np.argmax(scores))
    if not np.isfinite(scores[best]):
        raise DesignError("no start reached a design that can estimate the model; add runs")
    coded = np.round(x[best], 12)
    fm = _rows(mdl, coded, ex.compiled)
    info = {
        "criterion": criterion,
        "model": [t.name for t in mdl.terms],
        "n_coefficients": p,
        "starts": starts,
        "passes": passes,
        **evaluate_matrix(fm, w),
    }
    kind = f"{criterion}-optimal design (coordinate exchange)"
    return _finish(region, coded, kind, randomize=randomize, seed=seed, info=info, model=mdl)


def evaluate_matrix(f: np.ndarray, w: np.ndarray | None) -> dict[str, float]:
    """D- and A-efficiency and the average prediction variance of a model matrix."""
    n, p = f.shape
    xtx = f.T @ f
    out = {"D_efficiency": d_efficiency(f)}
    try:
        inv = np.linalg.inv(xtx)
    except np.linalg.LinAlgError:
        return out | {"A_efficiency": 0.0}
    out["A_efficiency"] = float(100 * p / (n * np.trace(inv)))
    if w is not None:
        out["average_prediction_variance"] = float(np.trace(inv @ w))
    return out


def prepare_compiled() -> float:
    """Build (first time after installation, some seconds) or load (a fraction of a
    second) the compiled exchange, so that no user's first design waits for it; returns
    the seconds it took. ``opencmc serve`` calls it before it starts serving."""
    import time

    started = time.perf_counter()
    for criterion in ("D", "I"):
        optimal_design(["x1", "x2"], "quadratic", 8, criterion=criterion, starts=1, seed=0,
                       constraints=["x1 + x2 <= 1"], randomize=False)  # fmt: skip
    return time.perf_counter() - started
