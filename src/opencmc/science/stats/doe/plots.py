"""Plots for designed experiments (matplotlib on the Agg canvas; nothing opens a window)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps


def _figure(size: tuple[float, float] = (6.5, 4.8)) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=110)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | Path | None) -> Any:
    if path is not None:
        fig.tight_layout()
        fig.savefig(str(path))
    return fig


def half_normal_plot(analysis: Any, path: str | Path | None = None) -> Any:
    """|effects| against half-normal quantiles, with Lenth's ME and SME when available."""
    eff = analysis.effects
    names = list(eff)
    vals = np.abs(np.array([eff[n] for n in names]))
    order = np.argsort(vals)
    m = len(vals)
    q = sps.norm.ppf(0.5 + 0.5 * (np.arange(1, m + 1) - 0.5) / m)
    fig = _figure()
    ax = fig.add_subplot(111)
    ax.scatter(q, vals[order], color="#1f4e79")
    for xq, i in zip(q, order, strict=True):
        ax.annotate(names[i], (xq, vals[i]), textcoords="offset points", xytext=(4, 2), fontsize=8)
    if analysis.lenth is not None:
        ax.axhline(analysis.lenth.margin_of_error, ls="--", color="#c00000", label="ME (Lenth)")
        ax.axhline(
            analysis.lenth.simultaneous_margin_of_error, ls=":", color="#7f0000", label="SME"
        )
        ax.legend(loc="upper left")
    ax.set_xlabel("half-normal quantile")
    ax.set_ylabel(f"|effect| on {analysis.response}")
    ax.set_title("Half-normal plot of effects")
    return _save(fig, path)


def _grid(
    analysis: Any, x: str, y: str, hold: Mapping[str, Any] | None, n: int = 60
) -> tuple[np.ndarray, ...]:
    names = [f.name for f in analysis.factors]
    for v in (x, y):
        if v not in names:
            raise ValueError(f"{v!r} is not a factor of this analysis ({', '.join(names)})")
    ix, iy = names.index(x), names.index(y)
    lim = [analysis.coding[v]["limit"] for v in (x, y)]
    gx = np.linspace(-lim[0], lim[0], n)
    gy = np.linspace(-lim[1], lim[1], n)
    xx, yy = np.meshgrid(gx, gy)
    base = np.zeros(len(names))
    for k, v in (hold or {}).items():
        j = names.index(k)
        base[j] = analysis.factors[j].to_coded([v], limit=np.inf)[0]
    pts = np.tile(base, (xx.size, 1))
    pts[:, ix], pts[:, iy] = xx.ravel(), yy.ravel()
    z = analysis.predict_coded(pts).reshape(xx.shape)
    fx, fy = analysis.factors[ix], analysis.factors[iy]
    return fx.to_actual(xx), fy.to_actual(yy), z


def response_surface_plot(
    analysis: Any,
    x: str,
    y: str,
    path: str | Path | None = None,
    hold: Mapping[str, Any] | None = None,
    surface: bool = False,
) -> Any:
    """Contour (or 3-D surface) of the fitted response over two factors, others held."""
    ax_x, ax_y, z = _grid(analysis, x, y, hold)
    fig = _figure()
    if surface:
        ax = fig.add_subplot(111, projection="3d")
        ax.plot_surface(ax_x, ax_y, z, cmap="viridis", linewidth=0, antialiased=True)
        ax.set_zlabel(analysis.response)
    else:
        ax = fig.add_subplot(111)
        cs = ax.contourf(ax_x, ax_y, z, levels=14, cmap="viridis")
        ax.contour(ax_x, ax_y, z, levels=14, colors="k", linewidths=0.4)
        fig.colorbar(cs, ax=ax, label=analysis.response)
    labels = {f.name: f.label for f in analysis.factors}
    ax.set_xlabel(labels[x])
    ax.set_ylabel(labels[y])
    held = ", ".join(f"{k} = {v}" for k, v in (hold or {}).items())
    ax.set_title(f"{analysis.response}" + (f" ({held})" if held else ""))
    return _save(fig, path)


def residual_plot(analysis: Any, path: str | Path | None = None) -> Any:
    """Residuals against fitted values and a normal probability plot of residuals."""
    fig = _figure((9.5, 4.0))
    a1 = fig.add_subplot(121)
    a1.scatter(analysis.fitted, analysis.residuals, color="#1f4e79")
    a1.axhline(0, color="grey", lw=0.8)
    a1.set_xlabel("fitted")
    a1.set_ylabel("residual")
    a2 = fig.add_subplot(122)
    (osm, osr), (slope, icpt, _r) = sps.probplot(analysis.residuals)
    a2.scatter(osm, osr, color="#1f4e79")
    a2.plot(osm, slope * np.asarray(osm) + icpt, color="#c00000", lw=0.8)
    a2.set_xlabel("normal quantile")
    a2.set_ylabel("ordered residual")
    return _save(fig, path)


def fds_plot(evaluations: Sequence[Any], path: str | Path | None = None) -> Any:
    """Fraction of design space curves of one or more designs."""
    fig = _figure()
    ax = fig.add_subplot(111)
    for e in evaluations:
        ax.plot(e.fds_fraction, e.fds_variance, label=f"{e.design_kind} ({e.n_runs} runs)")
    ax.set_xlabel("fraction of design space")
    ax.set_ylabel("scaled prediction variance")
    ax.legend()
    return _save(fig, path)


def correlation_plot(evaluation: Any, path: str | Path | None = None) -> Any:
    """Colour map of |correlation| between model and two-factor-interaction columns."""
    fig = _figure((6.5, 6.0))
    ax = fig.add_subplot(111)
    im = ax.imshow(evaluation.correlation, vmin=0, vmax=1, cmap="Blues")
    ticks = range(len(evaluation.correlation_terms))
    ax.set_xticks(list(ticks), evaluation.correlation_terms, rotation=90, fontsize=7)
    ax.set_yticks(list(ticks), evaluation.correlation_terms, fontsize=7)
    fig.colorbar(im, ax=ax, label="|correlation|")
    return _save(fig, path)


def design_space_plot(space: Any, path: str | Path | None = None) -> Any:
    """Probability of meeting every specification over two factors, with the contour."""
    fig = _figure()
    ax = fig.add_subplot(111)
    cs = ax.contourf(
        space.x_values,
        space.y_values,
        space.probability,
        levels=np.linspace(0, 1, 11),
        cmap="RdYlGn",
    )
    ax.contour(
        space.x_values,
        space.y_values,
        space.probability,
        levels=[space.probability_level],
        colors="k",
        linewidths=1.5,
    )
    fig.colorbar(cs, ax=ax, label="P(all specifications met)")
    ax.set_xlabel(space.x_label)
    ax.set_ylabel(space.y_label)
    ax.set_title(f"Design space (P >= {space.probability_level:g})")
    return _save(fig, path)
