"""Conference matrices (C C' = (n-1) I, zero diagonal, +-1 elsewhere) for screening designs.

Paley's construction over the finite field GF(q), q a prime power, gives order q + 1:
symmetric when q = 1 (mod 4), antisymmetric when q = 3 (mod 4). An antisymmetric
matrix S of order n doubles to [[S, S + I], [S - I, -S]] of order 2n, which covers 16,
40 and 48 as well.
"""

from __future__ import annotations

from functools import cache
from itertools import product

import numpy as np

from .factors import DesignError


def _prime_power(q: int) -> tuple[int, int] | None:
    """``(p, n)`` with ``q = p**n`` for a prime ``p``, else ``None``."""
    if q < 2:
        return None
    p = next(d for d in range(2, q + 1) if q % d == 0)
    n, r = 0, q
    while r % p == 0:
        r //= p
        n += 1
    return (p, n) if r == 1 else None


def _irreducible(p: int, n: int) -> tuple[int, ...]:
    """A monic irreducible polynomial of degree 2 or 3 over GF(p) (no roots suffices)."""
    for tail in product(range(p), repeat=n):
        coeffs = (*tail, 1)  # c0 + c1 x + ... + x^n
        if coeffs[0] == 0:
            continue
        if all(sum(c * pow(x, i, p) for i, c in enumerate(coeffs)) % p for x in range(p)):
            return coeffs
    raise DesignError(f"no irreducible polynomial of degree {n} over GF({p})")


def _field(q: int) -> tuple[np.ndarray, np.ndarray]:
    """Subtraction table and quadratic character of GF(q): ``chi[sub[a, b]]``."""
    pn = _prime_power(q)
    if pn is None:
        raise DesignError(f"{q} is not a prime power")
    p, n = pn
    if n == 1:
        elems = np.arange(q)
        sub = (elems[:, None] - elems[None, :]) % p
        squares = {(x * x) % p for x in range(1, p)}
    else:
        if n > 3:
            raise DesignError(f"GF({p}^{n}) is not implemented")
        poly = _irreducible(p, n)
        digits = np.array([[(e // p**i) % p for i in range(n)] for e in range(q)])

        def enc(d: np.ndarray) -> int:
            return int(sum(int(v) * p**i for i, v in enumerate(d)))

        def mul(a: int, b: int) -> int:
            prod = [0] * (2 * n - 1)
            for i in range(n):
                for j in range(n):
                    prod[i + j] = (prod[i + j] + digits[a][i] * digits[b][j]) % p
            for deg in range(2 * n - 2, n - 1, -1):  # reduce by the monic polynomial
                c = prod[deg]
                if c:
                    for i in range(n + 1):
                        prod[deg - n + i] = (prod[deg - n + i] - c * poly[i]) % p
            return enc(np.array(prod[:n]))

        sub = np.array([[enc((digits[a] - digits[b]) % p) for b in range(q)] for a in range(q)])
        squares = {mul(x, x) for x in range(1, q)}
    chi = np.array([0] + [1 if x in squares else -1 for x in range(1, q)])
    return sub, chi


def _paley(q: int) -> np.ndarray:
    sub, chi = _field(q)
    jac = chi[sub]
    c = np.zeros((q + 1, q + 1), dtype=int)
    c[0, 1:] = 1
    c[1:, 0] = 1 if q % 4 == 1 else -1
    c[1:, 1:] = jac
    return c


@cache
def _skew(order: int) -> np.ndarray | None:
    """An antisymmetric conference matrix of this order, if one can be built here."""
    pp = _prime_power(order - 1)
    if pp is not None and (order - 1) % 4 == 3:
        return _paley(order - 1)
    if order % 4 == 0 and order >= 8:
        half = _skew(order // 2)
        if half is not None:
            eye = np.eye(order // 2, dtype=int)
            return np.block([[half, half + eye], [half - eye, -half]])
    return None


@cache
def _conference(order: int) -> np.ndarray:
    if order < 2 or order % 2:
        raise DesignError(f"conference matrices have even order; {order} is not")
    if order == 2:
        return np.array([[0, 1], [1, 0]])
    skew = _skew(order)
    if skew is not None:
        return skew
    if _prime_power(order - 1) is not None and (order - 1) % 4 == 1:
        return _paley(order - 1)
    raise DesignError(
        f"no conference matrix of order {order} is built here (none exists for 22 or 34); "
        f"add a factor to use order {order + 2}"
    )


def conference_matrix(order: int) -> np.ndarray:
    """A conference matrix of the given even order (a fresh float copy).

    >>> c = conference_matrix(6)
    >>> (c @ c.T == 5 * np.eye(6)).all()
    np.True_
    """
    return _conference(int(order)).astype(float)
