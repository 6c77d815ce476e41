"""D- and I-optimal designs by coordinate exchange (Meyer and Nachtsheim 1995).

Each pass visits every run and every factor and moves that one coordinate to the value
that most improves the criterion, with the other coordinates held. Continuous factors
try a grid and, on a constrained region, the ends of the feasible interval along the
coordinate; discrete and categorical factors try their levels. The determinant ratio
of a row exchange is Fedorov's
``(1 + d(x)) (1 - d(x_i)) + d(x, x_i)^2`` and the inverse information matrix is updated
by two Sherman-Morrison steps, so a move costs O(p^2). Several random starts run
together as one batch of arrays; the best design is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .factors import DesignError, Model, Region
from .runsheet import Design, _finish, _region

_TOL = 1e-9


def _grid(model: Model) -> np.ndarray:
    e = model.exponents()
    degree = int(e.max()) if e is not None and e.size else 2
    if degree <= 1:
        return np.array([-1.0, 1.0])
    return np.linspace(-1.0, 1.0, 2 * degree + 1)


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
    f = model.matrix(pts)
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


def _powers(x: np.ndarray, degree: int) -> np.ndarray:
    """x**0, x**1, ..., x**degree along a new last axis, by repeated products."""
    out = np.empty((*x.shape, degree + 1))
    out[..., 0] = 1.0
    for d in range(1, degree + 1):
        out[..., d] = out[..., d - 1] * x
    return out


def _monomials(points: np.ndarray, exps: np.ndarray) -> np.ndarray:
    """Model rows of points (..., k) for monomial exponents (p, k): (..., p)."""
    return np.prod(points[..., None, :] ** exps, axis=-1)


class _Exchanger:
    """Batched coordinate exchange over R random starts."""

    def __init__(
        self, region: Region, model: Model, n: int, criterion: str, rng: np.random.Generator
    ):
        self.region = region
        self.model = model
        self.n = n
        self.k = len(region.factors)
        self.criterion = criterion
        self.rng = rng
        self.exps = model.exponents()
        self.a, self.b = region.linear_coded()
        self.has_disallowed = bool(region.disallowed)
        grid = _grid(model)
        self.values: list[np.ndarray] = []
        self.continuous: list[bool] = []
        for f in region.factors:
            if f.kind == "continuous":
                self.values.append(grid)
                self.continuous.append(True)
            elif f.kind in ("discrete", "categorical"):
                self.values.append(f.coded_levels())
                self.continuous.append(False)
            else:
                raise DesignError(
                    f"factor {f.name!r} is a mixture component; use simplex_lattice, "
                    "simplex_centroid or extreme_vertices_design"
                )
        self.w = moment_matrix(region, model) if criterion == "I" else None

    def rows(self, pts: np.ndarray) -> np.ndarray:
        if self.exps is not None:
            return _monomials(pts, self.exps)
        shape = pts.shape
        return self.model.matrix(pts.reshape(-1, shape[-1])).reshape(*shape[:-1], -1)

    def start(self, r: int) -> np.ndarray:
        x = np.empty((r, self.n, self.k))
        for j in range(self.k):
            x[:, :, j] = self.rng.choice(self.values[j], (r, self.n))
        flat = x.reshape(-1, self.k)
        bad = ~self.region.feasible(flat)
        for _ in range(200):
            if not bad.any():
                break
            idx = np.flatnonzero(bad)
            fresh = sample_region(self.region, len(idx), int(self.rng.integers(1 << 31)))
            flat[idx] = fresh
            bad[idx] = ~self.region.feasible(fresh)
        if bad.any():
            raise DesignError("cannot find feasible starting runs in the constrained region")
        return flat.reshape(r, self.n, self.k)

    def _interval(self, x: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Feasible range of coordinate j for each row of x (R, k) under A x <= b."""
        lo = np.full(len(x), -1.0)
        hi = np.full(len(x), 1.0)
        for a_row, b_val in zip(self.a, self.b, strict=True):
            aj = a_row[j]
            if abs(aj) < 1e-15:
                continue
            rest = b_val - (x @ a_row - x[:, j] * aj)
            bound = rest / aj
            if aj > 0:
                hi = np.minimum(hi, bound)
            else:
                lo = np.maximum(lo, bound)
        return lo, hi

    def _candidate_rows(self, xi: np.ndarray, j: int, cand: np.ndarray) -> np.ndarray:
        """Model rows of each row of xi with coordinate j set to each candidate: (R, g, p)."""
        if self.exps is None:
            pts = np.repeat(xi[:, None, :], cand.shape[1], axis=1)
            pts[:, :, j] = cand
            return self.rows(pts)
        # f(x) = prod_l x_l^e_l: the other coordinates' part times t^e_j (integer powers)
        pw = xi[:, :, None] ** self.pow_range  # (R, k, D+1)
        gathered = pw[:, self.col_index, self.exps_int]  # (R, p, k)
        gathered[:, :, j] = 1.0
        rest = np.prod(gathered, axis=2)  # (R, p)
        tp = cand[:, :, None] ** self.pow_range  # (R, g, D+1)
        return rest[:, None, :] * tp[:, :, self.exps_int[:, j]]

    def _changed_columns(
        self, xi: np.ndarray, j: int, cand: np.ndarray, cols: np.ndarray
    ) -> np.ndarray:
        """The model columns holding factor j, for each candidate value: (R, g, s)."""
        e = self.exps_int[cols]
        pw = _powers(xi, self.degree)  # (R, k, D+1)
        pw[:, j, :] = 1.0
        gathered = pw[:, self.col_index, e]  # (R, s, k)
        rest = np.prod(gathered, axis=2)  # (R, s)
        tp = _powers(cand, self.degree)  # (R, g, D+1)
        return rest[:, None, :] * tp[:, :, e[:, j]]

    def run(self, starts: int, max_passes: int) -> tuple[np.ndarray, int]:
        r = starts
        x = self.start(r)
        f = self.rows(x)
        p = f.shape[-1]
        if self.exps is not None:
            self.exps_int = self.exps.astype(int)
            self.pow_range = np.arange(int(self.exps.max()) + 1)
            self.degree = int(self.exps.max())
            self.col_index = np.arange(self.k)[None, :]
            self.cols_of = [np.flatnonzero(self.exps_int[:, j] > 0) for j in range(self.k)]
        ridge = 1e-8 * self.n * np.eye(p)
        minv = np.linalg.inv(np.swapaxes(f, 1, 2) @ f + ridge)
        bmat = minv @ self.w @ minv if self.w is not None else None
        ar = np.arange(r)
        passes = 0
        while passes < max_passes:
            passes += 1
            changed = np.zeros(r, dtype=bool)
            for i in range(self.n):
                for j in range(self.k):
                    xi = x[:, i, :]
                    vals = self.values[j]
                    if self.continuous[j] and len(self.b):
                        lo, hi = self._interval(xi, j)
                        cand = np.concatenate(
                            [
                                np.clip(vals[None, :], lo[:, None], hi[:, None]),
                                lo[:, None],
                                hi[:, None],
                            ],
                            axis=1,
                        )
                    else:
                        cand = np.broadcast_to(vals, (r, len(vals)))
                    fi = f[:, i, :]  # (R, p)
                    ui = (minv @ fi[:, :, None])[:, :, 0]
                    di = (fi * ui).sum(axis=1)
                    if bmat is None and self.exps is not None:
                        # Only the columns holding factor j change: work on those alone.
                        cols = self.cols_of[j]
                        fcs = self._changed_columns(xi, j, cand, cols)  # (R, g, s)
                        delta = fcs - fi[:, None, cols]
                        mss = minv[:, cols[:, None], cols[None, :]]
                        lin = (delta @ ui[:, cols, None])[:, :, 0]
                        dc = di[:, None] + 2 * lin + ((delta @ mss) * delta).sum(axis=2)
                        dci = di[:, None] + lin
                        fc = None
                    else:
                        fc = self._candidate_rows(xi, j, cand)  # (R, g, p)
                        v = fc @ minv  # (R, g, p)
                        dc = (v * fc).sum(axis=2)
                        dci = (v @ fi[:, :, None])[:, :, 0]
                    ratio = (1 + dc) * (1 - di)[:, None] + dci**2
                    if bmat is None:
                        score, base, tol = ratio, 1.0, _TOL
                    else:
                        # decrease of trace(M^-1 W) by the exchange (Woodbury, rank two)
                        bn = fc @ bmat
                        t11 = (bn * fc).sum(axis=2)
                        t12 = (bn @ fi[:, :, None])[:, :, 0]
                        t22 = (fi * (bmat @ fi[:, :, None])[:, :, 0]).sum(axis=1)[:, None]
                        s11, s12, s22 = 1 + dc, dci, -1 + di[:, None]
                        det = s11 * s22 - s12**2
                        with np.errstate(divide="ignore", invalid="ignore"):
                            score = (s22 * t11 - 2 * s12 * t12 + s11 * t22) / det
                        score = np.where(ratio > 1e-6, score, -np.inf)
                        base, tol = 0.0, _TOL * max(1.0, float(np.abs(t22).max()))
                    if self.has_disallowed:
                        pts = np.repeat(xi[:, None, :], cand.shape[1], axis=1)
                        pts[:, :, j] = cand
                        ok = self.region.feasible(pts.reshape(-1, self.k)).reshape(score.shape)
                        score = np.where(ok, score, -np.inf)
                    best = score.argmax(axis=1)
                    move = score[ar, best] > base + tol
                    move &= np.abs(cand[ar, best] - xi[:, j]) > 1e-12
                    if not move.any():
                        continue
                    if fc is None:
                        fn = fi.copy()
                        fn[np.ix_(move, cols)] = fcs[ar, best][move]
                    else:
                        fn = np.where(move[:, None], fc[ar, best], fi)
                    x[move, i, j] = cand[move, best[move]]
                    # add the new row, then remove the old one (Sherman-Morrison twice)
                    un = (minv @ fn[:, :, None])[:, :, 0]
                    minv = (
                        minv
                        - un[:, :, None] * (un / (1 + (fn * un).sum(axis=1))[:, None])[:, None, :]
                    )
                    uo = (minv @ fi[:, :, None])[:, :, 0]
                    minv = (
                        minv
                        + uo[:, :, None] * (uo / (1 - (fi * uo).sum(axis=1))[:, None])[:, None, :]
                    )
                    f[:, i, :] = fn
                    if bmat is not None:
                        bmat = minv @ self.w @ minv
                    changed |= move
            # refresh the inverse: no drift from the rank-one updates
            minv = np.linalg.inv(np.swapaxes(f, 1, 2) @ f + ridge)
            if bmat is not None:
                bmat = minv @ self.w @ minv
            if not changed.any():
                break
        return x, passes


def d_efficiency(x: np.ndarray) -> float:
    """100 det(X'X / n)^(1/p): 100 % for an orthogonal design with +-1 columns."""
    n, p = x.shape
    sign, logdet = np.linalg.slogdet(x.T @ x / n)
    return float(100 * np.exp(logdet / p)) if sign > 0 else 0.0


def _criterion_value(f: np.ndarray, criterion: str, w: np.ndarray | None) -> float:
    xtx = f.T @ f
    sign, logdet = np.linalg.slogdet(xtx)
    if sign <= 0:
        return -np.inf
    if criterion == "D":
        return float(logdet)
    return -float(np.trace(np.linalg.solve(xtx, w)))


def optimal_design(
    factors: Any,
    model: str | Sequence[str] = "quadratic",
    runs: int | None = None,
    *,
    criterion: str = "D",
    constraints: Sequence[Any] = (),
    disallowed: Sequence[Any] = (),
    starts: int = 10,
    max_passes: int = 50,
    seed: int | None = None,
    randomize: bool = True,
) -> Design:
    """A D- or I-optimal design for ``model`` in ``runs`` runs on a constrained region.

    ``constraints`` are linear inequalities on actual values (``"T + 10*t <= 300"``);
    ``disallowed`` lists combinations not to run. ``runs`` defaults to the number of
    model coefficients plus 4 (some degrees of freedom for error). ``info`` reports the
    D-efficiency (100 % for an orthogonal +-1 design), the A-efficiency, the average
    prediction variance over the region and the passes taken.

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
    ex = _Exchanger(region, mdl, n, criterion, rng)
    x, passes = ex.run(starts, max_passes)
    w = ex.w if ex.w is not None else moment_matrix(region, mdl)
    scores = [_criterion_value(mdl.matrix(xr), criterion, w) for xr in x]
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
