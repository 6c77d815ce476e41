"""The DoE and scale-up documentation runs as written; the engines' docstring examples pass."""

from __future__ import annotations

import doctest
import importlib
import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", ["doe.md", "scale-up.md"])
def test_python_blocks_run(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, f"{name} has no python examples"
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)  # examples may write files
    try:
        for code in blocks:  # blocks build on each other, as a reader would run them
            exec(compile(code, name, "exec"), namespace)
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().out


@pytest.mark.parametrize(
    "module",
    [
        "opencmc.science.stats.doe.factors",
        "opencmc.science.stats.doe.fractional",
        "opencmc.science.stats.doe.conference",
        "opencmc.science.stats.doe.runsheet",
        "opencmc.science.stats.doe.designs",
        "opencmc.science.stats.doe.mixture",
        "opencmc.science.stats.doe.analyze",
        "opencmc.science.stats.doe.optimal",
        "opencmc.science.stats.doe.catalogue",
        "opencmc.science.stats.doe.evaluate",
        "opencmc.science.process.units",
        "opencmc.science.process.scaleup",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
