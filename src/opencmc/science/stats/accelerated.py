"""Accelerated stability: Arrhenius and humidity-corrected Arrhenius fits, and Q10 estimates.

From isoconversion times (time to reach the specification edge) at several stress
conditions, the rate is ``k = 1 / t_iso`` and the model is
``ln k = ln A - Ea / (R T) + B * RH`` (humidity term optional; T in kelvin, RH in %).
The fit is ordinary least squares on ``ln k``; the shelf-life interval at a storage
condition is the t interval of the mean of ``ln k`` there, transformed back to time
(exact for a monotone transform, so no delta-method approximation is needed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import StatsInputError, as_float_vector, check_level
from .regression import RegressionResult, _jsonable, ols

GAS_CONSTANT = 8.314462618  # J / (mol K), CODATA 2018 exact value
KELVIN = 273.15


@dataclass(frozen=True)
class ShelfLifePrediction:
    """Predicted isoconversion time (shelf life) at one condition with its interval."""

    temperature_c: float
    humidity: float | None
    shelf_life: float
    lower: float
    upper: float
    level: float
    interval_method: str

    def to_dict(self) -> dict[str, Any]:
        return {k: _jsonable(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True, eq=False)
class ArrheniusResult:
    """Fitted Arrhenius (optionally humidity-corrected) model of isoconversion times."""

    activation_energy_kj_mol: float
    activation_energy_se: float
    ln_a: float
    ln_a_se: float
    humidity_coefficient: float | None
    humidity_coefficient_se: float | None
    n_conditions: int
    df_resid: int
    r_squared: float
    prediction: ShelfLifePrediction | None
    regression: RegressionResult = field(repr=False)

    @property
    def humidity_corrected(self) -> bool:
        return self.humidity_coefficient is not None

    def predict_shelf_life(
        self, temperature_c: float, humidity: float | None = None, level: float = 0.95
    ) -> ShelfLifePrediction:
        """Isoconversion time at a condition, with a two-sided ``level`` interval."""
        level = check_level(level, "level")
        inv_t = 1.0 / (float(temperature_c) + KELVIN)
        if self.humidity_corrected:
            if humidity is None:
                raise StatsInputError("this model has a humidity term: give humidity (% RH)")
            row = [[inv_t, float(humidity)]]
        else:
            row = [[inv_t]]
        p = self.regression.predict(row, interval="confidence", level=level)
        return ShelfLifePrediction(
            temperature_c=float(temperature_c),
            humidity=None if humidity is None else float(humidity),
            shelf_life=float(np.exp(-p.mean[0])),
            lower=float(np.exp(-p.upper[0])),
            upper=float(np.exp(-p.lower[0])),
            level=level,
            interval_method=(
                f"two-sided {level:.0%} t interval (df = {p.df}) of the mean ln k at the "
                "condition, transformed to time by t = 1/k"
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        out = {
            k: _jsonable(getattr(self, k))
            for k in self.__dataclass_fields__
            if k not in ("regression", "prediction")
        }
        out["prediction"] = None if self.prediction is None else self.prediction.to_dict()
        return out


def arrhenius(
    temperature_c: Any,
    isoconversion_time: Any,
    humidity: Any = None,
    storage_temperature_c: float | None = 25.0,
    storage_humidity: float | None = None,
    level: float = 0.95,
) -> ArrheniusResult:
    """Fit ``ln(1/t_iso) = ln A - Ea/(R T) [+ B RH]`` and predict the storage shelf life.

    Give ``humidity`` (% RH per condition) for the humidity-corrected model (then
    ``storage_humidity`` too). Times keep the unit they are given in.

    >>> temps = [50, 60, 70, 80]
    >>> t_iso = [np.exp(-30.0 + 100e3 / (GAS_CONSTANT * (t + KELVIN))) for t in temps]
    >>> r = arrhenius(temps, t_iso)
    >>> round(r.activation_energy_kj_mol, 6)
    100.0
    """
    t_c = as_float_vector(temperature_c, "temperature_c")
    t_iso = as_float_vector(isoconversion_time, "isoconversion_time")
    if len(t_c) != len(t_iso):
        raise StatsInputError(
            f"temperature_c has {len(t_c)} values but isoconversion_time has {len(t_iso)}"
        )
    if np.any(t_iso <= 0):
        raise StatsInputError("isoconversion times must be positive")
    if np.any(t_c <= -KELVIN):
        raise StatsInputError("temperatures must be above absolute zero (given in °C)")
    inv_t = 1.0 / (t_c + KELVIN)
    cols = [inv_t]
    names = ["1/T"]
    if humidity is not None:
        rh = as_float_vector(humidity, "humidity")
        if len(rh) != len(t_c):
            raise StatsInputError(f"humidity has {len(rh)} values, expected {len(t_c)}")
        cols.append(rh)
        names.append("RH")
    need = len(cols) + 2
    if len(t_c) < need:
        raise StatsInputError(
            f"{len(t_c)} condition(s) given; at least {need} are needed to fit and estimate error"
        )
    fit = ols(np.column_stack(cols), -np.log(t_iso), names=names)
    ea = -fit.coefficients[1] * GAS_CONSTANT / 1000.0
    ea_se = fit.standard_errors[1] * GAS_CONSTANT / 1000.0
    b = float(fit.coefficients[2]) if humidity is not None else None
    b_se = float(fit.standard_errors[2]) if humidity is not None else None
    result = ArrheniusResult(
        activation_energy_kj_mol=float(ea),
        activation_energy_se=float(ea_se),
        ln_a=float(fit.coefficients[0]),
        ln_a_se=float(fit.standard_errors[0]),
        humidity_coefficient=b,
        humidity_coefficient_se=b_se,
        n_conditions=len(t_c),
        df_resid=fit.df_resid,
        r_squared=fit.r_squared,
        prediction=None,
        regression=fit,
    )
    if storage_temperature_c is None:
        return result
    pred = result.predict_shelf_life(storage_temperature_c, storage_humidity, level)
    return ArrheniusResult(**{**result.__dict__, "prediction": pred})


def q10_from_activation_energy(activation_energy_kj_mol: float, temperature_c: float) -> float:
    """Q10 implied by an activation energy around ``temperature_c`` (T to T + 10 °C).

    >>> round(q10_from_activation_energy(83.0, 25.0), 2)
    2.96
    """
    t = float(temperature_c) + KELVIN
    return float(
        np.exp(activation_energy_kj_mol * 1000.0 / GAS_CONSTANT * (1.0 / t - 1.0 / (t + 10.0)))
    )


def q10_shelf_life(
    shelf_life_at_test: float, test_temperature_c: float, storage_temperature_c: float, q10: float
) -> float:
    """Q10 shortcut: shelf life at storage = shelf life at test x Q10^((Ttest - Tstore)/10).

    Q10 is stated, not assumed: 2 is the conservative textbook value, 3 and 4 the
    moderate and aggressive ones.

    >>> round(q10_shelf_life(6.0, 40.0, 25.0, q10=2.0), 3)
    16.971
    """
    if not q10 > 0 or not shelf_life_at_test > 0:
        raise StatsInputError("q10 and shelf_life_at_test must be positive")
    return float(shelf_life_at_test * q10 ** ((test_temperature_c - storage_temperature_c) / 10))
