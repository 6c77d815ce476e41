"""Stirred-bioreactor agitation arithmetic and scale-up between two vessel geometries.

Every input carries its unit (``"0.5 m"``, ``"120 rpm"``, ``"0.3 vvm"``); results are in
SI with the unit in the field name. The relations used:

* Reynolds number ``Re = rho N D^2 / mu`` (``N`` in rev/s, ``D`` the impeller diameter).
* Power ``P = Np rho N^3 D^5`` per impeller, with a constant power number ``Np``: valid in
  the turbulent regime (``Re > 10^4``); gassed power is ``P`` times a given ``Pg/P``.
* Tip speed ``pi N D``; superficial gas velocity ``vs = Q / (pi T^2 / 4)``.
* ``kLa = a (Pg/V)^alpha vs^beta`` (SI units) from a named published correlation.
* Mixing time (95 % homogeneity, turbulent, one impeller, liquid height = T): Grenville's
  ``N theta95 Np^(1/3) (D/T)^2 = 5.20``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .units import UnitError, positive


@dataclass(frozen=True)
class KlaCorrelation:
    """``kLa [1/s] = a (Pg/V [W/m3])^alpha (vs [m/s])^beta``, with where it comes from."""

    name: str
    a: float
    alpha: float
    beta: float
    source: str
    valid_power_per_volume_w_m3: tuple[float, float] | None = None
    valid_volume_m3: float | None = None

    def kla(self, power_per_volume_w_m3: float, superficial_velocity_m_s: float) -> float:
        return self.a * power_per_volume_w_m3**self.alpha * superficial_velocity_m_s**self.beta

    def power_per_volume_for(self, kla_per_s: float, superficial_velocity_m_s: float) -> float:
        """The gassed P/V that gives this kLa at this superficial gas velocity."""
        return (kla_per_s / (self.a * superficial_velocity_m_s**self.beta)) ** (1 / self.alpha)


VANT_RIET = "van't Riet, K. (1979) Ind. Eng. Chem. Process Des. Dev. 18(3), 357-364"

KLA_CORRELATIONS: dict[str, KlaCorrelation] = {
    "vant_riet_coalescing": KlaCorrelation(
        "van't Riet (1979), coalescing (pure water)",
        0.026,
        0.4,
        0.5,
        VANT_RIET + "; air-water, V < 2.6 m3, 500 < P/V < 10000 W/m3",
        (500.0, 10000.0),
        2.6,
    ),
    "vant_riet_non_coalescing": KlaCorrelation(
        "van't Riet (1979), non-coalescing (ionic solutions, culture media)",
        0.002,
        0.7,
        0.2,
        VANT_RIET + "; electrolyte solutions, V < 4.4 m3, 500 < P/V < 10000 W/m3",
        (500.0, 10000.0),
        4.4,
    ),
}

# Typical turbulent power numbers (fully baffled tanks). Measure, or take the vendor's
# value, for a given impeller: these vary with blade thickness, D/T and clearance.
POWER_NUMBERS: dict[str, tuple[float, str]] = {
    "rushton": (
        5.0,
        "six-blade Rushton disc turbine (Rushton, Costich and Everett 1950; Nienow 1997: 4.8-5.5)",
    ),
    "pitched_blade": (
        1.27,
        "four-blade 45° pitched-blade turbine (Handbook of Industrial "
        "Mixing, Paul, Atiemo-Obeng and Kresta 2004)",
    ),
    "hydrofoil": (
        0.30,
        "three-blade hydrofoil, e.g. Lightnin A310 (Handbook of Industrial Mixing 2004)",
    ),
    "marine_propeller": (
        0.35,
        "three-blade marine propeller, pitch = diameter (Handbook of Industrial Mixing 2004)",
    ),
}

GRENVILLE = (
    "Grenville, R.K. (1992) PhD thesis, Cranfield; Nienow, A.W. (1997) Chem. Eng. Sci. "
    "52, 2557-2565: N theta95 Np^(1/3) (D/T)^2 = 5.20, turbulent, H = T"
)


@dataclass(frozen=True)
class Vessel:
    """A stirred vessel's geometry and impellers (SI inside; build with :meth:`of`)."""

    tank_diameter_m: float
    impeller_diameter_m: float
    liquid_volume_m3: float
    power_number: float
    impellers: int = 1
    name: str = ""

    @classmethod
    def of(
        cls,
        tank_diameter: Any,
        impeller_diameter: Any,
        liquid_volume: Any,
        impeller: str = "rushton",
        power_number: float | None = None,
        impellers: int = 1,
        name: str = "",
    ) -> Vessel:
        """A vessel from quantities with units.

        >>> v = Vessel.of("0.2 m", "6.7 cm", "5 L")
        >>> v.impeller_diameter_m, v.liquid_volume_m3, v.power_number
        (0.067, 0.005, 5.0)
        """
        t = positive(tank_diameter, "length", "tank diameter")
        d = positive(impeller_diameter, "length", "impeller diameter")
        v = positive(liquid_volume, "volume", "liquid volume")
        if d >= t:
            raise UnitError(f"impeller diameter {impeller_diameter!r} must be below the tank's")
        if power_number is None:
            if impeller not in POWER_NUMBERS:
                raise UnitError(
                    f"impeller {impeller!r} unknown; give power_number or one of "
                    + ", ".join(POWER_NUMBERS)
                )
            power_number = POWER_NUMBERS[impeller][0]
        if not power_number > 0:
            raise UnitError("power number must be positive")
        if int(impellers) != impellers or impellers < 1:
            raise UnitError("impellers must be a whole number, at least 1")
        return cls(t, d, v, float(power_number), int(impellers), name)

    @property
    def liquid_height_m(self) -> float:
        return self.liquid_volume_m3 / (math.pi * self.tank_diameter_m**2 / 4)

    @property
    def cross_section_m2(self) -> float:
        return math.pi * self.tank_diameter_m**2 / 4


@dataclass(frozen=True)
class Liquid:
    """Density and viscosity of the broth (water at 37 °C by default)."""

    density_kg_m3: float = 993.0
    viscosity_pa_s: float = 0.00069

    @classmethod
    def of(cls, density: Any = "993 kg/m3", viscosity: Any = "0.69 mPa.s") -> Liquid:
        return cls(
            positive(density, "density", "density"), positive(viscosity, "viscosity", "viscosity")
        )


@dataclass(frozen=True)
class Agitation:
    """What one agitation speed gives in one vessel."""

    vessel: str
    speed_rps: float
    speed_rpm: float
    tip_speed_m_s: float
    reynolds: float
    regime: str
    power_w: float
    gassed_power_w: float
    power_per_volume_w_m3: float
    gassed_power_per_volume_w_m3: float
    superficial_gas_velocity_m_s: float | None
    gas_flow_vvm: float | None
    kla_per_s: float | None
    kla_per_h: float | None
    mixing_time_s: float
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["notes"] = list(self.notes)
        return out


def _gas(vessel: Vessel, aeration: Any) -> tuple[float | None, float | None]:
    """(superficial velocity m/s, vvm) from vvm, a gas flow or a superficial velocity."""
    if aeration is None:
        return None, None
    for dim in ("specific gas flow", "gas flow", "velocity"):
        try:
            value = positive(aeration, dim, "aeration")
        except UnitError as exc:
            if "is a" in str(exc) or "unknown unit" in str(exc):
                continue
            raise
        if dim == "specific gas flow":
            q = value * vessel.liquid_volume_m3
        elif dim == "gas flow":
            q = value
        else:
            q = value * vessel.cross_section_m2
        return q / vessel.cross_section_m2, q / vessel.liquid_volume_m3 * 60
    raise UnitError(
        f"aeration {aeration!r}: give vvm ('0.5 vvm'), a gas flow ('10 L/min') or a "
        "superficial velocity ('0.005 m/s')"
    )


def _correlation(kla: str | KlaCorrelation) -> KlaCorrelation:
    if isinstance(kla, KlaCorrelation):
        return kla
    if kla not in KLA_CORRELATIONS:
        raise UnitError(
            f"kLa correlation {kla!r} unknown; use one of {', '.join(KLA_CORRELATIONS)}"
        )
    return KLA_CORRELATIONS[kla]


def agitation(
    vessel: Vessel,
    speed: Any,
    liquid: Liquid | None = None,
    aeration: Any = None,
    kla: str | KlaCorrelation = "vant_riet_non_coalescing",
    gassed_power_ratio: float = 1.0,
) -> Agitation:
    """Tip speed, Reynolds number, power, P/V, kLa and mixing time at one speed.

    >>> v = Vessel.of("0.2 m", "6.7 cm", "5 L")
    >>> a = agitation(v, "300 rpm", Liquid.of("1000 kg/m3", "1 cP"))
    >>> round(a.power_w, 4), round(a.tip_speed_m_s, 4), round(a.reynolds)
    (0.8438, 1.0524, 22445)
    """
    liquid = liquid or Liquid()
    n = positive(speed, "rotational speed", "speed")
    if not 0 < gassed_power_ratio <= 1:
        raise UnitError(f"gassed power ratio Pg/P must be in (0, 1], got {gassed_power_ratio}")
    d, t = vessel.impeller_diameter_m, vessel.tank_diameter_m
    rho, mu = liquid.density_kg_m3, liquid.viscosity_pa_s
    re = rho * n * d**2 / mu
    regime = "turbulent" if re > 1e4 else "transitional" if re > 10 else "laminar"
    notes: list[str] = []
    if regime != "turbulent":
        notes.append(
            f"Re = {re:.3g} is {regime}: the power number is not constant there, so power, "
            "kLa and mixing time from turbulent correlations are not reliable"
        )
    power = vessel.impellers * vessel.power_number * rho * n**3 * d**5
    gassed = power * gassed_power_ratio
    vs, vvm = _gas(vessel, aeration)
    kla_s = None
    if vs is not None:
        corr = _correlation(kla)
        kla_s = corr.kla(gassed / vessel.liquid_volume_m3, vs)
        lo_hi = corr.valid_power_per_volume_w_m3
        pv = gassed / vessel.liquid_volume_m3
        if lo_hi and not lo_hi[0] <= pv <= lo_hi[1]:
            notes.append(
                f"P/V = {pv:.3g} W/m3 is outside the range {lo_hi[0]:g}-{lo_hi[1]:g} W/m3 "
                f"of the {corr.name} correlation"
            )
        if corr.valid_volume_m3 and vessel.liquid_volume_m3 > corr.valid_volume_m3:
            notes.append(
                f"{vessel.liquid_volume_m3:g} m3 is above the {corr.valid_volume_m3:g} m3 the "
                f"{corr.name} correlation was fitted on"
            )
    if gassed_power_ratio == 1.0 and vs is not None:
        notes.append("ungassed power used for kLa; give gassed_power_ratio (Pg/P) if known")
    theta = 5.20 / (n * vessel.power_number ** (1 / 3)) * (t / d) ** 2
    h_t = vessel.liquid_height_m / t
    if vessel.impellers > 1 or not 0.8 <= h_t <= 1.2:
        notes.append(
            f"mixing time from Grenville's single-impeller, H = T correlation; here H/T = "
            f"{h_t:.2f} with {vessel.impellers} impeller(s), so it is an estimate"
        )
    return Agitation(
        vessel=vessel.name,
        speed_rps=n,
        speed_rpm=n * 60,
        tip_speed_m_s=math.pi * n * d,
        reynolds=re,
        regime=regime,
        power_w=power,
        gassed_power_w=gassed,
        power_per_volume_w_m3=power / vessel.liquid_volume_m3,
        gassed_power_per_volume_w_m3=gassed / vessel.liquid_volume_m3,
        superficial_gas_velocity_m_s=vs,
        gas_flow_vvm=vvm,
        kla_per_s=kla_s,
        kla_per_h=None if kla_s is None else kla_s * 3600,
        mixing_time_s=theta,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class ScaleUp:
    """The small-scale operating point and the large-scale speed for each criterion."""

    small: Agitation
    strategies: dict[str, Agitation]
    correlation: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "small": self.small.to_dict(),
            "strategies": {k: v.to_dict() for k, v in self.strategies.items()},
            "correlation": self.correlation,
            "notes": list(self.notes),
        }

    def table(self) -> list[dict[str, Any]]:
        """One row per operating point: speed, tip speed, P/V, Re, kLa, mixing time."""
        rows = [("small scale", self.small), *self.strategies.items()]
        return [
            {
                "case": name,
                "speed_rpm": a.speed_rpm,
                "tip_speed_m_s": a.tip_speed_m_s,
                "power_per_volume_w_m3": a.power_per_volume_w_m3,
                "reynolds": a.reynolds,
                "kla_per_h": a.kla_per_h,
                "mixing_time_s": a.mixing_time_s,
            }
            for name, a in rows
        ]


def scale_up(
    small: Vessel,
    large: Vessel,
    speed: Any,
    liquid: Liquid | None = None,
    aeration: Any = None,
    large_aeration: Any = None,
    kla: str | KlaCorrelation = "vant_riet_non_coalescing",
    gassed_power_ratio: float = 1.0,
) -> ScaleUp:
    """Large-scale agitation for constant P/V, constant tip speed and constant kLa.

    ``aeration`` is the small scale's (vvm, gas flow or superficial velocity);
    ``large_aeration`` defaults to the same vvm. Constant kLa needs aeration.

    >>> s = scale_up(Vessel.of("0.2 m", "6.7 cm", "5 L"), Vessel.of("1.2 m", "0.4 m", "1100 L"),
    ...              "300 rpm")
    >>> round(s.strategies["constant tip speed"].speed_rpm, 1)
    50.2
    """
    liquid = liquid or Liquid()
    kw = {"liquid": liquid, "kla": kla, "gassed_power_ratio": gassed_power_ratio}
    a1 = agitation(small, speed, aeration=aeration, **kw)
    if large_aeration is None and a1.gas_flow_vvm is not None:
        large_aeration = (a1.gas_flow_vvm, "vvm")
    rho = liquid.density_kg_m3

    def speed_for_power_per_volume(pv: float) -> float:
        per = large.impellers * large.power_number * rho * large.impeller_diameter_m**5
        return (pv * large.liquid_volume_m3 / per) ** (1 / 3)

    strategies: dict[str, Agitation] = {}
    n_pv = speed_for_power_per_volume(a1.power_per_volume_w_m3)
    strategies["constant P/V"] = agitation(large, (n_pv, "rps"), aeration=large_aeration, **kw)
    n_tip = a1.tip_speed_m_s / (math.pi * large.impeller_diameter_m)
    strategies["constant tip speed"] = agitation(
        large, (n_tip, "rps"), aeration=large_aeration, **kw
    )
    notes: list[str] = []
    if a1.kla_per_s is not None:
        vs2, _ = _gas(large, large_aeration)
        corr = _correlation(kla)
        pv_g = corr.power_per_volume_for(a1.kla_per_s, vs2)  # type: ignore[arg-type]
        n_kla = speed_for_power_per_volume(pv_g / gassed_power_ratio)
        strategies["constant kLa"] = agitation(large, (n_kla, "rps"), aeration=large_aeration, **kw)
    else:
        notes.append("constant kLa needs the aeration rate; give aeration")
    name = _correlation(kla).name if a1.kla_per_s is not None else ""
    return ScaleUp(a1, strategies, name, tuple(notes))
