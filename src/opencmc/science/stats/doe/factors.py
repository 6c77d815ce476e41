"""Factors of an experiment, their coding, constraints between them, and model terms."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validation import StatsInputError

Kind = Literal["continuous", "discrete", "categorical", "mixture"]
KINDS = ("continuous", "discrete", "categorical", "mixture")

# Coded values may stray this far past +-1 (rounding in a run sheet) before it is an error.
_RANGE_SLACK = 1e-6


class DesignError(StatsInputError):
    """A design cannot be built as asked (too few runs, no such design, bad generator)."""


class OutOfRangeError(StatsInputError):
    """A factor value lies outside the factor's declared range or levels."""


class AliasedTermsError(StatsInputError):
    """Terms requested together in one model are aliased (not separately estimable)."""


@dataclass(frozen=True)
class Factor:
    """One experimental factor.

    ``continuous`` factors have ``low`` and ``high`` in actual units and are coded to
    -1..+1; ``discrete`` factors are numeric with fixed ``levels`` (coded on their
    min..max); ``categorical`` factors have labelled ``levels`` (two levels code to
    -1/+1, more get effects coding in a model); ``mixture`` components are proportions
    with ``low``/``high`` bounds inside 0..1 and are not coded.

    >>> t = Factor("T", 160, 180, units="°C")
    >>> t.to_coded([160, 170, 180]).tolist()
    [-1.0, 0.0, 1.0]
    >>> t.to_actual([0.5]).tolist()
    [175.0]
    """

    name: str
    low: float | None = None
    high: float | None = None
    units: str = ""
    kind: Kind = "continuous"
    levels: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise StatsInputError("a factor needs a non-empty name")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", self.name):
            raise StatsInputError(
                f"factor name {self.name!r} must start with a letter and hold only letters, "
                "digits, '_' or '.' (it is used in term names such as A:B)"
            )
        if self.kind not in KINDS:
            raise StatsInputError(
                f"factor {self.name!r}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}"
            )
        object.__setattr__(self, "levels", tuple(self.levels))
        if self.kind == "categorical":
            if len(self.levels) < 2 or len(set(self.levels)) != len(self.levels):
                raise StatsInputError(
                    f"factor {self.name!r}: a categorical factor needs at least two distinct levels"
                )
            return
        if self.kind == "discrete":
            if len(self.levels) < 2:
                raise StatsInputError(f"factor {self.name!r}: a discrete factor needs levels")
            try:
                lv = tuple(sorted(float(v) for v in self.levels))
            except (TypeError, ValueError) as exc:
                raise StatsInputError(
                    f"factor {self.name!r}: discrete levels must be numbers"
                ) from exc
            if len(set(lv)) != len(lv):
                raise StatsInputError(f"factor {self.name!r}: discrete levels repeat")
            object.__setattr__(self, "levels", lv)
            object.__setattr__(self, "low", lv[0])
            object.__setattr__(self, "high", lv[-1])
            return
        if self.low is None or self.high is None:
            raise StatsInputError(f"factor {self.name!r}: low and high are required")
        low, high = float(self.low), float(self.high)
        if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
            raise StatsInputError(
                f"factor {self.name!r}: low ({self.low}) must be below high ({self.high})"
            )
        if self.kind == "mixture" and not (low >= 0.0 and high <= 1.0):
            raise StatsInputError(
                f"factor {self.name!r}: mixture bounds are proportions within 0..1"
            )
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @property
    def numeric(self) -> bool:
        return self.kind != "categorical"

    @property
    def centre(self) -> float:
        return (float(self.low) + float(self.high)) / 2.0  # type: ignore[arg-type]

    @property
    def half_range(self) -> float:
        return (float(self.high) - float(self.low)) / 2.0  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        """Name with units, as a run-sheet column heading."""
        return f"{self.name} ({self.units})" if self.units else self.name

    def to_coded(
        self, values: Any, row_labels: Sequence[Any] | None = None, limit: float = 1.0
    ) -> np.ndarray:
        """Actual values to coded units, raising :class:`OutOfRangeError` naming the row.

        Categorical levels code to evenly spaced positions in -1..+1 (the first level is
        -1, the last +1); mixture proportions are returned as they are. ``limit`` is how
        far from the centre, in coded units, a value may lie (the axial distance of a
        circumscribed central composite design, for one).
        """
        vals = list(values) if not isinstance(values, np.ndarray) else values.tolist()
        labels = list(row_labels) if row_labels is not None else list(range(len(vals)))
        if self.kind == "categorical":
            index = {lv: i for i, lv in enumerate(self.levels)}
            index.update({str(lv): i for i, lv in enumerate(self.levels)})
            out = np.empty(len(vals))
            n = len(self.levels) - 1
            for i, v in enumerate(vals):
                key = v if v in index else str(v)
                if key not in index:
                    raise OutOfRangeError(
                        f"factor {self.name!r}, row {labels[i]}: {v!r} is not one of its levels "
                        f"{', '.join(map(repr, self.levels))}"
                    )
                out[i] = -1.0 + 2.0 * index[key] / n
            return out
        arr = pd.to_numeric(pd.Series(vals, dtype=object), errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            i = int(bad[0])
            raise OutOfRangeError(
                f"factor {self.name!r}, row {labels[i]}: {vals[i]!r} is not a number"
            )
        if self.kind == "mixture":
            coded = arr
            low, high = float(self.low), float(self.high)  # type: ignore[arg-type]
            outside = np.flatnonzero((arr < low - _RANGE_SLACK) | (arr > high + _RANGE_SLACK))
        else:
            coded = (arr - self.centre) / self.half_range
            outside = np.flatnonzero(np.abs(coded) > limit + _RANGE_SLACK)
        if self.kind == "discrete":
            lv = np.asarray(self.levels, dtype=float)
            off = np.flatnonzero(np.min(np.abs(arr[:, None] - lv[None, :]), axis=1) > 1e-9)
            if off.size:
                i = int(off[0])
                raise OutOfRangeError(
                    f"factor {self.name!r}, row {labels[i]}: {vals[i]!r} is not one of its "
                    f"levels {', '.join(f'{v:g}' for v in self.levels)}"
                )
        if outside.size:
            i = int(outside[0])
            lo, hi = (
                (self.low, self.high) if self.kind == "mixture" else self.to_actual([-limit, limit])
            )
            raise OutOfRangeError(
                f"factor {self.name!r}, row {labels[i]}: {vals[i]!r} is outside its declared "
                f"range {lo:g} to {hi:g}{' ' + self.units if self.units else ''}"
            )
        return coded

    def to_actual(self, coded: Any) -> np.ndarray:
        """Coded values back to actual units (categorical: the nearest level's label)."""
        arr = np.asarray(coded, dtype=float)
        if self.kind == "categorical":
            n = len(self.levels) - 1
            idx = np.clip(np.rint((arr + 1.0) * n / 2.0).astype(int), 0, n)
            return np.array([self.levels[i] for i in idx.ravel()], dtype=object)
        if self.kind == "mixture":
            return arr.copy()
        return self.centre + self.half_range * arr

    def coded_levels(self) -> np.ndarray:
        """The coded positions of a discrete or categorical factor's levels."""
        if self.kind == "categorical":
            n = len(self.levels) - 1
            return -1.0 + 2.0 * np.arange(n + 1) / n
        if self.kind == "discrete":
            return (np.asarray(self.levels, dtype=float) - self.centre) / self.half_range
        raise StatsInputError(f"factor {self.name!r} is {self.kind}: it has no fixed levels")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "low": self.low,
            "high": self.high,
            "units": self.units,
            "kind": self.kind,
            "levels": list(self.levels),
        }


def make_factors(spec: Iterable[Any]) -> tuple[Factor, ...]:
    """Factors from :class:`Factor` objects, dicts, ``(name, low, high)`` tuples or names.

    A bare name gives a continuous factor coded -1..+1 (low -1, high +1).
    """
    out: list[Factor] = []
    for item in spec:
        if isinstance(item, Factor):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(Factor(**dict(item)))
        elif isinstance(item, str):
            out.append(Factor(item, -1.0, 1.0))
        elif isinstance(item, Sequence):
            out.append(Factor(*item))
        else:
            raise StatsInputError(f"cannot make a factor from {item!r}")
    names = [f.name for f in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise StatsInputError(f"factor names must be unique; repeated: {', '.join(dup)}")
    if not out:
        raise StatsInputError("at least one factor is needed")
    return tuple(out)


# --- constraints ---------------------------------------------------------------------


@dataclass(frozen=True)
class LinearConstraint:
    """``sum(coefficients[name] * actual value) <= bound`` (``>=`` is stored negated).

    Parse one from text with :func:`parse_constraint`: ``"T + 2*t <= 230"``.
    """

    coefficients: tuple[tuple[str, float], ...]
    bound: float
    text: str = ""

    def coded(self, factors: Sequence[Factor]) -> tuple[np.ndarray, float]:
        """The same constraint on coded values: ``a @ x_coded <= b``."""
        index = {f.name: i for i, f in enumerate(factors)}
        a = np.zeros(len(factors))
        b = float(self.bound)
        for name, c in self.coefficients:
            if name not in index:
                raise StatsInputError(f"constraint {self.text or self}: no factor named {name!r}")
            f = factors[index[name]]
            if not f.numeric:
                raise StatsInputError(
                    f"constraint {self.text}: factor {name!r} is categorical; "
                    "use a disallowed combination instead"
                )
            if f.kind == "mixture":
                a[index[name]] += c
            else:
                # actual = centre + half * coded
                a[index[name]] += c * f.half_range
                b -= c * f.centre
        return a, b


_TERM = re.compile(r"\s*([+-]?)\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*\*?\s*)?([A-Za-z_][\w.]*)")


def parse_constraint(text: str) -> LinearConstraint:
    """Parse ``"a*X + b*Y <= c"`` (or ``>=``) into a :class:`LinearConstraint`.

    >>> parse_constraint("T + 0.5*t <= 200").coefficients
    (('T', 1.0), ('t', 0.5))
    """
    m = re.fullmatch(r"(.+?)(<=|>=)(.+)", text.strip())
    if not m:
        raise StatsInputError(f"constraint {text!r}: expected 'expression <= number' or '>='")
    lhs, op, rhs = m.group(1), m.group(2), m.group(3)
    try:
        bound = float(rhs)
    except ValueError as exc:
        raise StatsInputError(f"constraint {text!r}: right-hand side must be a number") from exc
    coefs: dict[str, float] = {}
    pos = 0
    lhs = lhs.strip()
    while pos < len(lhs):
        t = _TERM.match(lhs, pos)
        if not t or t.end() == pos:
            raise StatsInputError(f"constraint {text!r}: cannot read {lhs[pos:]!r}")
        sign = -1.0 if t.group(1) == "-" else 1.0
        value = float(t.group(2)) if t.group(2) else 1.0
        coefs[t.group(3)] = coefs.get(t.group(3), 0.0) + sign * value
        pos = t.end()
        while pos < len(lhs) and lhs[pos].isspace():
            pos += 1
    if op == ">=":
        return LinearConstraint(tuple((k, -v) for k, v in coefs.items()), -bound, text)
    return LinearConstraint(tuple(coefs.items()), bound, text)


@dataclass(frozen=True)
class Region:
    """Factors with the constraints that shape the region an experiment may explore.

    ``disallowed`` lists combinations that must not be run, each a mapping of factor name
    to a level (categorical or discrete) or to ``(low, high)`` (an interval of a numeric
    factor, in actual units).
    """

    factors: tuple[Factor, ...]
    constraints: tuple[LinearConstraint, ...] = ()
    disallowed: tuple[Mapping[str, Any], ...] = ()
    _a: np.ndarray = field(init=False, repr=False)
    _b: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "factors", make_factors(self.factors))
        cons = tuple(
            parse_constraint(c) if isinstance(c, str) else c for c in (self.constraints or ())
        )
        object.__setattr__(self, "constraints", cons)
        names = set(self.names)
        for combo in self.disallowed:
            unknown = [k for k in combo if k not in names]
            if unknown:
                raise StatsInputError(
                    f"disallowed combination {dict(combo)}: no factor named {unknown[0]!r}"
                )
        object.__setattr__(self, "disallowed", tuple(dict(d) for d in self.disallowed))
        if cons:
            rows = [c.coded(self.factors) for c in cons]
            a = np.array([r[0] for r in rows])
            b = np.array([r[1] for r in rows])
        else:
            a, b = np.zeros((0, len(self.factors))), np.zeros(0)
        object.__setattr__(self, "_a", a)
        object.__setattr__(self, "_b", b)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    @property
    def is_mixture(self) -> bool:
        return any(f.kind == "mixture" for f in self.factors)

    def linear_coded(self) -> tuple[np.ndarray, np.ndarray]:
        """The linear constraints on coded values as ``A @ x <= b``."""
        return self._a, self._b

    def feasible(self, coded: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """Which rows of a coded matrix satisfy every constraint."""
        x = np.atleast_2d(np.asarray(coded, dtype=float))
        ok = np.ones(len(x), dtype=bool)
        if len(self._b):
            ok &= np.all(x @ self._a.T <= self._b + tol, axis=1)
        for combo in self.disallowed:
            hit = np.ones(len(x), dtype=bool)
            for name, spec in combo.items():
                j = self.names.index(name)
                f = self.factors[j]
                actual = f.to_actual(x[:, j])
                if isinstance(spec, tuple | list) and len(spec) == 2 and f.numeric:
                    hit &= (actual >= spec[0] - tol) & (actual <= spec[1] + tol)
                elif f.kind == "categorical":
                    hit &= np.array([str(v) == str(spec) for v in actual])
                else:
                    hit &= np.abs(actual.astype(float) - float(spec)) <= 1e-9
            ok &= ~hit
        return ok

    def violations(self, coded: np.ndarray) -> list[str]:
        """Human-readable list of which rows break which constraint."""
        x = np.atleast_2d(np.asarray(coded, dtype=float))
        out = []
        for k, c in enumerate(self.constraints):
            bad = np.flatnonzero(x @ self._a[k] > self._b[k] + 1e-9)
            out += [f"row {int(i) + 1} breaks constraint {c.text or c}" for i in bad]
        base = Region(self.factors)
        for combo in self.disallowed:
            only = Region(self.factors, disallowed=(combo,))
            bad = np.flatnonzero(~only.feasible(x) & base.feasible(x))
            out += [f"row {int(i) + 1} is the disallowed combination {combo}" for i in bad]
        return out


# --- model terms ---------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Term:
    """A model term: a product of factors, a factor repeated for a power (``A^2``)."""

    factors: tuple[str, ...]

    @property
    def order(self) -> int:
        return len(self.factors)

    @property
    def name(self) -> str:
        counts: dict[str, int] = {}
        for f in self.factors:
            counts[f] = counts.get(f, 0) + 1
        return ":".join(f if c == 1 else f"{f}^{c}" for f, c in counts.items())

    @property
    def is_pure_power(self) -> bool:
        return len(set(self.factors)) == 1 and len(self.factors) > 1

    def contains(self, other: Term) -> bool:
        """Whether ``other`` is marginal to this term (A and B are in A:B; A in A^2)."""
        mine = list(self.factors)
        for f in other.factors:
            if f not in mine:
                return False
            mine.remove(f)
        return True

    def __str__(self) -> str:
        return self.name


def parse_term(text: str, names: Sequence[str]) -> Term:
    """``"A:B"``, ``"A*B"``, ``"A^2"`` or ``"A:A"`` into a :class:`Term` on known names."""
    parts = [p.strip() for p in re.split(r"[:*]", text.strip()) if p.strip()]
    if not parts:
        raise StatsInputError(f"model term {text!r} is empty")
    out: list[str] = []
    for p in parts:
        m = re.fullmatch(r"([A-Za-z_][\w.]*)(?:\^(\d+))?", p)
        if not m or m.group(1) not in names:
            raise StatsInputError(
                f"model term {text!r}: {p!r} is not a factor; factors are {', '.join(names)}"
            )
        out += [m.group(1)] * int(m.group(2) or 1)
    order = {n: i for i, n in enumerate(names)}
    return Term(tuple(sorted(out, key=order.__getitem__)))


def model_terms(
    factors: Sequence[Factor] | Sequence[str], model: str | Sequence[str] = "linear"
) -> tuple[Term, ...]:
    """Terms of a named model or a list of term strings (the intercept is implied).

    Named models: ``linear`` (main effects), ``interaction`` (plus all two-factor
    interactions), ``quadratic`` (plus pure squares of numeric factors), ``full``
    (every interaction up to the number of factors) and, for mixtures, ``scheffe-linear``,
    ``scheffe-quadratic`` and ``special-cubic`` (no intercept, see :class:`Model`).

    >>> [t.name for t in model_terms(["A", "B"], "quadratic")]
    ['A', 'B', 'A:B', 'A^2', 'B^2']
    """
    facs = [Factor(f, -1, 1) if isinstance(f, str) else f for f in factors]
    names = [f.name for f in facs]
    if not isinstance(model, str):
        terms = [parse_term(t, names) for t in model]
        seen: set[Term] = set()
        dup = [t.name for t in terms if t in seen or seen.add(t)]  # type: ignore[func-returns-value]
        if dup:
            raise StatsInputError(f"model term {dup[0]!r} is listed twice")
        return tuple(terms)
    key = model.lower().replace("_", "-")
    mains = [Term((n,)) for n in names]
    two = [Term(c) for c in combinations(names, 2)]
    if key in ("linear", "main", "main-effects", "scheffe-linear"):
        return tuple(mains)
    if key in ("interaction", "interactions", "2fi", "scheffe-quadratic"):
        return tuple(mains + two)
    if key == "special-cubic":
        return tuple(mains + two + [Term(c) for c in combinations(names, 3)])
    if key == "quadratic":
        squares = [Term((f.name, f.name)) for f in facs if f.kind in ("continuous", "discrete")]
        return tuple(mains + two + squares)
    if key == "full":
        return tuple(Term(c) for r in range(1, len(names) + 1) for c in combinations(names, r))
    raise StatsInputError(
        f"model {model!r} is not known; use linear, interaction, quadratic, full, "
        "scheffe-linear, scheffe-quadratic, special-cubic or a list of terms"
    )


@dataclass(frozen=True)
class Model:
    """A linear model in coded factors: intercept (unless a mixture) plus terms.

    Two-level categorical factors enter as their -1/+1 code; categorical factors with
    more levels enter by effects coding (one column per level but the last, named
    ``F[level]``).
    """

    factors: tuple[Factor, ...]
    terms: tuple[Term, ...]
    intercept: bool = True

    @classmethod
    def build(cls, factors: Sequence[Any], model: str | Sequence[str] | Model = "linear") -> Model:
        if isinstance(model, Model):
            return model
        facs = make_factors(factors)
        terms = model_terms(facs, model)
        mixture = any(f.kind == "mixture" for f in facs)
        by_name = {f.name: f for f in facs}
        for t in terms:
            for name in set(t.factors):
                f = by_name[name]
                if t.factors.count(name) > 1 and f.kind == "categorical":
                    raise StatsInputError(
                        f"model term {t.name!r}: a categorical factor has no powers"
                    )
                if (
                    t.factors.count(name) > 1
                    and f.kind == "discrete"
                    and len(f.levels) <= t.factors.count(name)
                ):
                    raise StatsInputError(
                        f"model term {t.name!r}: {name!r} has only {len(f.levels)} levels"
                    )
        return cls(facs, terms, intercept=not mixture)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    def column_names(self) -> list[str]:
        return list(self._column_names)

    @cached_property
    def _column_names(self) -> tuple[str, ...]:
        cols = ["intercept"] if self.intercept else []
        for t in self.terms:
            cols += self._term_columns(t)
        return tuple(cols)

    def _term_columns(self, term: Term) -> list[str]:
        parts: list[list[str]] = []
        by_name = {f.name: f for f in self.factors}
        for name in dict.fromkeys(term.factors):
            f = by_name[name]
            if f.kind == "categorical" and len(f.levels) > 2:
                parts.append([f"{name}[{lv}]" for lv in f.levels[:-1]])
            else:
                power = term.factors.count(name)
                parts.append([name if power == 1 else f"{name}^{power}"])
        cols = [""]
        for p in parts:
            cols = [f"{c}:{q}" if c else q for c in cols for q in p]
        return cols

    def term_slices(self) -> list[tuple[Term, slice]]:
        """Which model-matrix columns each term occupies."""
        out, start = [], 1 if self.intercept else 0
        for t in self.terms:
            width = len(self._term_columns(t))
            out.append((t, slice(start, start + width)))
            start += width
        return out

    @property
    def n_columns(self) -> int:
        return len(self._column_names)

    def matrix(self, coded: np.ndarray) -> np.ndarray:
        """The model matrix for rows of coded factor values."""
        x = np.atleast_2d(np.asarray(coded, dtype=float))
        if x.shape[1] != len(self.factors):
            raise StatsInputError(
                f"expected {len(self.factors)} factor column(s), got {x.shape[1]}"
            )
        index = {f.name: i for i, f in enumerate(self.factors)}
        cols = [np.ones(len(x))] if self.intercept else []
        for t in self.terms:
            pieces: list[list[np.ndarray]] = []
            for name in dict.fromkeys(t.factors):
                j = index[name]
                f = self.factors[j]
                if f.kind == "categorical" and len(f.levels) > 2:
                    n = len(f.levels) - 1
                    level = np.clip(np.rint((x[:, j] + 1.0) * n / 2.0).astype(int), 0, n)
                    pieces.append(
                        [np.where(level == n, -1.0, (level == i).astype(float)) for i in range(n)]
                    )
                else:
                    pieces.append([x[:, j] ** t.factors.count(name)])
            acc = [np.ones(len(x))]
            for p in pieces:
                acc = [a * q for a in acc for q in p]
            cols += acc
        return np.column_stack(cols) if cols else np.zeros((len(x), 0))

    def exponents(self) -> np.ndarray | None:
        """Monomial exponents (columns x factors) when no factor needs effects coding."""
        found = self._exponents
        return None if found is None else found.copy()

    @cached_property
    def _exponents(self) -> np.ndarray | None:
        if any(f.kind == "categorical" and len(f.levels) > 2 for f in self.factors):
            return None
        index = {f.name: i for i, f in enumerate(self.factors)}
        rows = [np.zeros(len(self.factors))] if self.intercept else []
        for t in self.terms:
            e = np.zeros(len(self.factors))
            for name in t.factors:
                e[index[name]] += 1
            rows.append(e)
        return np.array(rows)
