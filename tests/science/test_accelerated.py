"""Accelerated stability: recover known Ea and humidity sensitivity from simulated data."""

from __future__ import annotations

import numpy as np
import pytest

from opencmc.science.stats import accelerated as acc
from opencmc.science.stats._validation import StatsInputError

EA = 95.0  # kJ/mol
B = 0.035  # per % RH
LN_A = 28.0


def _simulate(noise: float, seed: int = 3):
    temps = np.array([50, 50, 60, 60, 70, 70, 80, 80, 60.0])
    rh = np.array([10, 75, 40, 75, 10, 60, 40, 75, 10.0])
    ln_k = LN_A - EA * 1000 / (acc.GAS_CONSTANT * (temps + acc.KELVIN)) + B * rh
    ln_k = ln_k + np.random.default_rng(seed).normal(0, noise, len(temps))
    return temps, rh, np.exp(-ln_k)


def test_exact_data_recover_parameters() -> None:
    temps, rh, t_iso = _simulate(0.0)
    res = acc.arrhenius(temps, t_iso, humidity=rh, storage_temperature_c=25, storage_humidity=60)
    assert res.activation_energy_kj_mol == pytest.approx(EA, rel=1e-9)
    assert res.humidity_coefficient == pytest.approx(B, rel=1e-9)
    assert res.ln_a == pytest.approx(LN_A, rel=1e-9)
    true = np.exp(-(LN_A - EA * 1000 / (acc.GAS_CONSTANT * 298.15) + B * 60))
    assert res.prediction.shelf_life == pytest.approx(true, rel=1e-8)


def test_noisy_data_cover_truth_and_interval_is_stated() -> None:
    hits = 0
    for seed in range(40):
        temps, rh, t_iso = _simulate(0.05, seed)
        res = acc.arrhenius(
            temps, t_iso, humidity=rh, storage_temperature_c=25, storage_humidity=60
        )
        true = np.exp(-(LN_A - EA * 1000 / (acc.GAS_CONSTANT * 298.15) + B * 60))
        p = res.prediction
        assert p.lower < p.shelf_life < p.upper
        hits += p.lower <= true <= p.upper
        assert abs(res.activation_energy_kj_mol - EA) < 5 * res.activation_energy_se
    assert hits >= 34  # a 95 % interval covers the truth in most of 40 simulated studies
    assert "t interval" in p.interval_method
    assert res.to_dict()["prediction"]["level"] == 0.95


def test_plain_arrhenius_and_q10() -> None:
    temps, _, _ = _simulate(0.0)
    mask = np.isin(np.arange(len(temps)), [0, 2, 4, 6])
    ln_k = LN_A - EA * 1000 / (acc.GAS_CONSTANT * (temps[mask] + acc.KELVIN))
    res = acc.arrhenius(temps[mask], np.exp(-ln_k))
    assert res.activation_energy_kj_mol == pytest.approx(EA, rel=1e-9)
    assert not res.humidity_corrected
    q10 = acc.q10_from_activation_energy(EA, 25.0)
    t40 = res.predict_shelf_life(40.0).shelf_life
    t30 = res.predict_shelf_life(30.0).shelf_life
    assert acc.q10_shelf_life(t40, 40.0, 30.0, q10=acc.q10_from_activation_energy(EA, 30.0)) == (
        pytest.approx(t30, rel=1e-9)
    )
    assert 3.0 < q10 < 4.0


def test_bad_input() -> None:
    with pytest.raises(StatsInputError, match="positive"):
        acc.arrhenius([50, 60, 70], [1.0, -2.0, 3.0])
    with pytest.raises(StatsInputError, match="at least 3"):
        acc.arrhenius([50, 60], [1.0, 2.0])
    temps, rh, t_iso = _simulate(0.0)
    with pytest.raises(StatsInputError, match="humidity"):
        acc.arrhenius(temps, t_iso, humidity=rh, storage_temperature_c=25)
