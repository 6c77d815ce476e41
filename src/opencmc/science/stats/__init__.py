"""Statistics engines: least squares, ICH Q1E stability, release limits, accelerated stability."""

from ._validation import (
    LimitSideError,
    MissingColumnError,
    NegativeTimeError,
    NonNumericError,
    RankDeficientError,
    StatsInputError,
    TooFewPointsError,
)
from .accelerated import arrhenius, q10_from_activation_energy, q10_shelf_life
from .oot import out_of_trend
from .regression import RegressionResult, ols, polynomial
from .release_limits import release_limit, whatif_shelf_life
from .stability import ShelfLifeResult, shelf_life, supported_shelf_life, widen_limits_for_rounding

__all__ = [
    "LimitSideError",
    "MissingColumnError",
    "NegativeTimeError",
    "NonNumericError",
    "RankDeficientError",
    "RegressionResult",
    "ShelfLifeResult",
    "StatsInputError",
    "TooFewPointsError",
    "arrhenius",
    "ols",
    "out_of_trend",
    "polynomial",
    "q10_from_activation_energy",
    "q10_shelf_life",
    "release_limit",
    "shelf_life",
    "supported_shelf_life",
    "whatif_shelf_life",
    "widen_limits_for_rounding",
]
