"""ICH Q1E shelf life: ANCOVA poolability, confidence-bound crossing and extrapolation rules.

The shelf life is the earliest time at which the one-sided 95 % confidence bound of the
mean response (two-sided 95 %, i.e. 97.5 % per side, when there are two acceptance
limits) meets an acceptance limit (ICH Q1E section 2.4 and Appendix B). Batches are
pooled by ANCOVA at ``pool_alpha`` = 0.25: slopes first, then intercepts, both F tests
using the error mean square of the full model (separate intercepts and slopes), as in
LeBlond et al. (2011), the R package expirest and JMP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import _ancova
from ._validation import (
    LimitSideError,
    NegativeTimeError,
    StatsInputError,
    TooFewPointsError,
    check_choice,
    check_level,
    numeric_column,
    require_columns,
)
from .regression import _jsonable

ModelName = Literal["auto", "pooled", "common_slope", "separate"]
MODEL_LABELS = {
    "pooled": "common slope and common intercept (all batches pooled)",
    "common_slope": "common slope, separate intercepts",
    "separate": "separate slopes and intercepts (minimum over batches)",
}


@dataclass(frozen=True)
class BatchLine:
    """One batch's fitted line under the selected model and where its bound crosses."""

    batch: str
    intercept: float
    slope: float
    n: int
    df: float
    residual_sd: float
    shelf_life: float | None
    crossed_limit: str | None

    def to_dict(self) -> dict[str, Any]:
        return {k: _jsonable(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class SupportedShelfLife:
    """Shelf life that may be proposed after applying the ICH Q1E Appendix A limits."""

    months: float
    statistical_estimate: float | None
    extrapolation_cap: float
    long_term_months: float
    limited_by: str
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {k: _jsonable(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True, eq=False)
class ShelfLifeResult:
    """Outcome of :func:`shelf_life`: the estimate, the model it came from, and why.

    ``shelf_life`` is ``None`` when no limit is reached before ``search_max``; then
    ``reached`` is False and :meth:`summary` says "not reached before <search_max>".
    """

    shelf_life: float | None
    reached: bool
    search_max: float
    model: str
    model_selection: str
    p_slopes: float | None
    p_intercepts: float | None
    f_slopes: float | None
    f_intercepts: float | None
    limiting_batch: str | None
    crossed_limit: str | None
    lower: float | None
    upper: float | None
    confidence: float
    pool_alpha: float
    separate_slopes_mse: str
    transform: str | None
    time: str
    value: str
    lines: tuple[BatchLine, ...]
    shelf_life_by_model: dict[str, float | None]
    notes: tuple[str, ...]
    _fits: dict[str, _ancova.Lines] = field(repr=False)
    _data: pd.DataFrame = field(repr=False)

    @property
    def side(self) -> str:
        """``"lower"``, ``"upper"`` or ``"two-sided"`` (both limits given)."""
        if self.lower is not None and self.upper is not None:
            return "two-sided"
        return "lower" if self.lower is not None else "upper"

    def confidence_bounds(self, times: Any, model: str | None = None) -> pd.DataFrame:
        """Fitted mean and the one-sided bound(s) used, per batch, at ``times``.

        Values are on the original scale (back-transformed for ``transform="log"``).
        """
        fits = self._fits[model or self.model]
        t = np.asarray(times, dtype=float)
        two = self.side == "two-sided"
        q = _ancova.quantile(self.confidence, two, fits.df)[0]
        rows = []
        for j, line in enumerate(self.lines):
            mean = fits.centre_value[0, j] + fits.slope[0, j] * (t - fits.centre_time[0, j])
            se = np.sqrt(
                fits.s2[0, j]
                * (1 / fits.n_eff[0, j] + (t - fits.centre_time[0, j]) ** 2 / fits.sxx[0, j])
            )
            lo, hi = mean - q[j] * se, mean + q[j] * se
            if self.transform == "log":
                mean, lo, hi = np.exp(mean), np.exp(lo), np.exp(hi)
            rows.append(
                pd.DataFrame(
                    {
                        "batch": line.batch,
                        "time": t,
                        "mean": mean,
                        "lower_bound": lo,
                        "upper_bound": hi,
                    }
                )
            )
        return pd.concat(rows, ignore_index=True)

    def supported_shelf_life(
        self,
        long_term_months: float,
        condition: str = "room_temperature",
        accelerated_change: bool = False,
        intermediate_change: bool = False,
        little_change: bool = False,
    ) -> SupportedShelfLife:
        """Apply the ICH Q1E Appendix A extrapolation limits to this estimate.

        See :func:`supported_shelf_life` for the rules.
        """
        return supported_shelf_life(
            self.shelf_life if self.reached else None,
            long_term_months,
            condition=condition,
            accelerated_change=accelerated_change,
            intermediate_change=intermediate_change,
            little_change=little_change,
            statistics_performed=True,
            not_reached_before=None if self.reached else self.search_max,
        )

    def summary(self) -> str:
        """Plain-text account of the decision, for reports and the command line."""
        lines = []
        if self.p_slopes is not None:
            lines.append(
                f"ANCOVA: slopes F = {self.f_slopes:.4g} (p = {self.p_slopes:.4g}), "
                f"intercepts F = {self.f_intercepts:.4g} (p = {self.p_intercepts:.4g}), "
                f"alpha = {self.pool_alpha}"
            )
        lines.append(f"Model: {MODEL_LABELS[self.model]} ({self.model_selection})")
        if self.reached:
            lines.append(
                f"Shelf life: {self.shelf_life:.4f} ({self.time}); the {self.crossed_limit} "
                f"confidence bound of batch {self.limiting_batch} meets the limit"
            )
        else:
            lines.append(f"Shelf life: not reached before {self.search_max:g} ({self.time})")
        lines.extend(self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (no private fit objects or data)."""
        out = {
            k: _jsonable(getattr(self, k))
            for k in self.__dataclass_fields__
            if not k.startswith("_") and k not in ("lines", "shelf_life_by_model")
        }
        out["side"] = self.side
        out["lines"] = [line.to_dict() for line in self.lines]
        out["shelf_life_by_model"] = {k: _jsonable(v) for k, v in self.shelf_life_by_model.items()}
        out["not_reached_before"] = None if self.reached else self.search_max
        return out

    def to_plot_data(self, n_points: int = 101) -> dict[str, Any]:
        """Points, fitted lines, bounds and limits as plain lists for an interactive plot."""
        from .stability_plot import plot_data

        return plot_data(self, n_points=n_points)

    def plot(self, path: Any = None, **kwargs: Any) -> Any:
        """Classic stability plot (matplotlib figure); saved to ``path`` if given."""
        from .stability_plot import plot_shelf_life

        return plot_shelf_life(self, path=path, **kwargs)


def widen_limits_for_rounding(
    lower: float | None, upper: float | None, decimals: int
) -> tuple[float | None, float | None]:
    """Widen limits by the rounding convention (expirest ``sf_option="loose"``).

    A result reported to ``decimals`` places still conforms when it rounds to the
    limit: the lower limit drops by 5 and the upper rises by 4 in the next place.

    >>> widen_limits_for_rounding(95.0, 105.0, 1)
    (94.95, 105.04)
    """
    step = 10.0 ** -(decimals + 1)
    lo = None if lower is None else round(lower - 5 * step, decimals + 1)
    hi = None if upper is None else round(upper + 4 * step, decimals + 1)
    return lo, hi


def _prepare(
    data: pd.DataFrame, time: str, value: str, batch: str | None, transform: str | None
) -> tuple[pd.DataFrame, list[str]]:
    require_columns(data, [time, value, batch])
    t = numeric_column(data, time)
    y = numeric_column(data, value)
    neg = np.flatnonzero(t < 0)
    if neg.size:
        raise NegativeTimeError(
            f"column {time!r}, row {data.index[neg[0]]}: time {t[neg[0]]:g} is negative"
        )
    if batch is None:
        b = np.array(["all"] * len(t), dtype=object)
    else:
        raw = data[batch]
        if raw.isna().any():
            row = data.index[np.flatnonzero(raw.isna().to_numpy())[0]]
            raise StatsInputError(f"column {batch!r}, row {row}: batch is empty")
        b = raw.astype(str).to_numpy()
    frame = pd.DataFrame({"time": t, "value": y, "batch": b})
    if transform == "log":
        if np.any(frame["value"] <= 0):
            raise StatsInputError(f"column {value!r}: transform='log' needs positive values")
        frame["value"] = np.log(frame["value"])
    batches = list(pd.unique(frame["batch"]))
    for name in batches:
        distinct = frame.loc[frame["batch"] == name, "time"].nunique()
        if distinct < 3:
            raise TooFewPointsError(
                f"batch {name!r} has {distinct} distinct time point(s); at least 3 are needed"
            )
    return frame, batches


def _check_limits(
    frame: pd.DataFrame, lower: float | None, upper: float | None, transform: str | None
) -> None:
    if lower is None and upper is None:
        raise StatsInputError("give an acceptance limit: lower=, upper= or both")
    if lower is not None and upper is not None and lower >= upper:
        raise LimitSideError(f"lower limit {lower} is not below upper limit {upper}")
    for name, grp in frame.groupby("batch", sort=False):
        start = grp.loc[grp["time"] == grp["time"].min(), "value"].mean()
        shown = float(np.exp(start)) if transform == "log" else float(start)
        if lower is not None and start <= lower:
            raise LimitSideError(
                f"lower limit {_orig_limit(lower, transform):g} is not below the data: batch "
                f"{name!r} starts at {shown:g}; check the limit's side or units"
            )
        if upper is not None and start >= upper:
            raise LimitSideError(
                f"upper limit {_orig_limit(upper, transform):g} is not above the data: batch "
                f"{name!r} starts at {shown:g}; check the limit's side or units"
            )


def _orig_limit(limit: float, transform: str | None) -> float:
    """A limit back on the original scale (for messages)."""
    return float(np.exp(limit)) if transform == "log" else float(limit)


def _crossings(
    fits: _ancova.Lines,
    lower: float | None,
    upper: float | None,
    confidence: float,
    t_start: float,
) -> tuple[np.ndarray, list[str | None], np.ndarray]:
    """Per-batch earliest crossing over the limits given, the limit hit and the status."""
    two = lower is not None and upper is not None
    q = _ancova.quantile(confidence, two, fits.df)
    k = fits.slope.shape[1]
    best = np.full(k, np.inf)
    which: list[str | None] = [None] * k
    status = np.ones(k, dtype=int)
    for side, limit in (("lower", lower), ("upper", upper)):
        if limit is None:
            continue
        t, st = _ancova.crossing_time(fits, limit, side, q, t_start)
        for j in range(k):
            if t[0, j] < best[j]:
                best[j] = t[0, j]
                which[j] = side
                status[j] = st[0, j]
    return best, which, status


def shelf_life(
    data: pd.DataFrame,
    time: str,
    value: str,
    batch: str | None = None,
    lower: float | None = None,
    upper: float | None = None,
    confidence: float = 0.95,
    pool_alpha: float = 0.25,
    separate_slopes_mse: Literal["per_batch", "pooled"] = "per_batch",
    transform: Literal["log"] | None = None,
    model: ModelName = "auto",
    search_max: float | None = None,
    rounding_decimals: int | None = None,
) -> ShelfLifeResult:
    """Shelf life by ICH Q1E from a long-term stability study.

    ``separate_slopes_mse`` says which error the separate-slopes model uses:
    ``"per_batch"`` fits each batch alone; ``"pooled"`` uses the mean square error of the
    full ANCOVA model for every batch. ``model`` forces a model instead of the ANCOVA
    choice. ``search_max`` (default five times the last time point) bounds the search; a
    limit not met before it gives ``reached=False``. ``rounding_decimals`` widens the
    limits by the reporting convention of :func:`widen_limits_for_rounding`; by default
    limits are used exactly as given.

    >>> df = pd.DataFrame({"month": [0, 3, 6, 9, 12, 18], "assay": [100.2, 99.6, 99.1,
    ...                    98.5, 98.1, 96.8]})
    >>> res = shelf_life(df, time="month", value="assay", lower=95.0)
    >>> round(res.shelf_life, 2), res.crossed_limit
    (26.88, 'lower')
    """
    check_choice(separate_slopes_mse, "separate_slopes_mse", ("per_batch", "pooled"))
    check_choice(transform, "transform", (None, "log"))
    check_choice(model, "model", ("auto", "pooled", "common_slope", "separate"))
    confidence = check_level(confidence, "confidence")
    pool_alpha = check_level(pool_alpha, "pool_alpha")
    notes: list[str] = []
    if rounding_decimals is not None:
        new_lo, new_hi = widen_limits_for_rounding(lower, upper, int(rounding_decimals))
        notes.append(
            f"Limits widened for reporting to {rounding_decimals} decimal(s): "
            f"lower {lower} -> {new_lo}, upper {upper} -> {new_hi}"
        )
        lower, upper = new_lo, new_hi
    lower = None if lower is None else float(lower)
    upper = None if upper is None else float(upper)
    frame, batches = _prepare(data, time, value, batch, transform)
    lo_w = None if lower is None else (np.log(lower) if transform == "log" else lower)
    hi_w = None if upper is None else (np.log(upper) if transform == "log" else upper)
    if transform == "log" and (
        (lower is not None and lower <= 0) or (upper is not None and upper <= 0)
    ):
        raise LimitSideError("transform='log' needs positive limits")
    _check_limits(frame, lo_w, hi_w, transform)
    t_max = float(frame["time"].max())
    search_max = 5.0 * t_max if search_max is None else float(search_max)
    if not search_max > 0:
        raise StatsInputError(f"search_max must be positive, got {search_max}")

    codes = pd.Categorical(frame["batch"], categories=batches).codes
    groups = np.eye(len(batches))[codes]
    an = _ancova.fit_ancova(
        frame["time"].to_numpy()[None, :],
        frame["value"].to_numpy()[None, :],
        groups,
        separate_slopes_mse,
    )
    single = len(batches) == 1
    if model == "auto":
        chosen = str(_ancova.choose_model(an, pool_alpha)[0])
        how = "single batch, fitted alone" if single else f"ANCOVA at alpha = {pool_alpha}"
    else:
        chosen = model
        how = "chosen by the caller"
    if single:
        notes.append("One batch: its own regression line (no poolability test).")

    by_model: dict[str, float | None] = {}
    per_model: dict[str, tuple[np.ndarray, list[str | None], np.ndarray]] = {}
    for name, fits in an.lines.items():
        per_model[name] = _crossings(fits, lo_w, hi_w, confidence, 0.0)
        tms = per_model[name][0]
        first = float(np.min(tms))
        by_model[name] = first if first <= search_max else None

    times, sides, status = per_model[chosen]
    j = int(np.argmin(times))
    reached = bool(times[j] <= search_max)
    if np.any(status == 2):
        notes.append("The confidence bound is already beyond a limit at time 0: shelf life 0.")
    fits = an.lines[chosen]
    out_lines = []
    for i, name in enumerate(batches):
        centre_t = fits.centre_time[0, i]
        intercept = fits.centre_value[0, i] - fits.slope[0, i] * centre_t
        t_i = float(times[i])
        out_lines.append(
            BatchLine(
                batch=str(name),
                intercept=float(intercept),
                slope=float(fits.slope[0, i]),
                n=int(groups[:, i].sum()),
                df=float(fits.df[0, i]),
                residual_sd=float(np.sqrt(fits.s2[0, i])),
                shelf_life=t_i if t_i <= search_max else None,
                crossed_limit=sides[i] if t_i <= search_max else None,
            )
        )
    if transform == "log":
        notes.append("Fitted on the natural log of the values; intercepts and slopes are logs.")

    def scalar(a: np.ndarray) -> float | None:
        v = float(a[0])
        return None if np.isnan(v) else v

    return ShelfLifeResult(
        shelf_life=float(times[j]) if reached else None,
        reached=reached,
        search_max=search_max,
        model=chosen,
        model_selection=how,
        p_slopes=scalar(an.p_slopes),
        p_intercepts=scalar(an.p_intercepts),
        f_slopes=scalar(an.f_slopes),
        f_intercepts=scalar(an.f_intercepts),
        limiting_batch=str(batches[j]) if reached else None,
        crossed_limit=sides[j] if reached else None,
        lower=lower,
        upper=upper,
        confidence=confidence,
        pool_alpha=pool_alpha,
        separate_slopes_mse=separate_slopes_mse,
        transform=transform,
        time=time,
        value=value,
        lines=tuple(out_lines),
        shelf_life_by_model=by_model,
        notes=tuple(notes),
        _fits=an.lines,
        _data=frame,
    )


_RULES = {
    "2x": "ICH Q1E Appendix A: up to twice the period covered by long-term data (2X), but "
    "not more than 12 months beyond it (X + 12)",
    "1.5x": "ICH Q1E Appendix A: up to one-and-a-half times the period covered by long-term "
    "data (1.5X), but not more than 6 months beyond it (X + 6)",
    "x+3": "ICH Q1E Appendix A: up to 3 months beyond the period covered by long-term data "
    "(X + 3) when statistical analysis is not performed",
    "x": "ICH Q1E Appendix A: no extrapolation; the shelf life is the period covered by "
    "long-term data (Y = X)",
}


def supported_shelf_life(
    statistical_estimate: float | None,
    long_term_months: float,
    condition: str = "room_temperature",
    accelerated_change: bool = False,
    intermediate_change: bool = False,
    little_change: bool = False,
    statistics_performed: bool = True,
    not_reached_before: float | None = None,
) -> SupportedShelfLife:
    """Cap a statistical shelf life by the ICH Q1E Appendix A extrapolation limits.

    ``condition``: ``"room_temperature"``, ``"refrigerated"`` or ``"frozen"``.
    ``accelerated_change`` / ``intermediate_change``: significant change (Q1A(R2)) at
    the accelerated / intermediate condition. ``little_change``: long-term and
    accelerated data show little or no change and little variability (Q1E 2.4.1.1).
    A ``statistical_estimate`` of ``None`` (limit not reached before
    ``not_reached_before``) leaves the extrapolation cap as the only limit.

    >>> supported_shelf_life(30.2, 12).months
    24.0
    """
    check_choice(condition, "condition", ("room_temperature", "refrigerated", "frozen"))
    x = float(long_term_months)
    if not x > 0:
        raise StatsInputError(f"long_term_months must be positive, got {long_term_months}")
    if condition == "frozen":
        key = "x"
    elif condition == "refrigerated":
        key = "x" if accelerated_change else "1.5x" if statistics_performed else "x+3"
    elif accelerated_change:
        key = "x" if intermediate_change else "1.5x" if statistics_performed else "x+3"
    elif little_change:
        key = "2x"
    else:
        key = "2x" if statistics_performed else "1.5x"
    cap = {"2x": min(2 * x, x + 12), "1.5x": min(1.5 * x, x + 6), "x+3": x + 3, "x": x}[key]
    if statistical_estimate is None:
        months = cap
        limited_by = "extrapolation rule (limit not reached" + (
            f" before {not_reached_before:g})" if not_reached_before is not None else ")"
        )
    elif statistical_estimate < cap:
        months, limited_by = float(statistical_estimate), "statistical estimate"
    else:
        months, limited_by = cap, "extrapolation rule"
    return SupportedShelfLife(
        months=float(months),
        statistical_estimate=statistical_estimate,
        extrapolation_cap=float(cap),
        long_term_months=x,
        limited_by=limited_by,
        rule=_RULES[key],
    )
