"""The import rule of the library (docs/architecture.md), read from the code itself.

- `shared.kernel` imports no area; outside `kernel/adapters` it imports no cloud SDK.
- A domain module imports the standard library, pydantic and other domain or kernel modules only.
- An area imports the kernel, itself, and another area's `domain`, `ports` and `services` (its
  public API): never another area's adapters, never `shared.entry` (the composition root).
- No import cycle anywhere in `shared/`, `devtools/` or a codebase, lazy and annotation-only
  (`if TYPE_CHECKING:`) imports included: a simulator's APIs name the parts they use
  (`parts.SimulatorParts`), not the module that wires them.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AREAS = ("accounts", "admin", "affiliates", "calls", "notifications", "payments", "payouts", "subscriptions", "wallet")
CODEBASES = ("functions_west1", "functions_west2", "functions_west3")
PURE_THIRD_PARTY = ("pydantic", "phonenumbers", "tenacity")  # no I/O of their own


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _codebase_sources() -> list[Path]:
    return sorted(p for codebase in CODEBASES for p in (ROOT / codebase).glob("*.py"))


def _imports(path: Path) -> list[str]:
    """Every module imported anywhere in the file (inside functions and `if TYPE_CHECKING:` too)."""
    names: list[str] = []
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]  # `from pkg import module`
    return names


SHARED = _sources("shared")
KNOWN = {_module(p) for p in _sources("shared", "devtools") + _codebase_sources()}


def _area(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 else None


@pytest.mark.parametrize("path", [p for p in SHARED if _module(p).startswith("shared.kernel")], ids=_module)
def test_the_kernel_imports_no_area_and_outside_its_adapters_no_sdk(path: Path) -> None:
    for name in _imports(path):
        if name.startswith("shared"):
            assert name.startswith("shared.kernel"), f"{_module(path)} imports {name}"
        elif ".adapters" not in _module(path):
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top in PURE_THIRD_PARTY, f"{_module(path)} imports {name}"


@pytest.mark.parametrize("path", [p for p in SHARED if _layer(_module(p)) == "domain"], ids=_module)
def test_a_domain_module_imports_no_sdk_and_nothing_with_io(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "shared":
            pure_kernel = name.startswith("shared.kernel") and not name.startswith("shared.kernel.adapters")
            assert pure_kernel or _layer(name) == "domain", f"{_module(path)} imports {name}"
        else:
            assert top in sys.stdlib_module_names or top == "pydantic", f"{_module(path)} imports {name}"


@pytest.mark.parametrize("path", [p for p in SHARED if _area(_module(p))], ids=_module)
def test_an_area_uses_another_only_through_its_domain_ports_and_services(path: Path) -> None:
    own = _area(_module(path))
    for name in set(_imports(path)) & KNOWN:
        assert not name.startswith(("shared.entry", "devtools", "functions_west")), f"{_module(path)} imports {name}"
        other = _area(name)
        if other is not None and other != own:
            assert _layer(name) in ("domain", "ports", "services"), f"{_module(path)} imports {name}"


def test_no_import_cycle_anywhere() -> None:
    paths = _sources("shared", "devtools") + _codebase_sources()
    graph: dict[str, set[str]] = {}
    for path in paths:
        module = _module(path)
        # A package's __init__ is not a dependency of the modules inside it.
        graph[module] = {t for t in set(_imports(path)) & KNOWN if t != module and not module.startswith(t + ".")}
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        trail.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(target) :], target]))
            if target not in state:
                visit(target)
        trail.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
