"""Stirred-bioreactor scale-up arithmetic: definitions, scaling laws, units checked."""

from __future__ import annotations

import math

import pytest

from opencmc.science.process import (
    KLA_CORRELATIONS,
    Liquid,
    UnitError,
    Vessel,
    agitation,
    scale_up,
    si,
)

WATER = Liquid.of("1000 kg/m3", "1 cP")
SMALL = Vessel.of("0.2 m", "6.7 cm", "5 L", name="5 L")


def test_units_convert_and_are_checked() -> None:
    assert si("300 rpm", "rotational speed", "speed") == pytest.approx(5.0)
    assert si("2 ft", "length", "x") == pytest.approx(0.6096)
    assert si("1 cP", "viscosity", "mu") == pytest.approx(1e-3)
    assert si((0.5, "vvm"), "specific gas flow", "gas") == pytest.approx(0.5 / 60)
    assert si("2 W/L", "power per volume", "pv") == pytest.approx(2000.0)
    with pytest.raises(UnitError, match=r"has no unit; write it with one, e.g. '0.5 m'"):
        Vessel.of(0.5, "0.2 m", "100 L")
    with pytest.raises(
        UnitError, match="tank diameter: '2 L' is a volume, but a length is expected"
    ):
        Vessel.of("2 L", "0.2 m", "100 L")
    with pytest.raises(UnitError, match=r"'0.2' has no unit; write it with one, e.g. '0.2 m'"):
        Vessel.of("0.2", "0.2 m", "100 L")  # a bare number as text, not the unit ".2"
    with pytest.raises(UnitError, match="unknown unit 'furlong'"):
        Vessel.of("2 furlong", "0.2 m", "100 L")
    with pytest.raises(UnitError, match="must be below the tank's"):
        Vessel.of("0.2 m", "0.3 m", "5 L")
    with pytest.raises(UnitError, match="aeration"):
        agitation(SMALL, "300 rpm", WATER, aeration="3 kg/m3")


def test_agitation_by_hand() -> None:
    a = agitation(SMALL, "300 rpm", WATER)
    n, d = 5.0, 0.067
    assert a.reynolds == pytest.approx(1000 * n * d**2 / 1e-3)
    assert a.power_w == pytest.approx(5.0 * 1000 * n**3 * d**5)
    assert a.power_per_volume_w_m3 == pytest.approx(a.power_w / 0.005)
    assert a.tip_speed_m_s == pytest.approx(math.pi * n * d)
    assert a.regime == "turbulent"
    # Grenville: N theta Np^(1/3) (D/T)^2 = 5.20
    assert n * a.mixing_time_s * 5.0 ** (1 / 3) * (d / 0.2) ** 2 == pytest.approx(5.20)
    assert a.kla_per_s is None


def test_kla_from_van_t_riet() -> None:
    v = Vessel.of("0.5 m", "0.17 m", "100 L")
    a = agitation(v, "400 rpm", WATER, aeration="1 vvm", kla="vant_riet_coalescing")
    vs = (0.1 / 60) / (math.pi * 0.25**2)
    assert a.superficial_gas_velocity_m_s == pytest.approx(vs)
    assert a.kla_per_s == pytest.approx(0.026 * a.power_per_volume_w_m3**0.4 * vs**0.5)
    b = agitation(v, "400 rpm", WATER, aeration=f"{vs * 100} cm/s", kla="vant_riet_coalescing")
    assert b.kla_per_s == pytest.approx(a.kla_per_s)
    c = agitation(v, "400 rpm", WATER, aeration="100 L/min", kla="vant_riet_coalescing")
    assert c.kla_per_s == pytest.approx(a.kla_per_s)
    assert all(k.source for k in KLA_CORRELATIONS.values())


def test_laminar_flow_is_flagged() -> None:
    syrup = Liquid.of("1300 kg/m3", "5 Pa.s")
    a = agitation(SMALL, "60 rpm", syrup)
    assert a.regime == "laminar" and "not constant" in a.notes[0]


def test_scale_up_laws_for_geometric_similarity() -> None:
    large = Vessel.of("2.0 m", "0.67 m", "5000 L", name="5000 L")  # x10 in length
    s = scale_up(SMALL, large, "300 rpm", WATER, aeration="0.5 vvm")
    ratio = 0.067 / 0.67
    assert s.strategies["constant tip speed"].speed_rpm == pytest.approx(300 * ratio)
    assert s.strategies["constant P/V"].speed_rpm == pytest.approx(300 * ratio ** (2 / 3))
    assert s.strategies["constant P/V"].power_per_volume_w_m3 == pytest.approx(
        s.small.power_per_volume_w_m3
    )
    assert s.strategies["constant kLa"].kla_per_s == pytest.approx(s.small.kla_per_s)
    # same vvm at 10x the height: vs rises 10x, so less power is needed for the same kLa
    assert s.strategies["constant kLa"].speed_rpm < s.strategies["constant P/V"].speed_rpm
    # constant tip speed drops P/V by the length ratio
    assert s.strategies["constant tip speed"].power_per_volume_w_m3 == pytest.approx(
        s.small.power_per_volume_w_m3 * ratio
    )
    rows = s.table()
    assert [r["case"] for r in rows] == [
        "small scale",
        "constant P/V",
        "constant tip speed",
        "constant kLa",
    ]


def test_scale_up_without_aeration_skips_constant_kla() -> None:
    s = scale_up(SMALL, Vessel.of("1 m", "0.33 m", "800 L"), "300 rpm", WATER)
    assert "constant kLa" not in s.strategies
    assert "needs the aeration" in s.notes[0]
    assert s.to_dict()["small"]["speed_rpm"] == pytest.approx(300)


def test_different_impellers_at_the_two_scales() -> None:
    large = Vessel.of("2 m", "0.8 m", "6000 L", impeller="pitched_blade", impellers=2)
    s = scale_up(SMALL, large, "300 rpm", WATER)
    pv = s.strategies["constant P/V"]
    assert pv.power_w == pytest.approx(2 * 1.27 * 1000 * pv.speed_rps**3 * 0.8**5)
    assert pv.power_per_volume_w_m3 == pytest.approx(s.small.power_per_volume_w_m3)
