"""The kernel is what every area uses: it imports no area (no service, adapter or SDK)."""

import ast
from pathlib import Path

KERNEL = Path(__file__).resolve().parents[2] / "shared" / "kernel"
ALLOWED_PROJECT_IMPORTS = ("shared.kernel", "shared.ports.store")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_kernel_modules_import_only_the_standard_library_and_the_kernel() -> None:
    modules = sorted(KERNEL.glob("*.py"))
    assert modules
    for module in modules:
        for name in _imports(module):
            if name.startswith("shared"):
                assert name.startswith(ALLOWED_PROJECT_IMPORTS), f"{module.name} imports {name}"
            else:
                assert name.split(".")[0] in ("__future__", "collections", "typing", "dataclasses", "datetime"), (
                    f"{module.name} imports {name}"
                )
