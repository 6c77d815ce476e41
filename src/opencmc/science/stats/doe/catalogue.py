"""Every design by its short name, and candidate designs built and judged side by side.

The command line, the JSON API and the web page choose a design by name (``"full"``,
``"ccd"``, ...) with a handful of options; :func:`make_design` is that one entry point, so
the three interfaces cannot drift apart. :func:`compare_designs` builds several
candidates for the same factors and evaluates them on a common model, which is how a
scientist picks the design to run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import StatsInputError
from .designs import (
    box_behnken,
    central_composite,
    definitive_screening,
    fractional_factorial,
    full_factorial,
    plackett_burman,
)
from .evaluate import DesignEvaluation, evaluate
from .factors import DesignError, Region, make_factors
from .mixture import extreme_vertices_design, simplex_centroid, simplex_lattice
from .optimal import optimal_design
from .runsheet import Design, _jsonable

# Short name -> what a scientist calls it; the names the CLI's ``doe design`` takes.
DESIGN_KINDS: dict[str, str] = {
    "full": "Full factorial",
    "fractional": "Fractional factorial 2^(k-p)",
    "pb": "Plackett-Burman",
    "dsd": "Definitive screening",
    "ccd": "Central composite",
    "bbd": "Box-Behnken",
    "optimal": "D- or I-optimal",
    "lattice": "Simplex lattice (mixture)",
    "centroid": "Simplex centroid (mixture)",
    "vertices": "Extreme vertices (mixture)",
}

# The options each kind takes besides the factors, the seed and randomisation.
_OPTIONS: dict[str, frozenset[str]] = {
    "full": frozenset({"levels", "centre_points", "replicates", "blocks", "constraints"}),
    "fractional": frozenset(
        {"resolution", "runs", "generators", "centre_points", "replicates", "blocks"}
    ),
    "pb": frozenset({"runs", "centre_points", "replicates"}),
    "dsd": frozenset({"centre_points"}),
    "ccd": frozenset({"face", "alpha", "centre_points", "blocks"}),
    "bbd": frozenset({"centre_points"}),
    "optimal": frozenset({"model", "runs", "criterion", "constraints", "disallowed"}),
    "lattice": frozenset({"degree", "replicates"}),
    "centroid": frozenset({"replicates"}),
    "vertices": frozenset(),
}


def _build(kind: str, factors: Any, seed: int | None, randomize: bool, **o: Any) -> Design:
    common: dict[str, Any] = {"randomize": randomize, "seed": seed}
    centre = {"centre_points": o["centre_points"]} if "centre_points" in o else {}
    if kind == "full":
        return full_factorial(factors, o.pop("levels", 2), **o, **common)
    if kind == "fractional":
        return fractional_factorial(factors, **o, **common)
    if kind == "pb":
        return plackett_burman(factors, **o, **common)
    if kind == "dsd":
        return definitive_screening(
            factors, extra_centre_points=centre.get("centre_points", 0), **common
        )
    if kind == "ccd":
        return central_composite(factors, **o, **common)
    if kind == "bbd":
        return box_behnken(factors, **o, **common)
    if kind == "optimal":
        model = o.pop("model", "quadratic")
        return optimal_design(factors, model, o.pop("runs", None), **o, **common)
    if kind == "lattice":
        return simplex_lattice(factors, o.pop("degree", 2), **o, **common)
    if kind == "centroid":
        return simplex_centroid(factors, **o, **common)
    return extreme_vertices_design(factors, **common)


def make_design(
    kind: str,
    factors: Any,
    *,
    seed: int | None = None,
    randomize: bool = True,
    **options: Any,
) -> Design:
    """Build the design called ``kind`` (a key of :data:`DESIGN_KINDS`) for ``factors``.

    ``options`` are the keyword arguments of that design's constructor (``resolution``,
    ``runs``, ``centre_points``, ``face``, ``model``, ...); options set to ``None`` are
    left at the constructor's default, and an option the design does not take is an
    error rather than silently ignored. A randomised design without a ``seed`` gets one,
    recorded in ``design.info["seed"]`` so that the same run sheet can be written again.

    >>> d = make_design("fractional", list("ABCDE"), resolution=3, seed=7)
    >>> d.n_runs, d.info["seed"], d.info["resolution_roman"]
    (8, 7, 'III')
    """
    if kind not in DESIGN_KINDS:
        raise DesignError(f"design must be one of {', '.join(DESIGN_KINDS)}, not {kind!r}")
    given = {k: v for k, v in options.items() if v is not None}
    wrong = sorted(set(given) - _OPTIONS[kind])
    if wrong:
        takes = ", ".join(sorted(_OPTIONS[kind])) or "no options"
        raise DesignError(
            f"{', '.join(wrong)}: not an option of a {DESIGN_KINDS[kind].lower()} design "
            f"(it takes {takes})"
        )
    if randomize and seed is None:
        seed = int(np.random.default_rng().integers(1, 1_000_000))
    design = _build(kind, factors, seed, randomize, **given)
    design.info["seed"] = seed
    design.info["design"] = kind
    return design


@dataclass(frozen=True, eq=False)
class Candidate:
    """One candidate design and how it scores, or why it cannot be built here."""

    kind: str
    options: dict[str, Any]
    design: Design | None
    evaluation: DesignEvaluation | None
    problem: str | None = None

    @property
    def label(self) -> str:
        return DESIGN_KINDS.get(self.kind, self.kind)

    @property
    def min_power(self) -> float | None:
        """The smallest power over the model's terms: the weakest effect's chance."""
        if self.evaluation is None or not self.evaluation.power:
            return None
        return min(self.evaluation.power.values())

    def to_dict(self) -> dict[str, Any]:
        d = self.design
        return {
            "design": self.kind,
            "label": self.label,
            "options": _jsonable(self.options),
            "problem": self.problem,
            "n_runs": None if d is None else d.n_runs,
            "summary": None if d is None else d.summary(),
            "resolution": None if d is None else d.info.get("resolution_roman"),
            "aliases": None if d is None else _jsonable(d.info.get("aliases")),
            "min_power": self.min_power,
            "evaluation": None if self.evaluation is None else self.evaluation.to_dict(),
        }


def compare_designs(
    factors: Any,
    candidates: Sequence[str | Mapping[str, Any]],
    model: Any = None,
    *,
    constraints: Sequence[Any] = (),
    effect_size: float = 2.0,
    sigma: float = 1.0,
    alpha: float = 0.05,
    seed: int = 0,
) -> list[Candidate]:
    """Build each candidate and evaluate it on ``model`` (default: each design's own).

    A candidate is a kind (``"ccd"``) or a mapping ``{"design": kind, **options}``. One
    that cannot be built for these factors (a Box-Behnken design for two factors, a
    fraction of a mixture) is returned with its ``problem`` instead of stopping the
    comparison; bad factors or evaluation settings are still errors.

    >>> rows = compare_designs(["A", "B", "C"], ["full", "bbd", "dsd"], "linear")
    >>> [(c.kind, c.design.n_runs) for c in rows]
    [('full', 8), ('bbd', 15), ('dsd', 9)]
    """
    facs = make_factors(factors)
    Region(facs, tuple(constraints))  # a bad constraint is the caller's error, not a candidate's
    if sigma <= 0:
        raise StatsInputError(f"sigma must be positive, got {sigma}")
    if not candidates:
        raise StatsInputError("give at least one candidate design to compare")
    out: list[Candidate] = []
    for item in candidates:
        spec = {"design": item} if isinstance(item, str) else dict(item)
        kind = str(spec.pop("design", ""))
        options = {k: v for k, v in spec.items() if v is not None}
        if constraints and "constraints" in _OPTIONS.get(kind, frozenset()):
            options.setdefault("constraints", list(constraints))
        try:
            design = make_design(kind, facs, seed=seed, **options)
            evaluation = evaluate(
                design, model, effect_size=effect_size, sigma=sigma, alpha=alpha, seed=seed
            )
        except StatsInputError as error:
            out.append(Candidate(kind, options, None, None, str(error)))
            continue
        out.append(Candidate(kind, options, design, evaluation))
    return out
