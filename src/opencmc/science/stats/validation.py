"""Analytical method validation by ICH Q2(R2): linearity, accuracy, precision, LOD/LOQ.

Each function takes plain arrays (or a data frame for the precision designs), returns a
frozen result with ``to_dict()`` and ``summary()``, and records in ``notes`` where the
data fall short of what Q2(R2) asks for (five concentrations for linearity, nine
determinations over three levels for accuracy, six determinations for repeatability)
instead of refusing them. :func:`assess` checks results against a protocol's
acceptance criteria, and ``opencmc.reports.validation_report`` renders the report.

* **Linearity and range**: straight-line least squares on the project's certified core
  (:func:`.regression.polynomial`), with slope and intercept CIs, residual SD, r, R²,
  residuals, the lack-of-fit F test when concentrations are replicated, and the
  intercept as % of the response at the target concentration.
* **Accuracy**: recovery = 100·measured/nominal per determination, per level and overall,
  with t confidence intervals.
* **Precision**: repeatability (SD, RSD and chi-square CI), and intermediate precision as
  variance components (:mod:`.variance_components`).
* **LOD/LOQ**: 3.3·σ/S and 10·σ/S with σ the residual SD or the SD of the intercept;
  or from signal-to-noise (S/N = 2H/h, Ph. Eur. 2.2.46 and USP <621>).
* **Combined accuracy and precision**: per level, a β-content tolerance interval (or a
  β-expectation interval, the "accuracy profile") of recovery inside acceptance limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._quality import NotEstimableError, fmt
from ._validation import StatsInputError, as_float_vector, check_choice, check_level
from .regression import RegressionResult, _jsonable, polynomial
from .tolerance import tolerance_factor
from .variance_components import VarianceComponents, variance_components

__all__ = [
    "AcceptanceCriteria",
    "AccuracyResult",
    "Check",
    "CombinedResult",
    "LimitResult",
    "LinearityResult",
    "PrecisionResult",
    "accuracy",
    "accuracy_precision",
    "assess",
    "intermediate_precision",
    "linearity",
    "lod_loq",
    "lod_signal_to_noise",
    "repeatability",
]


def _pairs(x: Any, y: Any, xname: str, yname: str) -> tuple[np.ndarray, np.ndarray]:
    xv = as_float_vector(x, xname)
    yv = as_float_vector(y, yname)
    if xv.size != yv.size:
        raise StatsInputError(f"{xname} and {yname} differ in length ({xv.size} vs {yv.size})")
    return xv, yv


def _asdict(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in obj.__dataclass_fields__:
        if k.startswith("_"):
            continue
        v = getattr(obj, k)
        if hasattr(v, "to_dict"):
            v = v.to_dict()
        elif isinstance(v, tuple) and v and hasattr(v[0], "to_dict"):
            v = [x.to_dict() for x in v]
        out[k] = _jsonable(v) if not isinstance(v, dict) else v
    return out


# --- linearity --------------------------------------------------------------------------


@dataclass(frozen=True)
class LackOfFit:
    """Lack-of-fit F test of the straight line against the level means."""

    f_statistic: float | None
    df_lack_of_fit: int
    df_pure_error: int
    p_value: float | None
    significant: bool | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, eq=False)
class LinearityResult:
    """Straight-line fit of response on concentration, with Q2(R2)'s statistics."""

    n: int
    levels: int
    slope: float
    intercept: float
    slope_ci: tuple[float, float]
    intercept_ci: tuple[float, float]
    slope_se: float
    intercept_se: float
    residual_sd: float
    r: float
    r_squared: float
    df_resid: int
    confidence: float
    target: float | None
    target_response: float | None
    intercept_percent_of_target: float | None
    lack_of_fit: LackOfFit
    range: tuple[float, float]
    concentration: np.ndarray = field(repr=False)
    response: np.ndarray = field(repr=False)
    fitted: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)
    notes: tuple[str, ...] = ()
    _fit: RegressionResult | None = field(default=None, repr=False)

    def summary(self) -> str:
        pct = f"{self.confidence * 100:g} %"
        lines = [
            f"Linearity: {self.n} points at {self.levels} levels, range "
            f"{self.range[0]:.6g} to {self.range[1]:.6g}",
            f"  slope {self.slope:.6g} ({pct} CI {self.slope_ci[0]:.6g} to {self.slope_ci[1]:.6g})",
            f"  intercept {self.intercept:.6g} ({pct} CI {self.intercept_ci[0]:.6g} to "
            f"{self.intercept_ci[1]:.6g})",
            f"  residual SD {self.residual_sd:.6g}; r = {self.r:.6f}; R² = {self.r_squared:.6f}",
            f"  intercept as % of the response at target: {fmt(self.intercept_percent_of_target)}",
            f"  lack of fit: {self.lack_of_fit.note}",
        ]
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return _asdict(self)

    def plot(self, path: Any = None) -> Any:
        """Data with the fitted line, and the residual plot; saved when ``path`` is given."""
        from .validation_plot import plot_linearity

        return plot_linearity(self, path)


def _lack_of_fit(x: np.ndarray, resid: np.ndarray, y: np.ndarray) -> LackOfFit:
    frame = pd.DataFrame({"x": x, "y": y})
    levels = frame.groupby("x")["y"]
    m = levels.ngroups
    n = x.size
    df_pe = n - m
    df_lof = m - 2
    if df_pe <= 0:
        return LackOfFit(None, df_lof, 0, None, None, "not tested: no replicated levels")
    if df_lof <= 0:
        return LackOfFit(None, df_lof, df_pe, None, None, "not tested: needs 3 or more levels")
    ss_pe = float(((frame["y"] - levels.transform("mean")) ** 2).sum())
    ss_res = float(np.sum(resid**2))
    ss_lof = max(ss_res - ss_pe, 0.0)
    if ss_pe == 0.0:
        return LackOfFit(None, df_lof, df_pe, None, None,
                         "not estimable: replicates are identical (pure error 0)")  # fmt: skip
    f = (ss_lof / df_lof) / (ss_pe / df_pe)
    p = float(sps.f.sf(f, df_lof, df_pe))
    sig = p < 0.05
    note = f"F = {f:.4g} on {df_lof} and {df_pe} df, p = {p:.4g}: " + (
        "significant lack of fit at 5 %" if sig else "no significant lack of fit at 5 %"
    )
    return LackOfFit(f, df_lof, df_pe, p, sig, note)


def linearity(
    concentration: Any,
    response: Any,
    *,
    target: float | None = None,
    confidence: float = 0.95,
) -> LinearityResult:
    """Linearity of response on concentration (ICH Q2(R2) 3.2, "Response").

    ``target`` is the 100 % test concentration; the intercept is then also reported as
    % of the fitted response there.

    >>> r = linearity([50, 75, 100, 125, 150], [0.252, 0.371, 0.498, 0.625, 0.748], target=100)
    >>> round(r.slope, 5), round(r.r, 5)
    (0.00498, 0.99994)
    """
    x, y = _pairs(concentration, response, "concentration", "response")
    confidence = check_level(confidence, "confidence")
    levels = int(np.unique(x).size)
    notes: list[str] = []
    if levels < 2 or x.size < 3:
        raise NotEstimableError(
            f"linearity needs at least 3 points at 2 or more concentrations, got {x.size} "
            f"point(s) at {levels} level(s)"
        )
    if np.all(y == y[0]):
        raise NotEstimableError("the responses do not vary: linearity is not estimable")
    if levels < 5:
        notes.append(f"ICH Q2(R2) asks for at least 5 concentrations; {levels} given")
    fit = polynomial(x, y, degree=1)
    ci = fit.confidence_interval(confidence)
    b0, b1 = (float(v) for v in fit.coefficients)
    r2 = float(fit.r_squared)
    r = math.copysign(math.sqrt(max(r2, 0.0)), b1)
    tgt_resp = pct = None
    if target is not None:
        target = float(target)
        tgt_resp = b0 + b1 * target
        if tgt_resp == 0:
            notes.append("the fitted response at target is 0: intercept % not estimable")
        else:
            pct = 100.0 * b0 / tgt_resp
    resid = np.asarray(fit.residuals, dtype=float)
    if fit.df_resid < 3:
        notes.append(f"only {fit.df_resid} residual degrees of freedom")
    return LinearityResult(
        n=int(x.size),
        levels=levels,
        slope=b1,
        intercept=b0,
        slope_ci=(float(ci[1, 0]), float(ci[1, 1])),
        intercept_ci=(float(ci[0, 0]), float(ci[0, 1])),
        slope_se=float(fit.standard_errors[1]),
        intercept_se=float(fit.standard_errors[0]),
        residual_sd=float(fit.residual_sd),
        r=r,
        r_squared=r2,
        df_resid=int(fit.df_resid),
        confidence=confidence,
        target=target,
        target_response=tgt_resp,
        intercept_percent_of_target=pct,
        lack_of_fit=_lack_of_fit(x, resid, y),
        range=(float(x.min()), float(x.max())),
        concentration=x,
        response=y,
        fitted=np.asarray(fit.fitted_values, dtype=float),
        residuals=resid,
        notes=tuple(notes),
        _fit=fit,
    )


# --- accuracy ---------------------------------------------------------------------------


def _t_interval(values: np.ndarray, confidence: float) -> tuple[float, float] | None:
    if values.size < 2:
        return None
    m = float(values.mean())
    se = float(np.std(values, ddof=1)) / math.sqrt(values.size)
    q = float(sps.t.ppf(0.5 + confidence / 2, values.size - 1))
    return m - q * se, m + q * se


@dataclass(frozen=True)
class RecoveryLevel:
    """Recovery at one level: mean, SD, RSD and the t interval of the mean."""

    level: Any
    nominal: float
    n: int
    mean_recovery: float
    sd: float | None
    rsd: float | None
    ci: tuple[float, float] | None
    within_limits: bool | None

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["level"] = _plain(self.level)
        d["ci"] = list(self.ci) if self.ci else None
        return d


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@dataclass(frozen=True, eq=False)
class AccuracyResult:
    """Recovery per level and overall, against optional limits (in % recovery)."""

    n: int
    levels: tuple[RecoveryLevel, ...]
    mean_recovery: float
    sd: float | None
    ci: tuple[float, float] | None
    confidence: float
    limits: tuple[float, float] | None
    passed: bool | None
    recoveries: np.ndarray = field(repr=False)
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        lines = [f"Accuracy: {self.n} determinations at {len(self.levels)} levels"]
        for lv in self.levels:
            ci = f"{lv.ci[0]:.2f} to {lv.ci[1]:.2f}" if lv.ci else "not estimable (n = 1)"
            lines.append(
                f"  level {_plain(lv.level)}: n = {lv.n}, mean recovery {lv.mean_recovery:.2f} %, "
                f"RSD {fmt(lv.rsd)} %, {self.confidence:.0%} CI {ci}"
            )
        ci = f"{self.ci[0]:.2f} to {self.ci[1]:.2f}" if self.ci else "not estimable"
        lines.append(f"  overall mean recovery {self.mean_recovery:.2f} % ({ci})")
        if self.limits is not None:
            verdict = "pass" if self.passed else "fail"
            lines.append(f"  limits {self.limits[0]:g} to {self.limits[1]:g} %: {verdict}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return _asdict(self)


def _levels(nominal: np.ndarray, level: Any) -> tuple[np.ndarray, list[Any]]:
    if level is None:
        codes, uniques = pd.factorize(nominal, sort=True)
        return codes, list(uniques)
    lab = np.asarray(level)
    if lab.shape != nominal.shape:
        raise StatsInputError("level must have one label per determination")
    codes, uniques = pd.factorize(lab, sort=True)
    if (codes < 0).any():
        raise StatsInputError("a level label is missing")
    return codes, list(uniques)


def _recoveries(nominal: Any, measured: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = _pairs(nominal, measured, "nominal", "measured")
    if np.any(x == 0):
        i = int(np.flatnonzero(x == 0)[0])
        raise StatsInputError(f"nominal value at position {i} is 0: recovery is not defined")
    return x, 100.0 * y / x


def accuracy(
    nominal: Any,
    measured: Any,
    level: Any = None,
    *,
    limits: tuple[float, float] | None = None,
    confidence: float = 0.95,
) -> AccuracyResult:
    """Recovery (100·measured/nominal) per level and overall (ICH Q2(R2) 3.3).

    Levels are the distinct nominal values unless ``level`` labels them. With ``limits``
    (e.g. ``(98, 102)`` %), each level passes when its mean recovery is inside them.

    >>> r = accuracy([80, 80, 80, 100, 100, 100, 120, 120, 120],
    ...              [79.6, 80.3, 80.1, 99.5, 100.4, 100.2, 119.1, 120.6, 120.2])
    >>> round(r.mean_recovery, 2)
    100.0
    """
    x, rec = _recoveries(nominal, measured)
    confidence = check_level(confidence, "confidence")
    codes, uniques = _levels(x, level)
    notes: list[str] = []
    if limits is not None and not limits[0] < limits[1]:
        raise StatsInputError(f"recovery limits must be (low, high), got {limits}")
    out = []
    for j, lab in enumerate(uniques):
        r = rec[codes == j]
        sd = float(np.std(r, ddof=1)) if r.size > 1 else None
        m = float(r.mean())
        within = None if limits is None else bool(limits[0] <= m <= limits[1])
        out.append(
            RecoveryLevel(
                lab,
                float(x[codes == j].mean()),
                int(r.size),
                m,
                sd,
                100.0 * sd / m if sd is not None and m != 0 else None,
                _t_interval(r, confidence),
                within,
            )
        )
    if x.size < 9 or len(uniques) < 3:
        notes.append(
            f"ICH Q2(R2) asks for at least 9 determinations over at least 3 levels; "
            f"{x.size} over {len(uniques)} given"
        )
    passed = None if limits is None else all(lv.within_limits for lv in out)
    return AccuracyResult(
        n=int(x.size),
        levels=tuple(out),
        mean_recovery=float(rec.mean()),
        sd=float(np.std(rec, ddof=1)) if rec.size > 1 else None,
        ci=_t_interval(rec, confidence),
        confidence=confidence,
        limits=None if limits is None else (float(limits[0]), float(limits[1])),
        passed=passed,
        recoveries=rec,
        notes=tuple(notes),
    )


# --- precision --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PrecisionResult:
    """Repeatability of replicate determinations: SD, RSD and their intervals."""

    n: int
    mean: float
    sd: float
    rsd: float | None
    sd_ci: tuple[float, float]
    rsd_ci: tuple[float, float] | None
    mean_ci: tuple[float, float]
    confidence: float
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        pct = f"{self.confidence:.0%}"
        rsd_ci = f"{self.rsd_ci[0]:.3g} to {self.rsd_ci[1]:.3g} %" if self.rsd_ci else "n/a"
        lines = [
            f"Repeatability: n = {self.n}, mean {self.mean:.6g}",
            f"  SD {self.sd:.4g} ({pct} CI {self.sd_ci[0]:.4g} to {self.sd_ci[1]:.4g}, chi-square)",
            f"  RSD {fmt(self.rsd)} % ({pct} CI {rsd_ci})",
        ]
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return _asdict(self)


def repeatability(values: Any, *, confidence: float = 0.95) -> PrecisionResult:
    """Repeatability of replicate determinations (ICH Q2(R2) 3.4.1).

    The SD interval is ``s·sqrt((n-1)/χ²)``; the RSD interval divides it by the mean.

    >>> r = repeatability([100.2, 99.8, 100.1, 99.9, 100.3, 100.0])
    >>> round(r.rsd, 3)
    0.187
    """
    x = as_float_vector(values, "values")
    confidence = check_level(confidence, "confidence")
    n = x.size
    if n < 2:
        raise NotEstimableError(f"repeatability needs at least 2 determinations, got {n}")
    notes = []
    if n < 6:
        notes.append(f"ICH Q2(R2) asks for at least 6 determinations at 100 %; {n} given")
    m = float(x.mean())
    s = float(np.std(x, ddof=1))
    a = 1 - confidence
    lo = s * math.sqrt((n - 1) / sps.chi2.ppf(1 - a / 2, n - 1))
    hi = s * math.sqrt((n - 1) / sps.chi2.ppf(a / 2, n - 1))
    rsd = 100.0 * s / abs(m) if m != 0 else None
    if m == 0:
        notes.append("mean is 0: RSD not estimable")
    if s == 0:
        notes.append("all determinations are identical (SD 0)")
    return PrecisionResult(
        n=n,
        mean=m,
        sd=s,
        rsd=rsd,
        sd_ci=(lo, hi),
        rsd_ci=(100 * lo / abs(m), 100 * hi / abs(m)) if m != 0 else None,
        mean_ci=_t_interval(x, confidence),  # type: ignore[arg-type]
        confidence=confidence,
        notes=tuple(notes),
    )


def intermediate_precision(
    data: pd.DataFrame,
    value: str,
    factors: str | list[str],
    *,
    method: str = "auto",
    ci: str = "mls",
    confidence: float = 0.95,
) -> VarianceComponents:
    """Intermediate precision (ICH Q2(R2) 3.4.2) as variance components.

    ``factors`` is one factor (e.g. ``"day"``) or two nested factors, outer first (e.g.
    ``["analyst", "day"]``). See :func:`.variance_components.variance_components`.
    """
    return variance_components(data, value, factors, method=method, ci=ci, confidence=confidence)


# --- detection and quantitation limits -------------------------------------------------


@dataclass(frozen=True)
class LimitResult:
    """Detection and quantitation limits and how σ and the slope were obtained."""

    lod: float
    loq: float
    method: str
    sigma: float | None
    sigma_basis: str
    slope: float | None
    signal_to_noise: float | None
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        lines = [f"LOD {self.lod:.4g}, LOQ {self.loq:.4g} ({self.method}; {self.sigma_basis})"]
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return _asdict(self)


def lod_loq(concentration: Any, response: Any, *, sigma: str = "residual") -> LimitResult:
    """LOD = 3.3·σ/S and LOQ = 10·σ/S from a calibration line (ICH Q2(R2) 3.5, 3.6).

    ``sigma="residual"`` uses the residual SD of the line, ``"intercept"`` the standard
    error of its y-intercept. The line should be fitted near the expected limits.

    >>> r = lod_loq([1, 2, 3, 4, 5, 6], [0.105, 0.198, 0.304, 0.402, 0.497, 0.603])
    >>> round(r.lod, 3), round(r.loq, 3)
    (0.118, 0.356)
    """
    check_choice(sigma, "sigma", ("residual", "intercept"))
    fit = linearity(concentration, response)
    if fit.slope <= 0:
        raise NotEstimableError(
            f"the calibration slope is {fit.slope:.4g}: LOD/LOQ need a response that rises "
            "with concentration"
        )
    s = fit.residual_sd if sigma == "residual" else fit.intercept_se
    basis = (
        "σ = residual SD of the calibration line"
        if sigma == "residual"
        else "σ = standard error of the y-intercept"
    )
    notes = list(fit.notes)
    if s == 0:
        raise NotEstimableError("σ is 0 (the points lie exactly on the line): LOD not estimable")
    return LimitResult(
        lod=3.3 * s / fit.slope,
        loq=10.0 * s / fit.slope,
        method="3.3·σ/S and 10·σ/S",
        sigma=float(s),
        sigma_basis=basis,
        slope=fit.slope,
        signal_to_noise=None,
        notes=tuple(notes),
    )


def lod_signal_to_noise(concentration: float, signal: float, noise: float) -> LimitResult:
    """LOD and LOQ from the signal-to-noise ratio of a low-level sample.

    ``signal`` is the peak height H above the baseline and ``noise`` the peak-to-peak
    noise h of a blank, so S/N = 2H/h (Ph. Eur. 2.2.46, USP <621>). The limits are the
    concentrations at S/N = 3 and 10, assuming the signal is proportional to
    concentration near them.

    >>> r = lod_signal_to_noise(0.05, signal=12.0, noise=2.0)
    >>> r.signal_to_noise, round(r.lod, 4), round(r.loq, 4)
    (12.0, 0.0125, 0.0417)
    """
    c, h_sig, h_noise = float(concentration), float(signal), float(noise)
    for name, v in (("concentration", c), ("signal", h_sig), ("noise", h_noise)):
        if not math.isfinite(v) or v <= 0:
            raise StatsInputError(f"{name} must be a positive number, got {v}")
    sn = 2.0 * h_sig / h_noise
    notes = []
    if sn < 3:
        notes.append(f"S/N {sn:.3g} is below 3: the sample is under the detection limit")
    return LimitResult(
        lod=c * 3.0 / sn,
        loq=c * 10.0 / sn,
        method="signal-to-noise (S/N = 2H/h; 3 for LOD, 10 for LOQ)",
        sigma=None,
        sigma_basis=f"S/N = {sn:.4g} at concentration {c:g}",
        slope=None,
        signal_to_noise=sn,
        notes=tuple(notes),
    )


# --- combined accuracy and precision ---------------------------------------------------


@dataclass(frozen=True)
class CombinedLevel:
    level: Any
    n: int
    mean_recovery: float
    sd: float
    k: float
    lower: float
    upper: float
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["level"] = _plain(self.level)
        return d


@dataclass(frozen=True, eq=False)
class CombinedResult:
    """Per level, an interval of recoveries inside the acceptance limits or not."""

    levels: tuple[CombinedLevel, ...]
    limits: tuple[float, float]
    interval: str
    coverage: float
    confidence: float | None
    passed: bool
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        lines = [
            f"Combined accuracy and precision: {self.interval}, limits "
            f"{self.limits[0]:g} to {self.limits[1]:g} %"
        ]
        for lv in self.levels:
            lines.append(
                f"  level {_plain(lv.level)}: mean {lv.mean_recovery:.2f} %, SD {lv.sd:.3g}, "
                f"interval {lv.lower:.2f} to {lv.upper:.2f} % "
                f"({'pass' if lv.passed else 'fail'})"
            )
        lines.append(f"  overall: {'pass' if self.passed else 'fail'}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return _asdict(self)


def accuracy_precision(
    nominal: Any,
    measured: Any,
    level: Any = None,
    *,
    limits: tuple[float, float] = (90.0, 110.0),
    coverage: float = 0.95,
    confidence: float = 0.95,
    interval: str = "tolerance",
) -> CombinedResult:
    """Combined accuracy and precision: does each level's interval of recoveries fit?

    ``interval="tolerance"``: a two-sided β-content normal tolerance interval
    (``coverage`` of future recoveries with ``confidence``), k exact. ``"expectation"``:
    the β-expectation interval ``mean ± t·s·sqrt(1 + 1/n)`` (the "accuracy profile").
    Each level passes when its interval lies within ``limits`` (% recovery).
    """
    check_choice(interval, "interval", ("tolerance", "expectation"))
    coverage = check_level(coverage, "coverage")
    confidence = check_level(confidence, "confidence")
    if not limits[0] < limits[1]:
        raise StatsInputError(f"limits must be (low, high), got {limits}")
    x, rec = _recoveries(nominal, measured)
    codes, uniques = _levels(x, level)
    out = []
    notes: list[str] = []
    for j, lab in enumerate(uniques):
        r = rec[codes == j]
        if r.size < 2:
            raise NotEstimableError(f"level {_plain(lab)} has one determination: needs 2 or more")
        m, s = float(r.mean()), float(np.std(r, ddof=1))
        if interval == "tolerance":
            k = tolerance_factor(r.size, coverage, confidence, sides=2, method="exact")
        else:
            k = float(sps.t.ppf(0.5 + coverage / 2, r.size - 1) * math.sqrt(1 + 1 / r.size))
        lo, hi = m - k * s, m + k * s
        out.append(CombinedLevel(lab, int(r.size), m, s, k, lo, hi,
                                 bool(limits[0] <= lo and hi <= limits[1])))  # fmt: skip
    label = (
        f"{coverage:.0%} content / {confidence:.0%} confidence tolerance interval (exact k)"
        if interval == "tolerance"
        else f"{coverage:.0%} β-expectation interval"
    )
    return CombinedResult(
        levels=tuple(out),
        limits=(float(limits[0]), float(limits[1])),
        interval=label,
        coverage=coverage,
        confidence=confidence if interval == "tolerance" else None,
        passed=all(lv.passed for lv in out),
        notes=tuple(notes),
    )


# --- acceptance criteria ---------------------------------------------------------------


@dataclass(frozen=True)
class AcceptanceCriteria:
    """A validation protocol's acceptance criteria; ``None`` means "not required"."""

    linearity_r_min: float | None = None
    linearity_r_squared_min: float | None = None
    intercept_percent_max: float | None = None
    recovery_limits: tuple[float, float] | None = None
    repeatability_rsd_max: float | None = None
    intermediate_rsd_max: float | None = None
    loq_max: float | None = None
    combined_limits: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Check:
    """One acceptance criterion against its observed value."""

    test: str
    criterion: str
    observed: str
    passed: bool | None

    @property
    def verdict(self) -> str:
        return "not assessed" if self.passed is None else "pass" if self.passed else "fail"

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["verdict"] = self.verdict
        return d


def assess(
    criteria: AcceptanceCriteria,
    *,
    linearity: LinearityResult | None = None,
    accuracy: AccuracyResult | None = None,
    repeatability: PrecisionResult | None = None,
    intermediate: VarianceComponents | None = None,
    limits: LimitResult | None = None,
    combined: CombinedResult | None = None,
) -> tuple[Check, ...]:
    """Check each result against the protocol; a criterion without its result is "not
    assessed" (never silently passed)."""
    checks: list[Check] = []
    c = criteria

    def add(test: str, crit: str, observed: float | None, ok: bool | None) -> None:
        checks.append(Check(test, crit, fmt(observed, 6, "not available"), ok))

    if c.linearity_r_min is not None:
        v = linearity.r if linearity else None
        add("linearity", f"r ≥ {c.linearity_r_min:g}", v,
            None if v is None else v >= c.linearity_r_min)  # fmt: skip
    if c.linearity_r_squared_min is not None:
        v = linearity.r_squared if linearity else None
        add("linearity", f"R² ≥ {c.linearity_r_squared_min:g}", v,
            None if v is None else v >= c.linearity_r_squared_min)  # fmt: skip
    if c.intercept_percent_max is not None:
        v = linearity.intercept_percent_of_target if linearity else None
        add("linearity", f"|intercept| ≤ {c.intercept_percent_max:g} % of target response",
            v, None if v is None else abs(v) <= c.intercept_percent_max)  # fmt: skip
    if c.recovery_limits is not None:
        lo, hi = c.recovery_limits
        if accuracy is None:
            add("accuracy", f"mean recovery {lo:g}-{hi:g} % per level", None, None)
        else:
            for lv in accuracy.levels:
                add(f"accuracy, level {_plain(lv.level)}", f"mean recovery {lo:g}-{hi:g} %",
                    lv.mean_recovery, lo <= lv.mean_recovery <= hi)  # fmt: skip
    if c.repeatability_rsd_max is not None:
        v = repeatability.rsd if repeatability else None
        add("repeatability", f"RSD ≤ {c.repeatability_rsd_max:g} %", v,
            None if v is None else v <= c.repeatability_rsd_max)  # fmt: skip
    if c.intermediate_rsd_max is not None:
        v = intermediate.rsd_total if intermediate else None
        add("intermediate precision", f"RSD ≤ {c.intermediate_rsd_max:g} %", v,
            None if v is None else v <= c.intermediate_rsd_max)  # fmt: skip
    if c.loq_max is not None:
        v = limits.loq if limits else None
        add("quantitation limit", f"LOQ ≤ {c.loq_max:g}", v,
            None if v is None else v <= c.loq_max)  # fmt: skip
    if c.combined_limits is not None:
        lo, hi = c.combined_limits
        if combined is None:
            add("accuracy and precision", f"interval within {lo:g}-{hi:g} %", None, None)
        else:
            for lv in combined.levels:
                checks.append(Check(
                    f"accuracy and precision, level {_plain(lv.level)}",
                    f"interval within {lo:g}-{hi:g} %",
                    f"{lv.lower:.2f} to {lv.upper:.2f}",
                    bool(lo <= lv.lower and lv.upper <= hi),
                ))  # fmt: skip
    return tuple(checks)
