"""The small-molecule documentation's examples and the modules' docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_design_molecule_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / "design-molecule.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 3
    for i, code in enumerate(blocks):
        exec(compile(code, f"design-molecule.md block {i + 1}", "exec"), {})
    out = capsys.readouterr().out
    assert "ICH M7" in out and "secondary amine (nitrosamine precursor)" in out


@pytest.mark.parametrize(
    "module",
    [
        "molecule",
        "smallmol_input",
        "smallmol_standardise",
        "smallmol_descriptors",
        "smallmol_alerts",
        "smallmol_solubility",
        "smallmol_profile",
    ],
)
def test_docstring_examples(module: str) -> None:
    mod = importlib.import_module(f"opencmc.science.design.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
