"""D- and I-optimal designs by coordinate exchange (Meyer and Nachtsheim 1995).

The exchange itself is in :mod:`.exchange`: every coordinate of every run of every random
start is scored at once from Fedorov's determinant ratio, improving moves are made
together, and a start stops when no single coordinate move improves it. The best of the
random starts is the design.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .exchange import Exchanger
from .factors import DesignError, Model, Region
from .monomials import model_rows
from .runsheet import Design, _finish, _region


def moment_matrix(region: Region, model: Model, n_points: int = 4096, seed: int = 0) -> np.ndarray:
    """E[f(x) f(x)'] over the region, uniform (Monte Carlo on constrained regions).

    On the plain cube of continuous factors it is exact: E[x^a] = 1 / (a + 1) for even a.
    """
    exps = model.exponents()
    plain = not region.constraints and not region.disallowed
    if plain and exps is not None and all(f.kind == "continuous" for f in region.factors):
        total = exps[:, None, :] + exps[None, :, :]
        moments = np.where(total % 2 == 0, 1.0 / (total + 1.0), 0.0)
        return np.prod(moments, axis=2)
    pts = sample_region(region, n_points, seed)
    f = model_rows(model, pts)
    return f.T @ f / len(f)


def sample_region(region: Region, n: int, seed: int = 0) -> np.ndarray:
    """Uniform random coded points in the region (rejection from the cube)."""
    rng = np.random.default_rng(seed)
    k = len(region.factors)
    out: list[np.ndarray] = []
    have, tries = 0, 0
    while have < n:
        x = np.empty((max(n, 256), k))
        for j, f in enumerate(region.factors):
            if f.kind in ("continuous", "mixture"):
                x[:, j] = rng.uniform(-1, 1, len(x))
            else:
                x[:, j] = rng.choice(f.coded_levels(), len(x))
        x = x[region.feasible(x)]
        out.append(x)
        have += len(x)
        tries += 1
        if tries > 200 and have == 0:
            raise DesignError("the constraints leave no feasible points in the factor ranges")
    return np.vstack(out)[:n]


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
    w = moment_matrix(region, mdl)
    ex = Exchanger(region, mdl, n, criterion, rng, weights=w)
    x, passes = ex.run(starts, max_passes)
    scores = _criterion_values(
        model_rows(mdl, x.reshape(-1, len(region.factors))).reshape(starts, n, p), criterion, w
    )
    best = int(np.argmax(scores))
    if not np.isfinite(scores[best]):
        raise DesignError("no start reached a design that can estimate the model; add runs")
    coded = np.round(x[best], 12)
    fm = mdl.matrix(coded)
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
