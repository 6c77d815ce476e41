"""Calculators against the guideline tables (ICH Q3A/Q3B Attachment 1, M7 tables, Q1E)."""

from __future__ import annotations

import json

import pytest

from opencmc.knowledge.calculators import (
    impurity_thresholds,
    m7_acceptable_intake,
    m7_limit_ppm,
    stability_coverage,
    tox_bridging,
)

# --- Q3A(R2): drug substance -------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose_g", "reporting", "identification", "qualification"),
    [
        # worked values of the Ph. Eur. 2034 / Q3A table at 0.5, 2.0 and 3.0 g/day
        (0.5, 0.05, 0.10, 0.15),
        (2.0, 0.05, 0.05, 0.05),  # 1.0 mg of 2000 mg = 0.05%: the mg/day limb is lower
        (3.0, 0.03, 0.05, 0.05),  # above 2 g/day: fixed percentages
        (0.8, 0.05, 0.10, 0.125),  # EAEU example 1.2: qualification at 1.0 mg TDI
        (1.0, 0.05, 0.10, 0.10),  # 0.10% = 1.0 mg exactly; 0.15% = 1.5 mg > 1.0 mg
        (0.1, 0.05, 0.10, 0.15),
    ],
)
def test_q3a_thresholds(
    dose_g: float, reporting: float, identification: float, qualification: float
) -> None:
    t = impurity_thresholds(dose_g, "drug_substance")
    assert t.reporting.percent == pytest.approx(reporting)
    assert t.identification.percent == pytest.approx(identification)
    assert t.qualification.percent == pytest.approx(qualification)
    assert "Q3A(R2) Attachment 1" in t.citation


def test_q3a_whichever_is_lower_rule() -> None:
    low = impurity_thresholds(0.5)
    assert low.identification.limited_by == "percent"
    assert low.identification.rule == "0.1% or 1 mg TDI, whichever is lower"
    high = impurity_thresholds(1.5)
    assert high.identification.limited_by == "daily_intake"
    assert high.identification.percent == pytest.approx(1.0 / 1500 * 100)
    assert high.qualification.percent == pytest.approx(1.0 / 1500 * 100)
    above = impurity_thresholds(2.5)
    assert above.identification.daily_intake_mg is None  # no TDI limb above 2 g/day


# --- Q3B(R2): drug product ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose_g", "reporting", "identification", "qualification"),
    [
        (0.0005, 0.1, 1.0, 1.0),  # 0.5 mg: 5 µg = 1.0%; 50 µg = 10% -> 1.0%
        (0.005, 0.1, 0.4, 1.0),  # 5 mg: 20 µg = 0.4% < 0.5%; 50 µg = 1.0%
        (0.050, 0.1, 0.2, 0.4),  # 50 mg: 0.2% (2 mg = 4%); 200 µg = 0.4% < 0.5%
        (0.5, 0.1, 0.2, 0.2),  # 500 mg: 2 mg = 0.4% > 0.2%; 3 mg = 0.6% > 0.2%
        (1.5, 0.05, 2 / 1500 * 100, 0.2),  # > 1 g reporting 0.05%; 2 mg TDI = 0.133%
        (3.0, 0.05, 0.10, 0.15),  # > 2 g
    ],
)
def test_q3b_thresholds(
    dose_g: float, reporting: float, identification: float, qualification: float
) -> None:
    t = impurity_thresholds(dose_g, "drug_product")
    assert t.reporting.percent == pytest.approx(reporting)
    assert t.identification.percent == pytest.approx(identification)
    assert t.qualification.percent == pytest.approx(qualification)
    assert "Q3B(R2)" in t.citation


def test_threshold_input_errors() -> None:
    with pytest.raises(ValueError, match="max_daily_dose_g must be positive"):
        impurity_thresholds(0)
    with pytest.raises(ValueError, match="kind must be"):
        impurity_thresholds(1, "tablet")
    assert json.dumps(impurity_thresholds(1).to_dict())


# --- M7(R2) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "individual", "total"),
    [
        (0.5, 120, 120),
        (1, 120, 120),  # <= 1 month
        (1.5, 20, 60),
        (12, 20, 60),  # <= 12 months
        (13, 10, 30),
        (120, 10, 30),  # <= 10 years
        (121, 1.5, 5),
        (70 * 12, 1.5, 5),  # lifetime
    ],
)
def test_m7_acceptable_intake_by_duration(months: float, individual: float, total: float) -> None:
    ai = m7_acceptable_intake(months)
    assert ai.individual_ug_per_day == individual
    assert ai.total_ug_per_day == total
    assert "M7(R2)" in ai.citation


@pytest.mark.parametrize(
    ("category", "individual"),
    [("up_to_1_month", 120), ("up_to_12_months", 20), ("up_to_10_years", 10), ("lifetime", 1.5)],
)
def test_m7_categories(category: str, individual: float) -> None:
    assert m7_acceptable_intake(category).individual_ug_per_day == individual


def test_m7_ppm_for_a_dose() -> None:
    # limit (ppm) = AI (µg/day) / dose (g/day)
    assert m7_limit_ppm(m7_acceptable_intake("lifetime").individual_ug_per_day, 100).limit_ppm == (
        pytest.approx(15.0)
    )
    assert m7_limit_ppm(120, 100).limit_ppm == pytest.approx(1200.0)
    assert m7_limit_ppm(20, 500).limit_ppm == pytest.approx(40.0)
    assert m7_limit_ppm(10, 250).limit_ppm == pytest.approx(40.0)
    assert m7_limit_ppm(1.5, 1000).limit_percent == pytest.approx(0.00015)
    with pytest.raises(ValueError, match="max_daily_dose_mg must be positive"):
        m7_limit_ppm(1.5, -1)
    with pytest.raises(ValueError, match="unknown M7 duration 'forever'"):
        m7_acceptable_intake("forever")


# --- Q1E coverage ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "storage", "situation", "supported"),
    [
        (12, "room_temperature", "no_significant_change", 24),  # 2X = X + 12
        (18, "room_temperature", "no_significant_change", 30),  # capped at X + 12
        (6, "room_temperature", "no_significant_change", 12),  # 2X
        (12, "room_temperature", "significant_change_accelerated", 18),  # 1.5X = X + 6
        (12, "room_temperature", "significant_change_accelerated_not_amenable", 15),  # X + 3
        (12, "room_temperature", "significant_change_intermediate", 12),
        (6, "refrigerated", "no_significant_change", 9),  # 1.5X
        (24, "refrigerated", "no_significant_change", 30),  # capped at X + 6
        (6, "refrigerated", "no_significant_change_not_amenable", 9),  # X + 3
        (6, "refrigerated", "significant_change_accelerated", 6),
        (6, "freezer", "any", 6),
    ],
)
def test_q1e_extrapolation(x: float, storage: str, situation: str, supported: float) -> None:
    cov = stability_coverage(x, 48, storage, situation)
    assert cov.supported_months == pytest.approx(supported)
    assert cov.extrapolation_months == pytest.approx(supported - x)


def test_coverage_of_the_clinical_supply() -> None:
    ok = stability_coverage(6, 12, "room_temperature")
    assert ok.covered and ok.shortfall_months == 0
    short = stability_coverage(3, 12, "refrigerated")
    assert not short.covered and short.shortfall_months == pytest.approx(7.5)
    biologic = stability_coverage(6, 9, "refrigerated", biological=True)
    assert biologic.supported_months == 6 and not biologic.covered and "Q5C" in biologic.citation
    with pytest.raises(ValueError, match="unknown situation"):
        stability_coverage(6, 12, "refrigerated", "significant_change_intermediate")
    with pytest.raises(ValueError, match="unknown storage"):
        stability_coverage(6, 12, "cold")


# --- tox bridging ------------------------------------------------------------------------


def test_tox_bridging() -> None:
    result = tox_bridging(
        clinical_impurities={"A": 0.20, "B": 0.30, "C": 0.12, "D": 0.03, "E": 0.08},
        tox_impurities={"A": 0.05, "B": 0.01, "E": 0.10},
        clinical_dose=1.0,
        tox_dose=10.0,
        reporting_threshold=0.05,
        qualification_threshold=0.10,
    )
    by_name = {i.name: i for i in result.items}
    assert by_name["A"].covered and by_name["A"].coverage_ratio == pytest.approx(2.5)
    assert not by_name["B"].covered  # 0.01 x 10 = 0.1 < 0.30 x 1
    assert not by_name["C"].covered and "not found in the toxicology batch" in by_name["C"].reason
    assert by_name["E"].covered
    assert result.below_reporting == ("D",)
    assert {i.name for i in result.flagged} == {"B", "C"}
    assert not result.all_covered
    # below the qualification threshold needs no tox coverage
    small = tox_bridging({"F": 0.08}, {}, 1.0, 1.0, 0.05, qualification_threshold=0.10)
    assert small.all_covered and "qualification threshold" in small.items[0].reason
    assert json.dumps(result.to_dict())
    with pytest.raises(ValueError, match=r"clinical_impurities\['A'\] must not be negative"):
        tox_bridging({"A": -1}, {}, 1, 1, 0.05)
