"""Fv developability metrics of one antibody, and flags against clinical-stage antibodies.

Definitions (all from the numbered V domains, CDRs by IMGT):

- ``cdr_length_total``: residues in the six CDRs (three for a VHH).
- ``cdr_hydrophobicity``: sum of Fauchère-Pliska (1983) pi values over the CDR residues.
- ``cdr_positive_count`` / ``cdr_negative_count``: K+R and D+E residues in the CDRs.
- ``fv_net_charge``: VH charge + VL charge at pH 7.4, Bjellqvist pKs, each domain with
  its own termini.
- ``fv_csp``: VH charge x VL charge at the formulation pH (Sharma et al. 2014, PNAS
  111:18601, who used pH 5.5, the default here).

Flags follow the Therapeutic Antibody Profiler (Raybould et al. 2019): green inside the
5th-95th percentile of the reference set, amber between that band and the reference
extremes, red beyond the extremes. The reference set is the 137 approved and
clinical-stage antibodies of Jain et al. (2017, PNAS 114:944, Dataset S1), shipped in
``data/antibody/clinical_antibodies.csv``.

>>> m = fv_metrics("GFNIKDTY", ["CDR1"] * 8, None, None)
>>> m["cdr_length_total"], m["fv_csp"]
(8, None)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from io import StringIO
from typing import Any

import numpy as np
import pandas as pd

from opencmc.science.design.protein_properties import charge_at_ph, hydrophobicity_sum

FLAGGED_METRICS = (
    "cdr_length_total",
    "cdr_hydrophobicity",
    "cdr_positive_count",
    "cdr_negative_count",
    "fv_net_charge",
    "fv_csp",
    "pi",
)
DEFAULT_FORMULATION_PH = 5.5


def _cdr_residues(domain: str, regions: Sequence[str | None]) -> str:
    return "".join(
        r for r, lab in zip(domain, regions, strict=True) if lab and lab.startswith("CDR")
    )


def fv_metrics(
    heavy_domain: str,
    heavy_regions: Sequence[str | None],
    light_domain: str | None,
    light_regions: Sequence[str | None] | None,
    formulation_ph: float = DEFAULT_FORMULATION_PH,
) -> dict[str, Any]:
    """Fv metrics of one antibody from its V domains and their IMGT region labels."""
    cdrs = _cdr_residues(heavy_domain, heavy_regions)
    vh_charge = charge_at_ph(heavy_domain, 7.4)
    vh_form = charge_at_ph(heavy_domain, formulation_ph)
    vl_charge = vl_form = None
    if light_domain is not None and light_regions is not None:
        cdrs += _cdr_residues(light_domain, light_regions)
        vl_charge = charge_at_ph(light_domain, 7.4)
        vl_form = charge_at_ph(light_domain, formulation_ph)
    return {
        "cdr_length_total": len(cdrs),
        "cdr_hydrophobicity": hydrophobicity_sum(cdrs),
        "cdr_positive_count": sum(r in "KR" for r in cdrs),
        "cdr_negative_count": sum(r in "DE" for r in cdrs),
        "vh_charge": vh_charge,
        "vl_charge": vl_charge,
        "fv_net_charge": vh_charge + (vl_charge or 0.0),
        "fv_net_charge_formulation": vh_form + (vl_form or 0.0),
        "fv_csp": None if vl_form is None else vh_form * vl_form,
    }


@lru_cache(maxsize=1)
def reference_table() -> pd.DataFrame:
    """Metrics of the 137 clinical-stage antibodies (precomputed, see ``build_reference_table``)."""
    text = (
        resources.files("opencmc.science.design")
        .joinpath("data/antibody/clinical_reference_metrics.csv")
        .read_text(encoding="utf-8")
    )
    return pd.read_csv(StringIO(text))


def clinical_antibodies() -> pd.DataFrame:
    """The shipped reference sequences: ``name``, ``heavy`` (VH) and ``light`` (VL)."""
    text = (
        resources.files("opencmc.science.design")
        .joinpath("data/antibody/clinical_antibodies.csv")
        .read_text(encoding="utf-8")
    )
    return pd.read_csv(StringIO(text))


@lru_cache(maxsize=1)
def reference_bands() -> dict[str, tuple[float, float, float, float]]:
    """(minimum, 5th percentile, 95th percentile, maximum) of each flagged metric."""
    table = reference_table()
    out = {}
    for metric in FLAGGED_METRICS:
        values = table[metric].dropna().to_numpy(dtype=float)
        p5, p95 = np.percentile(values, [5, 95])
        out[metric] = (float(values.min()), float(p5), float(p95), float(values.max()))
    return out


def flag(metric: str, value: float | None) -> str | None:
    """``green``, ``amber`` or ``red`` for a metric value against the clinical set.

    >>> flag("cdr_length_total", 1000)
    'red'
    """
    if value is None:
        return None
    low, p5, p95, high = reference_bands()[metric]
    if value < low or value > high:
        return "red"
    if value < p5 or value > p95:
        return "amber"
    return "green"
