"""Comparability of pre- and post-change product (ICH Q5E): equivalence, ranges, tolerance.

ICH Q5E asks whether quality attributes after a manufacturing change are "highly
similar" to those before it; it prescribes no statistics. The usual tools, each here:

* **TOST equivalence of means** (Schuirmann 1987): the post - pre difference is
  equivalent when its ``1 - 2·alpha`` confidence interval lies within ``±margin`` (both
  one-sided t tests reject at ``alpha``). Welch's unequal-variance t by default. The
  margin is absolute (``margin=``) or a multiple of the pre-change SD (``margin_sd=``,
  e.g. 1.5 as the FDA's tier-1 biosimilar analyses use).
* **Quality range**: post-change values within pre-change mean ± k·SD (k = 3 by default),
  and the stricter **min-max** test (within the range of pre-change values).
* **Tolerance interval**: post-change values within the pre-change normal tolerance
  interval (coverage, confidence); k exact or by Howe, see :mod:`.tolerance`.

:func:`compare` applies them to several attributes and returns the summary table a Q5E
report shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._quality import NotEstimableError, fmt
from ._validation import (
    StatsInputError,
    as_float_vector,
    check_choice,
    check_level,
    numeric_column,
    require_columns,
)
from .tolerance import ToleranceInterval, tolerance_factor, tolerance_interval

__all__ = [
    "ComparabilitySummary",
    "QualityRangeResult",
    "TostResult",
    "compare",
    "min_max",
    "quality_range",
    "tolerance_factor",
    "tolerance_interval",
    "tost",
]


def _two_groups(pre: Any, post: Any, minimum: int = 2) -> tuple[np.ndarray, np.ndarray]:
    a = as_float_vector(pre, "pre-change values")
    b = as_float_vector(post, "post-change values")
    for name, v in (("pre-change", a), ("post-change", b)):
        if v.size < minimum:
            raise NotEstimableError(f"{name} group has {v.size} value(s); needs {minimum}")
    return a, b


@dataclass(frozen=True)
class TostResult:
    """Two one-sided tests of ``post - pre`` against ``(-margin, +margin)``."""

    difference: float
    ci_lower: float
    ci_upper: float
    ci_level: float
    margin_lower: float
    margin_upper: float
    margin_basis: str
    p_lower: float
    p_upper: float
    p_value: float
    alpha: float
    df: float
    se: float
    method: str
    equivalent: bool
    n_pre: int
    n_post: int
    mean_pre: float
    mean_post: float
    sd_pre: float
    sd_post: float

    def summary(self) -> str:
        verdict = "equivalent" if self.equivalent else "equivalence not shown"
        return (
            f"difference (post - pre) {self.difference:.4g}, {self.ci_level * 100:g} % CI "
            f"{self.ci_lower:.4g} to {self.ci_upper:.4g}; margin {self.margin_lower:.4g} to "
            f"{self.margin_upper:.4g} ({self.margin_basis}); TOST p = {self.p_value:.3g}: "
            f"{verdict} ({self.method})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def tost(
    pre: Any,
    post: Any,
    margin: float | tuple[float, float] | None = None,
    *,
    margin_sd: float | None = None,
    alpha: float = 0.05,
    equal_var: bool = False,
) -> TostResult:
    """Equivalence of the post- and pre-change means by two one-sided t tests.

    ``margin`` is the equivalence margin for the difference of means: one number for
    ``±margin``, or ``(lower, upper)``. Or give ``margin_sd`` for ``±margin_sd·SD(pre)``.

    >>> r = tost([99.8, 100.4, 100.1, 99.6, 100.3, 100.0],
    ...          [100.2, 99.9, 100.5, 100.1, 100.4, 99.8], margin=1.0)
    >>> r.equivalent, round(r.difference, 3)
    (True, 0.117)
    """
    a, b = _two_groups(pre, post)
    alpha = check_level(alpha, "alpha")
    if alpha >= 0.5:
        raise StatsInputError(f"alpha must be below 0.5, got {alpha}")
    sd_a, sd_b = float(np.std(a, ddof=1)), float(np.std(b, ddof=1))
    if (margin is None) == (margin_sd is None):
        raise StatsInputError("give exactly one of margin= or margin_sd=")
    if margin_sd is not None:
        if margin_sd <= 0:
            raise StatsInputError(f"margin_sd must be positive, got {margin_sd}")
        if sd_a == 0.0:
            raise NotEstimableError("pre-change SD is 0: a margin in SDs is not estimable")
        lo, hi = -margin_sd * sd_a, margin_sd * sd_a
        basis = f"±{margin_sd:g} × pre-change SD ({sd_a:.4g})"
    else:
        if isinstance(margin, tuple | list):
            lo, hi = float(margin[0]), float(margin[1])
        else:
            lo, hi = -abs(float(margin)), abs(float(margin))  # type: ignore[arg-type]
        basis = "given"
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= 0 or hi <= 0:
        raise StatsInputError(f"the margin must straddle zero, got ({lo:g}, {hi:g})")
    na, nb = a.size, b.size
    diff = float(b.mean() - a.mean())
    if equal_var:
        df = float(na + nb - 2)
        sp2 = ((na - 1) * sd_a**2 + (nb - 1) * sd_b**2) / df
        se = math.sqrt(sp2 * (1 / na + 1 / nb))
        method = "pooled-variance t"
    else:
        va, vb = sd_a**2 / na, sd_b**2 / nb
        se = math.sqrt(va + vb)
        df = (
            (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1)) if se > 0 else float(na + nb - 2)
        )
        method = "Welch t"
    if se == 0.0:
        raise NotEstimableError("both groups have zero variance: the TOST is not estimable")
    q = float(sps.t.ppf(1 - alpha, df))
    p_lower = float(sps.t.sf((diff - lo) / se, df))  # H0: diff <= lo
    p_upper = float(sps.t.cdf((diff - hi) / se, df))  # H0: diff >= hi
    p = max(p_lower, p_upper)
    ci_lo, ci_hi = diff - q * se, diff + q * se
    return TostResult(
        difference=diff,
        ci_lower=ci_lo,
        ci_upper=ci_hi,
        ci_level=1 - 2 * alpha,
        margin_lower=lo,
        margin_upper=hi,
        margin_basis=basis,
        p_lower=p_lower,
        p_upper=p_upper,
        p_value=p,
        alpha=alpha,
        df=float(df),
        se=se,
        method=method,
        equivalent=bool(ci_lo > lo and ci_hi < hi),
        n_pre=na,
        n_post=nb,
        mean_pre=float(a.mean()),
        mean_post=float(b.mean()),
        sd_pre=sd_a,
        sd_post=sd_b,
    )


@dataclass(frozen=True)
class QualityRangeResult:
    """Post-change values against a range set by the pre-change data."""

    method: str
    lower: float
    upper: float
    n_post: int
    n_within: int
    fraction_within: float
    required_fraction: float
    passed: bool
    outside: tuple[int, ...]

    def summary(self) -> str:
        return (
            f"{self.method}: {self.lower:.4g} to {self.upper:.4g}; {self.n_within} of "
            f"{self.n_post} post-change values within "
            f"({'pass' if self.passed else 'fail'}, {self.required_fraction:.0%} required)"
        )

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["outside"] = list(self.outside)
        return d


def _range_result(
    method: str, lo: float, hi: float, b: np.ndarray, required: float
) -> QualityRangeResult:
    inside = (b >= lo) & (b <= hi)
    frac = float(inside.mean())
    return QualityRangeResult(
        method, lo, hi, int(b.size), int(inside.sum()), frac, required,
        bool(frac >= required - 1e-12), tuple(np.flatnonzero(~inside).tolist()),
    )  # fmt: skip


def quality_range(
    pre: Any, post: Any, k: float = 3.0, *, required_fraction: float = 1.0
) -> QualityRangeResult:
    """Post-change values within pre-change mean ± k·SD (``required_fraction`` of them).

    >>> quality_range([10.1, 9.9, 10.0, 10.2, 9.8], [10.0, 10.3]).passed
    True
    """
    a, b = _two_groups(pre, post, minimum=1)
    if a.size < 2:
        raise NotEstimableError("the quality range needs at least 2 pre-change values")
    if not 0 < required_fraction <= 1:
        raise StatsInputError(f"required_fraction must be in (0, 1], got {required_fraction}")
    k = float(k)
    if not k > 0:
        raise StatsInputError(f"k must be positive, got {k}")
    m, s = float(a.mean()), float(np.std(a, ddof=1))
    return _range_result(f"mean ± {k:g} SD", m - k * s, m + k * s, b, required_fraction)


def min_max(pre: Any, post: Any, *, required_fraction: float = 1.0) -> QualityRangeResult:
    """Post-change values within the pre-change minimum and maximum."""
    a, b = _two_groups(pre, post, minimum=1)
    return _range_result("min-max", float(a.min()), float(a.max()), b, required_fraction)


def within_tolerance_interval(
    pre: Any,
    post: Any,
    coverage: float = 0.99,
    confidence: float = 0.95,
    method: str = "exact",
    *,
    required_fraction: float = 1.0,
) -> tuple[ToleranceInterval, QualityRangeResult]:
    """Post-change values within the pre-change two-sided normal tolerance interval."""
    a, b = _two_groups(pre, post, minimum=1)
    if a.size < 2:
        raise NotEstimableError("a tolerance interval needs at least 2 pre-change values")
    ti = tolerance_interval(a, coverage, confidence, "two-sided", method)
    assert ti.lower is not None and ti.upper is not None
    label = f"{coverage:.0%}/{confidence:.0%} tolerance interval ({method})"
    return ti, _range_result(label, ti.lower, ti.upper, b, required_fraction)


@dataclass(frozen=True, eq=False)
class AttributeComparison:
    """All tests of one attribute, and the verdict over those that could be run."""

    attribute: str
    n_pre: int
    n_post: int
    mean_pre: float
    mean_post: float
    sd_pre: float | None
    sd_post: float | None
    tost: TostResult | None
    quality_range: QualityRangeResult | None
    min_max: QualityRangeResult | None
    tolerance: QualityRangeResult | None
    tolerance_interval: ToleranceInterval | None
    not_estimable: dict[str, str]
    comparable: bool | None

    @property
    def verdict(self) -> str:
        if self.comparable is None:
            return "not assessable"
        return "comparable" if self.comparable else "comparability not shown"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k in self.__dataclass_fields__:
            v = getattr(self, k)
            d[k] = v.to_dict() if hasattr(v, "to_dict") else v
        d["verdict"] = self.verdict
        return d


@dataclass(frozen=True, eq=False)
class ComparabilitySummary:
    """The Q5E summary: one :class:`AttributeComparison` per attribute."""

    pre: str
    post: str
    group: str
    methods: tuple[str, ...]
    attributes: tuple[AttributeComparison, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def comparable(self) -> bool:
        """True when every assessable attribute is comparable (and at least one is)."""
        judged = [a.comparable for a in self.attributes if a.comparable is not None]
        return bool(judged) and all(judged)

    def table(self) -> pd.DataFrame:
        """One row per attribute: means, SDs, each test's outcome and the verdict."""
        rows = []
        for a in self.attributes:
            row: dict[str, Any] = {
                "attribute": a.attribute,
                "n pre": a.n_pre,
                "n post": a.n_post,
                "mean pre": a.mean_pre,
                "mean post": a.mean_post,
                "SD pre": fmt(a.sd_pre),
                "SD post": fmt(a.sd_post),
            }
            if "tost" in self.methods:
                t = a.tost
                row["difference [90% CI]"] = (
                    f"{t.difference:.4g} [{t.ci_lower:.4g}, {t.ci_upper:.4g}]"
                    if t
                    else a.not_estimable.get("tost", "not estimable")
                )
                row["margin"] = f"±{t.margin_upper:.4g}" if t else "-"
                row["TOST"] = ("equivalent" if t.equivalent else "not shown") if t else "n/a"
            for key, title in (
                ("quality_range", "quality range"),
                ("min_max", "min-max"),
                ("tolerance", "tolerance interval"),
            ):
                if key in self.methods:
                    r = getattr(a, key)
                    row[title] = (
                        f"{r.n_within}/{r.n_post} within [{r.lower:.4g}, {r.upper:.4g}]"
                        if r
                        else a.not_estimable.get(key, "not estimable")
                    )
            row["verdict"] = a.verdict
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self) -> str:
        lines = [
            f"Comparability of {self.post!r} against {self.pre!r} ({self.group}); "
            f"tests: {', '.join(self.methods)}"
        ]
        for a in self.attributes:
            lines.append(f"  {a.attribute}: {a.verdict}")
            if a.tost:
                lines.append(f"    TOST: {a.tost.summary()}")
            for r in (a.quality_range, a.min_max, a.tolerance):
                if r:
                    lines.append(f"    {r.summary()}")
            for k, why in a.not_estimable.items():
                lines.append(f"    {k}: {why}")
        overall = "comparable" if self.comparable else "comparability not shown"
        lines.append(f"  overall: {overall}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pre": self.pre,
            "post": self.post,
            "group": self.group,
            "methods": list(self.methods),
            "settings": self.settings,
            "comparable": self.comparable,
            "attributes": [a.to_dict() for a in self.attributes],
        }

    def to_plot_data(self) -> dict[str, Any]:
        """The CI picture as plain lists: each attribute's difference, CI and margins."""
        rows = []
        for a in self.attributes:
            if a.tost is None:
                continue
            t = a.tost
            rows.append({
                "attribute": a.attribute,
                "difference": t.difference,
                "ci": [t.ci_lower, t.ci_upper],
                "margin": [t.margin_lower, t.margin_upper],
                "equivalent": t.equivalent,
            })  # fmt: skip
        return {"ci_level": 1 - 2 * self.settings.get("alpha", 0.05), "attributes": rows}

    def plot(self, path: Any = None) -> Any:
        """The CI picture: each difference with its CI inside (or not) its margins.

        Differences are shown as a fraction of each attribute's margin, so attributes
        on different scales share one axis (the margins sit at -1 and +1).
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        data = self.to_plot_data()["attributes"]
        fig, ax = plt.subplots(figsize=(7, 0.6 * max(len(data), 1) + 1.5))
        for i, r in enumerate(data):
            scale = r["margin"][1] if r["difference"] >= 0 else -r["margin"][0]
            lo, hi = (r["ci"][0] / scale, r["ci"][1] / scale)
            colour = "#2e7d32" if r["equivalent"] else "#c62828"
            ax.plot([lo, hi], [i, i], color=colour, linewidth=3)
            ax.plot([r["difference"] / scale], [i], "o", color="black")
        for v in (-1, 1):
            ax.axvline(v, color="#c62828", linestyle="--", linewidth=1)
        ax.axvline(0, color="#9e9e9e", linewidth=0.8)
        ax.set_yticks(range(len(data)))
        ax.set_yticklabels([r["attribute"] for r in data])
        ax.set_xlabel("difference (post - pre) / margin, with its 90 % CI")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path)
            plt.close(fig)
        return fig


METHODS = ("tost", "quality_range", "min_max", "tolerance")


def compare(
    data: pd.DataFrame,
    group: str,
    attributes: Sequence[str],
    *,
    pre: Any = None,
    post: Any = None,
    methods: Sequence[str] = ("tost", "quality_range", "tolerance"),
    margin: dict[str, float] | float | None = None,
    margin_sd: float = 1.5,
    alpha: float = 0.05,
    k: float = 3.0,
    coverage: float = 0.99,
    confidence: float = 0.95,
    tolerance_method: str = "exact",
    required_fraction: float = 1.0,
    equal_var: bool = False,
) -> ComparabilitySummary:
    """Compare post- with pre-change lots across ``attributes`` (columns of ``data``).

    ``group`` names the column telling pre- from post-change rows; ``pre`` and ``post``
    are its two values (when the column has exactly two, they may be left out: the
    first in order of appearance is taken as pre-change). ``margin`` gives absolute TOST
    margins (one number, or one per attribute); attributes without one use
    ``margin_sd`` × the pre-change SD. Blank cells are left out of that attribute.

    >>> df = pd.DataFrame({"process": ["A"] * 6 + ["B"] * 4,
    ...                    "purity": [98.1, 98.4, 98.0, 98.3, 98.2, 98.5, 98.2, 98.3, 98.1, 98.4]})
    >>> compare(df, "process", ["purity"]).attributes[0].verdict
    'comparable'
    """
    require_columns(data, [group, *attributes])
    if not attributes:
        raise StatsInputError("name at least one attribute to compare")
    for m in methods:
        check_choice(m, "method", METHODS)
    alpha = check_level(alpha, "alpha")
    levels = list(pd.unique(data[group].dropna()))
    if pre is None and post is None:
        if len(levels) != 2:
            raise StatsInputError(
                f"column {group!r} has {len(levels)} groups ({', '.join(map(str, levels))}); "
                "name the pre- and post-change groups"
            )
        pre, post = levels
    elif pre is None or post is None:
        others = [v for v in levels if v != (post if pre is None else pre)]
        if len(others) != 1:
            raise StatsInputError("name both the pre- and the post-change group")
        pre, post = (others[0], post) if pre is None else (pre, others[0])
    for name, v in (("pre", pre), ("post", post)):
        if v not in levels:
            raise StatsInputError(
                f"{name}-change group {v!r} not found in column {group!r}; "
                f"groups: {', '.join(map(str, levels))}"
            )
    out = []
    for attr in attributes:
        col = data[[group, attr]].copy()
        blank = col[attr].isna() | (col[attr].astype(str).str.strip() == "")
        col = col[~blank]
        values = numeric_column(col, attr)
        is_pre = (col[group] == pre).to_numpy()
        is_post = (col[group] == post).to_numpy()
        a, b = values[is_pre], values[is_post]
        ne: dict[str, str] = {}
        results: dict[str, Any] = {}
        if a.size == 0 or b.size == 0:
            raise NotEstimableError(f"attribute {attr!r} has no values in one of the groups")
        if "tost" in methods:
            m = margin.get(attr) if isinstance(margin, dict) else margin
            try:
                results["tost"] = tost(
                    a, b, m, margin_sd=None if m is not None else margin_sd,
                    alpha=alpha, equal_var=equal_var,
                )  # fmt: skip
            except NotEstimableError as exc:
                ne["tost"] = f"not estimable: {exc}"
        if "quality_range" in methods:
            try:
                results["quality_range"] = quality_range(
                    a, b, k, required_fraction=required_fraction
                )
            except NotEstimableError as exc:
                ne["quality_range"] = f"not estimable: {exc}"
        if "min_max" in methods:
            results["min_max"] = min_max(a, b, required_fraction=required_fraction)
        ti = None
        if "tolerance" in methods:
            try:
                ti, results["tolerance"] = within_tolerance_interval(
                    a, b, coverage, confidence, tolerance_method,
                    required_fraction=required_fraction,
                )  # fmt: skip
            except NotEstimableError as exc:
                ne["tolerance"] = f"not estimable: {exc}"
        verdicts = []
        if "tost" in results:
            verdicts.append(results["tost"].equivalent)
        for key in ("quality_range", "min_max", "tolerance"):
            if key in results:
                verdicts.append(results[key].passed)
        out.append(
            AttributeComparison(
                attribute=attr,
                n_pre=int(a.size),
                n_post=int(b.size),
                mean_pre=float(a.mean()),
                mean_post=float(b.mean()),
                sd_pre=float(np.std(a, ddof=1)) if a.size > 1 else None,
                sd_post=float(np.std(b, ddof=1)) if b.size > 1 else None,
                tost=results.get("tost"),
                quality_range=results.get("quality_range"),
                min_max=results.get("min_max"),
                tolerance=results.get("tolerance"),
                tolerance_interval=ti,
                not_estimable=ne,
                comparable=all(verdicts) if verdicts else None,
            )
        )
    settings = {
        "alpha": alpha,
        "margin_sd": margin_sd,
        "k": k,
        "coverage": coverage,
        "confidence": confidence,
        "tolerance_method": tolerance_method,
        "required_fraction": required_fraction,
        "equal_var": equal_var,
    }
    return ComparabilitySummary(
        _plain(pre), _plain(post), group, tuple(methods), tuple(out), settings
    )


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v
