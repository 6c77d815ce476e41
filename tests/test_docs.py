"""Every user-facing page under docs/ has a worked example, and its Python examples run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
# reference pages: tables of settings and layout, no example to run
REFERENCE_ONLY = {"configuration.md", "architecture.md"}


def _pages() -> list[str]:
    return sorted(p.name for p in DOCS.glob("*.md"))


def _python_blocks(name: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("name", _pages())
def test_page_has_a_worked_example(name: str) -> None:
    if name in REFERENCE_ONLY:
        pytest.skip(f"{name} is reference material")
    text = (DOCS / name).read_text(encoding="utf-8")
    assert re.search(r"```(python|sh|console)\n", text), f"{name} has no worked example"


@pytest.mark.parametrize("name", _pages())
def test_python_examples_run(
    name: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # examples write their plots and reports where they run
    blocks = _python_blocks(name)
    if not blocks:
        pytest.skip(f"{name} has no Python examples")
    namespace: dict[str, object] = {}
    for code in blocks:  # blocks build on each other, as a reader would run them
        exec(compile(code, str(DOCS / name), "exec"), namespace)
    assert capsys.readouterr().out, f"{name}'s examples print nothing to show"
