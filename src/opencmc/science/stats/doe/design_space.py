"""ICH Q8 design space: where every response meets its specification with a stated probability.

For each response the fitted model's uncertainty is propagated by Monte Carlo from the
posterior predictive distribution under the usual non-informative prior (Peterson
2004): ``sigma^2 = df s^2 / chi^2_df``, ``beta ~ N(b, sigma^2 (X'X)^-1)`` and a new
observation ``f(x)' beta + N(0, sigma^2)``. Responses are drawn independently (their
residuals are assumed uncorrelated). The probability that every response lies within
its limits is mapped over two factors with the others held; proven acceptable ranges
are the stretch of each factor, the others at the set point, where that probability
stays at or above the stated level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import StatsInputError, check_level
from .analyze import Analysis
from .runsheet import _jsonable


@dataclass(frozen=True)
class Specification:
    """Acceptance limits of one response (either may be open)."""

    response: str
    lower: float | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        if self.lower is None and self.upper is None:
            raise StatsInputError(
                f"specification of {self.response!r} needs a lower or upper limit"
            )
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise StatsInputError(f"specification of {self.response!r}: lower must be below upper")


class _Sampler:
    """Posterior-predictive draws of new observations of one response."""

    def __init__(self, a: Analysis, draws: int, rng: np.random.Generator):
        if a.df_resid <= 0 or a.covariance is None or not a.residual_sd:
            raise StatsInputError(
                f"response {a.response!r}: the model leaves no error degrees of freedom, so its "
                "uncertainty is unknown; fit a reduced model (reduce=True) or add runs"
            )
        s2 = a.residual_sd**2
        self.sigma2 = a.df_resid * s2 / rng.chisquare(a.df_resid, draws)
        unit = a.covariance / s2
        chol = np.linalg.cholesky(unit + 1e-14 * np.eye(len(unit)))
        z = rng.standard_normal((draws, len(unit)))
        self.beta = a.coefficient_vector + (z @ chol.T) * np.sqrt(self.sigma2)[:, None]
        self.noise = rng.standard_normal(draws) * np.sqrt(self.sigma2)
        self.model = a.model

    def ok(self, coded: np.ndarray, spec: Specification) -> np.ndarray:
        """(points, draws) booleans: the new observation meets the specification."""
        y = self.model.matrix(coded) @ self.beta.T + self.noise[None, :]
        ok = np.ones(y.shape, dtype=bool)
        if spec.lower is not None:
            ok &= y >= spec.lower
        if spec.upper is not None:
            ok &= y <= spec.upper
        return ok


@dataclass(frozen=True, eq=False)
class DesignSpace:
    """Probability map over two factors, the set point and proven acceptable ranges."""

    x: str
    y: str
    x_label: str
    y_label: str
    x_values: np.ndarray = field(repr=False)
    y_values: np.ndarray = field(repr=False)
    probability: np.ndarray = field(repr=False)
    probability_level: float
    set_point: dict[str, float]
    set_point_probability: float
    proven_acceptable_ranges: dict[str, tuple[float, float] | None]
    fraction_in_design_space: float
    draws: int
    specifications: list[dict[str, Any]]

    def plot(self, path: str | Path | None = None) -> Any:
        from .plots import design_space_plot

        return design_space_plot(self, path)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


def design_space(
    analyses: Mapping[str, Analysis] | Sequence[Analysis],
    specifications: Sequence[Specification | Mapping[str, Any]],
    x: str,
    y: str,
    *,
    probability: float = 0.9,
    set_point: Mapping[str, float] | None = None,
    grid: int = 41,
    draws: int = 2000,
    seed: int = 0,
) -> DesignSpace:
    """Map P(all specifications met) over factors ``x`` and ``y`` and report the PARs.

    ``set_point`` (actual units) holds the other factors and anchors the proven
    acceptable ranges; by default it is the grid point of highest probability (others
    at their centre).
    """
    level = check_level(probability, "probability")
    items = list(analyses.values()) if isinstance(analyses, Mapping) else list(analyses)
    if not items:
        raise StatsInputError("at least one analysed response is needed")
    specs = [
        s if isinstance(s, Specification) else Specification(**dict(s)) for s in specifications
    ]
    by_resp = {a.response: a for a in items}
    for s in specs:
        if s.response not in by_resp:
            raise StatsInputError(f"specification for {s.response!r}, which was not analysed")
    factors = items[0].factors
    names = [f.name for f in factors]
    for v in (x, y):
        if v not in names:
            raise StatsInputError(f"{v!r} is not a factor ({', '.join(names)})")
    rng = np.random.default_rng(seed)
    samplers = {s.response: _Sampler(by_resp[s.response], draws, rng) for s in specs}

    def prob(coded: np.ndarray) -> np.ndarray:
        ok = np.ones((len(coded), draws), dtype=bool)
        for s in specs:
            ok &= samplers[s.response].ok(coded, s)
        return ok.mean(axis=1)

    lim = {n: items[0].coding[n]["limit"] for n in names}
    base = np.zeros(len(names))
    for k, v in (set_point or {}).items():
        if k not in names:
            raise StatsInputError(f"set point: {k!r} is not a factor")
        j = names.index(k)
        base[j] = factors[j].to_coded([v], limit=lim[k])[0]
    ix, iy = names.index(x), names.index(y)
    gx = np.linspace(-lim[x], lim[x], grid)
    gy = np.linspace(-lim[y], lim[y], grid)
    xx, yy = np.meshgrid(gx, gy)
    pts = np.tile(base, (xx.size, 1))
    pts[:, ix], pts[:, iy] = xx.ravel(), yy.ravel()
    pmap = prob(pts).reshape(xx.shape)
    if set_point is None or x not in set_point or y not in set_point:
        k = int(np.argmax(pmap))
        if set_point is None or x not in set_point:
            base[ix] = pts[k, ix]
        if set_point is None or y not in set_point:
            base[iy] = pts[k, iy]
    p_set = float(prob(base[None, :])[0])
    pars: dict[str, tuple[float, float] | None] = {}
    for j, f in enumerate(factors):
        line = np.linspace(-lim[f.name], lim[f.name], 4 * grid + 1)
        pl = np.tile(base, (len(line), 1))
        pl[:, j] = line
        good = prob(pl) >= level
        centre = int(np.argmin(np.abs(line - base[j])))
        if not good[centre]:
            pars[f.name] = None
            continue
        lo = hi = centre
        while lo > 0 and good[lo - 1]:
            lo -= 1
        while hi < len(line) - 1 and good[hi + 1]:
            hi += 1
        a, b = f.to_actual([line[lo], line[hi]])
        pars[f.name] = (float(a), float(b))
    fx, fy = factors[ix], factors[iy]
    return DesignSpace(
        x=x,
        y=y,
        x_label=fx.label,
        y_label=fy.label,
        x_values=fx.to_actual(gx),
        y_values=fy.to_actual(gy),
        probability=pmap,
        probability_level=level,
        set_point={f.name: float(f.to_actual([base[j]])[0]) for j, f in enumerate(factors)},
        set_point_probability=p_set,
        proven_acceptable_ranges=pars,
        fraction_in_design_space=float(np.mean(pmap >= level)),
        draws=draws,
        specifications=[dict(s.__dict__) for s in specs],
    )
