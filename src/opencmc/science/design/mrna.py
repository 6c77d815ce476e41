"""mRNA design: the names the platform and the acceptance checks call.

    >>> from opencmc.science.design import mrna
    >>> mrna.cai("AUGCUGAAGUGA", host="human")
    1.0
    >>> p = mrna.profile("AUGGCCAAGUGA", host="human", fold=True)
    >>> p.cai, p.gc, p.mfe
    (1.0, 0.5, 0.0)

``cai(cds, host)`` (codon adaptation index, Sharp and Li), ``profile(sequence, host)`` (an
:class:`MrnaProfile` with ``.cai``, ``.gc``, ``.mfe``, ``.cds_mfe``, ...) and
``optimise(protein, host, ...)`` (an :class:`MrnaDesignResult`: ``.chosen`` and ``.front``,
each design with ``.sequence``, ``.cai``, ``.gc``, ``.mfe``).
"""

from __future__ import annotations

from opencmc.science.design.codons import (
    HOSTS,
    CodonTable,
    codon_table,
    custom_table,
    relative_adaptiveness,
)
from opencmc.science.design.codons import cai as _cai
from opencmc.science.design.mrna_design import (
    DEFAULT_CAI_WEIGHT,
    DEFAULT_WEIGHTS,
    ConstraintChecker,
    Constraints,
    Design,
    DesignError,
    MrnaDesignResult,
    Violation,
)
from opencmc.science.design.mrna_design import optimise as _optimise
from opencmc.science.design.mrna_metrics import MrnaProfile, product_mass
from opencmc.science.design.mrna_metrics import profile as _profile
from opencmc.science.design.sequences import SequenceError, translate


def cai(cds: str, host: str | CodonTable = "human") -> float:
    """Codon adaptation index of a coding sequence for a host (see :mod:`.codons`)."""
    return _cai(cds, host)


def profile(sequence: str, host: str | CodonTable = "human", **options) -> MrnaProfile:
    """Metrics of an mRNA or CDS (see :func:`opencmc.science.design.mrna_metrics.profile`)."""
    return _profile(sequence, host, **options)


def optimise(protein: str, host: str | CodonTable = "human", **options) -> MrnaDesignResult:
    """Codon-optimise a protein (see :func:`opencmc.science.design.mrna_design.optimise`)."""
    return _optimise(protein, host, **options)


optimize = optimise

__all__ = [
    "DEFAULT_CAI_WEIGHT",
    "DEFAULT_WEIGHTS",
    "HOSTS",
    "CodonTable",
    "ConstraintChecker",
    "Constraints",
    "Design",
    "DesignError",
    "MrnaDesignResult",
    "MrnaProfile",
    "SequenceError",
    "Violation",
    "cai",
    "codon_table",
    "custom_table",
    "optimise",
    "optimize",
    "product_mass",
    "profile",
    "relative_adaptiveness",
    "translate",
]
