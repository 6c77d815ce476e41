"""The monomials a polynomial model is built from, and the parts each factor enters.

A model row is a product of powers of the coded factors. Expanding points into every
monomial the model needs (its own and, for each factor, each column's monomial with that
factor taken out) takes one product per monomial, each from a monomial of one degree
less. The parts without a factor are what coordinate exchange needs: moving factor ``j``
from ``a`` to ``t`` changes a column holding ``x_j^e`` by ``(t^e - a^e)`` times that part.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .factors import Model


class Monomials:
    """The monomials a polynomial model needs, and where each factor enters them."""

    def __init__(self, exps: np.ndarray):
        exps = exps.astype(int)
        p, k = exps.shape
        zero = (0,) * k
        found = {tuple(int(v) for v in row) for row in exps} | {zero}
        stack = list(found)
        while stack:
            m = stack.pop()
            nonzero = [j for j in range(k) if m[j]]
            kids = []
            if nonzero:
                parent = list(m)
                parent[nonzero[0]] -= 1
                kids.append(tuple(parent))
            for j in nonzero:
                rest = list(m)
                rest[j] = 0
                kids.append(tuple(rest))
            for kid in kids:
                if kid not in found:
                    found.add(kid)
                    stack.append(kid)
        order = sorted(found, key=lambda m: (sum(m), m))
        pos = {m: i for i, m in enumerate(order)}
        self.size = len(order)
        self.steps: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for degree in range(1, max(sum(m) for m in order) + 1):
            cols, parents, var = [], [], []
            for m in order:
                if sum(m) != degree:
                    continue
                j = next(j for j in range(k) if m[j])
                parent = list(m)
                parent[j] -= 1
                cols.append(pos[m])
                parents.append(pos[tuple(parent)])
                var.append(j)
            self.steps.append((np.array(cols), np.array(parents), np.array(var)))
        self.model = np.array([pos[tuple(int(v) for v in row)] for row in exps])
        # when the model needs no other monomial its rows are the expansion itself, with
        # the columns reordered (which changes no criterion)
        self.identity = self.size == p
        at = self.model if self.identity else np.arange(p)
        self.degree = max(1, int(exps.max()))
        # per power e of factor j: the model columns holding x_j^e, and the monomial each
        # is x_j^e times (padded with the intercept and a zero weight)
        self.cols: list[np.ndarray] = []
        self.rest: list[np.ndarray] = []
        self.weight: list[np.ndarray | None] = []
        self.plain: list[bool] = []
        for e in range(1, self.degree + 1):
            holding = [np.flatnonzero(exps[:, j] == e) for j in range(k)]
            s = max(1, *(len(h) for h in holding))
            cols = np.zeros((k, s), dtype=int)
            rest = np.zeros((k, s), dtype=int)
            weight = np.zeros((k, s, 1))
            for j, hold in enumerate(holding):
                for t, c in enumerate(hold):
                    m = exps[c].copy()
                    m[j] = 0
                    cols[j, t] = at[c]
                    rest[j, t] = pos[tuple(int(v) for v in m)]
                    weight[j, t] = 1.0
            self.cols.append(cols)
            self.rest.append(rest)
            self.weight.append(None if weight.all() else weight)
            # a part that is the intercept alone (x_j^e by itself) needs no product
            self.plain.append(bool(weight.all() and not rest.any()))

    def expand(self, xt: np.ndarray) -> np.ndarray:
        """Every needed monomial of points given factor-first (..., k, n): (..., size, n)."""
        out = np.empty((*xt.shape[:-2], self.size, xt.shape[-1]))
        out[..., 0, :] = 1.0
        for cols, parents, var in self.steps:
            out[..., cols, :] = out[..., parents, :] * xt[..., var, :]
        return out


@lru_cache(maxsize=32)
def _monomials(shape: tuple[int, int], data: bytes) -> Monomials:
    return Monomials(np.frombuffer(data, dtype=float).reshape(shape))


def monomials(model: Model) -> Monomials | None:
    """The monomial structure of a polynomial model (None with effects-coded factors)."""
    exps = model.exponents()
    if exps is None or not len(exps):
        return None
    exps = np.ascontiguousarray(exps, dtype=float)
    return _monomials(exps.shape, exps.tobytes())


def model_rows(model: Model, points: np.ndarray) -> np.ndarray:
    """The model matrix of coded points (N, k), by monomial expansion where it can."""
    mono = monomials(model)
    if mono is None:
        return model.matrix(points)
    return mono.expand(np.asarray(points, dtype=float).T)[mono.model].T
