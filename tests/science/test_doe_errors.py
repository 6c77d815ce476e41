"""Bad input gets a clear error that says which row, factor or term is wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opencmc.science.stats import doe
from opencmc.science.stats._validation import MissingColumnError, NonNumericError, StatsInputError


def _sheet() -> pd.DataFrame:
    sheet = doe.full_factorial(
        [doe.Factor("T", 160, 180, "°C"), doe.Factor("C", 20, 40, "%")], seed=1
    ).run_sheet(["yield"])
    sheet["yield"] = [60.0, 72.0, 54.0, 68.0]
    return sheet


def test_missing_responses_are_listed_by_row_and_run() -> None:
    sheet = _sheet()
    sheet.loc[[1, 3], "yield"] = np.nan
    with pytest.raises(NonNumericError) as err:
        doe.analyze(sheet, "yield")
    msg = str(err.value)
    assert "'yield' is missing in 2 row(s)" in msg
    assert "2 (run 2)" in msg and "4 (run 4)" in msg


def test_response_that_is_not_a_number() -> None:
    sheet = _sheet()
    sheet["yield"] = sheet["yield"].astype(object)
    sheet.loc[2, "yield"] = "n/a"
    with pytest.raises(NonNumericError, match=r"row 3 \(run 3\): 'n/a' is not a number"):
        doe.analyze(sheet, "yield")


def test_factor_value_outside_the_declared_range() -> None:
    sheet = _sheet()
    sheet.loc[0, "T"] = 195.0
    factors = [doe.Factor("T", 160, 180, "°C"), doe.Factor("C", 20, 40, "%")]
    with pytest.raises(doe.OutOfRangeError) as err:
        doe.analyze(sheet, "yield", factors=factors)
    assert "factor 'T', row 1 (run 1): 195.0 is outside its declared range 160 to 180 °C" in str(
        err.value
    )


def test_categorical_level_not_declared() -> None:
    sheet = _sheet()
    sheet["K"] = ["A", "B", "A", "Q"]
    factors = [doe.Factor("T", 160, 180), doe.Factor("K", kind="categorical", levels=("A", "B"))]
    with pytest.raises(
        doe.OutOfRangeError, match=r"factor 'K', row 4 \(run 4\): 'Q' is not one of"
    ):
        doe.analyze(sheet, "yield", factors=factors)


def test_more_terms_than_runs() -> None:
    with pytest.raises(StatsInputError, match=r"the model has 6 coefficients .* but only 4 runs"):
        doe.analyze(_sheet(), "yield", model="quadratic")


def test_aliased_terms_requested_together() -> None:
    d = doe.fractional_factorial(list("ABCD"), resolution=4, randomize=False)
    runs = d.actual()
    runs["y"] = np.arange(8.0)
    with pytest.raises(doe.AliasedTermsError) as err:
        doe.analyze(runs, "y", model=["A", "B", "C", "D", "A:B", "C:D"])
    assert "'C:D' and 'A:B' are aliased" in str(err.value)
    with pytest.raises(doe.AliasedTermsError, match=r"'A:B:C' and 'D'"):
        doe.analyze(runs, "y", model=["A", "B", "C", "D", "A:B:C"])


def test_unknown_columns_and_terms() -> None:
    with pytest.raises(MissingColumnError, match="response column 'Yield' not found"):
        doe.analyze(_sheet(), "Yield")
    with pytest.raises(MissingColumnError, match="'pH' not found"):
        doe.analyze(_sheet(), "yield", factors=["T", "pH"])
    with pytest.raises(StatsInputError, match="'X' is not a factor"):
        doe.analyze(_sheet(), "yield", model=["T", "T:X"])
    with pytest.raises(StatsInputError, match="only one value"):
        doe.analyze(_sheet().assign(Z=1.0), "yield", factors=["T", "Z"])


def test_bad_factor_and_constraint_definitions() -> None:
    with pytest.raises(StatsInputError, match=r"low .* must be below high"):
        doe.Factor("T", 180, 160)
    with pytest.raises(StatsInputError, match="must start with a letter"):
        doe.Factor("1T", 0, 1)
    with pytest.raises(StatsInputError, match="expected 'expression <= number'"):
        doe.parse_constraint("T + t = 3")
    with pytest.raises(StatsInputError, match="no factor named 'Q'"):
        doe.Region(("A", "B"), ("A + Q <= 1",))
    with pytest.raises(doe.DesignError, match="break the region's constraints"):
        doe.full_factorial(["A", "B"], constraints=["A + B <= 1"])
    with pytest.raises(doe.DesignError, match="centre points need numeric factors"):
        doe.full_factorial(
            [doe.Factor("K", kind="categorical", levels=("a", "b"))], centre_points=2
        )
