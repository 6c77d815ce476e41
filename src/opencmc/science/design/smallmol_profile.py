"""The developability profile of one small molecule: the engines of this family in one call.

:func:`profile` standardises the input to its parent, then computes on the parent the
descriptors, stereocentres, drug-likeness rule sets, QED, SA score, ESOL solubility and
structural alerts, and sums them up as a risk table (:mod:`smallmol_rank`). The result is
a frozen dataclass whose ``to_dict()`` is what the CLI, the API and a screen write.

>>> from opencmc.science.design.smallmol_profile import profile
>>> p = profile("CC(=O)Oc1ccccc1C(=O)O", name="aspirin")
>>> round(p.descriptors.molecular_weight, 2), round(p.qed, 3), p.alerts[0].name
(180.16, 0.55, 'phenol_ester')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdkit import Chem

from opencmc.science.design.smallmol_alerts import FAMILIES, Alert, find_alerts
from opencmc.science.design.smallmol_descriptors import (
    SA_SCORE_REFERENCE,
    Descriptors2D,
    RuleResult,
    Stereocentre,
    compute_descriptors,
    qed,
    rule_sets,
    sa_score,
    sa_score_available,
    stereocentres,
)
from opencmc.science.design.smallmol_input import MoleculeInputError, parse_smiles
from opencmc.science.design.smallmol_rank import Risk, assess_risks, risk_score
from opencmc.science.design.smallmol_solubility import EsolResult, esol
from opencmc.science.design.smallmol_standardise import Standardisation, standardise


@dataclass(frozen=True)
class MoleculeProfile:
    """Everything the small-molecule engines say about one candidate, on its parent."""

    name: str
    input_smiles: str
    parent_smiles: str
    standardisation: Standardisation
    descriptors: Descriptors2D
    stereocentres: tuple[Stereocentre, ...]
    rules: tuple[RuleResult, ...]
    qed: float
    sa_score: float | None
    esol: EsolResult
    alerts: tuple[Alert, ...]
    risks: tuple[Risk, ...]

    @property
    def parent(self) -> Chem.Mol:
        return self.standardisation.parent

    @property
    def esol_log_s(self) -> float:
        return self.esol.log_s

    @property
    def undefined_stereocentres(self) -> tuple[Stereocentre, ...]:
        return tuple(s for s in self.stereocentres if not s.defined)

    @property
    def risk_score(self) -> int:
        return risk_score(self.risks)

    def rule(self, name: str) -> RuleResult:
        for r in self.rules:
            if r.name.lower() == name.lower():
                return r
        raise KeyError(f"no rule set {name!r}; have {[r.name for r in self.rules]}")

    def alerts_of(self, family: str) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.family == family)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "input_smiles": self.input_smiles,
            "parent_smiles": self.parent_smiles,
            "standardisation": self.standardisation.to_dict(),
            "descriptors": self.descriptors.to_dict(),
            "stereocentres": [s.to_dict() for s in self.stereocentres],
            "undefined_stereocentres": len(self.undefined_stereocentres),
            "rules": {r.name: r.to_dict() for r in self.rules},
            "qed": self.qed,
            "sa_score": self.sa_score,
            "sa_score_reference": SA_SCORE_REFERENCE if self.sa_score is not None else None,
            "esol_log_s": self.esol_log_s,
            "esol": self.esol.to_dict(),
            "alerts": [a.to_dict() for a in self.alerts],
            "risks": [r.to_dict() for r in self.risks],
            "risk_score": self.risk_score,
        }


def _as_mol(molecule: str | Chem.Mol) -> tuple[Chem.Mol, str]:
    if isinstance(molecule, Chem.Mol):
        return molecule, Chem.MolToSmiles(molecule)
    if not isinstance(molecule, str):
        raise TypeError(f"expected a SMILES string or an RDKit Mol, got {type(molecule).__name__}")
    mol, reason = parse_smiles(molecule)
    if mol is None:
        raise MoleculeInputError(f"cannot read SMILES {molecule!r}: {reason}")
    return mol, molecule.strip()


def profile(
    molecule: str | Chem.Mol,
    *,
    name: str = "",
    input_smiles: str | None = None,
    canonical_tautomer: bool = True,
    alert_families: Iterable[str] = FAMILIES,
) -> MoleculeProfile:
    """Profile one molecule (SMILES or RDKit Mol); salts and solvates are reduced to the parent.

    ``input_smiles`` records the text the molecule was read from when ``molecule`` is
    already a Mol. Raises :class:`MoleculeInputError` (a ``ValueError``) with RDKit's
    reason for a SMILES that cannot be read.
    """
    mol, text = _as_mol(molecule)
    if input_smiles is not None:
        text = input_smiles
    std = standardise(mol, canonical_tautomer=canonical_tautomer)
    parent = std.parent
    descriptors = compute_descriptors(parent)
    stereo = stereocentres(parent)
    rules = rule_sets(descriptors)
    sa = sa_score(parent) if sa_score_available() else None
    solubility = esol(
        parent,
        clogp=descriptors.clogp,
        molecular_weight=descriptors.molecular_weight,
        rotatable_bonds=descriptors.rotatable_bonds,
    )
    alerts = find_alerts(parent, alert_families)
    quality = qed(parent)
    risks = assess_risks(
        descriptors=descriptors,
        stereo=stereo,
        rules=rules,
        qed=quality,
        sa_score=sa,
        esol=solubility,
        alerts=alerts,
        standardisation=std,
    )
    return MoleculeProfile(
        name=name,
        input_smiles=text,
        parent_smiles=std.parent_smiles,
        standardisation=std,
        descriptors=descriptors,
        stereocentres=stereo,
        rules=rules,
        qed=quality,
        sa_score=sa,
        esol=solubility,
        alerts=alerts,
        risks=risks,
    )
