"""The package's folders are layers (README, Development): a module imports only from its own
folder or the layers below, so there are no import cycles and a user who only classifies
never loads the training code. This test reads the imports of every module, including the
ones inside functions, so a new upward import fails here rather than in a review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "conflictnlp"
SHARED = {"labels", "sentences", "records", "cache", "quiet"}
# layer of each top-level name; subpackages on the same layer must not import each other
LAYERS = {
    **dict.fromkeys(SHARED, 0),
    "data": 1,
    "inference": 2,
    "evaluation": 2,
    "training": 3,
    "distributed": 3,
    "cli": 4,
}


def _top(module: Path) -> str:
    parts = module.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imported_tops(module: Path) -> set[str]:
    """Top-level package names a module imports (relative or absolute), but not the root."""
    depth = len(module.relative_to(PACKAGE).parts) - 1  # folders below the package root
    names = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 == depth:  # climbs to the package root
                    if node.module:  # (`from .. import __version__` names the root itself)
                        names.add(node.module.split(".")[0])
                else:  # stays inside the module's own top-level folder
                    names.add(module.relative_to(PACKAGE).parts[0])
            elif node.module and node.module.startswith("conflictnlp."):
                names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names.update(
                a.name.split(".")[1] for a in node.names if a.name.startswith("conflictnlp.")
            )
    return names


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_top_level_name_has_a_layer() -> None:
    tops = {_top(p) for p in MODULES}
    assert tops <= set(LAYERS), f"give {sorted(tops - set(LAYERS))} a layer in this test"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(module: Path) -> None:
    own = _top(module)
    for name in _imported_tops(module) - {own}:
        assert LAYERS[name] < LAYERS[own], (
            f"{module.relative_to(PACKAGE)} imports conflictnlp.{name} "
            f"(layer {LAYERS[name]}) from layer {LAYERS[own]}; move the shared code down a layer"
        )
