"""Design of experiments: factors, designs, evaluation, analysis, desirability, design space."""

from .analysis import Analysis, LenthResult
from .analyze import analyze, analyze_responses, factor_columns, lenth
from .catalogue import DESIGN_KINDS, Candidate, compare_designs, make_design
from .design_space import DesignSpace, Specification, design_space
from .designs import (
    box_behnken,
    ccd_alpha,
    central_composite,
    definitive_screening,
    fractional_factorial,
    full_factorial,
    plackett_burman,
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
from .mixture import extreme_vertices_design, simplex_centroid, simplex_lattice
from .optimal import d_efficiency, optimal_design, prepare_compiled
from .runsheet import Design

__all__ = [
    "DESIGN_KINDS",
    "AliasedTermsError",
    "Analysis",
    "Candidate",
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
    "analyze_responses",
    "box_behnken",
    "ccd_alpha",
    "central_composite",
    "compare_designs",
    "d_efficiency",
    "definitive_screening",
    "design_space",
    "evaluate",
    "extreme_vertices_design",
    "factor_columns",
    "fractional_factorial",
    "full_factorial",
    "lenth",
    "make_design",
    "model_terms",
    "optimal_design",
    "optimize",
    "overall_desirability",
    "parse_constraint",
    "plackett_burman",
    "power",
    "prepare_compiled",
    "simplex_centroid",
    "simplex_lattice",
]
