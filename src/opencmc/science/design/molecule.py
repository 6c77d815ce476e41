"""Small-molecule developability: the public API (``opencmc.science.design.molecule``).

One call profiles a candidate: its parent after salt stripping, neutralisation and
tautomer canonicalisation; RDKit descriptors; Lipinski, Veber, Ghose and Egan; QED; the
SA score; ESOL solubility with its published error; PAINS, Brenk and ICH M7-oriented
structural alerts with atoms and sources; and a risk table. Files of any size are
screened streaming, on every core.

>>> from opencmc.science.design import molecule
>>> p = molecule.profile("CN(C)N=O", name="NDMA")
>>> [a.name for a in p.alerts if a.family == "ICH M7"]
['N-nitroso (nitrosamine or nitrosamide)']
>>> sorted(p.to_dict())[:4]
['alerts', 'descriptors', 'esol', 'esol_log_s']
"""

from __future__ import annotations

from opencmc.science.design.smallmol_alerts import FAMILIES, Alert, find_alerts
from opencmc.science.design.smallmol_descriptors import (
    DESCRIPTOR_FUNCTIONS,
    Descriptors2D,
    RuleResult,
    Stereocentre,
    compute_descriptors,
    sa_score,
    sa_score_available,
    stereocentres,
)
from opencmc.science.design.smallmol_draw import draw_profile_svg, draw_svg
from opencmc.science.design.smallmol_input import (
    MoleculeBatch,
    MoleculeInputError,
    MoleculeRecord,
    RecordError,
    iter_records,
    read_molecules,
    read_smiles_text,
)
from opencmc.science.design.smallmol_profile import MoleculeProfile, profile
from opencmc.science.design.smallmol_rank import RankedCandidate, Risk, rank, risk_table
from opencmc.science.design.smallmol_screen import ScreenSummary, profile_many, screen
from opencmc.science.design.smallmol_solubility import (
    ESOL_PUBLISHED_ERROR,
    EsolResult,
    esol,
)
from opencmc.science.design.smallmol_standardise import Standardisation, standardise

__all__ = [
    "DESCRIPTOR_FUNCTIONS",
    "ESOL_PUBLISHED_ERROR",
    "FAMILIES",
    "Alert",
    "Descriptors2D",
    "EsolResult",
    "MoleculeBatch",
    "MoleculeInputError",
    "MoleculeProfile",
    "MoleculeRecord",
    "RankedCandidate",
    "RecordError",
    "Risk",
    "RuleResult",
    "ScreenSummary",
    "Standardisation",
    "Stereocentre",
    "compute_descriptors",
    "draw_profile_svg",
    "draw_svg",
    "esol",
    "find_alerts",
    "iter_records",
    "profile",
    "profile_many",
    "rank",
    "read_molecules",
    "read_smiles_text",
    "risk_table",
    "sa_score",
    "sa_score_available",
    "screen",
    "standardise",
    "stereocentres",
]
