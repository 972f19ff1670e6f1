"""The package's layers, read from the source (DESIGN §2, docs/architecture.md).

Folders are layers, and imports flow one way:

    helpers (_files, _text, _progress, _version, _optional)
      <- engine <- nn <- viz <- teach <- commands

A module may import its own layer and the layers below it, never one above, and never the
package's face (``autograd_mlp/__init__.py``, which only re-exports). Imports inside functions
count, as do ``importlib.import_module("autograd_mlp....")`` strings: an import that is only put
off is still an import. On top of the layers, no module imports one that imports it back, however
long the circle, even inside one layer.

Everything is read with ``ast``, so the tests need no import order to be right, and each failure
names the module, the line and the import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "autograd_mlp"
FACE = "autograd_mlp"

# Layer of each top-level room of the package, lowest first.
LAYERS = {
    "_files": 0,
    "_text": 0,
    "_progress": 0,
    "_version": 0,
    "_optional": 0,
    "engine": 1,
    "nn": 2,
    "viz": 3,
    "teach": 4,
    "commands": 5,
    "__main__": 5,
}
LAYER_NAMES = ["helpers", "engine", "nn", "viz", "teach", "commands"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int | None:
    """The layer of a package module (None for the face, which is above every layer)."""
    if module == FACE:
        return None
    room = module.split(".")[1]
    return LAYERS[room]


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported package module
    line: int
    deferred: bool  # inside a function (or a class body run later)

    def __str__(self) -> str:
        where = "inside a function" if self.deferred else "at module level"
        return f"{self.source} (line {self.line}, {where}) imports {self.target}"


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _deferred_lines(tree: ast.Module) -> set[int]:
    """Lines of statements that do not run when the module is imported (function bodies)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for inner in ast.walk(node):
                if hasattr(inner, "lineno"):
                    lines.add(inner.lineno)
    return lines


def imports_of(module: str, path: Path) -> list[Import]:
    """Every import of a package module by ``module``, wherever it is in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    deferred = _deferred_lines(tree)
    found: list[Import] = []

    def add(target: str, node: ast.AST) -> None:
        line = getattr(node, "lineno", 0)
        if target in MODULES and target != module:
            found.append(Import(module, target, line, line in deferred))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, path, node)
            for alias in node.names:  # `from . import io` imports the module, not a name
                sub = f"{source}.{alias.name}"
                add(sub if sub in MODULES else source, node)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    add(arg.value, node)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle a -> b -> ... -> a in ``graph``, or None (iterative DFS, three colours)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return [*path[path.index(child) :], child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append(iter(sorted(graph.get(child, ()))))
    return None


def test_the_reader_sees_the_imports_that_exist() -> None:
    # The parser must find real edges of every kind, or the tests below pass vacuously.
    def targets(module: str) -> set[str]:
        return {i.target for i in GRAPH[module]}

    assert "autograd_mlp.engine" in targets("autograd_mlp.nn.modules")  # from ..engine import
    assert "autograd_mlp.nn" in targets(FACE)  # from .nn import
    assert "autograd_mlp._files" in targets("autograd_mlp.nn.io")
    assert any(i.deferred for i in GRAPH["autograd_mlp.nn.train"])  # fast, inside fit
    # an import_module string is an import too
    tree = "import importlib\ndef f():\n    importlib.import_module('autograd_mlp.teach')\n"
    probe = PACKAGE / "viz" / "_probe_.py"
    probe.write_text(tree, encoding="utf-8")
    try:
        found = imports_of("autograd_mlp.viz._probe_", probe)
    finally:
        probe.unlink()
    assert [(i.target, i.deferred) for i in found] == [("autograd_mlp.teach", True)]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_every_module_is_in_a_layer() -> None:
    rooms = {name.split(".")[1] for name in MODULES if name != FACE}
    assert rooms <= set(LAYERS), f"modules outside the layers: {sorted(rooms - set(LAYERS))}"


@pytest.mark.parametrize("layer", range(len(LAYER_NAMES)), ids=LAYER_NAMES)
def test_imports_flow_down_the_layers(layer: int) -> None:
    wrong = [
        str(i)
        for module, found in GRAPH.items()
        if layer_of(module) == layer
        for i in found
        if layer_of(i.target) is None or layer_of(i.target) > layer  # type: ignore[operator]
    ]
    assert not wrong, f"{LAYER_NAMES[layer]} imports upwards or the face:\n" + "\n".join(wrong)


def test_no_import_circle_anywhere_not_even_inside_functions() -> None:
    graph = {name: {i.target for i in found} for name, found in GRAPH.items()}
    graph.pop(FACE)  # the face imports everything and nothing imports it (tested above)
    circle = find_circle(graph)
    assert circle is None, " -> ".join(circle or [])


def test_every_module_opens_with_a_docstring_saying_what_it_holds() -> None:
    missing = [
        name
        for name, path in MODULES.items()
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not missing, f"modules without a docstring: {missing}"


def test_io_never_imports_nn_not_even_inside_a_function() -> None:
    # nn's MLP.save/load import io when called; io knows models through a small interface, so
    # the two are not a circle even at run time
    found = {i.target for i in GRAPH["autograd_mlp.nn.io"]}
    assert not {"autograd_mlp.nn", "autograd_mlp.nn.modules"} & found
