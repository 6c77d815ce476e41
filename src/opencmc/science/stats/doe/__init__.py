"""Design of experiments: factors, designs, evaluation, analysis, desirability, design space."""

from .analyze import Analysis, LenthResult, analyze, lenth
from .design_space import DesignSpace, Specification, design_space
from .designs import (
    Design,
    box_behnken,
    ccd_alpha,
    central_composite,
    definitive_screening,
    extreme_vertices_design,
    fractional_factorial,
    full_factorial,
    plackett_burman,
    simplex_centroid,
    simplex_lattice,
)
from .desirability import Goal, Optimum, optimize, overall_desirability
from .evaluate import DesignEvaluation, alias_matrix, evaluate, power
from .factors import (
    AliasedTermsError,
    DesignError,
    Factor,
    LinearConstraint,
    Model,
    OutOfRangeError,
    Region,
    Term,
    model_terms,
    parse_constraint,
)
from .optimal import d_efficiency, optimal_design

__all__ = [
    "AliasedTermsError",
    "Analysis",
    "Design",
    "DesignError",
    "DesignEvaluation",
    "DesignSpace",
    "Factor",
    "Goal",
    "LenthResult",
    "LinearConstraint",
    "Model",
    "Optimum",
    "OutOfRangeError",
    "Region",
    "Specification",
    "Term",
    "alias_matrix",
    "analyze",
    "box_behnken",
    "ccd_alpha",
    "central_composite",
    "d_efficiency",
    "definitive_screening",
    "design_space",
    "evaluate",
    "extreme_vertices_design",
    "fractional_factorial",
    "full_factorial",
    "lenth",
    "model_terms",
    "optimal_design",
    "optimize",
    "overall_desirability",
    "parse_constraint",
    "plackett_burman",
    "power",
    "simplex_centroid",
    "simplex_lattice",
]
