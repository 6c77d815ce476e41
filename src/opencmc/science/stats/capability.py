"""Process capability: Cp, Cpk, Pp, Ppk, Cpm with confidence intervals, normality and PPM.

*Within* sigma is the short-term sigma of the control chart (MR̄/d2(2) for individual
values, R̄/d2, s̄/c4 or the pooled SD for subgroups); *overall* sigma is the sample
standard deviation of all values. Cp/Cpk use within sigma, Pp/Ppk overall sigma, and
Cpm = (USL - LSL) / (6·sqrt(s² + (x̄ - T)²)).

Confidence intervals (two-sided, ``confidence``): Cp and Pp by the chi-square interval
with n - 1 degrees of freedom, Cpk and Ppk by Bissell's (1990) normal approximation
``Ĉ ± z·sqrt(1/(9n) + Ĉ²/(2(n - 1)))``, Cpm by Boyles' (1991) chi-square approximation
with ``ν = n(1 + ξ²)² / (1 + 2ξ²)``, ``ξ = (x̄ - T)/s``.

Normality is checked with the Anderson-Darling statistic, adjusted for estimated mean
and SD (A*² = A²(1 + 0.75/n + 2.25/n²)), and its p-value by D'Agostino and Stephens
(1986), as R's nortest and statsmodels compute it. When it fails (``method="auto"``),
the indices are computed on Box-Cox transformed data (positive data) or, otherwise, by
the percentile method of ISO 22514-2 (the 0.135 %, 50 % and 99.865 % quantiles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special
from scipy import stats as sps

from ._quality import NotEstimableError, finite, fmt
from ._validation import LimitSideError, StatsInputError, as_float_vector, check_choice, check_level

PPM = 1_000_000.0


@dataclass(frozen=True)
class Normality:
    """Anderson-Darling test of normality (``assessed`` False below 8 values)."""

    assessed: bool
    statistic: float | None
    adjusted_statistic: float | None
    p_value: float | None
    alpha: float
    normal: bool | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def anderson_darling(values: Any, alpha: float = 0.05) -> Normality:
    """Anderson-Darling normality test with estimated mean and SD.

    >>> r = anderson_darling([2.1, 2.4, 1.9, 2.2, 2.0, 2.3, 2.5, 1.8, 2.2, 2.1])
    >>> r.normal, round(r.p_value, 3)
    (True, 0.97)
    """
    x = np.sort(as_float_vector(values, "values"))
    n = x.size
    alpha = check_level(alpha, "alpha")
    if n < 8:
        return Normality(
            False, None, None, None, alpha, None, f"not assessed: needs 8 values, got {n}"
        )
    s = float(np.std(x, ddof=1))
    if s == 0.0:
        return Normality(False, None, None, None, alpha, None, "not assessed: values do not vary")
    z = (x - x.mean()) / s
    i = np.arange(1, n + 1)
    a2 = float(-n - np.sum((2 * i - 1) * (special.log_ndtr(z) + special.log_ndtr(-z[::-1]))) / n)
    a = a2 * (1.0 + 0.75 / n + 2.25 / n**2)
    if a >= 0.6:
        p = math.exp(1.2937 - 5.709 * a + 0.0186 * a * a)
    elif a >= 0.34:
        p = math.exp(0.9177 - 4.279 * a - 1.38 * a * a)
    elif a >= 0.2:
        p = 1.0 - math.exp(-8.318 + 42.796 * a - 59.938 * a * a)
    else:
        p = 1.0 - math.exp(-13.436 + 101.14 * a - 223.73 * a * a)
    p = min(max(p, 0.0), 1.0)
    normal = p >= alpha
    note = f"Anderson-Darling A*² = {a:.4f}, p = {p:.4g}: " + (
        "no evidence against normality" if normal else f"not normal at alpha = {alpha:g}"
    )
    return Normality(True, a2, a, p, alpha, normal, note)


@dataclass(frozen=True, eq=False)
class CapabilityResult:
    """Capability indices, their intervals, sigmas, normality and expected PPM.

    An index that the limits given do not define (Cp with one limit, Cpm without a
    target) is ``None`` and :attr:`not_estimable` says why. ``intervals`` maps index
    names to two-sided ``(lower, upper)`` confidence limits. When the non-normal route
    was taken (``method`` is "box-cox" or "percentile"), the headline indices come from
    it and ``normal_theory`` keeps the indices computed as if the data were normal.
    """

    n: int
    mean: float
    sigma_within: float
    sigma_within_method: str
    sigma_overall: float
    lsl: float | None
    usl: float | None
    target: float | None
    cp: float | None
    cpk: float | None
    cpl: float | None
    cpu: float | None
    pp: float | None
    ppk: float | None
    ppl: float | None
    ppu: float | None
    cpm: float | None
    confidence: float
    intervals: dict[str, tuple[float, float]]
    interval_methods: dict[str, str]
    normality: Normality
    method: str
    transform: dict[str, Any] | None
    ppm: dict[str, dict[str, float | None]]
    not_estimable: dict[str, str]
    normal_theory: dict[str, float | None] | None
    notes: tuple[str, ...] = field(default=())
    values: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    def confidence_interval(self, index: str) -> tuple[float, float] | None:
        """The (lower, upper) interval of an index (``"cp"``, ``"cpk"``, ...), or None."""
        return self.intervals.get(index.lower())

    def summary(self) -> str:
        lines = [
            f"Capability of {self.n} values ({self.method}); "
            f"LSL {fmt(self.lsl, 6, 'none')}, USL {fmt(self.usl, 6, 'none')}, "
            f"target {fmt(self.target, 6, 'none')}",
            f"  mean {self.mean:.6g}; sigma within {self.sigma_within:.6g} "
            f"({self.sigma_within_method}); sigma overall {self.sigma_overall:.6g} (sample SD)",
        ]
        pct = f"{self.confidence * 100:g} %"
        for name in ("cp", "cpk", "pp", "ppk", "cpm"):
            value = getattr(self, name)
            if value is None:
                lines.append(f"  {name.upper():4s} not estimable: {self.not_estimable[name]}")
                continue
            ci = self.intervals.get(name)
            shown = f"  {name.upper():4s} {value:.4f}"
            if ci is not None:
                shown += f"  ({pct} CI {ci[0]:.4f} to {ci[1]:.4f}, {self.interval_methods[name]})"
            lines.append(shown)
        lines.append("  " + self.normality.note)
        for basis in ("within", "overall", "observed"):
            row = self.ppm.get(basis)
            if row is not None and row["total"] is not None:
                lines.append(f"  PPM out of specification ({basis}): {row['total']:.1f}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def plot(self, path: Any = None) -> Any:
        """Histogram with the specification limits and the within and overall normal curves."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4))
        x = self.values
        ax.hist(x, bins="auto", density=True, color="#9ecae1", edgecolor="#4a6f8a")
        lo = min([float(x.min())] + [v for v in (self.lsl,) if v is not None])
        hi = max([float(x.max())] + [v for v in (self.usl,) if v is not None])
        pad = 0.1 * (hi - lo)
        grid = np.linspace(lo - pad, hi + pad, 300)
        for sigma, style, label in (
            (self.sigma_within, "-", "within"),
            (self.sigma_overall, "--", "overall"),
        ):
            ax.plot(grid, sps.norm.pdf(grid, self.mean, sigma), style, color="#1f4e79",
                    label=f"normal, {label} sigma")  # fmt: skip
        for v, name in ((self.lsl, "LSL"), (self.usl, "USL"), (self.target, "target")):
            if v is not None:
                colour = "#2e7d32" if name == "target" else "#c62828"
                ax.axvline(v, color=colour, linestyle=":" if name == "target" else "-")
                ax.text(v, ax.get_ylim()[1] * 0.95, name, color=colour, ha="center")
        shown = [f"{k.upper()} {fmt(getattr(self, k), 3)}" for k in ("cp", "cpk", "pp", "ppk")]
        ax.set_title("Capability: " + ", ".join(shown))
        ax.legend(loc="center right", fontsize=8, framealpha=0.7)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path)
            plt.close(fig)
        return fig

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k in self.__dataclass_fields__:
            if k == "values":
                continue
            v = getattr(self, k)
            if k == "normality":
                v = v.to_dict()
            elif k == "intervals":
                v = {name: list(ci) for name, ci in v.items()}
            elif k == "notes":
                v = list(v)
            d[k] = v
        return d


def _within_sigma(x: np.ndarray, subgroup: Any, within: str | None) -> tuple[float, str]:
    from . import spc

    if subgroup is None:
        if within not in (None, "mr"):
            raise StatsInputError("without subgroups, within sigma is the moving range ('mr')")
        ch = spc.imr(x, rules="none")
        return float(ch.sigma), ch.sigma_method  # type: ignore[arg-type]
    within = within or "rbar"
    check_choice(within, "within", ("rbar", "sbar", "pooled"))
    if within == "rbar":
        ch = spc.xbar_r(x, subgroup, rules="none")
    else:
        ch = spc.xbar_s(x, subgroup, rules="none", sigma_method=within)
    return float(ch.sigma), ch.sigma_method  # type: ignore[arg-type]


def _indices(
    mean: float, sigma: float, lsl: float | None, usl: float | None
) -> tuple[float | None, float | None, float | None, float | None]:
    """(C, Ck, Cl, Cu) for one sigma."""
    cl = (mean - lsl) / (3 * sigma) if lsl is not None else None
    cu = (usl - mean) / (3 * sigma) if usl is not None else None
    c = (usl - lsl) / (6 * sigma) if lsl is not None and usl is not None else None
    ck = min(v for v in (cl, cu) if v is not None)
    return c, ck, cl, cu


def _chi2_interval(value: float, df: float, confidence: float) -> tuple[float, float]:
    a = 1.0 - confidence
    return (
        value * math.sqrt(sps.chi2.ppf(a / 2, df) / df),
        value * math.sqrt(sps.chi2.ppf(1 - a / 2, df) / df),
    )


def _bissell(value: float, n: int, confidence: float) -> tuple[float, float]:
    z = sps.norm.ppf(0.5 + confidence / 2)
    half = z * math.sqrt(1.0 / (9 * n) + value * value / (2 * (n - 1)))
    return value - half, value + half


def _ppm_normal(
    mean: float, sigma: float, lsl: float | None, usl: float | None
) -> dict[str, float | None]:
    below = PPM * float(sps.norm.cdf((lsl - mean) / sigma)) if lsl is not None else None
    above = PPM * float(sps.norm.sf((usl - mean) / sigma)) if usl is not None else None
    total = (below or 0.0) + (above or 0.0)
    return {"below_lsl": below, "above_usl": above, "total": total}


def _ppm_observed(x: np.ndarray, lsl: float | None, usl: float | None) -> dict[str, float | None]:
    below = PPM * float(np.mean(x < lsl)) if lsl is not None else None
    above = PPM * float(np.mean(x > usl)) if usl is not None else None
    return {"below_lsl": below, "above_usl": above, "total": (below or 0.0) + (above or 0.0)}


def _boxcox(values: np.ndarray, lam: float) -> np.ndarray:
    return np.log(values) if lam == 0.0 else (values**lam - 1.0) / lam


def capability(
    values: Any,
    lsl: float | None = None,
    usl: float | None = None,
    target: float | None = None,
    *,
    subgroup: Any = None,
    within: str | None = None,
    confidence: float = 0.95,
    method: str = "auto",
    alpha: float = 0.05,
) -> CapabilityResult:
    """Process capability of ``values`` against the specification limits.

    ``subgroup`` (a size or one label per value) makes within sigma R̄/d2 (``within=
    "rbar"``, default), s̄/c4 (``"sbar"``) or the pooled SD (``"pooled"``); without it
    within sigma is MR̄/d2(2). ``method`` is "auto" (normal unless Anderson-Darling
    rejects at ``alpha``, then Box-Cox for positive data, else percentile), "normal",
    "box-cox" or "percentile". ``target`` defaults to the mid-specification for Cpm.

    >>> r = capability([9.9, 10.1, 10.0, 10.2, 9.8, 10.0, 10.1, 9.9, 10.0, 10.1],
    ...                lsl=9.4, usl=10.6)
    >>> round(r.cp, 3), round(r.ppk, 3)
    (1.269, 1.643)
    """
    x = as_float_vector(values, "values")
    n = x.size
    check_choice(method, "method", ("auto", "normal", "box-cox", "percentile"))
    confidence = check_level(confidence, "confidence")
    limits = {}
    for name, v in (("lsl", lsl), ("usl", usl), ("target", target)):
        if v is not None:
            limits[name] = finite(v, name.upper())
    lsl, usl, target = limits.get("lsl"), limits.get("usl"), limits.get("target")
    if lsl is None and usl is None:
        raise LimitSideError("capability needs at least one specification limit (lsl or usl)")
    if lsl is not None and usl is not None and lsl >= usl:
        raise LimitSideError(f"LSL ({lsl:g}) must be below USL ({usl:g})")
    if n < 2:
        raise NotEstimableError(f"capability needs at least 2 values, got {n}")
    notes: list[str] = []
    not_estimable: dict[str, str] = {}
    if target is None and lsl is not None and usl is not None:
        target = (lsl + usl) / 2.0
        notes.append(f"target for Cpm taken as the mid-specification {target:.6g}")
    mean = float(x.mean())
    s_overall = float(np.std(x, ddof=1))
    if s_overall == 0.0:
        raise NotEstimableError(
            "the values do not vary (standard deviation 0): capability is not estimable"
        )
    s_within, within_method = _within_sigma(x, subgroup, within)
    if n < 30:
        notes.append(f"only {n} values: the indices are uncertain (see the intervals)")
    normality = anderson_darling(x, alpha)

    chosen = method
    if method == "auto":
        if normality.normal is False:
            lower_ok = lsl is None or lsl > 0
            chosen = "box-cox" if np.all(x > 0) and lower_ok else "percentile"
            notes.append(f"normality rejected: indices by the {chosen} method")
        else:
            chosen = "normal"

    cp, cpk, cpl, cpu = _indices(mean, s_within, lsl, usl)
    pp, ppk, ppl, ppu = _indices(mean, s_overall, lsl, usl)
    tau = math.sqrt(s_overall**2 + (mean - target) ** 2) if target is not None else None
    cpm = (usl - lsl) / (6 * tau) if tau and lsl is not None and usl is not None else None
    normal_theory = None
    transform = None
    ppm = {
        "within": _ppm_normal(mean, s_within, lsl, usl),
        "overall": _ppm_normal(mean, s_overall, lsl, usl),
        "observed": _ppm_observed(x, lsl, usl),
    }
    n_eff = n
    if chosen != "normal":
        normal_theory = {"cp": cp, "cpk": cpk, "pp": pp, "ppk": ppk, "cpm": cpm}
    if chosen == "box-cox":
        if np.any(x <= 0) or (lsl is not None and lsl <= 0):
            raise StatsInputError("Box-Cox needs positive values and a positive LSL")
        _, lam = sps.boxcox(x)
        lam = float(lam)
        y = _boxcox(x, lam)
        tl = float(_boxcox(np.array(lsl), lam)) if lsl is not None else None
        tu = float(_boxcox(np.array(usl), lam)) if usl is not None else None
        ymean, ysd = float(y.mean()), float(np.std(y, ddof=1))
        yw, within_method2 = _within_sigma(y, subgroup, within)
        cp, cpk, cpl, cpu = _indices(ymean, yw, tl, tu)
        pp, ppk, ppl, ppu = _indices(ymean, ysd, tl, tu)
        cpm = None
        not_estimable["cpm"] = "not defined on the Box-Cox scale"
        transform = {"type": "box-cox", "lambda": lam, "lsl": tl, "usl": tu}
        within_method = f"{within_method2}, on Box-Cox scale"
        ppm["within"] = _ppm_normal(ymean, yw, tl, tu)
        ppm["overall"] = _ppm_normal(ymean, ysd, tl, tu)
        after = anderson_darling(y, alpha)
        notes.append(f"Box-Cox lambda = {lam:.4g}; after transform: {after.note}")
    elif chosen == "percentile":
        q_lo, q_med, q_hi = np.quantile(x, [0.00135, 0.5, 0.99865])
        if q_hi == q_lo:
            raise NotEstimableError("the percentile spread is zero: capability not estimable")
        pl = (q_med - lsl) / (q_med - q_lo) if lsl is not None and q_med > q_lo else None
        pu = (usl - q_med) / (q_hi - q_med) if usl is not None and q_hi > q_med else None
        pp = (usl - lsl) / (q_hi - q_lo) if lsl is not None and usl is not None else None
        present = [v for v in (pl, pu) if v is not None]
        if not present:
            raise NotEstimableError("the percentile spread on the limit's side is zero")
        ppk, ppl, ppu = min(present), pl, pu
        cp = cpk = cpl = cpu = cpm = None
        for name in ("cp", "cpk", "cpm"):
            not_estimable[name] = "the percentile method gives overall (Pp, Ppk) indices only"
        transform = {
            "type": "percentile",
            "q0.00135": float(q_lo),
            "median": float(q_med),
            "q0.99865": float(q_hi),
        }
        ppm["within"] = {"below_lsl": None, "above_usl": None, "total": None}
        ppm["overall"] = {"below_lsl": None, "above_usl": None, "total": None}
        if n < 100:
            notes.append(
                f"percentile method with {n} values: the extreme quantiles are the extreme "
                "observations; 100 or more values are advised"
            )
        n_eff = 0  # no interval formula for percentile indices

    intervals: dict[str, tuple[float, float]] = {}
    methods: dict[str, str] = {}
    if n_eff >= 2:
        if cp is not None:
            intervals["cp"] = _chi2_interval(cp, n - 1, confidence)
            methods["cp"] = "chi-square, n-1 df"
        if pp is not None:
            intervals["pp"] = _chi2_interval(pp, n - 1, confidence)
            methods["pp"] = "chi-square, n-1 df"
        if cpk is not None:
            intervals["cpk"] = _bissell(cpk, n, confidence)
            methods["cpk"] = "Bissell (1990)"
        if ppk is not None:
            intervals["ppk"] = _bissell(ppk, n, confidence)
            methods["ppk"] = "Bissell (1990)"
        if cpm is not None and target is not None:
            xi = (mean - target) / s_overall
            nu = n * (1 + xi * xi) ** 2 / (1 + 2 * xi * xi)
            intervals["cpm"] = _chi2_interval(cpm, nu, confidence)
            methods["cpm"] = f"Boyles (1991), {nu:.4g} df"
    for name, value in (("cp", cp), ("pp", pp)):
        if value is None and name not in not_estimable:
            not_estimable[name] = "needs both specification limits"
    if cpm is None and "cpm" not in not_estimable:
        not_estimable["cpm"] = "needs both specification limits and a target"
    return CapabilityResult(
        n=n,
        mean=mean,
        sigma_within=s_within,
        sigma_within_method=within_method,
        sigma_overall=s_overall,
        lsl=lsl,
        usl=usl,
        target=target,
        cp=cp,
        cpk=cpk,
        cpl=cpl,
        cpu=cpu,
        pp=pp,
        ppk=ppk,
        ppl=ppl,
        ppu=ppu,
        cpm=cpm,
        confidence=confidence,
        intervals=intervals,
        interval_methods=methods,
        normality=normality,
        method=chosen,
        transform=transform,
        ppm=ppm,
        not_estimable=not_estimable,
        normal_theory=normal_theory,
        notes=tuple(notes),
        values=x,
    )
