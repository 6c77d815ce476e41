"""Statistical process control: Shewhart, attribute, EWMA and CUSUM charts with run rules.

Phase I estimates the limits from the data; :meth:`ControlChart.exclude` leaves points
with an assignable cause out and re-estimates. Phase II (:meth:`ControlChart.monitor`,
or ``limits=`` a chart's :class:`ChartParameters`) charts new data against frozen limits.

Sigma is estimated within subgroups, as Shewhart charts require: the average moving range
over d2(2) for individuals, R̄/d2 or s̄/c4 for subgroups (for unequal sizes, the
minimum-variance weightings of Burr 1969: weights d2²/d3² for ranges, c4²/(1 - c4²) for
standard deviations, as the R package qcc does). Constants come from
:mod:`.spc_constants`, computed exactly.

>>> chart = imr([10.0, 10.4, 9.8, 10.1, 10.3, 9.9, 10.2, 10.0])
>>> round(chart.center, 4), round(chart.ucl, 4)
(10.0875, 10.999)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal as sps_signal

from . import spc_rules
from ._quality import NotEstimableError, mean_abs_diff, values_vector
from ._validation import StatsInputError, as_float_vector
from .capability import CapabilityResult, capability
from .spc_chart import (
    ChartParameters,
    ControlChart,
    Exclusion,
    Signal,
    _scalar_or_array,
    finite_or_error,
)
from .spc_constants import c4, d2, d3

__all__ = [
    "CapabilityResult",
    "ChartParameters",
    "ControlChart",
    "Exclusion",
    "NotEstimableError",
    "Signal",
    "c_chart",
    "capability",
    "chart",
    "cusum",
    "ewma",
    "imr",
    "np_chart",
    "p_chart",
    "u_chart",
    "xbar_r",
    "xbar_s",
]

Rules = str | Sequence[str] | None
ATTRIBUTE_RULES = ("nelson1", "nelson2", "nelson3", "nelson4")


# --- shared assembly --------------------------------------------------------------------


def _view(a: Any, kept: np.ndarray | None) -> Any:
    if kept is None or np.ndim(a) == 0:
        return a
    return np.asarray(a)[kept]


def _assemble(
    *,
    chart: str,
    kind: str,
    values: np.ndarray,
    center: Any,
    point_sigma: Any,
    lcl: Any,
    ucl: Any,
    sigma: float | None,
    sigma_method: str,
    labels: Sequence[Any],
    sizes: np.ndarray | None,
    phase: str,
    excluded: np.ndarray,
    exclusions: tuple[Exclusion, ...],
    rules: tuple[str, ...],
    parameters: ChartParameters,
    dispersion: Any = None,
    notes: Sequence[str] = (),
    extra: dict[str, np.ndarray] | None = None,
    refit: Any = None,
    monitor: Any = None,
    flags: dict[str, np.ndarray] | None = None,
) -> ControlChart:
    """Run the rules on the retained points and build the frozen chart.

    ``flags`` given means the chart found its own signals (the CUSUM's decision interval).
    """
    kept = np.flatnonzero(~excluded) if excluded.any() else None
    x = _view(values, kept)
    if flags is None:
        flags = spc_rules.rule_flags(
            x,
            _view(center, kept),
            _view(point_sigma, kept),
            _view(lcl, kept),
            _view(ucl, kept),
            rules,
        )
        if kept is not None:
            flags = {r: kept[ix] for r, ix in flags.items()}
    missing = spc_rules.not_evaluable(int(x.size), rules)
    status = {r: missing.get(r, "evaluated") for r in rules}
    return ControlChart(
        chart=chart,
        kind=kind,
        values=values,
        center=_scalar_or_array(center),  # type: ignore[arg-type]
        lcl=_scalar_or_array(lcl),
        ucl=_scalar_or_array(ucl),
        point_sigma=_scalar_or_array(point_sigma),  # type: ignore[arg-type]
        sigma=sigma,
        sigma_method=sigma_method,
        labels=labels,
        sizes=sizes,
        phase=phase,
        excluded=excluded,
        exclusions=exclusions,
        rules=rules,
        rule_status=status,
        parameters=parameters,
        dispersion_chart=dispersion,
        notes=tuple(notes),
        extra=extra or {},
        _flags=flags,
        _refit=refit,
        _monitor=monitor,
    )


def _check_k(k: float, name: str = "k") -> float:
    k = float(k)
    if not np.isfinite(k) or k <= 0:
        raise StatsInputError(f"{name} must be a positive number of sigmas, got {k}")
    return k


def _frozen(limits: ChartParameters | None, kind: str) -> ChartParameters | None:
    if limits is None:
        return None
    if not isinstance(limits, ChartParameters):
        raise StatsInputError("limits must be the ChartParameters of a phase I chart")
    if limits.kind != kind:
        raise StatsInputError(f"limits are for a {limits.kind} chart, not {kind}")
    return limits


def _standards(
    kind: str, center: float | None, sigma: float | None, limits: ChartParameters | None
) -> ChartParameters | None:
    """Known standards given directly (``center=``/``sigma=``) become frozen limits."""
    limits = _frozen(limits, kind)
    if center is None and sigma is None:
        return limits
    if limits is not None:
        raise StatsInputError("give either limits= or center=/sigma=, not both")
    if center is None or sigma is None:
        raise StatsInputError("known standards need both center= and sigma=")
    sigma = float(sigma)
    if not np.isfinite(sigma) or sigma <= 0:
        raise StatsInputError(f"sigma must be positive, got {sigma}")
    return ChartParameters(kind, float(center), sigma, {"source": "standard given"})


def _nonzero_sigma(sigma: float, what: str) -> float:
    sigma = finite_or_error(sigma, what)
    if sigma <= 0.0:
        raise NotEstimableError(
            f"{what} is zero (the values do not vary): control limits are not estimable"
        )
    return sigma


def _labels(n: int, labels: Any, offset: int = 1) -> Sequence[Any]:
    if labels is None:
        return range(offset, n + offset)
    arr = np.asarray(labels)
    if arr.shape != (n,):
        raise StatsInputError(f"labels must have one entry per point ({n}), got {arr.shape}")
    return arr


# --- individuals and moving range -------------------------------------------------------


def imr(
    values: Any,
    *,
    rules: Rules = "nelson",
    k: float = 3.0,
    limits: ChartParameters | None = None,
    center: float | None = None,
    sigma: float | None = None,
    labels: Any = None,
    _excluded: np.ndarray | None = None,
    _exclusions: tuple[Exclusion, ...] = (),
) -> ControlChart:
    """Individuals and moving-range chart (I-MR).

    Phase I: centre is the mean of the retained values, sigma = MR̄/d2(2) from moving
    ranges of span 2 (a range touching an excluded point is not used). The MR chart
    (``.dispersion``) has UCL = D4·MR̄ and LCL = 0; its point ``j`` is the range between
    values ``j`` and ``j+1``. ``rules`` apply to the I chart; the MR chart uses rule 1.

    >>> ch = imr([5.0, 5.2, 4.9, 5.1, 5.0, 5.3])
    >>> ch.signals
    ()
    """
    x = values_vector(values, "values")
    n = x.size
    rule_names = spc_rules.resolve_rules(rules)
    k = _check_k(k)
    frozen = _standards("imr", center, sigma, limits)
    point_labels = _labels(n, labels)
    excluded = np.zeros(n, dtype=bool) if _excluded is None else _excluded
    any_excluded = bool(excluded.any())
    notes: list[str] = []
    d2_2, d3_2 = d2(2), d3(2)

    def mr_excluded() -> np.ndarray:
        if n < 2:
            return np.zeros(0, dtype=bool)
        return excluded[1:] | excluded[:-1]

    if frozen is None:
        if n < 2:
            raise NotEstimableError(
                f"an I-MR chart needs at least 2 values to estimate sigma, got {n}"
            )
        if any_excluded:
            used = np.abs(np.diff(x))[~mr_excluded()]
            if used.size == 0:
                raise NotEstimableError("no moving range is left after the exclusions")
            mr_bar = float(used.mean())
        else:
            mr_bar = mean_abs_diff(x)
        proc_sigma = _nonzero_sigma(mr_bar / d2_2, "the moving-range sigma")
        xs = x[~excluded] if any_excluded else x
        mean = finite_or_error(float(xs.mean()), "the mean")
        method = "average moving range / d2(2)"
        phase = "I"
        if n - int(excluded.sum()) < 20:
            notes.append(
                f"limits from {n - int(excluded.sum())} values; 20 to 25 or more are usual "
                "in phase I"
            )
    else:
        mean, proc_sigma = frozen.center, float(frozen.sigma)  # type: ignore[arg-type]
        mr_bar = d2_2 * proc_sigma
        method = "frozen (phase II)" if limits is not None else "known standard"
        phase = "II"
    params = ChartParameters("imr", mean, proc_sigma, {"k": k})

    def mr_chart() -> ControlChart:
        return _assemble(
            chart="moving_range",
            kind="imr",
            values=np.abs(np.diff(x)),
            center=mr_bar,
            point_sigma=d3_2 * proc_sigma,
            lcl=max(0.0, mr_bar - k * d3_2 * proc_sigma),
            ucl=mr_bar + k * d3_2 * proc_sigma,
            sigma=proc_sigma,
            sigma_method=method,
            labels=point_labels[1:],
            sizes=None,
            phase=phase,
            excluded=mr_excluded(),
            exclusions=_exclusions,
            rules=("nelson1",),
            parameters=params,
        )

    def refit(mask: np.ndarray, exclusions: tuple[Exclusion, ...]) -> ControlChart:
        return imr(x, rules=rule_names, k=k, labels=labels, _excluded=mask, _exclusions=exclusions)

    def monitor(new_values: Any, labels: Any = None) -> ControlChart:
        return imr(new_values, rules=rule_names, k=k, limits=params, labels=labels)

    return _assemble(
        chart="individuals",
        kind="imr",
        values=x,
        center=mean,
        point_sigma=proc_sigma,
        lcl=mean - k * proc_sigma,
        ucl=mean + k * proc_sigma,
        sigma=proc_sigma,
        sigma_method=method,
        labels=point_labels,
        sizes=None,
        phase=phase,
        excluded=excluded,
        exclusions=_exclusions,
        rules=rule_names,
        parameters=params,
        dispersion=mr_chart,
        notes=notes,
        refit=refit if phase == "I" else None,
        monitor=monitor,
    )


# --- subgroup charts --------------------------------------------------------------------


class _Groups:
    """Values split into subgroups, in order of first appearance."""

    def __init__(self, values: Any, subgroup: Any) -> None:
        x = values_vector(values, "values")
        if isinstance(subgroup, int | np.integer) and not isinstance(subgroup, bool):
            size = int(subgroup)
            if size < 1:
                raise StatsInputError(f"subgroup size must be at least 1, got {size}")
            if x.size % size:
                raise StatsInputError(
                    f"{x.size} values do not divide into subgroups of {size} "
                    f"({x.size % size} left over); give subgroup labels instead"
                )
            g = x.size // size
            self.sizes = np.full(g, size, dtype=np.int64)
            self.labels = np.arange(1, g + 1)
            self.sorted = x
        else:
            lab = subgroup.to_numpy() if isinstance(subgroup, pd.Series) else np.asarray(subgroup)
            if lab.ndim != 1 or lab.size != x.size:
                raise StatsInputError(
                    f"subgroup must be a size or one label per value ({x.size}), "
                    f"got shape {lab.shape}"
                )
            if pd.isna(pd.Series(lab)).any():
                i = int(np.flatnonzero(pd.isna(pd.Series(lab)).to_numpy())[0])
                raise StatsInputError(f"subgroup label at position {i} is missing")
            codes, uniques = pd.factorize(lab, sort=False)
            order = np.argsort(codes, kind="stable")
            self.sorted = x[order]
            self.sizes = np.bincount(codes).astype(np.int64)
            self.labels = np.asarray(uniques)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        self.count = self.sizes.size
        self.equal = bool(np.all(self.sizes == self.sizes[0]))

    def means(self) -> np.ndarray:
        if self.equal:
            return self.sorted.reshape(self.count, -1).mean(axis=1)
        return np.add.reduceat(self.sorted, self.starts) / self.sizes

    def ranges(self) -> np.ndarray:
        if self.equal:
            m = self.sorted.reshape(self.count, -1)
            return m.max(axis=1) - m.min(axis=1)
        return np.maximum.reduceat(self.sorted, self.starts) - np.minimum.reduceat(
            self.sorted, self.starts
        )

    def stdevs(self) -> np.ndarray:
        means = np.repeat(self.means(), self.sizes)
        sq = (self.sorted - means) ** 2
        ss = np.add.reduceat(sq, self.starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(ss / (self.sizes - 1))

    def require_two(self, chart: str) -> None:
        small = np.flatnonzero(self.sizes < 2)
        if small.size:
            i = int(small[0])
            raise StatsInputError(
                f"subgroup {_show(self.labels[i])} has {int(self.sizes[i])} value; "
                f"an {chart} chart needs at least 2 values per subgroup "
                "(use imr for individual values)"
            )


def _show(label: Any) -> str:
    return repr(label.item() if isinstance(label, np.generic) else label)


def _per_size(fn: Any, sizes: np.ndarray, equal: bool = False) -> np.ndarray:
    if equal:
        return np.full(sizes.size, fn(int(sizes[0])))
    table = {int(s): fn(int(s)) for s in np.unique(sizes)}
    return (
        np.array([table[int(s)] for s in sizes])
        if len(table) > 1
        else np.full(sizes.size, next(iter(table.values())))
    )


def _subgroup_chart(
    kind: str,
    values: Any,
    subgroup: Any,
    *,
    rules: Rules,
    k: float,
    limits: ChartParameters | None,
    center: float | None,
    sigma: float | None,
    sigma_method: str,
    excluded: np.ndarray | None,
    exclusions: tuple[Exclusion, ...],
) -> ControlChart:
    groups = _Groups(values, subgroup)
    chart_name = "Xbar-R" if kind == "xbar-r" else "Xbar-S"
    groups.require_two(chart_name)
    rule_names = spc_rules.resolve_rules(rules)
    k = _check_k(k)
    frozen = _standards(kind, center, sigma, limits)
    g = groups.count
    excl = np.zeros(g, dtype=bool) if excluded is None else excluded
    sizes = groups.sizes
    means = groups.means()
    keep = ~excl
    notes: list[str] = []
    d2n = _per_size(d2, sizes, groups.equal)
    d3n = _per_size(d3, sizes, groups.equal)
    c4n = _per_size(c4, sizes, groups.equal)
    disp = groups.ranges() if kind == "xbar-r" else groups.stdevs()
    if frozen is None:
        if g < 2:
            raise NotEstimableError(f"{chart_name} limits need at least 2 subgroups, got {g}")
        w_n = sizes[keep]
        grand = finite_or_error(float(np.sum(means[keep] * w_n) / np.sum(w_n)), "grand mean")
        if kind == "xbar-r":
            if groups.equal:
                proc_sigma = float(disp[keep].mean()) / float(d2n[0])
                method = "R̄ / d2"
            else:
                f = (d2n / d3n) ** 2
                proc_sigma = float(np.sum((f * disp / d2n)[keep]) / np.sum(f[keep]))
                method = "weighted R/d2 (weights d2²/d3², unequal subgroup sizes)"
        else:
            check = {"sbar", "pooled"}
            if sigma_method not in check:
                raise StatsInputError("sigma_method must be 'sbar' or 'pooled'")
            if sigma_method == "pooled":
                dof = float(np.sum(sizes[keep] - 1))
                sp = float(np.sqrt(np.sum(((sizes - 1) * disp**2)[keep]) / dof))
                proc_sigma = sp / c4(int(dof) + 1)
                method = "pooled standard deviation / c4(Σ(n-1) + 1)"
            elif groups.equal:
                proc_sigma = float(disp[keep].mean()) / float(c4n[0])
                method = "s̄ / c4"
            else:
                h = c4n**2 / (1.0 - c4n**2)
                proc_sigma = float(np.sum((h * disp / c4n)[keep]) / np.sum(h[keep]))
                method = "weighted s/c4 (weights c4²/(1-c4²), unequal subgroup sizes)"
        proc_sigma = _nonzero_sigma(proc_sigma, "the within-subgroup sigma")
        phase = "I"
        if int(keep.sum()) < 20:
            notes.append(f"limits from {int(keep.sum())} subgroups; 20 to 25 are usual in phase I")
        if kind == "xbar-r" and int(sizes.max()) > 10:
            notes.append("ranges lose efficiency above 10 values per subgroup; Xbar-S is better")
    else:
        grand, proc_sigma = frozen.center, float(frozen.sigma)  # type: ignore[arg-type]
        method = "frozen (phase II)" if limits is not None else "known standard"
        phase = "II"
    se = proc_sigma / np.sqrt(sizes)
    if kind == "xbar-r":
        d_center, d_sigma, d_chart = d2n * proc_sigma, d3n * proc_sigma, "range"
    else:
        d_center, d_sigma, d_chart = c4n * proc_sigma, np.sqrt(1 - c4n**2) * proc_sigma, "stdev"
    params = ChartParameters(kind, grand, proc_sigma, {"k": k})
    dispersion = _assemble(
        chart=d_chart,
        kind=kind,
        values=disp,
        center=d_center,
        point_sigma=d_sigma,
        lcl=np.maximum(0.0, d_center - k * d_sigma),
        ucl=d_center + k * d_sigma,
        sigma=proc_sigma,
        sigma_method=method,
        labels=groups.labels,
        sizes=sizes,
        phase=phase,
        excluded=excl,
        exclusions=exclusions,
        rules=("nelson1",),
        parameters=params,
    )

    def refit(mask: np.ndarray, excl_records: tuple[Exclusion, ...]) -> ControlChart:
        return _subgroup_chart(
            kind,
            values,
            subgroup,
            rules=rule_names,
            k=k,
            limits=None,
            center=None,
            sigma=None,
            sigma_method=sigma_method,
            excluded=mask,
            exclusions=excl_records,
        )

    def monitor(new_values: Any, new_subgroup: Any) -> ControlChart:
        return _subgroup_chart(
            kind,
            new_values,
            new_subgroup,
            rules=rule_names,
            k=k,
            limits=params,
            center=None,
            sigma=None,
            sigma_method=sigma_method,
            excluded=None,
            exclusions=(),
        )

    return _assemble(
        chart="xbar",
        kind=kind,
        values=means,
        center=grand,
        point_sigma=se,
        lcl=grand - k * se,
        ucl=grand + k * se,
        sigma=proc_sigma,
        sigma_method=method,
        labels=groups.labels,
        sizes=sizes,
        phase=phase,
        excluded=excl,
        exclusions=exclusions,
        rules=rule_names,
        parameters=params,
        dispersion=dispersion,
        notes=notes,
        refit=refit if phase == "I" else None,
        monitor=monitor,
    )


def xbar_r(
    values: Any,
    subgroup: Any,
    *,
    rules: Rules = "nelson",
    k: float = 3.0,
    limits: ChartParameters | None = None,
    center: float | None = None,
    sigma: float | None = None,
) -> ControlChart:
    """Xbar and R charts for subgrouped data.

    ``subgroup`` is the subgroup size (consecutive values) or one label per value.
    Sigma is R̄/d2 (equal sizes) or the d2²/d3²-weighted mean of R/d2 (unequal sizes);
    the centre is the grand mean of the retained values. The R chart is ``.dispersion``.
    Every subgroup needs at least two values.

    >>> ch = xbar_r([1.0, 1.2, 0.9, 1.1, 1.3, 0.8, 1.0, 1.2], 2)
    >>> round(ch.center, 4)
    1.0625
    """
    return _subgroup_chart(
        "xbar-r",
        values,
        subgroup,
        rules=rules,
        k=k,
        limits=limits,
        center=center,
        sigma=sigma,
        sigma_method="rbar",
        excluded=None,
        exclusions=(),
    )


def xbar_s(
    values: Any,
    subgroup: Any,
    *,
    rules: Rules = "nelson",
    k: float = 3.0,
    limits: ChartParameters | None = None,
    center: float | None = None,
    sigma: float | None = None,
    sigma_method: str = "sbar",
) -> ControlChart:
    """Xbar and S charts, for equal or unequal subgroup sizes.

    ``sigma_method="sbar"`` uses s̄/c4 (equal sizes) or the c4²/(1-c4²)-weighted mean of
    s/c4 (unequal); ``"pooled"`` the pooled standard deviation over c4 of the pooled
    degrees of freedom plus one. Limits vary per point with the subgroup size.
    """
    return _subgroup_chart(
        "xbar-s",
        values,
        subgroup,
        rules=rules,
        k=k,
        limits=limits,
        center=center,
        sigma=sigma,
        sigma_method=sigma_method,
        excluded=None,
        exclusions=(),
    )


# --- attribute charts -------------------------------------------------------------------


def _counts(values: Any, name: str, integer: bool = True) -> np.ndarray:
    x = as_float_vector(values, name)
    if np.any(x < 0):
        i = int(np.flatnonzero(x < 0)[0])
        raise StatsInputError(f"{name}: value {x[i]:g} at position {i} is negative")
    if integer and np.any(x != np.round(x)):
        i = int(np.flatnonzero(x != np.round(x))[0])
        raise StatsInputError(f"{name}: value {x[i]:g} at position {i} is not a whole count")
    return x


def _sample_sizes(sample_size: Any, n: int, name: str, integer: bool = True) -> np.ndarray:
    sizes = np.full(n, sample_size) if np.ndim(sample_size) == 0 else sample_size
    sizes = _counts(sizes, name, integer)
    if sizes.size != n:
        raise StatsInputError(
            f"{name} must be one number or one per sample ({n}), got {sizes.size}"
        )
    if np.any(sizes <= 0):
        i = int(np.flatnonzero(sizes <= 0)[0])
        raise StatsInputError(f"{name}: sample {i} has size {sizes[i]:g}; sizes must be positive")
    return sizes


def _attribute(
    kind: str,
    counts: np.ndarray,
    sizes: np.ndarray | None,
    *,
    rules: Rules,
    k: float,
    limits: ChartParameters | None,
    labels: Any,
    excluded: np.ndarray | None,
    exclusions: tuple[Exclusion, ...],
    rebuild: Any,
    monitor: Any,
) -> ControlChart:
    """Build an attribute chart; ``monitor(params, rules)`` makes its phase II function."""
    n = counts.size
    if n == 0:
        raise NotEstimableError(f"a {kind} chart needs at least one sample")
    rule_names = spc_rules.resolve_rules(ATTRIBUTE_RULES if rules == "default" else rules)
    k = _check_k(k)
    frozen = _frozen(limits, kind)
    excl = np.zeros(n, dtype=bool) if excluded is None else excluded
    keep = ~excl
    notes: list[str] = []
    if frozen is None:
        if kind in ("p", "np"):
            assert sizes is not None
            bar = float(counts[keep].sum() / sizes[keep].sum())
            if bar <= 0.0 or bar >= 1.0:
                what = "no nonconforming units" if bar <= 0 else "every unit nonconforming"
                raise NotEstimableError(
                    f"p̄ = {bar:g} ({what}): the binomial limits are not estimable"
                )
        elif kind == "c":
            bar = float(counts[keep].mean())
        else:
            assert sizes is not None
            bar = float(counts[keep].sum() / sizes[keep].sum())
        if kind in ("c", "u") and bar <= 0.0:
            raise NotEstimableError(
                f"{'c̄' if kind == 'c' else 'ū'} = 0 (no nonconformities): "
                "the Poisson limits are not estimable"
            )
        phase = "I"
        method = {"p": "p̄ = Σd / Σn", "np": "p̄ = Σd / Σn", "c": "c̄", "u": "ū = Σc / Σn"}[kind]
        if int(keep.sum()) < 20:
            notes.append(f"limits from {int(keep.sum())} samples; 20 to 25 are usual in phase I")
    else:
        bar = frozen.center
        phase = "II"
        method = "frozen (phase II)"
    if kind == "p":
        assert sizes is not None
        values = counts / sizes
        center: Any = bar
        se: Any = np.sqrt(bar * (1 - bar) / sizes)
        upper_cap = 1.0
    elif kind == "np":
        assert sizes is not None
        if not np.all(sizes == sizes[0]):
            raise StatsInputError(
                "an np chart needs one sample size; use p_chart for varying sizes"
            )
        if frozen is not None and frozen.options.get("sample_size") not in (None, sizes[0]):
            raise StatsInputError("phase II np chart must use the phase I sample size")
        values = counts
        center = bar * sizes[0]
        se = float(np.sqrt(sizes[0] * bar * (1 - bar)))
        upper_cap = float(sizes[0])
    elif kind == "c":
        values = counts
        center = bar
        se = float(np.sqrt(bar))
        upper_cap = np.inf
    else:
        assert sizes is not None
        values = counts / sizes
        center = bar
        se = np.sqrt(bar / sizes)
        upper_cap = np.inf
    lcl = np.maximum(0.0, center - k * se)
    ucl = np.minimum(upper_cap, center + k * se)
    if np.any(np.asarray(center - k * se) < 0):
        notes.append("lower limit below zero is set to 0")
    options: dict[str, Any] = {"k": k}
    if kind == "np":
        assert sizes is not None
        options["sample_size"] = float(sizes[0])
    params = ChartParameters(kind, bar, None, options)

    def refit(mask: np.ndarray, records: tuple[Exclusion, ...]) -> ControlChart:
        return rebuild(excluded=mask, exclusions=records, limits=None, rules=rule_names)

    return _assemble(
        chart=kind,
        kind=kind,
        values=values,
        center=center,
        point_sigma=se,
        lcl=lcl,
        ucl=ucl,
        sigma=None,
        sigma_method=method,
        labels=_labels(n, labels),
        sizes=sizes,
        phase=phase,
        excluded=excl,
        exclusions=exclusions,
        rules=rule_names,
        parameters=params,
        notes=notes,
        refit=refit if phase == "I" else None,
        monitor=monitor(params, rule_names),
    )


def p_chart(
    nonconforming: Any,
    sample_size: Any,
    *,
    rules: Rules = "default",
    k: float = 3.0,
    limits: ChartParameters | None = None,
    labels: Any = None,
    _excluded: np.ndarray | None = None,
    _exclusions: tuple[Exclusion, ...] = (),
) -> ControlChart:
    """Fraction-nonconforming chart; limits p̄ ± k·sqrt(p̄(1-p̄)/n_i), within [0, 1].

    ``sample_size`` is one number or one per sample. The default rules are Nelson 1-4
    (the tests Minitab offers for attribute charts).

    >>> ch = p_chart([3, 5, 2, 4], 100)
    >>> round(ch.center, 4)
    0.035
    """
    d = _counts(nonconforming, "nonconforming")
    n = _sample_sizes(sample_size, d.size, "sample_size")
    over = np.flatnonzero(d > n)
    if over.size:
        i = int(over[0])
        raise StatsInputError(f"sample {i}: {d[i]:g} nonconforming out of a sample of {n[i]:g}")

    def rebuild(**kw: Any) -> ControlChart:
        return p_chart(
            d, n, k=k, labels=labels, rules=kw["rules"], limits=kw["limits"],
            _excluded=kw["excluded"], _exclusions=kw["exclusions"],
        )  # fmt: skip

    return _attribute(
        "p", d, n, rules=rules, k=k, limits=limits, labels=labels,
        excluded=_excluded, exclusions=_exclusions, rebuild=rebuild,
        monitor=lambda params, rules: lambda nc, ss, labels=None: p_chart(
            nc, ss, rules=rules, k=k, limits=params, labels=labels
        ),
    )  # fmt: skip


def np_chart(
    nonconforming: Any,
    sample_size: int,
    *,
    rules: Rules = "default",
    k: float = 3.0,
    limits: ChartParameters | None = None,
    labels: Any = None,
    _excluded: np.ndarray | None = None,
    _exclusions: tuple[Exclusion, ...] = (),
) -> ControlChart:
    """Number-nonconforming chart for a constant sample size; limits n·p̄ ± k·sqrt(n·p̄(1-p̄))."""
    d = _counts(nonconforming, "nonconforming")
    n = _sample_sizes(sample_size, d.size, "sample_size")
    if np.any(d > n):
        i = int(np.flatnonzero(d > n)[0])
        raise StatsInputError(f"sample {i}: {d[i]:g} nonconforming out of a sample of {n[i]:g}")

    def rebuild(**kw: Any) -> ControlChart:
        return np_chart(
            d, sample_size, k=k, labels=labels, rules=kw["rules"], limits=kw["limits"],
            _excluded=kw["excluded"], _exclusions=kw["exclusions"],
        )  # fmt: skip

    return _attribute(
        "np", d, n, rules=rules, k=k, limits=limits, labels=labels,
        excluded=_excluded, exclusions=_exclusions, rebuild=rebuild,
        monitor=lambda params, rules: lambda nc, labels=None: np_chart(
            nc, sample_size, rules=rules, k=k, limits=params, labels=labels
        ),
    )  # fmt: skip


def c_chart(
    counts: Any,
    *,
    rules: Rules = "default",
    k: float = 3.0,
    limits: ChartParameters | None = None,
    labels: Any = None,
    _excluded: np.ndarray | None = None,
    _exclusions: tuple[Exclusion, ...] = (),
) -> ControlChart:
    """Nonconformities per inspection unit of constant size; limits c̄ ± k·sqrt(c̄), LCL ≥ 0."""
    c = _counts(counts, "counts")

    def rebuild(**kw: Any) -> ControlChart:
        return c_chart(
            c, k=k, labels=labels, rules=kw["rules"], limits=kw["limits"],
            _excluded=kw["excluded"], _exclusions=kw["exclusions"],
        )  # fmt: skip

    return _attribute(
        "c", c, None, rules=rules, k=k, limits=limits, labels=labels,
        excluded=_excluded, exclusions=_exclusions, rebuild=rebuild,
        monitor=lambda params, rules: lambda cc, labels=None: c_chart(
            cc, rules=rules, k=k, limits=params, labels=labels
        ),
    )  # fmt: skip


def u_chart(
    counts: Any,
    units: Any,
    *,
    rules: Rules = "default",
    k: float = 3.0,
    limits: ChartParameters | None = None,
    labels: Any = None,
    _excluded: np.ndarray | None = None,
    _exclusions: tuple[Exclusion, ...] = (),
) -> ControlChart:
    """Nonconformities per unit with varying inspection size; limits ū ± k·sqrt(ū/n_i)."""
    c = _counts(counts, "counts")
    n = _sample_sizes(units, c.size, "units", integer=False)

    def rebuild(**kw: Any) -> ControlChart:
        return u_chart(
            c, n, k=k, labels=labels, rules=kw["rules"], limits=kw["limits"],
            _excluded=kw["excluded"], _exclusions=kw["exclusions"],
        )  # fmt: skip

    return _attribute(
        "u", c, n, rules=rules, k=k, limits=limits, labels=labels,
        excluded=_excluded, exclusions=_exclusions, rebuild=rebuild,
        monitor=lambda params, rules: lambda cc, nn, labels=None: u_chart(
            cc, nn, rules=rules, k=k, limits=params, labels=labels
        ),
    )  # fmt: skip


# --- time-weighted charts ---------------------------------------------------------------


def _individuals_sigma(x: np.ndarray) -> float:
    if x.size < 2:
        raise NotEstimableError(f"sigma needs at least 2 values, got {x.size}")
    return _nonzero_sigma(mean_abs_diff(x) / d2(2), "the moving-range sigma")


def _time_weighted_basis(
    x: np.ndarray,
    target: float | None,
    sigma: float | None,
    limits: ChartParameters | None,
    kind: str,
    what: str,
) -> tuple[float, float, str, str]:
    """Centre, process sigma, how sigma was found and the phase, for EWMA and CUSUM:
    frozen limits (phase II), given target and sigma, or estimated from the data."""
    frozen = _frozen(limits, kind)
    if frozen is not None:
        return float(frozen.center), float(frozen.sigma), "frozen (phase II)", "II"  # type: ignore[arg-type]
    if x.size < 2 and (target is None or sigma is None):
        raise NotEstimableError(f"{what} needs at least 2 values, got {x.size}")
    mu = float(x.mean()) if target is None else float(target)
    if sigma is None:
        proc_sigma, method = _individuals_sigma(x), "average moving range / d2(2)"
    else:
        proc_sigma, method = _nonzero_sigma(float(sigma), "sigma"), "given"
    phase = "II" if target is not None and sigma is not None else "I"
    return mu, proc_sigma, method, phase


def ewma(
    values: Any,
    lam: float = 0.2,
    L: float = 3.0,
    *,
    target: float | None = None,
    sigma: float | None = None,
    limits: ChartParameters | None = None,
    labels: Any = None,
) -> ControlChart:
    """Exponentially weighted moving average chart of individual values.

    ``z_i = lam·x_i + (1 - lam)·z_(i-1)``, ``z_0 = target``; limits
    ``target ± L·sigma·sqrt(lam/(2 - lam)·(1 - (1 - lam)^(2i)))``, exact for every point.
    ``target`` defaults to the mean and ``sigma`` to MR̄/d2(2) of the data (phase I);
    Montgomery's recommendations are lam = 0.05-0.25 with L ≈ 2.7-3. Rule 1 only.
    """
    x = values_vector(values, "values")
    lam = float(lam)
    if not 0.0 < lam <= 1.0:
        raise StatsInputError(f"lam must be in (0, 1], got {lam}")
    L = _check_k(L, "L")
    mu, proc_sigma, method, phase = _time_weighted_basis(
        x, target, sigma, limits, "ewma", "an EWMA chart"
    )
    z = sps_signal.lfilter([lam], [1.0, -(1.0 - lam)], x, zi=[(1.0 - lam) * mu])[0]
    steady = proc_sigma * np.sqrt(lam / (2.0 - lam))
    se = np.full(x.size, steady)
    # (1 - lam)^(2i) vanishes below double precision after a few hundred points at most
    warm = min(x.size, int(np.ceil(-40.0 / np.log10(1.0 - lam) / 2.0)) if lam < 1 else 1)
    i = np.arange(1, warm + 1)
    se[:warm] = steady * np.sqrt(1.0 - (1.0 - lam) ** (2 * i))
    params = ChartParameters("ewma", mu, proc_sigma, {"lam": lam, "L": L})
    notes = [f"lambda = {lam:g}, L = {L:g}; centre is the target {mu:.6g}"]
    return _assemble(
        chart="ewma",
        kind="ewma",
        values=z,
        center=mu,
        point_sigma=se,
        lcl=mu - L * se,
        ucl=mu + L * se,
        sigma=proc_sigma,
        sigma_method=method,
        labels=_labels(x.size, labels),
        sizes=None,
        phase=phase,
        excluded=np.zeros(x.size, dtype=bool),
        exclusions=(),
        rules=("nelson1",),
        parameters=params,
        notes=notes,
        extra={"observations": x},
        monitor=lambda v, labels=None: ewma(v, lam, L, limits=params, labels=labels),
    )


def cusum(
    values: Any,
    k: float = 0.5,
    h: float = 5.0,
    *,
    target: float | None = None,
    sigma: float | None = None,
    limits: ChartParameters | None = None,
    labels: Any = None,
) -> ControlChart:
    """Tabular (two-sided) CUSUM of individual values; ``k`` and ``h`` in sigmas.

    ``C+_i = max(0, x_i - (target + K) + C+_(i-1))``, ``C-_i = max(0, (target - K) - x_i
    + C-_(i-1))`` with K = k·sigma and H = h·sigma; a signal when either exceeds H.
    ``values`` is C+; ``extra["c_minus"]`` is -C- (plotted below zero), and
    ``extra["n_plus"]``/``extra["n_minus"]`` count the periods since each sum was last
    zero, so ``target + K + C+/N+`` estimates the shifted mean (Montgomery 9.1).
    """
    x = values_vector(values, "values")
    k = float(k)
    if not np.isfinite(k) or k < 0:
        raise StatsInputError(f"k must be zero or positive, got {k}")
    h = _check_k(h, "h")
    mu, proc_sigma, method, phase = _time_weighted_basis(
        x, target, sigma, limits, "cusum", "a CUSUM chart"
    )
    big_k, big_h = k * proc_sigma, h * proc_sigma
    c_plus, n_plus = _lindley(x, mu + big_k, 1.0)
    c_minus, n_minus = _lindley(x, mu - big_k, -1.0)
    params = ChartParameters("cusum", mu, proc_sigma, {"k": k, "h": h})
    upper_hits = np.flatnonzero(c_plus > big_h)
    lower_hits = np.flatnonzero(c_minus > big_h)
    notes = [f"k = {k:g}, h = {h:g} sigmas (K = {big_k:.6g}, H = {big_h:.6g}); target {mu:.6g}"]
    return _assemble(
        chart="cusum",
        kind="cusum",
        values=c_plus,
        center=0.0,
        point_sigma=proc_sigma,
        lcl=-big_h,
        ucl=big_h,
        sigma=proc_sigma,
        sigma_method=method,
        labels=_labels(x.size, labels),
        sizes=None,
        phase=phase,
        excluded=np.zeros(x.size, dtype=bool),
        exclusions=(),
        rules=("cusum_upper", "cusum_lower"),
        parameters=params,
        notes=notes,
        extra={"c_minus": -c_minus, "n_plus": n_plus, "n_minus": n_minus, "observations": x},
        flags={"cusum_upper": upper_hits, "cusum_lower": lower_hits},
        monitor=lambda v, labels=None: cusum(v, k, h, limits=params, labels=labels),
    )


def _lindley(
    x: np.ndarray, reference: float, sign: float, block: int = 1 << 16
) -> tuple[np.ndarray, np.ndarray]:
    """``C_i = max(0, C_(i-1) + sign·(x_i - reference))``, ``C_0 = 0``, and run lengths.

    The reflected walk is the cumulative sum minus its running minimum (floored at 0),
    so the recursion needs no Python loop per point; blocks carry the sum, the minimum
    and the last zero forward, so a long series allocates nothing but the two results.
    The run length counts the periods since the sum was last zero (N+ / N-).
    """
    n = x.size
    c = np.empty(n)
    dtype = np.int32 if n < 2**31 - 1 else np.int64
    runs = np.empty(n, dtype=dtype)
    total, low, last_zero = 0.0, 0.0, -1
    for start in range(0, n, block):
        stop = min(start + block, n)
        s = x[start:stop] - reference
        if sign < 0:
            np.negative(s, out=s)
        np.cumsum(s, out=s)
        s += total
        floor = np.minimum.accumulate(s)
        np.minimum(floor, low, out=floor)
        total, low = float(s[-1]), float(floor[-1])
        np.subtract(s, floor, out=c[start:stop])
        idx = np.arange(start, stop, dtype=dtype)
        zero = np.where(c[start:stop] == 0.0, idx, dtype(last_zero))
        np.maximum.accumulate(zero, out=zero)
        last_zero = int(zero[-1])
        np.subtract(idx, zero, out=runs[start:stop])
    return c, runs


# --- one entry point by name ------------------------------------------------------------

CHART_TYPES = ("imr", "xbar-r", "xbar-s", "p", "np", "c", "u", "ewma", "cusum")


def chart(kind: str, values: Any, **kwargs: Any) -> ControlChart:
    """Build a chart by its type name (as the command line does): see :data:`CHART_TYPES`."""
    builders = {
        "imr": imr,
        "xbar-r": xbar_r,
        "xbar-s": xbar_s,
        "p": p_chart,
        "np": np_chart,
        "c": c_chart,
        "u": u_chart,
        "ewma": ewma,
        "cusum": cusum,
    }
    if kind not in builders:
        raise StatsInputError(f"chart type must be one of {', '.join(CHART_TYPES)}, got {kind!r}")
    return builders[kind](values, **kwargs)
