"""Drawing control charts: points, centre line, limits (stepped where they vary), signals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .regression import _jsonable

if TYPE_CHECKING:
    from .spc_chart import ControlChart


def _label(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _panel(chart: ControlChart) -> dict[str, Any]:
    n = chart.n_points
    line = chart._line
    lower2, upper2 = chart.warning_limits
    labels = chart.labels.tolist() if isinstance(chart.labels, np.ndarray) else list(chart.labels)
    panel: dict[str, Any] = {
        "chart": chart.chart,
        "title": chart.title,
        "labels": [_label(v) for v in labels],
        "values": _jsonable(chart.values),
        "center": _jsonable(line(chart.center)),
        "lcl": _jsonable(line(chart.lcl)),
        "ucl": _jsonable(line(chart.ucl)),
        "warning_lower": _jsonable(np.broadcast_to(np.asarray(lower2, dtype=float), (n,))),
        "warning_upper": _jsonable(np.broadcast_to(np.asarray(upper2, dtype=float), (n,))),
        "excluded": np.flatnonzero(chart.excluded).tolist(),
        "signals": [{"index": s.index, "rule": s.rule, "label": _label(s.label)}
                    for s in chart.signals],
    }  # fmt: skip
    if "c_minus" in chart.extra:
        panel["lower_values"] = _jsonable(chart.extra["c_minus"])
    return panel


def plot_data(chart: ControlChart) -> dict[str, Any]:
    """Plain lists for an interactive chart: one panel per chart, the dispersion chart second."""
    panels = [_panel(chart)]
    if chart.dispersion is not None:
        panels.append(_panel(chart.dispersion))
    return {"kind": chart.kind, "phase": chart.phase, "panels": panels}


def _draw(ax: Any, chart: ControlChart, zones: bool) -> None:
    n = chart.n_points
    pos = np.arange(n)
    x = chart.values
    ax.plot(pos, x, color="#1f4e79", marker="o", markersize=3, linewidth=0.8, zorder=2)
    if "c_minus" in chart.extra:
        ax.plot(pos, chart.extra["c_minus"], color="#7f6000", marker="o", markersize=3,
                linewidth=0.8, zorder=2)  # fmt: skip
    steps = {"where": "mid"}
    ax.step(pos, chart._line(chart.center), color="#2e7d32", linewidth=1.0, **steps)
    for limit in (chart.lcl, chart.ucl):
        if limit is not None:
            ax.step(pos, chart._line(limit), color="#c62828", linewidth=1.0, **steps)
    if zones and chart.chart not in ("cusum",):
        for k in (1.0, 2.0):
            lo, hi = chart.zone_limits(k)
            for v in (lo, hi):
                ax.step(pos, np.broadcast_to(np.asarray(v, float), (n,)), color="#9e9e9e",
                        linewidth=0.6, linestyle=":", **steps)  # fmt: skip
    ex = chart.excluded
    if ex.any():
        ax.plot(pos[ex], x[ex], linestyle="none", marker="o", markersize=7,
                markerfacecolor="white", markeredgecolor="#616161", zorder=3,
                label="excluded")  # fmt: skip
    fired = sorted({s.index for s in chart.signals})
    if fired:
        idx = np.array(fired)
        ax.plot(pos[idx], x[idx], linestyle="none", marker="o", markersize=6, color="#c62828",
                zorder=4, label="signal")  # fmt: skip
    ax.set_title(chart.title)
    labels = chart.labels
    if n <= 60:
        ax.set_xticks(pos)
        ax.set_xticklabels([str(_label(v)) for v in labels], rotation=90, fontsize=7)
    ax.grid(alpha=0.2)


def plot_chart(
    chart: ControlChart, path: Any = None, zones: bool = True, figsize: tuple[float, float] = (9, 6)
) -> Any:
    """Draw the chart (and its dispersion chart below it); save when ``path`` is given.

    The format follows the suffix (.png, .svg or .pdf). Returns the matplotlib figure.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    panels = [chart] + ([chart.dispersion] if chart.dispersion is not None else [])
    fig, axes = plt.subplots(len(panels), 1, figsize=figsize, squeeze=False)
    for ax, c in zip(axes[:, 0], panels, strict=True):
        _draw(ax, c, zones)
    fig.tight_layout()
    if path is not None:
        fig.savefig(Path(path))
        plt.close(fig)
    return fig
