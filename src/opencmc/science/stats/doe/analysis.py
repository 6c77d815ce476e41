"""The analysed experiment as a result object: numbers, prediction, diagnostics, plots.

:func:`opencmc.science.stats.doe.analyze` builds an :class:`Analysis`; everything derived
from the fit (predictions with intervals, residual diagnostics, the stationary point of a
second-order model, the dictionary the CLI and API serialise) is a method here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._validation import MissingColumnError, StatsInputError, check_level
from .factors import Factor, Model
from .runsheet import _jsonable


@dataclass(frozen=True)
class LenthResult:
    """Lenth's (1989) pseudo standard error with the margin and simultaneous margin of error."""

    pse: float
    df: float
    margin_of_error: float
    simultaneous_margin_of_error: float
    alpha: float
    active: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


@dataclass(frozen=True, eq=False)
class Analysis:
    """The analysed experiment. ``effects`` and ``coefficients`` are keyed by term name.

    ``coefficients`` include ``"intercept"`` and are in coded units; ``effects`` (two
    times the coefficient) are given for terms that are products of distinct factors.
    Without error degrees of freedom, ``p_values`` are empty and ``lenth`` judges effects.
    """

    response: str
    factors: tuple[Factor, ...]
    model: Model
    coefficients: dict[str, float]
    effects: dict[str, float]
    standard_errors: dict[str, float]
    t_values: dict[str, float]
    p_values: dict[str, float]
    anova: list[dict[str, Any]]
    r_squared: float
    adj_r_squared: float | None
    pred_r_squared: float | None
    residual_sd: float | None
    df_resid: int
    n_runs: int
    grand_mean: float
    lenth: LenthResult | None
    curvature: dict[str, Any] | None
    lack_of_fit: dict[str, Any] | None
    aliases: dict[str, list[str]]
    removed: tuple[str, ...]
    coding: dict[str, dict[str, Any]]
    notes: tuple[str, ...]
    coded: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    fitted: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)
    leverage: np.ndarray = field(repr=False)
    covariance: np.ndarray | None = field(repr=False)
    coefficient_vector: np.ndarray = field(repr=False)

    # --- derived ------------------------------------------------------------------
    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.model.terms)

    @property
    def studentized_residuals(self) -> np.ndarray:
        """Internally studentized residuals e / (s sqrt(1 - h)); NaN where undefined."""
        if not self.residual_sd:
            return np.full(len(self.y), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.residuals / (self.residual_sd * np.sqrt(1 - self.leverage))

    @property
    def cooks_distance(self) -> np.ndarray:
        p = len(self.coefficient_vector)
        r = self.studentized_residuals
        with np.errstate(divide="ignore", invalid="ignore"):
            return r**2 * self.leverage / (p * (1 - self.leverage))

    def residual_diagnostics(self) -> dict[str, Any]:
        """Residuals, leverage, studentized residuals, Cook's distance, Shapiro-Wilk."""
        out: dict[str, Any] = {
            "residuals": self.residuals,
            "fitted": self.fitted,
            "leverage": self.leverage,
            "studentized": self.studentized_residuals,
            "cooks_distance": self.cooks_distance,
        }
        if self.df_resid > 0 and len(self.y) >= 3 and np.ptp(self.residuals) > 0:
            w, p = sps.shapiro(self.residuals)
            out["shapiro_wilk"] = {"W": float(w), "p_value": float(p)}
        return out

    def coded_points(self, points: Any) -> np.ndarray:
        """Actual factor settings (DataFrame, dict or rows) to coded rows."""
        if isinstance(points, Mapping):
            points = pd.DataFrame({k: np.atleast_1d(v) for k, v in points.items()})
        if isinstance(points, pd.DataFrame):
            missing = [f.name for f in self.factors if f.name not in points.columns]
            if missing:
                raise MissingColumnError(f"points lack factor column(s) {', '.join(missing)}")
            return np.column_stack(
                [
                    f.to_coded(points[f.name].tolist(), limit=self.coding[f.name]["limit"] * 10)
                    for f in self.factors
                ]
            )
        arr = np.atleast_2d(np.asarray(points, dtype=float))
        return np.column_stack(
            [f.to_coded(arr[:, j], limit=np.inf) for j, f in enumerate(self.factors)]
        )

    def predict_coded(self, coded: np.ndarray) -> np.ndarray:
        """Predicted mean at coded points (vectorised; used by optimisation)."""
        return self.model.matrix(coded) @ self.coefficient_vector

    def predict(
        self, points: Any, interval: str = "confidence", level: float = 0.95
    ) -> pd.DataFrame:
        """Predicted mean with a confidence or prediction interval at actual factor settings."""
        check_level(level, "level")
        x = self.coded_points(points)
        f = self.model.matrix(x)
        mean = f @ self.coefficient_vector
        out = pd.DataFrame({"predicted": mean})
        if self.covariance is not None and self.df_resid > 0:
            var = np.einsum("ij,jk,ik->i", f, self.covariance, f)
            if interval == "prediction":
                var = var + self.residual_sd**2  # type: ignore[operator]
            se = np.sqrt(var)
            q = sps.t.ppf(0.5 + level / 2, self.df_resid)
            out["se"] = se
            out["lower"], out["upper"] = mean - q * se, mean + q * se
        return out

    def stationary_point(self) -> dict[str, Any]:
        """Stationary point of a second-order model (coded and actual) and its nature."""
        names = [f.name for f in self.factors]
        k = len(names)
        b = np.zeros(k)
        bmat = np.zeros((k, k))
        for t, sl in self.model.term_slices():
            if sl.stop - sl.start != 1:
                raise StatsInputError("the stationary point needs numeric factors only")
            c = self.coefficient_vector[sl.start]
            idx = [names.index(n) for n in t.factors]
            if len(idx) == 1:
                b[idx[0]] = c
            elif len(idx) == 2 and idx[0] == idx[1]:
                bmat[idx[0], idx[0]] = c
            elif len(idx) == 2:
                bmat[idx[0], idx[1]] = bmat[idx[1], idx[0]] = c / 2
            else:
                raise StatsInputError(f"term {t.name} is not second order")
        if not np.any(bmat):
            raise StatsInputError("the model has no second-order terms")
        xs = -0.5 * np.linalg.solve(bmat, b)
        eig = np.linalg.eigvalsh(bmat)
        nature = "maximum" if np.all(eig < 0) else "minimum" if np.all(eig > 0) else "saddle point"
        actual = {f.name: float(f.to_actual([xs[j]])[0]) for j, f in enumerate(self.factors)}
        return {
            "coded": dict(zip(names, xs.tolist(), strict=True)),
            "actual": actual,
            "predicted": float(self.predict_coded(xs[None, :])[0]),
            "eigenvalues": eig.tolist(),
            "nature": nature,
        }

    def to_dict(self) -> dict[str, Any]:
        keys = [
            "response",
            "coefficients",
            "effects",
            "standard_errors",
            "t_values",
            "p_values",
            "anova",
            "r_squared",
            "adj_r_squared",
            "pred_r_squared",
            "residual_sd",
            "df_resid",
            "n_runs",
            "grand_mean",
            "curvature",
            "lack_of_fit",
            "aliases",
            "removed",
            "coding",
            "notes",
        ]
        out = {k: _jsonable(getattr(self, k)) for k in keys}
        out["terms"] = list(self.terms)
        out["factors"] = [f.name for f in self.factors]
        out["lenth"] = None if self.lenth is None else self.lenth.to_dict()
        return out

    def summary(self) -> str:
        lines = [f"Response {self.response}: {self.n_runs} runs, model {' + '.join(self.terms)}"]
        lines.append(f"{'term':<24}{'effect':>12}{'coefficient':>14}{'p':>10}")
        for name, c in self.coefficients.items():
            eff = self.effects.get(name)
            p = self.p_values.get(name)
            lines.append(
                f"{name:<24}{'' if eff is None else f'{eff:.4g}':>12}{c:>14.4g}"
                f"{'' if p is None else f'{p:.3g}':>10}"
            )
        r2 = f"R² {self.r_squared:.4f}"
        if self.adj_r_squared is not None:
            r2 += f", adjusted {self.adj_r_squared:.4f}"
        if self.pred_r_squared is not None:
            r2 += f", predicted {self.pred_r_squared:.4f}"
        lines.append(r2)
        if self.lenth is not None:
            lines.append(
                f"Lenth PSE {self.lenth.pse:.4g}, ME {self.lenth.margin_of_error:.4g}, "
                f"SME {self.lenth.simultaneous_margin_of_error:.4g}; active: "
                + (", ".join(self.lenth.active) or "none")
            )
        lines += list(self.notes)
        return "\n".join(lines)

    # --- plots (matplotlib, drawn on demand) --------------------------------------
    def half_normal_plot(self, path: str | Path | None = None) -> Any:
        from .plots import half_normal_plot

        return half_normal_plot(self, path)

    def contour_plot(
        self,
        x: str,
        y: str,
        path: str | Path | None = None,
        hold: Mapping[str, Any] | None = None,
        surface: bool = False,
    ) -> Any:
        from .plots import response_surface_plot

        return response_surface_plot(self, x, y, path, hold=hold, surface=surface)

    def residual_plot(self, path: str | Path | None = None) -> Any:
        from .plots import residual_plot

        return residual_plot(self, path)
