"""Regulatory calculators: ICH Q3A/Q3B thresholds, M7 intakes, Q1E coverage, tox bridging.

Each result is a frozen dataclass that names the guideline section it applies and carries the
confidence tag of the fact behind it (V verified, G as published, U uncertain).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opencmc.knowledge.model import Confidence


def _positive(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return float(value)


def _non_negative(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return float(value)


# --- ICH Q3A(R2) / Q3B(R2) thresholds ------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """One threshold: a percentage, or a total daily intake if that is lower."""

    percent: float  # the threshold that applies at this dose, in % of the drug
    rule: str  # as the guideline states it, e.g. "0.10% or 1.0 mg TDI, whichever is lower"
    limited_by: str  # "percent" or "daily_intake"
    daily_intake_mg: float | None  # the TDI limb of the rule, if it has one

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent": self.percent,
            "rule": self.rule,
            "limited_by": self.limited_by,
            "daily_intake_mg": self.daily_intake_mg,
        }


@dataclass(frozen=True)
class ImpurityThresholds:
    """Reporting, identification and qualification thresholds at a maximum daily dose."""

    kind: str
    max_daily_dose_g: float
    reporting: Threshold
    identification: Threshold
    qualification: Threshold
    citation: str
    confidence: Confidence
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "max_daily_dose_g": self.max_daily_dose_g,
            "reporting": self.reporting.to_dict(),
            "identification": self.identification.to_dict(),
            "qualification": self.qualification.to_dict(),
            "citation": self.citation,
            "confidence": self.confidence.value,
            "note": self.note,
        }


def _threshold(dose_mg: float, percent: float, tdi_mg: float | None) -> Threshold:
    if tdi_mg is None:
        return Threshold(percent, f"{percent:g}%", "percent", None)
    rule = f"{percent:g}% or {_mass(tdi_mg)} TDI, whichever is lower"
    tdi_percent = tdi_mg / dose_mg * 100.0
    if tdi_percent < percent:
        return Threshold(tdi_percent, rule, "daily_intake", tdi_mg)
    return Threshold(percent, rule, "percent", tdi_mg)


def _mass(mg: float) -> str:
    return f"{mg * 1000:g} µg" if mg < 1 else f"{mg:g} mg"


# Q3B(R2) Attachment 1 rows: (upper bound of dose in mg, bound inclusive?, percent, TDI mg)
_Q3B_IDENTIFICATION = (
    (1.0, False, 1.0, 0.005),  # < 1 mg: 1.0% or 5 µg
    (10.0, True, 0.5, 0.020),  # 1 mg - 10 mg: 0.5% or 20 µg
    (2000.0, True, 0.2, 2.0),  # > 10 mg - 2 g: 0.2% or 2 mg
    (math.inf, True, 0.10, None),  # > 2 g: 0.10%
)
_Q3B_QUALIFICATION = (
    (10.0, False, 1.0, 0.050),  # < 10 mg: 1.0% or 50 µg
    (100.0, True, 0.5, 0.200),  # 10 mg - 100 mg: 0.5% or 200 µg
    (2000.0, True, 0.2, 3.0),  # > 100 mg - 2 g: 0.2% or 3 mg
    (math.inf, True, 0.15, None),  # > 2 g: 0.15%
)


def _row(
    table: tuple[tuple[float, bool, float, float | None], ...], dose_mg: float
) -> tuple[float, float | None]:
    for upper, inclusive, percent, tdi in table:
        if dose_mg < upper or (inclusive and dose_mg == upper):
            return percent, tdi
    raise AssertionError("the last row is unbounded")


def impurity_thresholds(
    max_daily_dose_g: float, kind: str = "drug_substance"
) -> ImpurityThresholds:
    """ICH Q3A(R2) (drug substance) or Q3B(R2) (drug product) thresholds for a daily dose.

    Where a threshold is "x% or y TDI, whichever is lower", the returned percent is the lower
    of the two at this dose (e.g. identification at 2 g/day of drug substance: 1.0 mg of
    2000 mg is 0.05%, below 0.10%).

    >>> impurity_thresholds(0.5).identification.percent
    0.1
    >>> round(impurity_thresholds(2.0).identification.percent, 4)
    0.05
    """
    dose_g = _positive(max_daily_dose_g, "max_daily_dose_g")
    dose_mg = dose_g * 1000.0
    scope_note = (
        "Q3A/Q3B are registration guidelines; for investigational products they are used as "
        "reference, not formally required (fact sheet 2.1 notes)."
    )
    if kind == "drug_substance":
        if dose_g <= 2.0:
            reporting = _threshold(dose_mg, 0.05, None)
            identification = _threshold(dose_mg, 0.10, 1.0)
            qualification = _threshold(dose_mg, 0.15, 1.0)
        else:
            reporting = _threshold(dose_mg, 0.03, None)
            identification = _threshold(dose_mg, 0.05, None)
            qualification = _threshold(dose_mg, 0.05, None)
        return ImpurityThresholds(
            kind=kind,
            max_daily_dose_g=dose_g,
            reporting=reporting,
            identification=identification,
            qualification=qualification,
            citation="ICH Q3A(R2) Attachment 1 (thresholds for drug substances)",
            confidence=Confidence.VERIFIED,
            note=scope_note,
        )
    if kind == "drug_product":
        # reporting thresholds of Q3B(R2) have no TDI limb
        reporting = _threshold(dose_mg, 0.1 if dose_g <= 1.0 else 0.05, None)
        return ImpurityThresholds(
            kind=kind,
            max_daily_dose_g=dose_g,
            reporting=reporting,
            identification=_threshold(dose_mg, *_row(_Q3B_IDENTIFICATION, dose_mg)),
            qualification=_threshold(dose_mg, *_row(_Q3B_QUALIFICATION, dose_mg)),
            citation="ICH Q3B(R2) Attachment 1 (thresholds for degradation products)",
            confidence=Confidence.VERIFIED,
            note=scope_note,
        )
    raise ValueError(f"kind must be 'drug_substance' or 'drug_product', got {kind!r}")


# --- ICH M7(R2) acceptable intakes ----------------------------------------------------------

# (category, upper bound of treatment duration in months, individual µg/day, total µg/day)
_M7_TABLE = (
    ("up_to_1_month", 1.0, 120.0, 120.0),
    ("up_to_12_months", 12.0, 20.0, 60.0),
    ("up_to_10_years", 120.0, 10.0, 30.0),
    ("lifetime", math.inf, 1.5, 5.0),
)
_M7_ALIASES = {
    "1m": "up_to_1_month",
    "<=1 month": "up_to_1_month",
    "12m": "up_to_12_months",
    "<=12 months": "up_to_12_months",
    "10y": "up_to_10_years",
    "<=10 years": "up_to_10_years",
    ">10 years": "lifetime",
}


@dataclass(frozen=True)
class AcceptableIntake:
    """ICH M7(R2) acceptable intake of a mutagenic impurity for a treatment duration."""

    duration_category: str
    duration_months: float | None
    individual_ug_per_day: float
    total_ug_per_day: float  # for up to three specified Class 2/3 impurities together
    citation: str
    confidence: Confidence  # of the individual limit; the total row is verified
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "duration_category": self.duration_category,
            "duration_months": self.duration_months,
            "individual_ug_per_day": self.individual_ug_per_day,
            "total_ug_per_day": self.total_ug_per_day,
            "citation": self.citation,
            "confidence": self.confidence.value,
            "note": self.note,
        }


def m7_acceptable_intake(duration: float | str) -> AcceptableIntake:
    """Less-than-lifetime acceptable intake of a mutagenic impurity (ICH M7(R2)).

    ``duration`` is the treatment duration in months (e.g. 0.5, 6, 36, 240), or a category:
    "up_to_1_month", "up_to_12_months", "up_to_10_years", "lifetime". Boundaries follow the
    guideline's table: <= 1 month, > 1-12 months, > 1-10 years, > 10 years to lifetime.

    >>> m7_acceptable_intake(6).individual_ug_per_day
    20.0
    """
    months: float | None
    if isinstance(duration, str):
        key = _M7_ALIASES.get(duration.strip().lower(), duration.strip().lower())
        row = next((r for r in _M7_TABLE if r[0] == key), None)
        if row is None:
            known = ", ".join(r[0] for r in _M7_TABLE)
            raise ValueError(f"unknown M7 duration {duration!r}; give months or one of: {known}")
        months = None
    else:
        months = _positive(duration, "duration (months)")
        row = next(r for r in _M7_TABLE if months <= r[1])
    category, _, individual, total = row
    return AcceptableIntake(
        duration_category=category,
        duration_months=months,
        individual_ug_per_day=individual,
        total_ug_per_day=total,
        citation="ICH M7(R2) section 7.3 (less-than-lifetime acceptable intakes) and Table 2; "
        "totals: section 7.4, Table 3",
        confidence=Confidence.GUIDELINE,
        note=(
            "Individual limits tagged G (same values as widely published; the ICH table itself "
            "was not retrieved); the multiple-impurity totals are V and apply only to specified "
            "Class 2/3 impurities (up to three). Class 1 and compounds with data use "
            "compound-specific limits. Lifetime TTC is 1.5 µg/day."
        ),
    )


@dataclass(frozen=True)
class ConcentrationLimit:
    """An acceptable intake converted to a limit in the drug substance at a daily dose."""

    acceptable_intake_ug_per_day: float
    max_daily_dose_mg: float
    limit_ppm: float
    citation: str
    confidence: Confidence

    @property
    def limit_percent(self) -> float:
        return self.limit_ppm / 10_000.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "acceptable_intake_ug_per_day": self.acceptable_intake_ug_per_day,
            "max_daily_dose_mg": self.max_daily_dose_mg,
            "limit_ppm": self.limit_ppm,
            "limit_percent": self.limit_percent,
            "citation": self.citation,
            "confidence": self.confidence.value,
        }


def m7_limit_ppm(acceptable_intake_ug_day: float, max_daily_dose_mg: float) -> ConcentrationLimit:
    """Limit in ppm (µg/g) = acceptable intake (µg/day) / maximum daily dose (g/day).

    >>> m7_limit_ppm(1.5, 100).limit_ppm
    15.0
    """
    intake = _positive(acceptable_intake_ug_day, "acceptable_intake_ug_day")
    dose_mg = _positive(max_daily_dose_mg, "max_daily_dose_mg")
    return ConcentrationLimit(
        acceptable_intake_ug_per_day=intake,
        max_daily_dose_mg=dose_mg,
        limit_ppm=intake / (dose_mg / 1000.0),
        citation="ICH M7(R2): acceptable intake (section 7) as a concentration limit at the "
        "maximum daily dose (control option 1, section 8)",
        confidence=Confidence.GUIDELINE,
    )


# --- ICH Q1E extrapolation and clinical supply coverage -----------------------------------

# storage -> situation -> (multiplier of X, cap in months over X, confidence, rule text)
_Q1E: dict[str, dict[str, tuple[float, float, Confidence, str]]] = {
    "room_temperature": {
        "no_significant_change": (
            2.0,
            12.0,
            Confidence.GUIDELINE,
            "up to 2X, not more than X + 12",
        ),
        "no_significant_change_not_amenable": (
            1.5,
            6.0,
            Confidence.GUIDELINE,
            "up to 1.5X, not more than X + 6",
        ),
        "significant_change_accelerated": (
            1.5,
            6.0,
            Confidence.GUIDELINE,
            "up to 1.5X, not more than X + 6 (with statistics)",
        ),
        "significant_change_accelerated_not_amenable": (
            math.inf,
            3.0,
            Confidence.VERIFIED,
            "up to X + 3",
        ),
        "significant_change_intermediate": (1.0, 0.0, Confidence.VERIFIED, "no extrapolation"),
    },
    "refrigerated": {
        "no_significant_change": (1.5, 6.0, Confidence.VERIFIED, "up to 1.5X, not more than X + 6"),
        "no_significant_change_not_amenable": (math.inf, 3.0, Confidence.VERIFIED, "up to X + 3"),
        "significant_change_accelerated": (1.0, 0.0, Confidence.VERIFIED, "no extrapolation"),
    },
    "freezer": {"any": (1.0, 0.0, Confidence.VERIFIED, "no extrapolation")},
    "below_minus_20": {"any": (1.0, 0.0, Confidence.GUIDELINE, "case by case; none assumed")},
}


@dataclass(frozen=True)
class StabilityCoverage:
    """Whether available stability data (plus allowed extrapolation) cover a supply period."""

    available_months: float
    planned_supply_months: float
    storage: str
    situation: str
    biological: bool
    extrapolation_months: float
    supported_months: float
    covered: bool
    shortfall_months: float
    rule: str
    citation: str
    confidence: Confidence
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "available_months": self.available_months,
            "planned_supply_months": self.planned_supply_months,
            "storage": self.storage,
            "situation": self.situation,
            "biological": self.biological,
            "extrapolation_months": self.extrapolation_months,
            "supported_months": self.supported_months,
            "covered": self.covered,
            "shortfall_months": self.shortfall_months,
            "rule": self.rule,
            "citation": self.citation,
            "confidence": self.confidence.value,
            "note": self.note,
        }


def stability_coverage(
    available_months: float,
    planned_supply_months: float,
    storage: str = "room_temperature",
    situation: str = "no_significant_change",
    biological: bool = False,
) -> StabilityCoverage:
    """Does real-time data (X months) plus the ICH Q1E allowance cover the supply period?

    ``storage``: room_temperature, refrigerated, freezer, below_minus_20. ``situation``:
    the Q1E Appendix A branch (for freezer and below_minus_20 use "any"). For biologics
    (``biological=True``) no extrapolation is assumed: Q5C bases shelf life on real-time data.

    >>> stability_coverage(6, 12, "refrigerated").supported_months
    9.0
    """
    x = _non_negative(available_months, "available_months")
    need = _positive(planned_supply_months, "planned_supply_months")
    if storage not in _Q1E:
        raise ValueError(f"unknown storage {storage!r}; expected one of: {', '.join(_Q1E)}")
    if storage in ("freezer", "below_minus_20") and situation == "no_significant_change":
        situation = "any"  # the only branch there; spare the caller the Q1E vocabulary
    branches = _Q1E[storage]
    if situation not in branches:
        raise ValueError(
            f"unknown situation {situation!r} for {storage}; expected one of: {', '.join(branches)}"
        )
    multiplier, cap, confidence, rule = branches[situation]
    note = (
        "Q1A/Q1E are registration guidelines; for clinical supply, EU IMPD practice extends "
        "shelf life under a pre-defined protocol (commonly real-time + 12 months at most, U) "
        "and FDA accepts initial data not covering the full study (fact sheet 3.5)."
    )
    if biological:
        multiplier, cap, confidence = 1.0, 0.0, Confidence.UNCERTAIN
        rule = "no extrapolation (Q5C: real-time data; Q1E generally not applied to biologics)"
    extension = min(x * (multiplier - 1.0), cap) if math.isfinite(multiplier) else cap
    supported = x + extension
    return StabilityCoverage(
        available_months=x,
        planned_supply_months=need,
        storage=storage,
        situation=situation,
        biological=biological,
        extrapolation_months=extension,
        supported_months=supported,
        covered=supported >= need,
        shortfall_months=max(0.0, need - supported),
        rule=rule,
        citation="ICH Q1E sections 2.4-2.7 and Appendix A" + (", ICH Q5C" if biological else ""),
        confidence=confidence,
        note=note,
    )


# --- tox-to-clinic bridging --------------------------------------------------------------


@dataclass(frozen=True)
class BridgedImpurity:
    """One impurity of the clinical batch against the toxicology batch."""

    name: str
    clinical_percent: float
    tox_percent: float
    clinical_exposure: float  # percent x clinical dose / 100, in the dose unit
    tox_exposure: float
    coverage_ratio: float  # tox exposure / clinical exposure; >= 1 is covered
    covered: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "clinical_percent": self.clinical_percent,
            "tox_percent": self.tox_percent,
            "clinical_exposure": self.clinical_exposure,
            "tox_exposure": self.tox_exposure,
            "coverage_ratio": self.coverage_ratio,
            "covered": self.covered,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ToxBridging:
    """Each clinical impurity at or above the reporting threshold, covered by tox or flagged."""

    items: tuple[BridgedImpurity, ...]
    below_reporting: tuple[str, ...]
    clinical_dose: float
    tox_dose: float
    reporting_threshold_percent: float
    qualification_threshold_percent: float | None
    citation: str
    confidence: Confidence

    @property
    def flagged(self) -> tuple[BridgedImpurity, ...]:
        return tuple(i for i in self.items if not i.covered)

    @property
    def all_covered(self) -> bool:
        return not self.flagged

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [i.to_dict() for i in self.items],
            "flagged": [i.name for i in self.flagged],
            "all_covered": self.all_covered,
            "below_reporting": list(self.below_reporting),
            "clinical_dose": self.clinical_dose,
            "tox_dose": self.tox_dose,
            "reporting_threshold_percent": self.reporting_threshold_percent,
            "qualification_threshold_percent": self.qualification_threshold_percent,
            "citation": self.citation,
            "confidence": self.confidence.value,
        }


def tox_bridging(
    clinical_impurities: Mapping[str, float],
    tox_impurities: Mapping[str, float],
    clinical_dose: float,
    tox_dose: float,
    reporting_threshold: float,
    qualification_threshold: float | None = None,
) -> ToxBridging:
    """Check the clinical batch's impurities are covered by the toxicology batch, dose-adjusted.

    Impurity levels are % (w/w) of the drug; the two doses must share a unit (e.g. mg/kg/day,
    with the animal dose converted to a human-equivalent dose if you bridge on body surface).
    An impurity at or above ``reporting_threshold`` (%) is covered when its exposure in the
    toxicology study (tox % x tox dose) is at least its clinical exposure (clinical % x
    clinical dose), or when it is at or below ``qualification_threshold`` (%), if given,
    which needs no further qualification.

    >>> r = tox_bridging({"A": 0.20}, {"A": 0.10}, clinical_dose=1, tox_dose=10,
    ...                  reporting_threshold=0.05)
    >>> r.all_covered
    True
    """
    clinical_dose = _positive(clinical_dose, "clinical_dose")
    tox_dose = _positive(tox_dose, "tox_dose")
    reporting = _non_negative(reporting_threshold, "reporting_threshold")
    qualification = (
        None
        if qualification_threshold is None
        else _non_negative(qualification_threshold, "qualification_threshold")
    )
    for label, table in (
        ("clinical_impurities", clinical_impurities),
        ("tox_impurities", tox_impurities),
    ):
        for name, level in table.items():
            value = _non_negative(level, f"{label}[{name!r}]")
            if value > 100:
                raise ValueError(f"{label}[{name!r}] is a percentage; got {value!r}")

    items, below = [], []
    for name, level in clinical_impurities.items():
        clinical = float(level)
        if clinical < reporting:
            below.append(name)
            continue
        tox = float(tox_impurities.get(name, 0.0))
        clinical_exposure = clinical * clinical_dose / 100.0
        tox_exposure = tox * tox_dose / 100.0
        ratio = tox_exposure / clinical_exposure if clinical_exposure > 0 else math.inf
        if ratio >= 1.0:
            covered, reason = True, f"tox exposure {ratio:.2g}x the clinical exposure"
        elif qualification is not None and clinical <= qualification:
            covered = True
            reason = f"at or below the qualification threshold ({qualification:g}%)"
        elif name not in tox_impurities:
            covered, reason = False, "not found in the toxicology batch: qualify or justify"
        else:
            covered = False
            reason = f"tox exposure only {ratio:.2g}x the clinical exposure: qualify or justify"
        items.append(
            BridgedImpurity(
                name, clinical, tox, clinical_exposure, tox_exposure, ratio, covered, reason
            )
        )
    return ToxBridging(
        items=tuple(items),
        below_reporting=tuple(below),
        clinical_dose=clinical_dose,
        tox_dose=tox_dose,
        reporting_threshold_percent=reporting,
        qualification_threshold_percent=qualification,
        citation="ICH Q3A(R2) section 7 and Attachment 3 (qualification of impurities); "
        "FDA FIH CMC page and EMA IMPD guidelines (compare the clinical batch with the tox "
        "batch)",
        confidence=Confidence.GUIDELINE,
    )
