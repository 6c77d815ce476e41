"""The classic stability plot: batch points, fitted lines, confidence bounds, limits, shelf life."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .stability import ShelfLifeResult


def _x_end(result: ShelfLifeResult) -> float:
    data_end = float(result._data["time"].max())
    if result.reached:
        return max(data_end, result.shelf_life) * 1.1
    return data_end * 1.5


def plot_data(result: ShelfLifeResult, n_points: int = 101) -> dict[str, Any]:
    """Plain lists for an interactive plot (e.g. a web chart): points, lines, bounds, limits."""
    frame = result._data
    back = np.exp if result.transform == "log" else (lambda v: v)
    grid = np.linspace(0.0, _x_end(result), n_points)
    bounds = result.confidence_bounds(grid)
    batches = []
    for line in result.lines:
        pts = frame[frame["batch"] == line.batch]
        b = bounds[bounds["batch"] == line.batch]
        batches.append(
            {
                "batch": line.batch,
                "points": {"time": pts["time"].tolist(), "value": back(pts["value"]).tolist()},
                "fit": {"time": b["time"].tolist(), "mean": b["mean"].tolist()},
                "lower_bound": b["lower_bound"].tolist() if result.lower is not None else None,
                "upper_bound": b["upper_bound"].tolist() if result.upper is not None else None,
                "shelf_life": line.shelf_life,
            }
        )
    return {
        "time_label": result.time,
        "value_label": result.value,
        "model": result.model,
        "confidence": result.confidence,
        "limits": {"lower": result.lower, "upper": result.upper},
        "shelf_life": result.shelf_life,
        "reached": result.reached,
        "search_max": result.search_max,
        "limiting_batch": result.limiting_batch,
        "batches": batches,
    }


def plot_shelf_life(
    result: ShelfLifeResult, path: str | Path | None = None, title: str | None = None
) -> Any:
    """Draw the stability plot; save as PNG or SVG (by suffix) when ``path`` is given.

    Returns the matplotlib figure. Uses the non-interactive Agg canvas, so it works on
    servers without a display.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = plot_data(result)
    fig = Figure(figsize=(7.5, 4.8), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    colours = [f"C{i % 10}" for i in range(len(data["batches"]))]
    for colour, b in zip(colours, data["batches"], strict=True):
        ax.plot(b["points"]["time"], b["points"]["value"], "o", color=colour, label=b["batch"])
        ax.plot(b["fit"]["time"], b["fit"]["mean"], "-", color=colour, lw=1.2)
        for key in ("lower_bound", "upper_bound"):
            if b[key] is not None:
                ax.plot(b["fit"]["time"], b[key], "--", color=colour, lw=0.9)
    for name, limit in data["limits"].items():
        if limit is not None:
            ax.axhline(limit, color="firebrick", lw=1.2)
            ax.annotate(
                f"{name} limit {limit:g}",
                (0, limit),
                textcoords="offset points",
                xytext=(4, 3),
                color="firebrick",
                fontsize=8,
            )
    if data["reached"]:
        ax.axvline(data["shelf_life"], color="black", lw=1.0, ls=":")
        ax.annotate(
            f"shelf life {data['shelf_life']:.1f}",
            (data["shelf_life"], 0.02),
            xycoords=("data", "axes fraction"),
            rotation=90,
            fontsize=8,
            xytext=(3, 0),
            textcoords="offset points",
        )
    ax.set_xlabel(data["time_label"])
    ax.set_ylabel(data["value_label"])
    side = "two-sided" if result.side == "two-sided" else "one-sided"
    ax.set_title(
        title
        or f"{data['value_label']}: {data['model'].replace('_', ' ')} model, "
        f"{side} {data['confidence']:.0%} confidence bound"
    )
    ax.legend(title="batch", fontsize=8)
    fig.tight_layout()
    if path is not None:
        fig.savefig(str(path))
    return fig
