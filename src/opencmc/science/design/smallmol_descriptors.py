"""Descriptors, stereocentres, drug-likeness rule sets, QED and SA score of a parent molecule.

Every number is RDKit's own function, named in :data:`DESCRIPTOR_FUNCTIONS`, so a value
here equals what a chemist gets calling RDKit directly. The rule sets are the published
cut-offs: Lipinski et al. (Adv Drug Deliv Rev 1997;23:3), Veber et al. (J Med Chem
2002;45:2615), Ghose et al. (J Comb Chem 1999;1:55) and Egan et al. (J Med Chem
2000;43:3867), with RDKit's Wildman-Crippen logP (J Chem Inf Comput Sci 1999;39:868)
standing in for the logP each paper used.

>>> from rdkit import Chem
>>> from opencmc.science.design.smallmol_descriptors import compute_descriptors
>>> d = compute_descriptors(Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O"))
>>> round(d.molecular_weight, 3), d.hbd, d.hba, d.aromatic_rings
(180.159, 1, 3, 1)
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from rdkit import Chem
from rdkit.Chem import QED, Crippen, Descriptors, Lipinski, RDConfig, rdMolDescriptors

# Which RDKit function gives each descriptor: the contract the tests check.
DESCRIPTOR_FUNCTIONS = {
    "molecular_weight": "rdkit.Chem.Descriptors.MolWt",
    "exact_mass": "rdkit.Chem.Descriptors.ExactMolWt",
    "clogp": "rdkit.Chem.Crippen.MolLogP",
    "molar_refractivity": "rdkit.Chem.Crippen.MolMR",
    "tpsa": "rdkit.Chem.rdMolDescriptors.CalcTPSA",
    "hbd": "rdkit.Chem.rdMolDescriptors.CalcNumHBD",
    "hba": "rdkit.Chem.rdMolDescriptors.CalcNumHBA",
    "lipinski_hbd": "rdkit.Chem.Lipinski.NHOHCount",
    "lipinski_hba": "rdkit.Chem.Lipinski.NOCount",
    "rotatable_bonds": "rdkit.Chem.rdMolDescriptors.CalcNumRotatableBonds",
    "aromatic_rings": "rdkit.Chem.rdMolDescriptors.CalcNumAromaticRings",
    "rings": "rdkit.Chem.rdMolDescriptors.CalcNumRings",
    "fraction_csp3": "rdkit.Chem.rdMolDescriptors.CalcFractionCSP3",
    "heavy_atoms": "rdkit.Chem.Mol.GetNumHeavyAtoms",
    "total_atoms": "rdkit.Chem.AddHs(mol).GetNumAtoms",
    "formal_charge": "rdkit.Chem.GetFormalCharge",
}


@dataclass(frozen=True)
class Descriptors2D:
    """The physicochemical descriptors of one molecule (RDKit's definitions)."""

    molecular_weight: float
    exact_mass: float
    clogp: float
    molar_refractivity: float
    tpsa: float
    hbd: int
    hba: int
    lipinski_hbd: int
    lipinski_hba: int
    rotatable_bonds: int
    aromatic_rings: int
    rings: int
    fraction_csp3: float
    heavy_atoms: int
    total_atoms: int
    formal_charge: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compute_descriptors(mol: Chem.Mol) -> Descriptors2D:
    """MW, cLogP, TPSA, donors/acceptors, rotatable bonds, rings, Fsp3 and atom counts."""
    return Descriptors2D(
        molecular_weight=Descriptors.MolWt(mol),
        exact_mass=Descriptors.ExactMolWt(mol),
        clogp=Crippen.MolLogP(mol),
        molar_refractivity=Crippen.MolMR(mol),
        tpsa=rdMolDescriptors.CalcTPSA(mol),
        hbd=rdMolDescriptors.CalcNumHBD(mol),
        hba=rdMolDescriptors.CalcNumHBA(mol),
        lipinski_hbd=Lipinski.NHOHCount(mol),
        lipinski_hba=Lipinski.NOCount(mol),
        rotatable_bonds=rdMolDescriptors.CalcNumRotatableBonds(mol),
        aromatic_rings=rdMolDescriptors.CalcNumAromaticRings(mol),
        rings=rdMolDescriptors.CalcNumRings(mol),
        fraction_csp3=rdMolDescriptors.CalcFractionCSP3(mol),
        heavy_atoms=mol.GetNumHeavyAtoms(),
        total_atoms=Chem.AddHs(mol).GetNumAtoms(),
        formal_charge=Chem.GetFormalCharge(mol),
    )


# --- stereochemistry --------------------------------------------------------------


@dataclass(frozen=True)
class Stereocentre:
    """A tetrahedral centre or a stereogenic double bond, defined or not.

    ``atoms`` are 0-based atom indices of the parent (one atom for a centre, the two
    double-bond atoms for a bond); ``label`` is the CIP label (R/S, E/Z) when defined.
    """

    kind: str
    atoms: tuple[int, ...]
    defined: bool
    label: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "atoms": list(self.atoms),
            "defined": self.defined,
            "label": self.label,
        }


def stereocentres(mol: Chem.Mol) -> tuple[Stereocentre, ...]:
    """All potential stereo elements; each undefined one is a control question for CMC."""
    from rdkit.Chem import rdCIPLabeler

    work = Chem.Mol(mol)
    # CIP labelling can give up on huge systems; the labels are optional.
    with contextlib.suppress(Exception):
        rdCIPLabeler.AssignCIPLabels(work)
    found: list[Stereocentre] = []
    for info in Chem.FindPotentialStereo(work):
        specified = info.specified == Chem.StereoSpecified.Specified
        if info.type == Chem.StereoType.Atom_Tetrahedral:
            atom = work.GetAtomWithIdx(info.centeredOn)
            label = atom.GetProp("_CIPCode") if atom.HasProp("_CIPCode") else None
            found.append(
                Stereocentre(
                    "tetrahedral", (info.centeredOn,), specified, label if specified else None
                )
            )
        elif info.type == Chem.StereoType.Bond_Double:
            bond = work.GetBondWithIdx(info.centeredOn)
            label = bond.GetProp("_CIPCode") if bond.HasProp("_CIPCode") else None
            found.append(
                Stereocentre(
                    "double bond",
                    (bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()),
                    specified,
                    label if specified else None,
                )
            )
        else:  # atropisomers and other kinds: reported without a label
            found.append(
                Stereocentre(str(info.type).split(".")[-1], (info.centeredOn,), specified, None)
            )
    return tuple(found)


# --- rule sets --------------------------------------------------------------------


@dataclass(frozen=True)
class RuleViolation:
    property: str
    value: float
    limit: str

    def to_dict(self) -> dict[str, Any]:
        return {"property": self.property, "value": self.value, "limit": self.limit}


@dataclass(frozen=True)
class RuleResult:
    """One drug-likeness rule set applied to one molecule."""

    name: str
    passed: bool
    violations: tuple[RuleViolation, ...]
    allowed_violations: int
    reference: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "violations": [v.to_dict() for v in self.violations],
            "allowed_violations": self.allowed_violations,
            "reference": self.reference,
        }


def _check(
    name: str,
    tests: list[tuple[str, float, bool, str]],
    reference: str,
    allowed: int = 0,
) -> RuleResult:
    violations = tuple(RuleViolation(p, v, limit) for p, v, ok, limit in tests if not ok)
    return RuleResult(name, len(violations) <= allowed, violations, allowed, reference)


def lipinski(d: Descriptors2D) -> RuleResult:
    """Rule of five: poor absorption is more likely with two or more violations."""
    return _check(
        "Lipinski",
        [
            ("molecular_weight", d.molecular_weight, d.molecular_weight <= 500, "<= 500"),
            ("clogp", d.clogp, d.clogp <= 5, "<= 5"),
            ("lipinski_hbd", d.lipinski_hbd, d.lipinski_hbd <= 5, "<= 5 (NH + OH)"),
            ("lipinski_hba", d.lipinski_hba, d.lipinski_hba <= 10, "<= 10 (N + O)"),
        ],
        "Lipinski CA et al. Adv Drug Deliv Rev 1997;23:3-25",
        allowed=1,
    )


def veber(d: Descriptors2D) -> RuleResult:
    """Oral bioavailability in rat: at most 10 rotatable bonds and TPSA at most 140 A^2."""
    return _check(
        "Veber",
        [
            ("rotatable_bonds", d.rotatable_bonds, d.rotatable_bonds <= 10, "<= 10"),
            ("tpsa", d.tpsa, d.tpsa <= 140, "<= 140 A^2"),
        ],
        "Veber DF et al. J Med Chem 2002;45:2615-2623",
    )


def ghose(d: Descriptors2D) -> RuleResult:
    """Qualifying range of known drugs: MW, logP, molar refractivity and atom count."""
    return _check(
        "Ghose",
        [
            ("molecular_weight", d.molecular_weight, 160 <= d.molecular_weight <= 480, "160-480"),
            ("clogp", d.clogp, -0.4 <= d.clogp <= 5.6, "-0.4 to 5.6"),
            (
                "molar_refractivity",
                d.molar_refractivity,
                40 <= d.molar_refractivity <= 130,
                "40-130",
            ),
            ("total_atoms", d.total_atoms, 20 <= d.total_atoms <= 70, "20-70"),
        ],
        "Ghose AK et al. J Comb Chem 1999;1:55-68",
    )


def egan(d: Descriptors2D) -> RuleResult:
    """Egan's absorption ellipse, as its box: TPSA at most 131.6 and logP at most 5.88."""
    return _check(
        "Egan",
        [
            ("tpsa", d.tpsa, d.tpsa <= 131.6, "<= 131.6 A^2"),
            ("clogp", d.clogp, d.clogp <= 5.88, "<= 5.88"),
        ],
        "Egan WJ et al. J Med Chem 2000;43:3867-3877 (AlogP98 replaced by Crippen logP)",
    )


RULE_SETS = {"Lipinski": lipinski, "Veber": veber, "Ghose": ghose, "Egan": egan}


def rule_sets(d: Descriptors2D) -> tuple[RuleResult, ...]:
    return tuple(rule(d) for rule in RULE_SETS.values())


# --- QED and SA score ---------------------------------------------------------------


def qed(mol: Chem.Mol) -> float:
    """Quantitative estimate of drug-likeness (Bickerton et al., Nat Chem 2012;4:90)."""
    return float(QED.qed(mol))


SA_SCORE_REFERENCE = (
    "Ertl P, Schuffenhauer A. J Cheminform 2009;1:8; RDKit Contrib/SA_Score/sascorer.py"
)


@cache
def _sascorer() -> Any:
    path = os.path.join(RDConfig.RDContribDir, "SA_Score", "sascorer.py")
    if not os.path.exists(path):
        raise RuntimeError(
            f"the SA score is not available: {path} is missing from this RDKit installation"
        )
    spec = importlib.util.spec_from_file_location("opencmc_rdkit_sascorer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.readFragmentScores()  # load the fragment table once per process
    return module


def sa_score_available() -> bool:
    try:
        _sascorer()
    except RuntimeError:
        return False
    return True


def sa_score(mol: Chem.Mol) -> float:
    """Synthetic accessibility, 1 (easy) to 10 (very hard), from RDKit's Contrib sascorer."""
    return float(_sascorer().calculateScore(mol))
