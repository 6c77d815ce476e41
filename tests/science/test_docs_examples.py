"""The python examples in the user documentation run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _blocks(name: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("name", ["stability.md", "regression.md"])
def test_python_blocks_run(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = _blocks(name)
    assert blocks, f"{name} has no python examples"
    namespace: dict = {}
    for code in blocks:  # blocks build on each other, as a reader would run them
        exec(compile(code, f"{name}", "exec"), namespace)
    assert capsys.readouterr().out


@pytest.mark.parametrize(
    "module",
    [
        "regression",
        "stability",
        "release_limits",
        "stability_many",
        "oot",
        "accelerated",
        "_validation",
    ],
)
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    mod = importlib.import_module(f"opencmc.science.stats.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
