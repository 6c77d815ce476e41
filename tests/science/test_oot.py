"""Out-of-trend flag by prediction interval, checked against statsmodels' interval."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from opencmc.science.stats._validation import TooFewPointsError
from opencmc.science.stats.oot import out_of_trend


def test_interval_equals_statsmodels_and_flags() -> None:
    t = np.array([0, 3, 6, 9, 12.0])
    y = np.array([100.1, 99.6, 99.0, 98.7, 98.0])
    frame = (
        sm.OLS(y, sm.add_constant(t))
        .fit()
        .get_prediction(np.array([[1.0, 18.0]]))
        .summary_frame(alpha=0.05)
    )
    inside = out_of_trend(t, y, 18, float(frame["mean"].iloc[0]))
    assert not inside.out_of_trend
    assert inside.lower == pytest.approx(frame["obs_ci_lower"].iloc[0], rel=1e-12)
    assert inside.upper == pytest.approx(frame["obs_ci_upper"].iloc[0], rel=1e-12)
    high = out_of_trend(t, y, 18, inside.upper + 0.01)
    assert high.out_of_trend and high.direction == "above"
    assert high.to_dict()["direction"] == "above"


def test_needs_three_time_points() -> None:
    with pytest.raises(TooFewPointsError, match="3"):
        out_of_trend([0, 3, 3], [1, 2, 3], 6, 2.0)
