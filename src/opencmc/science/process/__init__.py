"""Process engines: stirred-bioreactor agitation and scale-up arithmetic, with units checked."""

from .scaleup import (
    KLA_CORRELATIONS,
    POWER_NUMBERS,
    Agitation,
    KlaCorrelation,
    Liquid,
    ScaleUp,
    Vessel,
    agitation,
    scale_up,
)
from .units import UnitError, si

__all__ = [
    "KLA_CORRELATIONS",
    "POWER_NUMBERS",
    "Agitation",
    "KlaCorrelation",
    "Liquid",
    "ScaleUp",
    "UnitError",
    "Vessel",
    "agitation",
    "scale_up",
    "si",
]
