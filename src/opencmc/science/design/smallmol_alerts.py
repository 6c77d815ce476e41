"""Structural alerts: PAINS A/B/C and Brenk from RDKit's FilterCatalog, and ICH M7 alerts.

Every alert found carries its name, family, the SMARTS that matched, the matched atoms
(0-based indices of the parent molecule, one tuple per match) and its source, so that a
reviewer can see and check why it fired. PAINS (Baell & Holloway, J Med Chem
2010;53:2719) flag assay interference, Brenk (ChemMedChem 2008;3:435) unwanted
functionality; neither is about mutagenicity. The ICH M7-oriented set lives in
``data/smallmol/m7_alerts.json`` with a source for each entry; an alert there is a prompt
for the (Q)SAR and expert review ICH M7(R2) requires, not a classification.

>>> from rdkit import Chem
>>> from opencmc.science.design.smallmol_alerts import find_alerts
>>> ndma = Chem.MolFromSmiles("CN(C)N=O")
>>> [(a.name, a.family, a.atoms) for a in find_alerts(ndma, ["ICH M7"])]
[('N-nitroso (nitrosamine or nitrosamide)', 'ICH M7', (1, 3, 4))]
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from rdkit import Chem
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

FAMILIES = ("PAINS A", "PAINS B", "PAINS C", "Brenk", "ICH M7")
_CATALOGUES = {
    "PAINS A": FilterCatalogParams.FilterCatalogs.PAINS_A,
    "PAINS B": FilterCatalogParams.FilterCatalogs.PAINS_B,
    "PAINS C": FilterCatalogParams.FilterCatalogs.PAINS_C,
    "Brenk": FilterCatalogParams.FilterCatalogs.BRENK,
}
# What an alert of each family means for a CMC reader, and how much it weighs.
FAMILY_LEVEL = {"PAINS A": "medium", "PAINS B": "medium", "PAINS C": "medium", "Brenk": "low"}


@dataclass(frozen=True)
class Alert:
    """One structural alert that matched a molecule."""

    name: str
    family: str
    category: str
    level: str
    smarts: str
    matches: tuple[tuple[int, ...], ...]
    source: str
    rationale: str = ""

    @property
    def atoms(self) -> tuple[int, ...]:
        """Every atom any match touched (0-based indices of the parent), for highlighting."""
        return tuple(sorted({i for match in self.matches for i in match}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "family": self.family,
            "category": self.category,
            "level": self.level,
            "smarts": self.smarts,
            "atoms": list(self.atoms),
            "matches": [list(m) for m in self.matches],
            "source": self.source,
            "rationale": self.rationale,
        }


@dataclass(frozen=True)
class _M7Alert:
    name: str
    category: str
    level: str
    smarts: tuple[str, ...]
    patterns: tuple[Chem.Mol, ...]
    source: str
    rationale: str


@cache
def m7_definitions() -> tuple[_M7Alert, ...]:
    """The ICH M7-oriented alert set, SMARTS compiled; a bad SMARTS fails loudly here."""
    data = json.loads(
        resources.files("opencmc.science.design")
        .joinpath("data/smallmol/m7_alerts.json")
        .read_text(encoding="utf-8")
    )
    references = data["references"]
    alerts = []
    for entry in data["alerts"]:
        smarts = entry["smarts"] if isinstance(entry["smarts"], list) else [entry["smarts"]]
        patterns = []
        for s in smarts:
            pattern = Chem.MolFromSmarts(s)
            if pattern is None:
                raise ValueError(f"m7_alerts.json: alert {entry['name']!r} has a bad SMARTS {s}")
            patterns.append(pattern)
        source = "; ".join(references[key] for key in entry["sources"])
        alerts.append(
            _M7Alert(
                name=entry["name"],
                category=entry["category"],
                level=entry["level"],
                smarts=tuple(smarts),
                patterns=tuple(patterns),
                source=source,
                rationale=entry.get("rationale", ""),
            )
        )
    return tuple(alerts)


_FILTER_SET_FAMILY = {
    "PAINS_A": "PAINS A",
    "PAINS_B": "PAINS B",
    "PAINS_C": "PAINS C",
    "Brenk": "Brenk",
}


@cache
def _catalogue() -> FilterCatalog:
    # One catalogue holding all four sets: a single pass over the molecule is about twice
    # as fast as four.
    params = FilterCatalogParams()
    for family in FAMILIES[:-1]:
        params.AddCatalog(_CATALOGUES[family])
    return FilterCatalog(params)


def _filter_alerts(mol: Chem.Mol, families: set[str]) -> list[Alert]:
    found = []
    for entry in _catalogue().GetMatches(mol):
        props = set(entry.GetPropList())
        filter_set = entry.GetProp("FilterSet") if "FilterSet" in props else ""
        family = _FILTER_SET_FAMILY.get(filter_set, filter_set)
        if family not in families:
            continue
        smarts = ""
        matches = []
        for fm in entry.GetFilterMatches(mol):
            matches.append(tuple(sorted(mol_idx for _, mol_idx in fm.atomPairs)))
            pattern = getattr(fm.filterMatch, "GetPattern", None)
            if not smarts and pattern is not None:
                smarts = Chem.MolToSmarts(pattern())
        reference = entry.GetProp("Reference") if "Reference" in props else family
        scope = entry.GetProp("Scope") if "Scope" in props else ""
        found.append(
            Alert(
                name=entry.GetDescription(),
                family=family,
                category="assay interference" if family.startswith("PAINS") else "unwanted group",
                level=FAMILY_LEVEL[family],
                smarts=smarts,
                matches=tuple(sorted(set(matches))),
                source=f"{reference} (RDKit FilterCatalog {filter_set})",
                rationale=scope,
            )
        )
    order = {f: i for i, f in enumerate(FAMILIES)}
    return sorted(found, key=lambda a: order[a.family])


def _m7_alerts(mol: Chem.Mol) -> list[Alert]:
    found = []
    for alert in m7_definitions():
        matches: list[tuple[int, ...]] = []
        matched_smarts: list[str] = []
        for smarts, pattern in zip(alert.smarts, alert.patterns, strict=True):
            hits = mol.GetSubstructMatches(pattern, uniquify=True, maxMatches=100)
            if hits:
                matched_smarts.append(smarts)
                matches.extend(tuple(sorted(h)) for h in hits)
        if matches:
            found.append(
                Alert(
                    name=alert.name,
                    family="ICH M7",
                    category=alert.category,
                    level=alert.level,
                    smarts=" | ".join(matched_smarts),
                    matches=tuple(sorted(set(matches))),
                    source=alert.source,
                    rationale=alert.rationale,
                )
            )
    return found


def find_alerts(mol: Chem.Mol, families: Iterable[str] = FAMILIES) -> tuple[Alert, ...]:
    """Every alert of the given families that matches ``mol`` (ICH M7 first, then PAINS)."""
    wanted = list(families)
    unknown = [f for f in wanted if f not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown alert families {unknown}; choose from {list(FAMILIES)}")
    found: list[Alert] = []
    if "ICH M7" in wanted:
        found.extend(_m7_alerts(mol))
    others = set(wanted) - {"ICH M7"}
    if others:
        found.extend(_filter_alerts(mol, others))
    return tuple(found)
