"""The RNA design documents' python examples and the modules' docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", ["design-rna.md", "mrna-design.md", "sirna-aso-design.md"])
def test_python_blocks_run(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, f"{name} has no python examples"
    namespace: dict = {}
    for code in blocks:  # blocks build on each other, as a reader would run them
        exec(compile(code, name, "exec"), namespace)
    assert capsys.readouterr().out


@pytest.mark.parametrize(
    "module",
    ["sequences", "codons", "folding", "mrna_metrics", "mrna_design", "mrna", "sirna", "aso"],
)
def test_docstring_examples(module: str) -> None:
    mod = importlib.import_module(f"opencmc.science.design.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
