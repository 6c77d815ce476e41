"""Compiled coordinate exchange for polynomial models, one move at a time.

Meyer and Nachtsheim's (1995) coordinate exchange as they state it, compiled with numba:
for each random start, go over the runs ``i`` and, within a run, the factors ``j``; try
every candidate value ``t`` of coordinate ``(i, j)`` (a grid clipped to the interval
``A x <= b`` leaves it with the other coordinates held, for a continuous factor; the
levels that keep the run feasible, for a discrete or categorical one), make the best
move if it improves the criterion by more than the tolerance, and go on from the
changed design. A start ends once ``n`` runs in a row, every run once, have been tried
without a move (the classic last pass, stopped where it has seen every run): a local
optimum, where no single coordinate move improves the design.

Column ``c`` of a model row is ``prod_l x_l^E[c, l]``. Moving coordinate ``j`` of run
``i`` from ``a`` to ``t`` changes only the columns with ``e = E[c, j] > 0``, each by
``rest_c (t^e - a^e)``, ``rest_c`` the product of the other factors' powers. With
``delta = sum_e (t^e - a^e) y_e`` (``y_e`` holds ``rest_c`` in the columns of power
``e``), Fedorov's determinant ratio

    (1 + d(f)) (1 - d(f_i)) + d(f, f_i)^2 = 1 + l (2 + l) + (1 - d_i) q,
    l = delta' M^-1 f_i,  q = delta' M^-1 delta,  d_i = f_i' M^-1 f_i,

needs only ``y_e' v`` (``v = M^-1 f_i``, once per run) and ``y_e' M^-1 y_g`` over the
few changed columns (seven for a full quadratic in six factors); then each candidate
value costs a few multiplications. For the I criterion (the smallest ``trace(M^-1 W)``,
``W`` the region's moment matrix) the same forms of ``B = M^-1 W M^-1`` give the
rank-two Woodbury change of the trace.

A move updates ``M^-1`` (and ``B``) by the rank-two Woodbury formula for
``M + f f' - f_i f_i'``; both are formed afresh from the model matrix at the start of
a pass once ``_REFRESH`` updates have been made since they last were (so every pass
while a start still moves a lot), and after a move that multiplies ``det M`` by more
than ``_BIG`` (leaving a nearly singular start, where an update would lose accuracy), so
rounding does not accumulate. ``M`` carries the array-code path's small ridge (``1e-8 n I``), so a
singular start has a finite inverse to begin from. Sums are compiled with reassociation
allowed (vectorised): the last bits of a result may differ between machines, as with any
BLAS. The exchange is deterministic; the random starts are made by the caller.
"""

from __future__ import annotations

from functools import lru_cache

import numba
import numpy as np

# re-invert M after a move that multiplies det M by more than this
_BIG = 1e4
# form M^-1 afresh at the start of a pass once this many rank-two updates have been made
# since it was last formed: every pass while a start is moving a lot, and not for the
# last, quiet passes, whose few updates cannot make rounding matter
_REFRESH = 32
# reassociation lets the compiler vectorise sums; no assumption about NaN or infinity is
# made (a NaN score must still lose every comparison)
_FAST = {"reassoc", "contract", "nsz", "arcp"}
_JIT = {"cache": True, "fastmath": _FAST, "error_model": "numpy"}


@numba.njit(**_JIT)
def _row(x, cptr, cfac, cexp, out):  # type: ignore[no-untyped-def]
    """The model row of one point ``x`` (k,) into ``out`` (p,)."""
    for c in range(len(cptr) - 1):
        v = 1.0
        for s in range(cptr[c], cptr[c + 1]):
            for _ in range(cexp[s]):
                v *= x[cfac[s]]
        out[c] = v


@numba.njit(**_JIT)
def _rows(points_t, cptr, cfac, cexp):  # type: ignore[no-untyped-def]
    """The model matrix, transposed (p, N), of points given factor-first (k, N)."""
    n = points_t.shape[1]
    p = len(cptr) - 1
    out = np.empty((p, n))
    for c in range(p):
        row = out[c]
        row[:] = 1.0
        for s in range(cptr[c], cptr[c + 1]):
            x = points_t[cfac[s]]
            for _ in range(cexp[s]):
                for i in range(n):
                    row[i] *= x[i]
    return out


@numba.njit(**_JIT)
def _moments(points_t, cptr, cfac, cexp):  # type: ignore[no-untyped-def]
    """The mean of f(x) f(x)' (p, p) over points given factor-first (k, N), from the
    model rows of blocks of points (no (N, p) array is formed)."""
    n = points_t.shape[1]
    p = len(cptr) - 1
    size = 256
    m = np.zeros((p, p))
    rows = np.empty((p, size))
    for i0 in range(0, n, size):
        nb = min(size, n - i0)
        for c in range(p):
            row = rows[c]
            row[:nb] = 1.0
            for s in range(cptr[c], cptr[c + 1]):
                x = points_t[cfac[s]]
                for _ in range(cexp[s]):
                    for i in range(nb):
                        row[i] *= x[i0 + i]
        for a in range(p):
            for b in range(a, p):
                acc = 0.0
                for i in range(nb):
                    acc += rows[a, i] * rows[b, i]
                m[a, b] += acc
    for a in range(p):
        for b in range(a, p):
            m[a, b] /= max(n, 1)
            m[b, a] = m[a, b]
    return m


@numba.njit(**_JIT)
def _keep(xt, a, b, out, have):  # type: ignore[no-untyped-def]
    """Copy the points (columns) of ``xt`` (k, m) with ``a x <= b + 1e-9`` into ``out``
    (k, n) from column ``have`` on, until it is full; returns the new count."""
    k, m = xt.shape
    n = out.shape[1]
    for i in range(m):
        if have == n:
            break
        ok = True
        for c in range(len(b)):
            acc = 0.0
            for j in range(k):
                acc += a[c, j] * xt[j, i]
            if not acc <= b[c] + 1e-9:
                ok = False
                break
        if ok:
            for j in range(k):
                out[j, have] = xt[j, i]
            have += 1
    return have


@numba.njit(**_JIT)
def _invert(m, out, row):  # type: ignore[no-untyped-def]
    """out = m^-1 for a symmetric positive definite m, by Gauss-Jordan sweeps (the
    pivots are positive, so none is needed); ``row`` is scratch (p,)."""
    p = m.shape[0]
    out[:, :] = m
    for q in range(p):
        piv = 1.0 / out[q, q]
        for g in range(p):
            row[g] = out[q, g]
        for e in range(p):
            if e != q:
                fac = out[e, q] * piv
                for g in range(p):
                    out[e, g] -= fac * row[g]
                out[e, q] = -fac
        for g in range(p):
            out[q, g] = row[g] * piv
        out[q, q] = piv


@numba.njit(**_JIT)
def _refresh(f, ridge, w, icrit, minv, bmat, row):  # type: ignore[no-untyped-def]
    """M^-1 = (F'F + ridge I)^-1 and, for I, B = M^-1 W M^-1; returns trace(M^-1 W)."""
    p = f.shape[1]
    m = f.T @ f
    for a in range(p):
        m[a, a] += ridge
    _invert(m, minv, row)
    if not icrit:
        return 0.0
    bmat[:, :] = minv @ w @ minv
    trace = 0.0
    for a in range(p):
        for b in range(p):
            trace += minv[a, b] * w[b, a]
    return trace


@numba.njit(inline="always", **_JIT)
def _times(mat, x, out):  # type: ignore[no-untyped-def]
    """out = mat @ x, four rows at a time; returns x' out."""
    p = len(x)
    quad = 0.0
    a = 0
    while a + 4 <= p:
        s0 = s1 = s2 = s3 = 0.0
        for b in range(p):
            xb = x[b]
            s0 += mat[a, b] * xb
            s1 += mat[a + 1, b] * xb
            s2 += mat[a + 2, b] * xb
            s3 += mat[a + 3, b] * xb
        out[a], out[a + 1], out[a + 2], out[a + 3] = s0, s1, s2, s3
        quad += x[a] * s0 + x[a + 1] * s1 + x[a + 2] * s2 + x[a + 3] * s3
        a += 4
    for c in range(a, p):
        s0 = 0.0
        for b in range(p):
            s0 += mat[c, b] * x[b]
        out[c] = s0
        quad += x[c] * s0
    return quad


@numba.njit(inline="always", **_JIT)
def _forms(mat, vec, rest, cols, grp, deg, z, lin, quad):  # type: ignore[no-untyped-def]
    """z_e = mat y_e, lin[e] = y_e' vec and quad[e, g] = y_e' mat y_g, for the powers
    e = 1..deg of one factor: ``y_e`` holds ``rest`` in the columns of power e, which
    are ``cols[grp[e]:grp[e + 1]]``. ``mat`` is symmetric: its row c is its column c."""
    p = len(vec)
    for e in range(1, deg + 1):
        ze = z[e]
        s0, s1 = grp[e], grp[e + 1]
        if s0 == s1:
            ze[:] = 0.0
            lin[e] = 0.0
            continue
        c, rs = cols[s0], rest[s0]
        acc = rs * vec[c]
        for g in range(p):
            ze[g] = rs * mat[c, g]
        for s in range(s0 + 1, s1):
            c, rs = cols[s], rest[s]
            acc += rs * vec[c]
            for g in range(p):
                ze[g] += rs * mat[c, g]
        lin[e] = acc
    for e in range(1, deg + 1):
        for g in range(e, deg + 1):
            acc = 0.0
            for s in range(grp[e], grp[e + 1]):
                acc += rest[s] * z[g, cols[s]]
            quad[e, g] = acc
            quad[g, e] = acc


@numba.njit(inline="always", **_JIT)
def _apply(quad, lin, alpha, deg):  # type: ignore[no-untyped-def]
    """(sum_e alpha_e lin_e, sum_eg alpha_e alpha_g quad_eg)."""
    la = 0.0
    qa = 0.0
    for e in range(1, deg + 1):
        la += alpha[e] * lin[e]
        qa += alpha[e] * alpha[e] * quad[e, e]
        for g in range(e + 1, deg + 1):
            qa += 2.0 * alpha[e] * alpha[g] * quad[e, g]
    return la, qa


@numba.njit(inline="always", **_JIT)
def _differences(t, a, deg, alpha):  # type: ignore[no-untyped-def]
    """alpha[e] = t^e - a^e for e = 1..deg: how a move from a to t changes each power."""
    tp, ap = 1.0, 1.0
    for e in range(1, deg + 1):
        tp *= t
        ap *= a
        alpha[e] = tp - ap


@numba.njit(inline="always", **_JIT)
def _powers(xi, pw):  # type: ignore[no-untyped-def]
    """pw[l, e] = x_l^e for one run (its rows past the factors are left alone)."""
    for j in range(len(xi)):
        pw[j, 0] = 1.0
        for e in range(1, pw.shape[1]):
            pw[j, e] = pw[j, e - 1] * xi[j]


@numba.njit(**_JIT)
def _exchange(  # type: ignore[no-untyped-def]
    x0,
    table,
    nvals,
    continuous,
    constrained,
    a,
    b,
    cptr,
    cfac,
    cexp,
    jgrp,
    jcol,
    rfac,
    rexp,
    w,
    icrit,
    ridge,
    tol,
    max_passes,
):
    n_starts, n, k = x0.shape
    p = len(cptr) - 1
    n_con = len(b)
    top = jgrp.shape[1] - 2  # the highest power of any factor
    out = x0.copy()
    passes = np.zeros(n_starts, np.int64)
    moves = np.zeros(n_starts, np.int64)
    gained = np.zeros(n_starts)
    f = np.empty((n, p))
    minv = np.empty((p, p))
    bmat = np.empty((p, p)) if icrit else np.empty((1, 1))
    ax = np.empty((n, n_con))
    v, bt, fnew, u = np.empty(p), np.empty(p), np.empty(p), np.empty(p)
    hb, gs0, gs1 = np.empty(p), np.empty(p), np.empty(p)
    z, zb = np.zeros((top + 1, p)), np.zeros((top + 1, p))
    lin, linb, alpha = np.zeros(top + 1), np.zeros(top + 1), np.zeros(top + 1)
    quad, quadb = np.zeros((top + 1, top + 1)), np.zeros((top + 1, top + 1))
    pw = np.ones((k + 1, top + 1))  # row k stays 1: the padding of rfac points there
    rest = np.empty(max(len(jcol), 1))
    for r in range(n_starts):
        x = out[r]
        for i in range(n):
            _row(x[i], cptr, cfac, cexp, f[i])
            for cc in range(n_con):
                acc = 0.0
                for j in range(k):
                    acc += a[cc, j] * x[i, j]
                ax[i, cc] = acc
        # a start ends when n runs in a row (every run once, the last one moved included)
        # have been tried without a move: the design is then a local optimum
        quiet = 0
        updates = _REFRESH  # rank-two updates since M^-1 was formed afresh: form it now
        trace = 0.0
        while quiet < n and passes[r] < max_passes:
            passes[r] += 1
            if updates >= _REFRESH:
                trace = _refresh(f, ridge, w, icrit, minv, bmat, u)
                updates = 0
            for i in range(n):
                moved = False
                d = _times(minv, f[i], v)
                t22 = _times(bmat, f[i], bt) if icrit else 0.0
                _powers(x[i], pw)
                for j in range(k):
                    grp = jgrp[j]
                    s0, s1 = grp[1], grp[top + 1]
                    if s0 == s1:
                        continue
                    dj = top
                    while grp[dj] == grp[dj + 1]:
                        dj -= 1
                    xj = x[i, j]
                    for s in range(s0, s1):
                        rv = pw[rfac[s, 0], rexp[s, 0]]
                        for q in range(1, rfac.shape[1]):
                            rv *= pw[rfac[s, q], rexp[s, q]]
                        rest[s] = rv
                    _forms(minv, v, rest, jcol, grp, dj, z, lin, quad)
                    if icrit:
                        _forms(bmat, bt, rest, jcol, grp, dj, zb, linb, quadb)
                    lo, hi = -1.0, 1.0
                    if constrained[j]:
                        for cc in range(n_con):
                            acj = a[cc, j]
                            if acj > 1e-15:
                                hi = min(hi, xj + (b[cc] - ax[i, cc]) / acj)
                            elif acj < -1e-15:
                                lo = max(lo, xj + (b[cc] - ax[i, cc]) / acj)
                    best = tol * max(1.0, trace) if icrit else tol
                    found = False
                    best_t = xj
                    for q in range(nvals[j]):
                        t = table[j, q]
                        if continuous[j]:
                            t = min(max(t, lo), hi)
                        elif constrained[j] and (t < lo - 1e-9 or t > hi + 1e-9):
                            continue
                        if t == xj:
                            continue
                        if dj == 1:
                            a1 = t - xj
                            la = a1 * lin[1]
                            qa = a1 * a1 * quad[1, 1]
                        elif dj == 2:
                            a1 = t - xj
                            a2 = t * t - xj * xj
                            la = a1 * lin[1] + a2 * lin[2]
                            qa = (
                                a1 * (a1 * quad[1, 1] + 2.0 * a2 * quad[1, 2])
                                + a2 * a2 * quad[2, 2]
                            )
                        else:
                            _differences(t, xj, dj, alpha)
                            la, qa = _apply(quad, lin, alpha, dj)
                        if not icrit:
                            score = la * (2.0 + la) + (1.0 - d) * qa
                        else:
                            s12 = d + la
                            s11 = s12 + la + qa + 1.0
                            s22 = d - 1.0
                            det = s11 * s22 - s12 * s12
                            if -det <= 1e-6:  # (nearly) singular after the move
                                continue
                            _differences(t, xj, dj, alpha)
                            lb, qb = _apply(quadb, linb, alpha, dj)
                            t12 = t22 + lb
                            t11 = t12 + lb + qb
                            score = (s22 * t11 - 2.0 * s12 * t12 + s11 * t22) / det
                        if score > best:
                            best = score
                            best_t = t
                            found = True
                    if not found:
                        continue
                    # the move: f_i -> fnew = f_i + delta, delta = sum_e alpha_e y_e
                    moved = True
                    moves[r] += 1
                    updates += 1
                    gained[r] += best if icrit else np.log1p(best)
                    _differences(best_t, xj, dj, alpha)
                    fnew[:] = f[i]
                    u[:] = v  # M^-1 fnew = v + sum_e alpha_e z_e
                    for e in range(1, dj + 1):
                        ae = alpha[e]
                        for s in range(grp[e], grp[e + 1]):
                            fnew[jcol[s]] += rest[s] * ae
                        for g in range(p):
                            u[g] += ae * z[e, g]
                    df = 0.0
                    dfg = 0.0
                    for g in range(p):
                        df += fnew[g] * u[g]
                        dfg += fnew[g] * v[g]
                    # Woodbury: M^-1 -= G S G', G = [u v], S = K^-1,
                    # K = [[1 + d(f), d(f, f_i)], [d(f, f_i), d(f_i) - 1]], det K = -ratio
                    detk = (1.0 + df) * (d - 1.0) - dfg * dfg
                    s11 = (d - 1.0) / detk
                    s12 = -dfg / detk
                    s22 = (1.0 + df) / detk
                    for g in range(p):
                        gs0[g] = u[g] * s11 + v[g] * s12
                        gs1[g] = u[g] * s12 + v[g] * s22
                    if icrit:
                        # B -= G S H' + H S G' - G P G', H = B [fnew f_i] = [hb bt],
                        # P = S T S, T = [fnew f_i]' B [fnew f_i]
                        hb[:] = bt
                        for e in range(1, dj + 1):
                            for g in range(p):
                                hb[g] += alpha[e] * zb[e, g]
                        tff = 0.0
                        tfg = 0.0
                        for g in range(p):
                            tff += fnew[g] * hb[g]
                            tfg += fnew[g] * bt[g]
                        m00 = s11 * tff + s12 * tfg
                        m01 = s11 * tfg + s12 * t22
                        m10 = s12 * tff + s22 * tfg
                        m11 = s12 * tfg + s22 * t22
                        p00 = m00 * s11 + m01 * s12
                        p01 = m00 * s12 + m01 * s22
                        p11 = m10 * s12 + m11 * s22
                        for e in range(p):
                            for g in range(p):
                                bmat[e, g] += (
                                    -(gs0[e] * hb[g] + gs1[e] * bt[g])
                                    - (hb[e] * gs0[g] + bt[e] * gs1[g])
                                    + u[e] * (p00 * u[g] + p01 * v[g])
                                    + v[e] * (p01 * u[g] + p11 * v[g])
                                )
                        trace -= best
                    for e in range(p):
                        for g in range(p):
                            minv[e, g] -= gs0[e] * u[g] + gs1[e] * v[g]
                    x[i, j] = best_t
                    f[i, :] = fnew
                    pw[j, 0] = 1.0
                    for e in range(1, top + 1):
                        pw[j, e] = pw[j, e - 1] * best_t
                    for cc in range(n_con):
                        ax[i, cc] += a[cc, j] * (best_t - xj)
                    if -detk > _BIG:
                        trace = _refresh(f, ridge, w, icrit, minv, bmat, u)
                        updates = 0
                        d = _times(minv, f[i], v)
                    else:
                        # M^-1 fnew after the update: u - G S G' fnew
                        d = 0.0
                        for g in range(p):
                            v[g] = u[g] - gs0[g] * df - gs1[g] * dfg
                            d += fnew[g] * v[g]
                    if icrit:
                        t22 = _times(bmat, f[i], bt)
                quiet = 0 if moved else quiet + 1
                if quiet == n:
                    break
    return out, passes, moves, gained


def _f64(v: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(v, dtype=np.float64)


def _structure(exps: np.ndarray) -> tuple[np.ndarray, ...]:
    """:func:`_sparse` of an exponent matrix, cached."""
    e = np.ascontiguousarray(np.rint(exps), dtype=np.int64)
    return _sparse(e.shape, e.tobytes())


@lru_cache(maxsize=32)
def _sparse(shape: tuple[int, int], data: bytes) -> tuple[np.ndarray, ...]:
    """Sparse forms of an exponent matrix (p, k).

    Per column its factors and their powers: ``cfac[cptr[c]:cptr[c + 1]]``, ``cexp``.
    Per factor ``j`` the columns holding it, grouped by its power there: the columns
    holding ``x_j^e`` are ``jcol[jgrp[j, e]:jgrp[j, e + 1]]`` (``jgrp`` is (k, D + 2),
    ``D`` the highest power of any factor); for each such entry ``s`` the column's other
    factors and their powers, ``rfac[s]`` and ``rexp[s]``, padded with factor ``k`` and
    power 0.
    """
    e = np.frombuffer(data, dtype=np.int64).reshape(shape)
    p, k = e.shape
    c, fac = np.nonzero(e)
    cptr = np.searchsorted(c, np.arange(p + 1))
    top = max(1, int(e.max()) if e.size else 1)
    fj, col = np.nonzero(e.T)
    power = e[col, fj]
    order = np.lexsort((col, power, fj))  # by factor, then power, then column
    fj, col, power = fj[order], col[order], power[order]
    key = fj * (top + 2) + power
    jgrp = np.searchsorted(key, np.arange(k)[:, None] * (top + 2) + np.arange(top + 2))
    jgrp[:, 0] = jgrp[:, 1]
    # the other factors of each entry's column, padded with factor k (whose powers are 1)
    width = max(1, int((e > 0).sum(axis=1).max(initial=1)) - 1)
    other = e[col].copy()  # (entries, k)
    other[np.arange(len(col)), fj] = 0
    at = np.argsort(other == 0, axis=1, kind="stable")[:, :width]  # the nonzero ones first
    power_at = np.take_along_axis(other, at, axis=1)
    rfac, rexp = np.where(power_at > 0, at, k), power_at
    parts = (cptr, fac, e[c, fac], jgrp, col, rfac, rexp)
    return tuple(np.ascontiguousarray(v, dtype=np.int64) for v in parts)


def model_matrix(exps: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The model matrix (N, p) of coded points (N, k) for monomial exponents (p, k)."""
    cptr, cfac, cexp, *_ = _structure(exps)
    return _rows(_f64(np.asarray(points, dtype=np.float64).T), cptr, cfac, cexp).T


def moments(exps: np.ndarray, points_t: np.ndarray) -> np.ndarray:
    """E[f(x) f(x)'] (p, p), the mean over points given factor-first (k, N), for the
    monomial exponents ``exps`` (p, k)."""
    cptr, cfac, cexp, *_ = _structure(exps)
    return _moments(_f64(points_t), cptr, cfac, cexp)


def keep_feasible(xt: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray, have: int) -> int:
    """Append the points (columns) of ``xt`` (k, m) that satisfy ``a x <= b`` (within
    1e-9, as :meth:`Region.feasible` tests) to ``out`` (k, n) from column ``have``, until
    ``out`` is full; returns how many columns of ``out`` are filled."""
    a = _f64(a).reshape(-1, xt.shape[0])
    return int(_keep(_f64(xt), a, _f64(b).reshape(-1), out, int(have)))


def coordinate_exchange(
    starts: np.ndarray,
    exps: np.ndarray,
    table: np.ndarray,
    nvals: np.ndarray,
    continuous: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    ridge: float = 0.0,
    tol: float = 1e-9,
    max_passes: int = 200,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coordinate exchange from each starting design: designs, passes, moves and the
    gain the moves were scored at, summed (log det M for D, trace(M^-1 W) for I), per
    start.

    ``starts`` (R, n, k) are feasible coded designs; ``exps`` (p, k) the model's
    monomial exponents; ``table`` (k, g) each factor's candidate values, of which the
    first ``nvals[j]`` are used; ``continuous`` (k,) which factors are continuous (their
    candidates are clipped to the feasible interval; the others' candidates outside it
    are skipped); ``a`` (C, k) and ``b`` (C,) the linear constraints ``a x <= b`` in
    coded units. ``weights`` (p, p), the moment matrix ``W``, selects the I criterion
    (minimise ``trace(M^-1 W)``); without it the criterion is D. ``ridge`` is added to
    the diagonal of ``M``; a move is made when it raises det M by a factor of more than
    ``1 + tol`` (D) or lowers the trace by more than ``tol max(1, trace)`` (I).
    """
    a = _f64(a).reshape(-1, starts.shape[2])
    constrained = (np.abs(a) > 1e-15).any(axis=0)
    icrit = weights is not None
    out, passes, moves, gained = _exchange(
        _f64(starts),
        _f64(table),
        np.ascontiguousarray(nvals, dtype=np.int64),
        np.ascontiguousarray(continuous, dtype=np.bool_),
        constrained,
        a,
        _f64(b).reshape(-1),
        *_structure(exps),
        _f64(weights if icrit else np.zeros((1, 1))),
        icrit,
        float(ridge),
        float(tol),
        int(max_passes),
    )
    return out, passes, moves, gained
