"""Drawing a molecule as SVG with RDKit, its structural alerts highlighted by level.

Atoms and bonds of high-level alerts are drawn red, medium orange, low yellow; where two
alerts overlap the higher level wins. The SVG is self-contained text, safe to embed in a
page (RDKit escapes nothing user-supplied into it but the legend, which is escaped here).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from rdkit import Chem
from rdkit.Chem.Draw import rdMolDraw2D

LEVEL_COLOURS = {
    "high": (0.90, 0.30, 0.24),
    "medium": (0.96, 0.62, 0.20),
    "low": (0.98, 0.86, 0.35),
}
_RANK = {"low": 0, "medium": 1, "high": 2}


def draw_svg(
    mol: Chem.Mol,
    alerts: Iterable[Any] = (),
    *,
    width: int = 420,
    height: int = 300,
    legend: str = "",
) -> str:
    """SVG of ``mol`` with the atoms of ``alerts`` (objects with ``atoms`` and ``level``) lit."""
    atom_level: dict[int, str] = {}
    for alert in alerts:
        for idx in alert.atoms:
            if idx < mol.GetNumAtoms() and (
                idx not in atom_level or _RANK[alert.level] > _RANK[atom_level[idx]]
            ):
                atom_level[idx] = alert.level
    bond_colours: dict[int, tuple[float, float, float]] = {}
    for bond in mol.GetBonds():
        a, b = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        if a in atom_level and b in atom_level:
            level = atom_level[a] if _RANK[atom_level[a]] <= _RANK[atom_level[b]] else atom_level[b]
            bond_colours[bond.GetIdx()] = LEVEL_COLOURS[level]
    atom_colours = {i: LEVEL_COLOURS[level] for i, level in atom_level.items()}

    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    drawer.drawOptions().addStereoAnnotation = True
    drawer.drawOptions().clearBackground = True
    prepared = rdMolDraw2D.PrepareMolForDrawing(Chem.Mol(mol))
    rdMolDraw2D.PrepareAndDrawMolecule(
        drawer,
        prepared,
        legend=escape(legend),
        highlightAtoms=list(atom_colours),
        highlightAtomColors=atom_colours,
        highlightBonds=list(bond_colours),
        highlightBondColors=bond_colours,
    )
    drawer.FinishDrawing()
    return drawer.GetDrawingText()


def draw_profile_svg(result: Any, *, width: int = 420, height: int = 300) -> str:
    """SVG of a :class:`MoleculeProfile`'s parent with all its alerts highlighted."""
    return draw_svg(result.parent, result.alerts, width=width, height=height, legend=result.name)
