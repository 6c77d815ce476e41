"""The control-chart result: points, centre line, limits, signals, exclusions and phase.

A :class:`ControlChart` is frozen. Excluding points (phase I) or monitoring new data
against frozen limits (phase II) returns a new chart; the old one is unchanged. Signals
are found for all points at once when the chart is built and turned into
:class:`Signal` objects only when asked for, so a chart of ten million points stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from . import spc_rules
from ._quality import finite as finite_or_error  # noqa: F401  (re-exported)
from ._validation import StatsInputError
from .regression import _jsonable

CHART_TITLES = {
    "individuals": "Individuals (I)",
    "moving_range": "Moving range (MR)",
    "xbar": "Subgroup means (Xbar)",
    "range": "Subgroup ranges (R)",
    "stdev": "Subgroup standard deviations (S)",
    "p": "Proportion nonconforming (p)",
    "np": "Number nonconforming (np)",
    "c": "Nonconformities (c)",
    "u": "Nonconformities per unit (u)",
    "ewma": "EWMA",
    "cusum": "Tabular CUSUM",
}


NON_NEGATIVE = frozenset({"moving_range", "range", "stdev", "p", "np", "c", "u"})


def _label(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True)
class Exclusion:
    """Points left out of the limit calculation in phase I, and why."""

    indices: tuple[int, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"indices": list(self.indices), "reason": self.reason}


@dataclass(frozen=True)
class Signal:
    """One rule firing: the rule, the point completing the pattern, all its points, the zone.

    ``index`` and ``points`` are 0-based positions on the chart; ``label`` is the
    subgroup (sample) label of ``index``. ``side`` is "above"/"below" the centre line,
    "increasing"/"decreasing" for a trend, or ``None``.
    """

    chart: str
    rule: str
    index: int
    points: tuple[int, ...]
    zone: str
    side: str | None
    description: str
    label: Any

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["points"] = list(self.points)
        d["label"] = _label(self.label)
        return d


@dataclass(frozen=True)
class ChartParameters:
    """What phase II monitors against: the frozen centre and process sigma of phase I.

    ``center`` is the process mean (variables charts), p̄, c̄ or ū (attribute charts).
    ``sigma`` is the process standard deviation of one value (``None`` for attributes).
    ``options`` holds the chart's settings (k, lambda, L, h, subgroup size...).
    """

    kind: str
    center: float
    sigma: float | None
    options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "center": self.center,
            "sigma": self.sigma,
            "options": {k: _jsonable(v) for k, v in self.options.items()},
        }


def _scalar_or_array(a: np.ndarray | float | None) -> float | np.ndarray | None:
    """One number when the line is flat, else one value per point."""
    if a is None:
        return None
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0:
        return float(arr)
    if arr.size and np.all(arr == arr[0]):
        return float(arr[0])
    return arr


@dataclass(frozen=True, eq=False)
class ControlChart:
    """A control chart: plotted statistic, centre line, limits and rule signals.

    ``center``, ``lcl`` and ``ucl`` are numbers, or arrays with one value per point
    where they vary (unequal subgroup sizes, EWMA start-up). ``point_sigma`` is the
    standard error of the plotted statistic (zones are measured in it). ``sigma`` is the
    process standard deviation of a single value and ``sigma_method`` how it was got.
    ``excluded`` marks points left out of the limits (phase I, with ``exclusions``
    giving the reasons); they stay on the chart but are not tested by the rules.
    """

    chart: str
    kind: str
    values: np.ndarray
    center: float | np.ndarray
    lcl: float | np.ndarray | None
    ucl: float | np.ndarray | None
    point_sigma: float | np.ndarray
    sigma: float | None
    sigma_method: str
    labels: Sequence[Any]
    sizes: np.ndarray | None
    phase: str
    excluded: np.ndarray
    exclusions: tuple[Exclusion, ...]
    rules: tuple[str, ...]
    rule_status: dict[str, str]
    parameters: ChartParameters
    dispersion_chart: ControlChart | Callable[[], ControlChart] | None
    notes: tuple[str, ...]
    extra: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _flags: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _refit: Callable[..., ControlChart] | None = field(default=None, repr=False)
    _monitor: Callable[..., ControlChart] | None = field(default=None, repr=False)

    @cached_property
    def dispersion(self) -> ControlChart | None:
        """The companion chart of the spread (MR, R or S), built on first use."""
        d = self.dispersion_chart
        return d() if callable(d) else d

    @property
    def n_points(self) -> int:
        return int(self.values.size)

    @property
    def title(self) -> str:
        return CHART_TITLES.get(self.chart, self.chart)

    def _line(self, value: float | np.ndarray | None) -> np.ndarray:
        if value is None:
            return np.full(self.n_points, np.nan)
        return np.broadcast_to(np.asarray(value, dtype=float), (self.n_points,))

    @cached_property
    def signals(self) -> tuple[Signal, ...]:
        """Every rule firing, sorted by point then rule (rule 1 first)."""
        out: list[Signal] = []
        order = {r: i for i, r in enumerate(self.rules)}
        kept = self._kept()
        values, center, sigma = self._rule_view()
        position = None
        if kept is not None:
            position = np.full(self.n_points, -1, dtype=np.int64)
            position[kept] = np.arange(kept.size)
        for rule, indices in self._flags.items():
            d = spc_rules.RULES[rule]
            for i in indices.tolist():
                j = i if position is None else int(position[i])
                points, zone, side = spc_rules.signal_detail(rule, j, values, center, sigma)
                if kept is not None:
                    points = tuple(int(kept[p]) for p in points)
                out.append(
                    Signal(
                        self.chart, rule, int(i), points, zone, side, d.description, self.labels[i]
                    )
                )
        out.sort(key=lambda s: (s.index, order.get(s.rule, 99)))
        return tuple(out)

    def _kept(self) -> np.ndarray | None:
        if not self.excluded.any():
            return None
        return np.flatnonzero(~self.excluded)

    def _rule_view(self) -> tuple[np.ndarray, Any, Any]:
        """Retained values, centre and sigma: the sequence the rules were run on."""
        kept = self._kept()
        center = self.center
        sigma = self.point_sigma
        if kept is None:
            return self.values, center, sigma
        return (
            self.values[kept],
            center[kept] if np.ndim(center) else center,
            sigma[kept] if np.ndim(sigma) else sigma,
        )

    def signal_indices(self, rule: str | None = None) -> list[int]:
        """Sorted 0-based points at which ``rule`` (or any rule) fires."""
        if rule is not None:
            (name,) = spc_rules.resolve_rules([rule])
            if name not in self._flags:
                raise StatsInputError(f"rule {name} was not applied to this chart")
            return self._flags[name].tolist()
        if not self._flags:
            return []
        return np.unique(np.concatenate(list(self._flags.values()))).tolist()

    @property
    def out_of_control(self) -> list[int]:
        """Points beyond a control limit (rule 1), whatever rules were applied."""
        lcl = self._line(self.lcl)
        ucl = self._line(self.ucl)
        with np.errstate(invalid="ignore"):
            beyond = (self.values > ucl) | (self.values < lcl)
        return np.flatnonzero(beyond & ~self.excluded).tolist()

    @property
    def in_control(self) -> bool:
        """No rule fired on this chart or its dispersion chart."""
        mine = not any(len(v) for v in self._flags.values())
        return mine and (self.dispersion is None or self.dispersion.in_control)

    def zone_limits(self, k: float) -> tuple[float | np.ndarray, float | np.ndarray]:
        """Lines ``k`` standard errors either side of the centre (e.g. k = 2: warning limits)."""
        c = np.asarray(self.center, dtype=float)
        s = np.asarray(self.point_sigma, dtype=float)
        low = c - k * s
        if self.chart in NON_NEGATIVE:  # counts, proportions and spreads stop at zero
            low = np.maximum(low, 0.0)
        lower, upper = _scalar_or_array(low), _scalar_or_array(c + k * s)
        assert lower is not None and upper is not None
        return lower, upper

    @property
    def warning_limits(self) -> tuple[float | np.ndarray, float | np.ndarray]:
        """Two-sigma warning limits of the plotted statistic."""
        return self.zone_limits(2.0)

    def exclude(self, indices: int | Sequence[int], reason: str) -> ControlChart:
        """Leave points out of the limits (with the assignable cause) and re-estimate.

        The points stay on the chart, marked excluded, and the rules skip them. Earlier
        exclusions are kept. Phase II charts have frozen limits and cannot be re-estimated.
        """
        if self.phase != "I":
            raise StatsInputError("limits of a phase II chart are frozen; exclude in phase I")
        if self._refit is None:
            raise StatsInputError(
                f"points cannot be excluded from a {self.kind} chart; estimate target= and "
                "sigma= from cleaned phase I data instead"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise StatsInputError("an exclusion needs a reason (the assignable cause)")
        idx = np.atleast_1d(np.asarray(indices))
        if idx.size == 0:
            raise StatsInputError("no points given to exclude")
        if idx.dtype.kind not in "iu":
            if idx.dtype.kind == "f" and np.all(idx == np.round(idx)):
                idx = idx.astype(np.int64)
            else:
                raise StatsInputError(f"point indices must be whole numbers, got {indices!r}")
        bad = idx[(idx < 0) | (idx >= self.n_points)]
        if bad.size:
            raise StatsInputError(
                f"point {int(bad[0])} is not on the chart (0-based, {self.n_points} points)"
            )
        mask = self.excluded.copy()
        mask[idx] = True
        if mask.all():
            raise StatsInputError("cannot exclude every point: nothing left to set limits")
        record = Exclusion(tuple(sorted({int(i) for i in idx})), reason.strip())
        return self._refit(mask, (*self.exclusions, record))

    def monitor(self, *args: Any, **kwargs: Any) -> ControlChart:
        """Phase II: chart new data against this chart's frozen centre and sigma."""
        if self._monitor is None:
            raise StatsInputError(f"{self.kind} chart cannot monitor new data")
        return self._monitor(*args, **kwargs)

    def summary(self) -> str:
        """A few lines a person can read: limits, sigma, signals, notes."""

        def fmt(v: float | np.ndarray | None) -> str:
            if v is None:
                return "none"
            if np.ndim(v):
                a = np.asarray(v)
                return f"varies ({a.min():.6g} to {a.max():.6g})"
            return f"{float(v):.6g}"

        lines = [
            f"{self.title} chart, phase {self.phase}, {self.n_points} points"
            + (f" ({int(self.excluded.sum())} excluded)" if self.excluded.any() else ""),
            f"  centre {fmt(self.center)}, LCL {fmt(self.lcl)}, UCL {fmt(self.ucl)}",
        ]
        if self.sigma is not None:
            lines.append(f"  process sigma {self.sigma:.6g} ({self.sigma_method})")
        fired = [(r, len(ix)) for r, ix in self._flags.items() if len(ix)]
        if fired:
            lines.append(
                "  signals: " + ", ".join(f"{r} at {n} point{'s' * (n != 1)}" for r, n in fired)
            )
        else:
            lines.append("  no rule fired" + (f" ({', '.join(self.rules)})" if self.rules else ""))
        for rule, status in self.rule_status.items():
            if status != "evaluated":
                lines.append(f"  {rule}: {status}")
        for e in self.exclusions:
            lines.append(f"  excluded {list(e.indices)}: {e.reason}")
        lines.extend(f"  note: {n}" for n in self.notes)
        if self.dispersion is not None:
            lines.append(self.dispersion.summary())
        return "\n".join(lines)

    def to_dict(self, points: bool = True) -> dict[str, Any]:
        """Plain JSON-ready dict; ``points=False`` leaves out the per-point arrays."""
        d: dict[str, Any] = {
            "chart": self.chart,
            "kind": self.kind,
            "phase": self.phase,
            "n_points": self.n_points,
            "center": _jsonable(self.center),
            "lcl": _jsonable(self.lcl),
            "ucl": _jsonable(self.ucl),
            "warning_limits": None
            if self.chart == "cusum"
            else [_jsonable(v) for v in self.warning_limits],
            "sigma": self.sigma,
            "sigma_method": self.sigma_method,
            "rules": list(self.rules),
            "rule_status": dict(self.rule_status),
            "in_control": self.in_control,
            "out_of_control": self.out_of_control,
            "signals": [s.to_dict() for s in self.signals],
            "exclusions": [e.to_dict() for e in self.exclusions],
            "parameters": self.parameters.to_dict(),
            "notes": list(self.notes),
        }
        if points:
            d["values"] = _jsonable(self.values)
            labels = self.labels.tolist() if isinstance(self.labels, np.ndarray) else self.labels
            d["labels"] = [_label(v) for v in labels]
            d["point_sigma"] = _jsonable(self.point_sigma)
            d["excluded"] = np.flatnonzero(self.excluded).tolist()
            if self.sizes is not None:
                d["sizes"] = _jsonable(self.sizes)
            for k, v in self.extra.items():
                d[k] = _jsonable(v)
        d["dispersion"] = None if self.dispersion is None else self.dispersion.to_dict(points)
        return d

    def to_plot_data(self) -> dict[str, Any]:
        """Plain lists for an interactive chart (one panel per chart, dispersion second)."""
        from .spc_plot import plot_data

        return plot_data(self)

    def plot(self, path: Any = None, **kwargs: Any) -> Any:
        """Draw the chart (and its dispersion chart) with matplotlib; PNG/SVG/PDF by suffix."""
        from .spc_plot import plot_chart

        return plot_chart(self, path, **kwargs)
