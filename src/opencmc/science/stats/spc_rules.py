"""Run rules for control charts: the eight Nelson rules and the four Western Electric rules.

Every rule is evaluated for all points at once with NumPy: "k in a row" by doubling
(a run of 2m is a run of m and the run of m that ends m points earlier), "j of k" by
adding k shifted copies of a boolean array. A rule *fires at* the point that completes
its pattern; a long run therefore fires at every point from the k-th on, as Minitab marks
them. For the "j of k" rules the completing point must itself be in the zone (the other
points in the window already fired the rule if they completed it earlier).

Zones are measured in standard errors of the plotted statistic from the centre line,
``z = (x - centre) / sigma``: zone C within 1, B between 1 and 2, A between 2 and 3. Rule
1 uses the control limits themselves, so a lower limit floored at zero is honoured.
A point exactly on the centre line is on neither side; equal neighbours are neither
increasing nor decreasing.

==========  ==========================================================================
rule        pattern (Nelson 1984; Western Electric Handbook 1956)
==========  ==========================================================================
nelson1     one point beyond a control limit (WE1)
nelson2     nine points in a row on the same side of the centre line
nelson3     six points in a row steadily increasing or decreasing
nelson4     fourteen points in a row alternating up and down
nelson5     two of three points in a row beyond 2 sigma, same side (WE2)
nelson6     four of five points in a row beyond 1 sigma, same side (WE3)
nelson7     fifteen points in a row within 1 sigma, either side
nelson8     eight points in a row beyond 1 sigma, either side, none within
we4         eight points in a row on the same side of the centre line
==========  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import StatsInputError


@dataclass(frozen=True)
class RuleDefinition:
    """A run rule: how many consecutive points it looks at, and what it says."""

    name: str
    window: int
    description: str
    zone: str


RULES: dict[str, RuleDefinition] = {
    "nelson1": RuleDefinition("nelson1", 1, "one point beyond a control limit", "beyond"),
    "nelson2": RuleDefinition("nelson2", 9, "nine points in a row on one side of the centre", "C"),
    "nelson3": RuleDefinition("nelson3", 6, "six points in a row increasing or decreasing", "-"),
    "nelson4": RuleDefinition("nelson4", 14, "fourteen points in a row alternating up/down", "-"),
    "nelson5": RuleDefinition("nelson5", 3, "two of three points beyond 2 sigma, same side", "A"),
    "nelson6": RuleDefinition("nelson6", 5, "four of five points beyond 1 sigma, same side", "B"),
    "nelson7": RuleDefinition("nelson7", 15, "fifteen points in a row within 1 sigma", "C"),
    "nelson8": RuleDefinition(
        "nelson8", 8, "eight points in a row beyond 1 sigma, none within", "B"
    ),
    "we1": RuleDefinition("we1", 1, "one point beyond a control limit", "beyond"),
    "we2": RuleDefinition("we2", 3, "two of three points beyond 2 sigma, same side", "A"),
    "we3": RuleDefinition("we3", 5, "four of five points beyond 1 sigma, same side", "B"),
    "we4": RuleDefinition("we4", 8, "eight points in a row on one side of the centre", "C"),
    "cusum_upper": RuleDefinition("cusum_upper", 1, "upper CUSUM C+ beyond H", "beyond H"),
    "cusum_lower": RuleDefinition("cusum_lower", 1, "lower CUSUM C- beyond H", "beyond H"),
}

RULE_SETS: dict[str, tuple[str, ...]] = {
    "nelson": tuple(f"nelson{i}" for i in range(1, 9)),
    "western_electric": ("we1", "we2", "we3", "we4"),
    "limits": ("nelson1",),
    "none": (),
}


def resolve_rules(rules: str | Sequence[str] | None) -> tuple[str, ...]:
    """Turn a rule-set name, a list of rule names or ``None`` into rule names.

    Rules may be written ``"nelson3"``, ``"3"`` (a Nelson number) or ``"we2"``.
    """
    if rules is None:
        return ()
    if isinstance(rules, str):
        if rules in RULE_SETS:
            return RULE_SETS[rules]
        rules = [r.strip() for r in rules.split(",") if r.strip()]
    out: list[str] = []
    for r in rules:
        name = str(r).strip().lower().replace(" ", "")
        if name.isdigit():
            name = f"nelson{name}"
        if name in RULE_SETS:
            out.extend(x for x in RULE_SETS[name] if x not in out)
            continue
        if name not in RULES or name.startswith("cusum"):
            raise StatsInputError(
                f"unknown rule {r!r}; use nelson1..nelson8, we1..we4 or one of "
                + ", ".join(RULE_SETS)
            )
        if name not in out:
            out.append(name)
    return tuple(out)


def _shift_and(a: np.ndarray, m: int) -> np.ndarray:
    """``out[i] = a[i] & a[i - m]`` (False where ``i < m``)."""
    out = np.empty_like(a)
    out[:m] = False
    np.logical_and(a[m:], a[:-m], out=out[m:])
    return out


def run_of(b: np.ndarray, k: int) -> np.ndarray:
    """``out[i]`` is True when ``b[i-k+1..i]`` are all True (False for ``i < k-1``)."""
    if k <= 1:
        return b.copy()
    if b.size < k:
        return np.zeros_like(b)
    cur, m = b, 1
    while 2 * m <= k:
        cur = _shift_and(cur, m)
        m *= 2
    if m < k:
        cur = _shift_and(cur, k - m)
    return cur


def count_in_window(b: np.ndarray, k: int) -> np.ndarray:
    """``out[i]`` = number of True in ``b[i-k+1..i]`` (partial windows at the start)."""
    total = b.astype(np.uint8)
    for s in range(1, k):
        total[s:] += b[:-s]
    return total


class _Masks:
    """Zone masks of a series, each computed once and only when a rule needs it."""

    def __init__(self, x: np.ndarray, center: Any, sigma: Any) -> None:
        self.x, self.c, self.s = x, center, sigma
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._cache:
            x, c, s = self.x, self.c, self.s
            if key == "above":
                v = x > c
            elif key == "below":
                v = x < c
            elif key == "above1":
                v = x > c + s
            elif key == "below1":
                v = x < c - s
            elif key == "above2":
                v = x > c + 2.0 * s
            elif key == "below2":
                v = x < c - 2.0 * s
            elif key == "outside1":
                v = self["above1"] | self["below1"]
            elif key == "inc":
                v = x[1:] > x[:-1]
            elif key == "dec":
                v = x[1:] < x[:-1]
            else:  # pragma: no cover
                raise KeyError(key)
            self._cache[key] = v
        return self._cache[key]


CHUNK = 1 << 17
_OVERLAP = max(d.window for d in RULES.values()) - 1


def rule_flags(
    x: np.ndarray,
    center: Any,
    sigma: Any,
    lcl: Any,
    ucl: Any,
    rules: Sequence[str],
    chunk: int = CHUNK,
) -> dict[str, np.ndarray]:
    """Indices (sorted, 0-based) at which each rule fires.

    ``center``, ``sigma``, ``lcl`` and ``ucl`` are scalars or arrays as long as ``x``;
    ``sigma`` is the standard error of the plotted statistic (a third of UCL - centre
    before any floor). Rules that need more points than ``x`` has return no indices;
    :func:`not_evaluable` says which.

    Long series are processed in blocks of ``chunk`` points that overlap by the longest
    rule window less one, so every intermediate array stays in the processor's cache;
    a point's verdict depends only on the points of its own window, so the blocks give
    exactly the answer of one pass.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    if n <= chunk + _OVERLAP:
        return _rule_flags_block(x, center, sigma, lcl, ucl, rules)
    parts: dict[str, list[np.ndarray]] = {r: [] for r in rules}

    def cut(a: Any, lo: int, hi: int) -> Any:
        return a[lo:hi] if np.ndim(a) else a

    for start in range(0, n, chunk):
        lo = max(start - _OVERLAP, 0)
        hi = min(start + chunk, n)
        block = _rule_flags_block(
            x[lo:hi], cut(center, lo, hi), cut(sigma, lo, hi), cut(lcl, lo, hi),
            cut(ucl, lo, hi), rules,
        )  # fmt: skip
        for rule, idx in block.items():
            keep = idx[idx >= start - lo] if start else idx
            if keep.size:
                parts[rule].append(keep + lo)
    return {r: np.concatenate(v) if v else np.empty(0, dtype=np.int64) for r, v in parts.items()}


def _rule_flags_block(
    x: np.ndarray,
    center: Any,
    sigma: Any,
    lcl: Any,
    ucl: Any,
    rules: Sequence[str],
) -> dict[str, np.ndarray]:
    n = x.size
    out: dict[str, np.ndarray] = {}
    m = _Masks(x, center, sigma)
    for rule in rules:
        window = RULES[rule].window
        if n < window:
            out[rule] = np.empty(0, dtype=np.int64)
            continue
        if rule in ("nelson1", "we1"):
            hit = x > ucl
            hit |= x < lcl
        elif rule in ("nelson3", "nelson4"):
            inc, dec = m["inc"], m["dec"]
            if rule == "nelson3":
                h = run_of(inc, 5)
                h |= run_of(dec, 5)
            else:
                alt = np.zeros(max(n - 1, 0), dtype=bool)
                # diffs j-1 and j have opposite signs
                np.logical_and(inc[1:], dec[:-1], out=alt[1:])
                alt[1:] |= dec[1:] & inc[:-1]
                h = run_of(alt, 12)
            hit = np.zeros(n, dtype=bool)
            hit[1:] = h  # diff j ends at point j+1
        elif rule in ("nelson2", "we4"):
            k = 9 if rule == "nelson2" else 8
            hit = run_of(m["above"], k)
            hit |= run_of(m["below"], k)
        elif rule in ("nelson5", "we2"):
            a, b = m["above2"], m["below2"]
            hit = a & (count_in_window(a, 3) >= 2)
            hit |= b & (count_in_window(b, 3) >= 2)
            hit[:2] = False
        elif rule in ("nelson6", "we3"):
            a, b = m["above1"], m["below1"]
            hit = a & (count_in_window(a, 5) >= 4)
            hit |= b & (count_in_window(b, 5) >= 4)
            hit[:4] = False
        elif rule == "nelson7":
            hit = run_of(~m["outside1"], 15)
        elif rule == "nelson8":
            hit = run_of(m["outside1"], 8)
        else:  # pragma: no cover - resolve_rules guards the names
            raise StatsInputError(f"unknown rule {rule!r}")
        out[rule] = np.flatnonzero(hit)
    return out


def not_evaluable(n_points: int, rules: Sequence[str]) -> dict[str, str]:
    """Rules that need more points than there are, each with the reason."""
    return {
        r: f"not evaluable: needs {RULES[r].window} points, the chart has {n_points}"
        for r in rules
        if n_points < RULES[r].window
    }


def signal_detail(
    rule: str, index: int, x: np.ndarray, center: Any, sigma: Any
) -> tuple[tuple[int, ...], str, str | None]:
    """The points of the pattern that fired ``rule`` at ``index``, its zone and side.

    Positions are within ``x`` (the caller maps them back to chart indices).
    """
    definition = RULES[rule]
    lo = index - definition.window + 1
    c = center[index] if np.ndim(center) else center
    s = sigma[index] if np.ndim(sigma) else sigma
    z = (x[index] - c) / s if s > 0 else 0.0
    side = "above" if x[index] > c else "below" if x[index] < c else None
    if rule in ("cusum_upper", "cusum_lower"):
        return (index,), "beyond H", "above" if rule == "cusum_upper" else "below"
    if rule in ("nelson1", "we1"):
        zone = "beyond 3 sigma" if abs(z) > 3 else "beyond limit"
        return (index,), zone, side
    window = np.arange(lo, index + 1)
    if rule in ("nelson5", "we2", "nelson6", "we3"):
        k = 2.0 if rule in ("nelson5", "we2") else 1.0
        cs = center[window] if np.ndim(center) else center
        ss = sigma[window] if np.ndim(sigma) else sigma
        zz = (x[window] - cs) / ss
        chosen = window[zz > k] if side == "above" else window[zz < -k]
        return tuple(int(i) for i in chosen), "A" if k == 2.0 else "B", side
    zone = {"nelson7": "C", "nelson8": "A/B", "nelson2": "-", "we4": "-"}.get(rule, "-")
    if rule in ("nelson3", "nelson4", "nelson7", "nelson8"):
        side = None
    if rule == "nelson3":
        side = "increasing" if x[index] > x[lo] else "decreasing"
    return tuple(int(i) for i in window), zone, side
