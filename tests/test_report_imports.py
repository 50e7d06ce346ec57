"""Renderers depend on the report model alone: nothing under ``sectorweekly.report`` reaches
the store or the workspace, directly or through what it imports (read from the source with
``ast``, every import statement, including those inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sectorweekly

PACKAGE = Path(sectorweekly.__file__).parent
FORBIDDEN = ("sectorweekly.store", "sectorweekly.update.workspace")


def _file(module: str) -> Path | None:
    rel = Path(*module.split(".")[1:])
    for path in (PACKAGE / rel / "__init__.py", (PACKAGE / rel).with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _imports(module: str, path: Path) -> set[str]:
    """The package's modules ``module`` imports, with the packages they sit in."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = (
                (f"{base}.{node.module}" if node.module else base) if node.level else node.module
            )
            names = [target or ""] + [f"{target}.{a.name}" for a in node.names]
        for name in names:
            if name == "sectorweekly" or name.startswith("sectorweekly."):
                parts = name.split(".")
                found.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
    return {m for m in found if _file(m) is not None}


def _reached(start: str) -> dict[str, str]:
    """Every package module ``start`` reaches, each with the module that imports it."""
    seen = {start: ""}
    todo = [start]
    while todo:
        module = todo.pop()
        path = _file(module)
        assert path is not None, module
        for name in _imports(module, path):
            if name not in seen:
                seen[name] = module
                todo.append(name)
    return seen


def _chain(seen: dict[str, str], module: str) -> str:
    steps = [module]
    while seen[steps[-1]]:
        steps.append(seen[steps[-1]])
    return " <- ".join(steps)


RENDERERS = sorted(
    "sectorweekly.report" + ("" if p.stem == "__init__" else f".{p.stem}")
    for p in (PACKAGE / "report").glob("*.py")
)


def test_the_walk_finds_a_known_import():
    """The walk itself works: the build reaches the store."""
    assert "sectorweekly.store" in _reached("sectorweekly.build.flow")


@pytest.mark.parametrize("module", RENDERERS)
def test_renderers_never_reach_the_store_or_the_workspace(module):
    seen = _reached(module)
    bad = [m for m in seen if m.startswith(FORBIDDEN)]
    assert not bad, [_chain(seen, m) for m in bad]
