"""Seed 004 I8 (dead pages nobody routes to) on the backend side: every module of the shared
library is reached from a deployed entrypoint, so nothing is kept alive only by its tests."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINTS = sorted(ROOT.glob("functions_west[123]/*.py"))  # main.py and the west3_* modules it loads


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_every_shared_module_is_reached_from_an_entrypoint() -> None:
    modules = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts): p
        for p in (ROOT / "shared").rglob("*.py")
        if p.name != "__init__.py"
    }
    pending = set().union(*(_imports(p) for p in ENTRYPOINTS))
    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name in modules and name not in reached:
            reached.add(name)
            pending |= _imports(modules[name])
    assert sorted(set(modules) - reached) == []
