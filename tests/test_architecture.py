"""The package's layering (docs/architecture.md), checked on the source: which modules may
import which, and that no two modules import each other, directly or round a loop.

The import statements are read with ``ast``, so a rule is checked whether or not the code that
breaks it ever runs. An import inside a function counts like one at the top of the module, for the
layering rules and for cycles alike: tucking an import into a function to dodge a cycle leaves the
two modules depending on each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "scratchnet"

# The core of the network: the math of the layers, the loss and the optimizers. Each may import
# only the others (and NumPy): not the model, not files, not the screen.
CORE = ("scratchnet.nn.layers", "scratchnet.nn.im2col", "scratchnet.nn.initializers",
        "scratchnet.nn.losses", "scratchnet.nn.optimizers", "scratchnet.nn.plain",
        "scratchnet.nn.gradcheck", "scratchnet.nn.checks")
# The foundation: small modules that import nothing from the package and that every package
# may import (atomic writes, status lines, BLAS threads, the version).
FOUNDATION = ("scratchnet.files", "scratchnet.progress", "scratchnet.blas", "scratchnet.version")
# What the network package (the model and its file format included) may not reach.
ABOVE_NN = ("scratchnet.data", "scratchnet.app", "scratchnet.cli", "scratchnet.figures",
            "scratchnet.preprocess", "scratchnet.reading", "scratchnet.training")
SCREEN = ("tkinter", "matplotlib", "PIL")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import statement in the file. ``from a
    import b`` counts as importing ``a.b`` when that is a module of the package, else ``a``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists() \
                    or (PACKAGE.parent / Path(*candidate.split("."))).is_dir()
                found.append((candidate if is_module else node.module, id(node) in top_level))
    return found


GRAPH = {module_name(path): imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def within(module: str, prefixes) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def modules_in(prefixes) -> list[str]:
    return [module for module in GRAPH if within(module, prefixes)]


def modules_outside(prefixes) -> list[str]:
    return [module for module in GRAPH if not within(module, prefixes)]


def offenders(modules, forbidden) -> list[str]:
    """"a imports b" for each of ``modules`` that imports anything under ``forbidden``."""
    return sorted(f"{module} imports {target}" for module in modules
                  for target, _ in GRAPH[module] if within(target, forbidden))


def imports_beyond(modules, allowed) -> list[str]:
    """"a imports b" for each of ``modules`` that imports a module of the package outside
    ``allowed``."""
    return sorted(f"{module} imports {target}" for module in modules
                  for target, _ in GRAPH[module]
                  if within(target, ["scratchnet"]) and not within(target, allowed))


def test_the_package_is_read():
    assert "scratchnet.nn.model" in GRAPH and len(GRAPH) > 30
    assert ("scratchnet.nn.layers.base", True) in GRAPH["scratchnet.nn.layers.conv"]


def test_layers_loss_and_optimizers_import_only_each_other():
    core = modules_in(CORE)
    assert imports_beyond(core, CORE) == []
    assert offenders(core, SCREEN) == []


def test_the_network_does_not_reach_data_files_the_app_or_the_command_line():
    assert offenders(modules_in(["scratchnet.nn"]), ABOVE_NN) == []


def test_the_network_imports_only_itself_and_the_foundation():
    assert imports_beyond(modules_in(["scratchnet.nn"]), ["scratchnet.nn", *FOUNDATION]) == []


def test_the_foundation_imports_nothing_from_the_package():
    assert offenders(modules_in(FOUNDATION), ["scratchnet"]) == []


def test_only_the_app_opens_windows():
    # Pillow draws strokes and reads images; matplotlib draws figures; only the app opens windows.
    assert offenders(modules_outside(["scratchnet.app", "scratchnet.cli"]), ["tkinter"]) == []
    assert offenders(modules_in(["scratchnet.nn", *FOUNDATION]), SCREEN) == []


def test_the_library_never_imports_its_command_line():
    assert offenders(modules_outside(["scratchnet.cli"]), ["scratchnet.cli"]) == []


def module_cycles() -> list[list[str]]:
    """Every loop of imports inside the package, found by depth-first search: imports at module
    level and inside functions alike."""
    edges = {module: sorted({target for target, _ in targets if target in GRAPH
                             and target != module})
             for module, targets in GRAPH.items()}
    cycles, state = [], {}

    def visit(module, path):
        state[module] = "open"
        for target in edges[module]:
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in edges:
        if module not in state:
            visit(module, [module])
    return cycles


def test_no_import_cycles():
    assert module_cycles() == []


def test_a_forbidden_import_is_caught(monkeypatch):
    monkeypatch.setitem(GRAPH, "scratchnet.nn.layers.conv",
                        GRAPH["scratchnet.nn.layers.conv"] + [("scratchnet.nn.model", False)])
    monkeypatch.setitem(GRAPH, "scratchnet.nn.saving",
                        GRAPH["scratchnet.nn.saving"] + [("scratchnet.app.window", True)])
    assert offenders(modules_in(CORE), ["scratchnet.nn.model"]) == \
        ["scratchnet.nn.layers.conv imports scratchnet.nn.model"]
    assert offenders(modules_in(["scratchnet.nn"]), ABOVE_NN) == \
        ["scratchnet.nn.saving imports scratchnet.app.window"]


@pytest.mark.parametrize("at_module_level", [True, False])
def test_a_cycle_is_caught(monkeypatch, at_module_level):
    monkeypatch.setitem(GRAPH, "scratchnet.nn.layers.base",
                        GRAPH["scratchnet.nn.layers.base"]
                        + [("scratchnet.nn.layers.conv", at_module_level)])
    assert any({"scratchnet.nn.layers.base", "scratchnet.nn.layers.conv"} <= set(cycle)
               for cycle in module_cycles())
