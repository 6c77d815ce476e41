"""Standardising a small molecule to its parent: salt stripping, neutralisation, tautomer.

The parent is what the descriptors, alerts and solubility are computed on, and what a
specification names; the removed counter-ions and solvents are reported by name, since
the salt form is itself a CMC decision (Paulekuhn et al., J Med Chem 2007;50:6665).
Each step uses RDKit's MolStandardize: ``Cleanup`` (hydrogens, metal disconnection,
normalisation, reionisation), ``LargestFragmentChooser`` (organic fragments preferred),
``Uncharger`` and ``TautomerEnumerator.Canonicalize``. Stereochemistry is kept through
the tautomer step unless the canonical tautomer itself removes the stereocentre.

>>> from rdkit import Chem
>>> from opencmc.science.design.smallmol_standardise import standardise
>>> s = standardise(Chem.MolFromSmiles("CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21.Cl"))
>>> s.parent_smiles
'CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21'
>>> [(c.smiles, c.name) for c in s.removed]
[('Cl', 'hydrogen chloride (hydrochloride)')]
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from rdkit import Chem
from rdkit.Chem.MolStandardize import rdMolStandardize

from opencmc.science.design.smallmol_input import rdkit_messages


@dataclass(frozen=True)
class RemovedFragment:
    """A fragment taken off the parent: counter-ion, solvent or another component."""

    smiles: str
    name: str | None
    role: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"smiles": self.smiles, "name": self.name, "role": self.role, "count": self.count}


@dataclass(frozen=True)
class Standardisation:
    """The parent molecule and what was done to reach it."""

    input_smiles: str
    parent: Chem.Mol
    parent_smiles: str
    removed: tuple[RemovedFragment, ...]
    neutralised: bool
    tautomer_changed: bool
    notes: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.input_smiles != self.parent_smiles

    def to_dict(self) -> dict[str, Any]:
        return {
            "input_smiles": self.input_smiles,
            "parent_smiles": self.parent_smiles,
            "removed": [r.to_dict() for r in self.removed],
            "neutralised": self.neutralised,
            "tautomer_changed": self.tautomer_changed,
            "notes": list(self.notes),
        }


@cache
def _counterions() -> dict[str, tuple[str, str]]:
    text = (
        resources.files("opencmc.science.design")
        .joinpath("data/smallmol/counterions.csv")
        .read_text(encoding="utf-8")
    )
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    table: dict[str, tuple[str, str]] = {}
    for row in csv.DictReader(rows):
        mol = Chem.MolFromSmiles(row["smiles"])
        if mol is not None:
            table[Chem.MolToSmiles(mol)] = (row["name"], row["role"])
    return table


@cache
def _tools() -> tuple[Any, Any, Any]:
    params = rdMolStandardize.CleanupParameters()
    # Keep the stereocentres a tautomer step would otherwise strip: an alpha-chiral
    # ketone is still a defined stereocentre in the registered substance.
    params.tautomerRemoveSp3Stereo = False
    params.tautomerRemoveBondStereo = False
    return (
        rdMolStandardize.LargestFragmentChooser(preferOrganic=True),
        rdMolStandardize.Uncharger(canonicalOrder=True),
        rdMolStandardize.TautomerEnumerator(params),
    )


def _name_fragment(fragment: Chem.Mol, uncharger: Any) -> tuple[str, str | None, str]:
    smiles = Chem.MolToSmiles(fragment)
    table = _counterions()
    if smiles in table:
        name, role = table[smiles]
        return smiles, name, role
    try:
        neutral = Chem.MolToSmiles(uncharger.uncharge(fragment))
    except Exception:  # an exotic fragment RDKit will not neutralise: keep it as drawn
        neutral = smiles
    if neutral in table:
        name, role = table[neutral]
        return neutral, name, role
    organic = any(atom.GetAtomicNum() == 6 for atom in fragment.GetAtoms())
    return neutral, None, "other component" if organic else "inorganic"


def standardise(mol: Chem.Mol, *, canonical_tautomer: bool = True) -> Standardisation:
    """Reduce a molecule (possibly a salt, solvate or mixture) to its neutral parent."""
    input_smiles = Chem.MolToSmiles(mol)
    chooser, uncharger, enumerator = _tools()
    notes: list[str] = []
    with rdkit_messages() as messages:
        try:
            clean = rdMolStandardize.Cleanup(mol)
        except Exception as exc:  # keep going on the input as drawn, and say so
            clean = Chem.Mol(mol)
            notes.append(f"cleanup failed ({exc}); parent taken as drawn")

        fragments = Chem.GetMolFrags(clean, asMols=True, sanitizeFrags=False)
        parent = chooser.choose(clean) if len(fragments) > 1 else clean
        parent_key = Chem.MolToSmiles(parent)
        removed_counts: Counter[tuple[str, str | None, str]] = Counter()
        kept_parent = False
        for fragment in fragments:
            if not kept_parent and Chem.MolToSmiles(fragment) == parent_key:
                kept_parent = True
                continue
            removed_counts[_name_fragment(fragment, uncharger)] += 1

        charged = Chem.MolToSmiles(parent)
        parent = uncharger.uncharge(parent)
        neutralised = Chem.MolToSmiles(parent) != charged
        if any(atom.GetFormalCharge() != 0 for atom in parent.GetAtoms()):
            notes.append("the parent keeps formal charges (zwitterion or permanent charge)")

        before = Chem.MolToSmiles(parent)
        tautomer_changed = False
        if canonical_tautomer:
            try:
                parent = enumerator.Canonicalize(parent)
                tautomer_changed = Chem.MolToSmiles(parent) != before
            except Exception as exc:
                notes.append(f"tautomer canonicalisation failed ({exc}); parent as drawn")
    notes.extend(m for m in messages if "Tautomer enumeration stopped" in m)

    removed = tuple(
        RemovedFragment(smiles=s, name=n, role=r, count=c)
        for (s, n, r), c in sorted(removed_counts.items(), key=lambda kv: kv[0][0])
    )
    unnamed = [r.smiles for r in removed if r.name is None and r.role == "other component"]
    if unnamed:
        notes.append(
            "organic component(s) removed that are not known salt formers: "
            + ", ".join(unnamed)
            + " (check that the largest fragment is the active substance)"
        )
    return Standardisation(
        input_smiles=input_smiles,
        parent=parent,
        parent_smiles=Chem.MolToSmiles(parent),
        removed=removed,
        neutralised=neutralised,
        tautomer_changed=tautomer_changed,
        notes=tuple(notes),
    )
