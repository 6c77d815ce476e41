"""Quantities with units for process arithmetic: parse, check the dimension, convert to SI.

A quantity is written as text (``"300 rpm"``, ``"2000 L"``) or a ``(value, unit)``
pair. A bare number is refused where a unit is needed, so nothing is silently assumed.
"""

from __future__ import annotations

import math
import re
from typing import Any

# unit -> (dimension, factor to the SI unit of that dimension)
UNITS: dict[str, tuple[str, float]] = {
    # length (m)
    "m": ("length", 1.0),
    "cm": ("length", 1e-2),
    "mm": ("length", 1e-3),
    "in": ("length", 0.0254),
    "ft": ("length", 0.3048),
    # volume (m3)
    "m3": ("volume", 1.0),
    "L": ("volume", 1e-3),
    "l": ("volume", 1e-3),
    "mL": ("volume", 1e-6),
    "ml": ("volume", 1e-6),
    "gal": ("volume", 3.785411784e-3),
    # rotational speed (1/s)
    "rpm": ("rotational speed", 1 / 60),
    "rps": ("rotational speed", 1.0),
    "1/s": ("rotational speed", 1.0),
    "1/min": ("rotational speed", 1 / 60),
    # density (kg/m3)
    "kg/m3": ("density", 1.0),
    "g/L": ("density", 1.0),
    "g/mL": ("density", 1000.0),
    "g/cm3": ("density", 1000.0),
    # dynamic viscosity (Pa s)
    "Pa.s": ("viscosity", 1.0),
    "Pa s": ("viscosity", 1.0),
    "mPa.s": ("viscosity", 1e-3),
    "mPa s": ("viscosity", 1e-3),
    "cP": ("viscosity", 1e-3),
    "P": ("viscosity", 0.1),
    # power (W)
    "W": ("power", 1.0),
    "kW": ("power", 1e3),
    "hp": ("power", 745.699872),
    # power per volume (W/m3)
    "W/m3": ("power per volume", 1.0),
    "kW/m3": ("power per volume", 1e3),
    "W/L": ("power per volume", 1e3),
    "mW/L": ("power per volume", 1.0),
    # velocity (m/s)
    "m/s": ("velocity", 1.0),
    "cm/s": ("velocity", 1e-2),
    "mm/s": ("velocity", 1e-3),
    # volumetric gas flow (m3/s)
    "m3/s": ("gas flow", 1.0),
    "m3/h": ("gas flow", 1 / 3600),
    "L/min": ("gas flow", 1e-3 / 60),
    "slpm": ("gas flow", 1e-3 / 60),
    "mL/min": ("gas flow", 1e-6 / 60),
    # specific gas flow: volumes of gas per volume of liquid per minute (1/s)
    "vvm": ("specific gas flow", 1 / 60),
    # time (s)
    "s": ("time", 1.0),
    "min": ("time", 60.0),
    "h": ("time", 3600.0),
    # rates such as kLa (1/s)
    "1/h": ("rate", 1 / 3600),
    "per h": ("rate", 1 / 3600),
    "per s": ("rate", 1.0),
}

SI = {
    "length": "m",
    "volume": "m3",
    "rotational speed": "1/s",
    "density": "kg/m3",
    "viscosity": "Pa.s",
    "power": "W",
    "power per volume": "W/m3",
    "velocity": "m/s",
    "gas flow": "m3/s",
    "specific gas flow": "1/s",
    "time": "s",
    "rate": "1/s",
}


class UnitError(ValueError):
    """A quantity without a unit, with an unknown unit, or of the wrong dimension."""


def _same_dimension(dim: str, expected: str) -> bool:
    # 1/s serves both a rotational speed and a rate (kLa)
    pair = {"rotational speed", "rate"}
    return dim == expected or (dim in pair and expected in pair)


def si(value: Any, dimension: str, name: str) -> float:
    """The value of a quantity in the SI unit of ``dimension``, checking its unit.

    >>> si("300 rpm", "rotational speed", "speed")
    5.0
    >>> si((2000, "L"), "volume", "volume")
    2.0
    """
    if isinstance(value, bool) or value is None:
        raise UnitError(f"{name}: expected a {dimension} with its unit, got {value!r}")
    if isinstance(value, int | float):
        raise UnitError(
            f"{name}: {value!r} has no unit; write it with one, e.g. '{value} {SI[dimension]}'"
        )
    if isinstance(value, tuple) and len(value) == 2:
        number, unit = value
    elif isinstance(value, str):
        if re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*", value):
            raise UnitError(
                f"{name}: {value.strip()!r} has no unit; write it with one, "
                f"e.g. '{value.strip()} {SI[dimension]}'"
            )
        m = re.fullmatch(r"\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(.+?)\s*", value)
        if not m:
            raise UnitError(f"{name}: cannot read {value!r}; write a number and a unit")
        number, unit = m.group(1), m.group(2)
    else:
        raise UnitError(f"{name}: expected text such as '2 m' or a (value, unit) pair")
    unit = str(unit).strip().replace("³", "3").replace("·", ".")
    if unit not in UNITS:
        known = ", ".join(u for u, (d, _f) in UNITS.items() if _same_dimension(d, dimension))
        raise UnitError(f"{name}: unknown unit {unit!r}; for a {dimension} use one of {known}")
    dim, factor = UNITS[unit]
    if not _same_dimension(dim, dimension):
        raise UnitError(f"{name}: {value!r} is a {dim}, but a {dimension} is expected")
    try:
        number = float(number)
    except (TypeError, ValueError) as exc:
        raise UnitError(f"{name}: {number!r} is not a number") from exc
    if not math.isfinite(number):
        raise UnitError(f"{name}: {number!r} is not finite")
    return number * factor


def positive(value: Any, dimension: str, name: str) -> float:
    v = si(value, dimension, name)
    if v <= 0:
        raise UnitError(f"{name} must be positive, got {value!r}")
    return v
