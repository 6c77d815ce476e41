"""Plots for method validation: the calibration line with its residuals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .validation import LinearityResult


def plot_linearity(result: LinearityResult, path: Any = None) -> Any:
    """Two panels: response against concentration with the fitted line; residuals."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True,
                                      gridspec_kw={"height_ratios": [2, 1]})  # fmt: skip
    x, y = result.concentration, result.response
    grid = np.linspace(float(x.min()), float(x.max()), 50)
    top.plot(x, y, "o", color="#1f4e79")
    top.plot(grid, result.intercept + result.slope * grid, color="#2e7d32")
    top.set_ylabel("response")
    top.set_title(f"Linearity: r = {result.r:.5f}, R² = {result.r_squared:.5f}")
    bottom.axhline(0, color="#9e9e9e", linewidth=0.8)
    bottom.plot(x, result.residuals, "o", color="#c62828")
    bottom.set_xlabel("concentration")
    bottom.set_ylabel("residual")
    for ax in (top, bottom):
        ax.grid(alpha=0.2)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
        plt.close(fig)
    return fig
