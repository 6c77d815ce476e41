"""Judging a reportable value against an acceptance criterion, as a QC laboratory does.

The value is rounded to the criterion's decimal places, half away from zero (USP General
Notices 7.20 and ASTM E29), and the rounded value is compared with the limits. The
rounding is part of the answer, so the page and the certificate can show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CRITERION_TYPES = ("limits", "conforms", "text", "report")
CONFORMS_WORDS = {"conforms", "complies", "pass", "passes", "yes"}
NOT_CONFORMS_WORDS = {"does not conform", "does not comply", "fail", "fails", "no"}


@dataclass(frozen=True)
class Evaluation:
    """``conforms`` is None for report-only attributes."""

    rounded: str
    conforms: bool | None
    explanation: str


def round_half_away(value: float, decimals: int) -> Decimal:
    """Round half away from zero; Decimal from the float's shortest repr, so that 98.45
    is 98.45 and not 98.4499999999999957..."""
    quantum = Decimal(1).scaleb(-decimals)
    # ROUND_HALF_UP in decimal rounds half away from zero, for negatives too
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def describe(attribute: Any) -> str:
    """The criterion as a specification prints it: NLT 98.5%, 95.0-105.0%, NMT 0.5%."""
    if attribute.criterion_type == "limits":
        unit = f" {attribute.unit}" if attribute.unit and attribute.unit != "%" else "%"
        unit = unit if attribute.unit else ""
        lower, upper = attribute.lower, attribute.upper
        fmt = (lambda v: f"{v:.{attribute.decimals}f}") if attribute.decimals is not None else str
        if lower is not None and upper is not None:
            return f"{fmt(lower)}{unit} to {fmt(upper)}{unit}"
        if lower is not None:
            word = "NLT" if attribute.lower_inclusive else "more than"
            return f"{word} {fmt(lower)}{unit}"
        word = "NMT" if attribute.upper_inclusive else "less than"
        return f"{word} {fmt(upper)}{unit}"
    if attribute.criterion_type == "report":
        return "report result"
    return attribute.requirement or "conforms"


def evaluate(attribute: Any, value: float | None, text: str = "") -> Evaluation:
    """Evaluate a reportable value (or, for conforms/text criteria, the reported text)."""
    kind = attribute.criterion_type
    if kind == "report":
        shown = _shown(attribute, value) if value is not None else text
        return Evaluation(shown, None, "report only: no acceptance criterion")
    if kind in ("conforms", "text"):
        word = text.strip().lower()
        if word in CONFORMS_WORDS:
            return Evaluation(text.strip(), True, f"reported as {text.strip()!r}")
        if word in NOT_CONFORMS_WORDS:
            return Evaluation(text.strip(), False, f"reported as {text.strip()!r}")
        raise ValueError(f"{attribute.name}: report 'conforms' or 'does not conform', got {text!r}")
    if value is None:
        raise ValueError(f"{attribute.name}: a numeric result is needed")
    rounded = round_half_away(value, attribute.decimals) if attribute.decimals is not None \
        else Decimal(repr(value))  # fmt: skip
    failures = []
    if attribute.lower is not None:
        lower = Decimal(repr(attribute.lower))
        if rounded < lower or (rounded == lower and not attribute.lower_inclusive):
            failures.append(f"below the lower limit {attribute.lower}")
    if attribute.upper is not None:
        upper = Decimal(repr(attribute.upper))
        if rounded > upper or (rounded == upper and not attribute.upper_inclusive):
            failures.append(f"above the upper limit {attribute.upper}")
    shown = str(rounded)
    how = (
        f"{value!r} rounded to {attribute.decimals} decimal(s) is {shown}"
        if attribute.decimals is not None
        else f"{shown} (no rounding: the criterion states no decimals)"
    )
    if failures:
        return Evaluation(shown, False, f"{how}: {' and '.join(failures)}")
    return Evaluation(shown, True, f"{how}: within {describe(attribute)}")


def _shown(attribute: Any, value: float) -> str:
    if attribute.decimals is None:
        return repr(value)
    return str(round_half_away(value, attribute.decimals))
