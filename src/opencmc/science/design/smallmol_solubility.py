"""Aqueous solubility by Delaney's ESOL equation, on RDKit descriptors, with its error stated.

ESOL (Delaney, J Chem Inf Comput Sci 2004;44:1000-1005) is a four-term linear model:

    log S (mol/L) = 0.16 - 0.63 cLogP - 0.0062 MW + 0.066 RB - 0.74 AP

with RB the rotatable bonds and AP the aromatic proportion (aromatic heavy atoms over
heavy atoms). The published coefficients are used as published; cLogP here is RDKit's
Wildman-Crippen logP, not the Daylight clogP Delaney used, which adds its own error.
Delaney reported predictions within a factor of 5 to 8 of the measured value (about 0.7
to 0.9 log units) on his three validation sets. Read an ESOL value as a class (soluble,
moderately, poorly), not as a number to put in a specification: it knows nothing of
the solid form, the pH or the counter-ion.

>>> from rdkit import Chem
>>> from opencmc.science.design.smallmol_solubility import esol
>>> round(esol(Chem.MolFromSmiles("CCOc1ccc(NC(=O)C)cc1")).log_s, 2)  # phenacetin, measured -2.35
-2.38
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdkit import Chem
from rdkit.Chem import Crippen, Descriptors, rdMolDescriptors

ESOL_COEFFICIENTS = {
    "intercept": 0.16,
    "clogp": -0.63,
    "molecular_weight": -0.0062,
    "rotatable_bonds": 0.066,
    "aromatic_proportion": -0.74,
}
ESOL_REFERENCE = "Delaney JS. J Chem Inf Comput Sci 2004;44:1000-1005 (doi:10.1021/ci034243x)"
ESOL_PUBLISHED_ERROR = (
    "Delaney (2004) reports ESOL predictions within a factor of 5 to 8 of measured values "
    "(about 0.7 to 0.9 log units) on three validation sets; RDKit's Crippen logP replaces "
    "the Daylight clogP of the paper, which adds its own error"
)
ESOL_ERROR_LOG_UNITS = 0.9  # the upper end of the published factor (log10 8)

# Solubility classes on the log S scale of SwissADME (Daina et al., Sci Rep 2017;7:42717).
_CLASSES = (
    (-10.0, "insoluble"),
    (-6.0, "poorly soluble"),
    (-4.0, "moderately soluble"),
    (-2.0, "soluble"),
    (0.0, "very soluble"),
)


def solubility_class(log_s: float) -> str:
    for upper, name in _CLASSES:
        if log_s < upper:
            return name
    return "highly soluble"


@dataclass(frozen=True)
class EsolResult:
    """ESOL's estimate with its inputs, its published error and a class."""

    log_s: float
    clogp: float
    molecular_weight: float
    rotatable_bonds: int
    aromatic_proportion: float

    @property
    def mol_per_l(self) -> float:
        return float(10.0**self.log_s)

    @property
    def mg_per_ml(self) -> float:
        """Estimated solubility in mg/mL (= g/L): mol/L times g/mol."""
        return self.mol_per_l * self.molecular_weight

    @property
    def solubility_class(self) -> str:
        return solubility_class(self.log_s)

    @property
    def interval(self) -> tuple[float, float]:
        """log S plus and minus the published error (0.9 log units)."""
        return (self.log_s - ESOL_ERROR_LOG_UNITS, self.log_s + ESOL_ERROR_LOG_UNITS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "log_s": self.log_s,
            "mol_per_l": self.mol_per_l,
            "mg_per_ml": self.mg_per_ml,
            "class": self.solubility_class,
            "interval_log_s": list(self.interval),
            "inputs": {
                "clogp": self.clogp,
                "molecular_weight": self.molecular_weight,
                "rotatable_bonds": self.rotatable_bonds,
                "aromatic_proportion": self.aromatic_proportion,
            },
            "method": "ESOL, published coefficients",
            "published_error": ESOL_PUBLISHED_ERROR,
            "reference": ESOL_REFERENCE,
        }


def aromatic_proportion(mol: Chem.Mol) -> float:
    heavy = mol.GetNumHeavyAtoms()
    if heavy == 0:
        return 0.0
    return sum(1 for atom in mol.GetAtoms() if atom.GetIsAromatic()) / heavy


def esol(
    mol: Chem.Mol,
    *,
    clogp: float | None = None,
    molecular_weight: float | None = None,
    rotatable_bonds: int | None = None,
) -> EsolResult:
    """ESOL log S (mol/L) of a neutral parent; precomputed descriptors may be passed in."""
    c = ESOL_COEFFICIENTS
    logp = Crippen.MolLogP(mol) if clogp is None else clogp
    mw = Descriptors.MolWt(mol) if molecular_weight is None else molecular_weight
    rb = rdMolDescriptors.CalcNumRotatableBonds(mol) if rotatable_bonds is None else rotatable_bonds
    ap = aromatic_proportion(mol)
    log_s = (
        c["intercept"]
        + c["clogp"] * logp
        + c["molecular_weight"] * mw
        + c["rotatable_bonds"] * rb
        + c["aromatic_proportion"] * ap
    )
    return EsolResult(float(log_s), float(logp), float(mw), int(rb), float(ap))
