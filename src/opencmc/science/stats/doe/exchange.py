"""Coordinate exchange for D- and I-optimal designs: the random starts, the candidate
values, and two engines that run the exchange from them.

The moves are those of Meyer and Nachtsheim's (1995) coordinate exchange: one coordinate
of one run goes to another candidate value (a grid clipped to the coordinate's feasible
interval for a continuous factor, so that its ends are tried; the levels of a discrete or
categorical one). Exchanging the model row ``f_i`` for ``f`` multiplies det(M) by
Fedorov's

    (1 + d(f)) (1 - d(f_i)) + d(f, f_i)^2,    d(a, b) = a' M^-1 b,

and changes trace(M^-1 W) by a rank-two Woodbury term built from the same forms of
``M^-1 W M^-1``. Moving coordinate ``j`` of run ``i`` from ``a`` to ``t`` changes only
the model columns holding factor ``j``, and a monomial column changes by
``(t^e - a^e)`` times its part without factor ``j``: the forms need a few linear and
quadratic coefficients per run and factor, after which every candidate value costs a
few scalar products.

What runs where (:meth:`Exchanger.run`):

* a polynomial model (every factor continuous, discrete or two-level categorical) with
  no disallowed combinations runs the classic algorithm, one move at a time, compiled
  with numba (:mod:`.exchange_kernel`): for each run and factor the best candidate
  value, if it improves the criterion, is taken at once, ``M^-1`` follows by a rank-two
  update, and a start ends after a pass of the runs without a move;
* otherwise (effects-coded factors with three or more levels, or disallowed
  combinations, whose candidate runs are checked one by one) the array code below runs.
  Each round scores every move of every run of every random start as one set of array
  operations, takes the best move of each run, and tries them together: all improving
  runs, the best half, the best quarter, and the single best move, which always
  improves. The group that raises the criterion most is kept and the information matrix
  is formed and inverted afresh, so nothing drifts. A start stops when no single move
  improves it: the same kind of local optimum (no coordinate can be improved) as the
  one-move-at-a-time algorithm, reached in fewer rounds. ``engine="numpy"`` runs it
  for polynomial models too.

Both begin from the same random starts (:meth:`Exchanger.start`), so a seed fixes the
design.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from .factors import DesignError, Model, Region
from .monomials import Monomials, monomials

_TOL = 1e-9
# the shares of the improving runs tried together in a round (0: the best move alone)
_GROUPS = np.array([1.0, 0.5, 0.25, 0.0])
_SIGNS = np.array([1.0, -1.0])  # add the new row, remove the old one


class Exchanger:
    """Coordinate exchange from several random starts: the starts and candidate values,
    and the two engines, :meth:`run_compiled` (one move at a time, compiled) and
    :meth:`run_numpy` (every move of every start scored at once).

    The array code holds designs factor-first, ``(starts, k, n)``, and model rows as
    columns, ``(starts, p, n)``, so that the information matrix is one product; the
    candidate moves are ``(starts, n, k, g)``: run, factor, candidate value.
    """

    def __init__(
        self,
        region: Region,
        model: Model,
        n: int,
        criterion: str,
        rng: np.random.Generator,
        weights: np.ndarray | None = None,
    ):
        self.region = region
        self.model = model
        self.n = n
        self.k = len(region.factors)
        self.rng = rng
        self.a, self.b = region.linear_coded()
        exps = model.exponents()
        self.exps = exps
        # a polynomial model: what monomials(model) describes (None with effects coding)
        self.polynomial = exps is not None and len(exps) > 0
        self.weights = weights if criterion == "I" else None  # in the model's column order
        degree = int(exps.max()) if exps is not None and exps.size else 2
        grid = np.array([-1.0, 1.0]) if degree <= 1 else np.linspace(-1, 1, 2 * degree + 1)
        self.values: list[np.ndarray] = []
        self.continuous = np.zeros(self.k, dtype=bool)
        for j, f in enumerate(region.factors):
            if f.kind == "continuous":
                self.values.append(grid)
                self.continuous[j] = True
            elif f.kind in ("discrete", "categorical"):
                self.values.append(np.asarray(f.coded_levels(), dtype=float))
            else:
                raise DesignError(
                    f"factor {f.name!r} is a mixture component; use simplex_lattice, "
                    "simplex_centroid or extreme_vertices_design"
                )
        # with linear constraints a continuous coordinate tries the grid clipped to its
        # feasible interval: the grid's ends become the interval's ends
        self.g = max(len(v) for v in self.values)
        # candidate table (k, g), short lists padded by repeating their last value
        self.table = np.array([np.resize(v, self.g) if len(v) < self.g else v for v in self.values])
        for j, v in enumerate(self.values):
            self.table[j, len(v) :] = v[-1]
        if len(self.b):
            up, down = self.a > 1e-15, self.a < -1e-15
            with np.errstate(divide="ignore"):
                inv = 1.0 / self.a
            # bound on x_j from constraint c: x_j + slack_c / a_cj (upper when a_cj > 0)
            self.up_scale = np.where(up, inv, 0.0)[:, :, None]  # (C, k, 1)
            self.up_off = np.where(up, 0.0, np.inf)[:, :, None]
            self.down_scale = np.where(down, inv, 0.0)[:, :, None]
            self.down_off = np.where(down, 0.0, -np.inf)[:, :, None]
            self.constrained = (up | down).any(axis=0)  # (k,)
        self.p = model.n_columns
        self.ridge = 1e-8 * n * np.eye(self.p)

    def start(self, r: int) -> np.ndarray:
        """Random feasible starting designs (r, n, k)."""
        from .optimal import sample_region

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

    def rows(self, xt: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Model rows of designs (R, k, n) as columns (R, p, n), and their monomials."""
        if self.mono is None:
            r, k, n = xt.shape
            f = self.model.matrix(xt.transpose(0, 2, 1).reshape(-1, k))
            return f.reshape(r, n, self.p).transpose(0, 2, 1), None
        e = self.mono.expand(xt)
        return (e if self.mono.identity else e[:, self.mono.model]), e

    def value(self, m: np.ndarray) -> np.ndarray:
        """The criterion of information matrices (..., p, p): log det M or -trace(M^-1 W)."""
        if self.w is not None:
            return -np.einsum("...ij,ij->...", np.linalg.inv(m), self.w)
        try:
            chol = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            sign, logdet = np.linalg.slogdet(m)
            return np.where(sign > 0, logdet, -np.inf)
        return 2.0 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(axis=-1)

    def candidates(self, xt: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Candidate values (R, n, k, g) of every coordinate, and which are allowed.

        A candidate equal to the current value scores exactly nothing, so it needs no
        mask; ``None`` means every candidate is allowed.
        """
        x = xt.transpose(0, 2, 1)[..., None]  # (R, n, k, 1)
        t = np.broadcast_to(self.table, (*x.shape[:-1], self.g))
        usable = None
        if len(self.b):
            # the feasible interval of each coordinate with the others held: A x <= b
            slack = (self.b[:, None] - self.a @ xt)[:, :, None, :]  # (R, C, 1, n)
            hi = np.min(slack * self.up_scale + self.up_off, axis=1) + xt
            lo = np.max(slack * self.down_scale + self.down_off, axis=1) + xt
            hi = np.minimum(hi, 1.0).transpose(0, 2, 1)[..., None]  # (R, n, k, 1)
            lo = np.maximum(lo, -1.0).transpose(0, 2, 1)[..., None]
            # (an unconstrained coordinate's interval is [-1, 1]: clipping changes nothing)
            c = self.continuous
            if c.all():
                t = np.clip(self.table, lo, hi)
            elif (c & self.constrained).any():
                t = t.copy()
                t[:, :, c] = np.clip(self.table[c], lo[:, :, c], hi[:, :, c])
            d = ~self.continuous & self.constrained
            if d.any():
                usable = np.ones(t.shape, dtype=bool)
                usable[:, :, d] = (t[:, :, d] >= lo[:, :, d] - 1e-9) & (
                    t[:, :, d] <= hi[:, :, d] + 1e-9
                )
        if self.region.disallowed:
            ok = self.region.feasible(self._points(xt, t).reshape(-1, self.k)).reshape(t.shape)
            usable = ok if usable is None else usable & ok
        return t, usable

    def _points(self, xt: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Every run with one coordinate set to each candidate: (R, n, k, g, k)."""
        x = xt.transpose(0, 2, 1)[:, :, None, None, :]
        pts = np.broadcast_to(x, (*t.shape, self.k)).copy()
        j = np.arange(self.k)
        pts[:, :, j, :, j] = t.transpose(2, 0, 1, 3)
        return pts

    def forms(
        self,
        qs: list[np.ndarray],
        xt: np.ndarray,
        ft: np.ndarray,
        et: np.ndarray | None,
        t: np.ndarray,
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """For each symmetric Q and every move of run i from f_i to f: f_i'Q f_i
        (R, n, 1, 1), ``f'Q f_i - f_i'Q f_i`` and ``(f - f_i)'Q (f - f_i)`` (R, n, k, g)."""
        if et is None:
            return self._forms_general(qs, xt, ft, t)
        mono = self.mono
        # the model row after a move is f_i + sum_e (t^e - a^e) c_e: c_e holds, in the
        # columns with x_j^e, the rest of their monomial
        ys: list[np.ndarray | None] = []
        for rest, weight, plain in zip(mono.rest, mono.weight, mono.plain, strict=True):
            if plain:
                ys.append(None)
            else:
                y = et[:, rest]  # (R, k, s_e, n)
                ys.append(y if weight is None else y * weight)
        x = xt.transpose(0, 2, 1)[..., None]
        alpha = [t - x]
        tp, xp = t, x
        for _ in range(1, mono.degree):
            tp, xp = tp * t, xp * x
            alpha.append(tp - xp)
        out = []
        for q in qs:
            qf = q @ ft  # (R, p, n)
            old = np.einsum("rpn,rpn->rn", qf, ft)[:, :, None, None]
            la = qa = 0.0
            for e, (cols_e, y_e) in enumerate(zip(mono.cols, ys, strict=True)):
                sub = qf[:, cols_e]  # (R, k, s_e, n)
                lin = sub.sum(axis=2) if y_e is None else np.einsum("rjsn,rjsn->rjn", y_e, sub)
                la = la + alpha[e] * lin.transpose(0, 2, 1)[..., None]
                for f in range(e + 1):
                    qsub = q[:, mono.cols[f][:, :, None], cols_e[:, None, :]]  # (R,k,s_f,s_e)
                    z = qsub.sum(axis=3, keepdims=True) if y_e is None else qsub @ y_e
                    y_f = ys[f]
                    quad = z.sum(axis=2) if y_f is None else np.einsum("rjsn,rjsn->rjn", z, y_f)
                    quad = quad.transpose(0, 2, 1)[..., None]  # (R, n, k or 1, 1)
                    if f == e:
                        qa = qa + alpha[e] * (alpha[e] * quad)
                    else:
                        qa = qa + alpha[e] * (alpha[f] * (2.0 * quad))
            out.append((old, la, qa))
        return out

    def _forms_general(
        self, qs: list[np.ndarray], xt: np.ndarray, ft: np.ndarray, t: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The forms from the model rows of every candidate point (any model)."""
        pts = self._points(xt, t)
        fc = self.model.matrix(pts.reshape(-1, self.k)).reshape(*t.shape, self.p)
        delta = fc - ft.transpose(0, 2, 1)[:, :, None, None, :]  # (R, n, k, g, p)
        out = []
        for q in qs:
            qf = q @ ft  # (R, p, n)
            old = np.einsum("rpn,rpn->rn", qf, ft)[:, :, None, None]
            la = np.einsum("rnjgp,rpn->rnjg", delta, qf)
            qa = np.einsum("rnjgp,rnjgp->rnjg", delta @ q[:, None, None], delta)
            out.append((old, la, qa))
        return out

    def scores(
        self, xt: np.ndarray, ft: np.ndarray, et: np.ndarray | None, minv: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The improvement of every move (R, n, k, g), the candidates, thresholds (R, 1)."""
        t, usable = self.candidates(xt)
        if self.w is None:
            ((dold, la, qa),) = self.forms([minv], xt, ft, et, t)
            # Fedorov's ratio less one: d(f, f_i) = dold + la, d(f) = dold + 2 la + qa
            score = la * (2.0 + la) + (1.0 - dold) * qa
            threshold = np.full((len(xt), 1), _TOL)
        else:
            bmat = minv @ self.w @ minv
            (dold, la, qa), (t22, tl, tq) = self.forms([minv, bmat], xt, ft, et, t)
            # the decrease of trace(M^-1 W) by the exchange (Woodbury, rank two)
            s12 = dold + la
            s11 = s12 + la + qa + 1.0
            s22 = dold - 1.0
            t12 = t22 + tl
            t11 = t12 + tl + tq
            det = s11 * s22 - s12**2
            with np.errstate(divide="ignore", invalid="ignore"):
                score = (s22 * t11 - 2.0 * s12 * t12 + s11 * t22) / det
            # -det is Fedorov's ratio: a move that makes M (nearly) singular is no move
            score = np.where(-det > 1e-6, score, -np.inf)
            threshold = _TOL * np.maximum(1.0, np.abs(t22).max(axis=(1, 2, 3)))[:, None]
        if usable is not None:
            score = np.where(usable, score, -np.inf)
        return score, t, threshold

    @property
    def compiled(self) -> bool:
        """Whether the compiled one-move-at-a-time exchange applies: a polynomial model
        (no effects-coded factor) and no disallowed combinations."""
        return self.polynomial and not self.region.disallowed

    @cached_property
    def mono(self) -> Monomials | None:
        """The model's monomial structure (the array-code path's expansion)."""
        return monomials(self.model)

    @cached_property
    def w(self) -> np.ndarray | None:
        """W for the array-code path: for the I criterion, in the order of its rows."""
        if self.weights is None or self.mono is None or not self.mono.identity:
            return self.weights
        # the rows are the expansion, in its column order: W follows
        at = self.mono.model
        w = np.empty_like(self.weights)
        w[np.ix_(at, at)] = self.weights
        return w

    def run(self, starts: int, max_rounds: int, engine: str = "auto") -> tuple[np.ndarray, int]:
        """Exchange until no single move improves any start: designs (starts, n, k) and
        the passes (compiled) or rounds (array code) of the longest start.

        ``engine`` is ``"compiled"`` (:mod:`.exchange_kernel`), ``"numpy"`` (the array
        code below) or ``"auto"``: compiled wherever :attr:`compiled` allows it. Both
        begin from the same random starts.
        """
        if engine not in ("auto", "compiled", "numpy"):
            raise ValueError(f"engine must be 'auto', 'compiled' or 'numpy', not {engine!r}")
        if engine == "compiled" and not self.compiled:
            raise DesignError("the compiled exchange needs a polynomial model, no disallowed runs")
        if engine != "numpy" and self.compiled:
            return self.run_compiled(self.start(starts), max_rounds)
        return self.run_numpy(self.start(starts), max_rounds)

    def run_compiled(self, x0: np.ndarray, max_passes: int) -> tuple[np.ndarray, int]:
        """Meyer and Nachtsheim's exchange, one move at a time, compiled, from the
        starting designs ``x0`` (R, n, k): designs and the passes of the longest start."""
        x, passes, _moves, _gained = self.exchange_compiled(x0, max_passes)
        return x, int(passes.max())

    def exchange_compiled(
        self, x0: np.ndarray, max_passes: int = 200
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The compiled exchange from ``x0`` with its account of each start: designs,
        passes, moves made and the criterion gained by them (see ``coordinate_exchange``)."""
        from .exchange_kernel import coordinate_exchange  # numba loads on first use

        return coordinate_exchange(  # type: ignore[no-any-return]
            x0,
            self.exps,
            self.table,
            np.array([len(v) for v in self.values]),
            self.continuous,
            self.a,
            self.b,
            weights=self.weights,
            ridge=1e-8 * self.n,
            tol=_TOL,
            max_passes=max_passes,
        )

    def run_numpy(self, x0: np.ndarray, max_rounds: int) -> tuple[np.ndarray, int]:
        """The array-code exchange from the starting designs ``x0`` (R, n, k): designs
        (R, n, k) and the rounds taken."""
        starts = len(x0)
        x = x0.transpose(0, 2, 1).copy()  # (R, k, n)
        xa = x
        ft, et = self.rows(xa)
        m = ft @ ft.transpose(0, 2, 1) + self.ridge
        value = self.value(m)
        active = np.arange(starts)
        rounds = 0
        n, kg = self.n, self.k * self.g
        while active.size and rounds < max_rounds:
            rounds += 1
            ra = len(active)
            score, t, threshold = self.scores(xa, ft, et, np.linalg.inv(m))
            # the best move of each run
            flat = score.reshape(ra, n, kg)
            pick = flat.argmax(axis=2)  # (R, n)
            gain = np.take_along_axis(flat, pick[..., None], axis=2)[..., 0]
            better = gain > threshold
            rr, ii = np.arange(ra)[:, None], np.arange(n)[None, :]
            jj = pick // self.g
            moved = xa.copy()
            moved[rr, jj, ii] = t.reshape(ra, n, kg)[rr, ii, pick]
            fm, em = self.rows(moved)
            # try the improving moves together: all, the best half, quarter, and the best
            # one alone, whose value is known (its exchange ratio) and M a rank-two update
            count = better.sum(axis=1, keepdims=True)
            sizes = np.maximum(1.0, np.ceil(count * _GROUPS))  # (R, L)
            order = np.argsort(np.where(better, -gain, np.inf), axis=1)
            rank = np.argsort(order, axis=1)
            take = (rank[:, None, :] < sizes[:, :, None]) & better[:, None, :]  # (R, L, n)
            trial = np.where(take[:, :-1, None, :], fm[:, None], ft[:, None])  # (R, L-1, p, n)
            mt = trial @ trial.transpose(0, 1, 3, 2) + self.ridge
            ar = np.arange(ra)
            top = order[:, 0]
            new, old = fm[ar, :, top], ft[ar, :, top]  # (R, p)
            pair = np.stack([new, old], axis=2)  # (R, p, 2)
            one = m + (pair * _SIGNS) @ pair.transpose(0, 2, 1)
            mt = np.concatenate([mt, one[:, None]], axis=1)
            top_gain = gain[ar, top]
            single = value + (np.log1p(top_gain) if self.w is None else top_gain)
            values = np.concatenate([self.value(mt[:, :-1]), single[:, None]], axis=1)
            best = values.argmax(axis=1)
            gained = values[ar, best] > value + 1e-12
            chosen = (take[ar, best] & gained[:, None])[:, None, :]  # (R, 1, n)
            xa = np.where(chosen, moved, xa)
            x[active] = xa
            keep = np.flatnonzero(gained)
            if len(keep) < ra:
                active, xa, chosen, best = active[keep], xa[keep], chosen[keep], best[keep]
                ft, fm, mt, values = ft[keep], fm[keep], mt[keep], values[keep]
                if et is not None:
                    et, em = et[keep], em[keep]
            ft = np.where(chosen, fm, ft)
            if et is not None:
                et = np.where(chosen, em, et)
            ar = np.arange(len(keep))
            m = mt[ar, best]
            value = values[ar, best]
        return x.transpose(0, 2, 1), rounds
