"""The worked examples in the SPC, comparability and method-validation docs run as written."""

from __future__ import annotations

import doctest
import importlib
import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _blocks(name: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("name", ["spc.md", "comparability.md", "method-validation.md"])
def test_python_blocks_run(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = _blocks(name)
    assert blocks, f"{name} has no python examples"
    monkeypatch.chdir(tmp_path)  # the examples write their plots and reports here
    namespace: dict = {}
    for code in blocks:  # blocks build on each other, as a reader would run them
        exec(compile(code, name, "exec"), namespace)
    out = capsys.readouterr().out
    assert out and "nan" not in re.findall(r"[a-z]+", out.lower())
    written = os.listdir(tmp_path)
    if name == "method-validation.md":
        assert {"linearity.png", "validation.html", "validation.pdf"} <= set(written)


@pytest.mark.parametrize(
    "module",
    [
        "spc",
        "spc_constants",
        "capability",
        "tolerance",
        "comparability",
        "validation",
        "variance_components",
    ],
)
def test_docstring_examples(module: str) -> None:
    mod = importlib.import_module(f"opencmc.science.stats.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
