"""Imports inside the package flow one way (DESIGN §2): no module imports, at module level, a
module that imports it back, however long the circle. Read from the source with ``ast``, so the
test needs no import order to be right and says which circle it found."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "autograd_mlp"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _top_level_nodes(tree: ast.Module) -> list[ast.stmt]:
    """The statements run when the module is imported: the body, and what sits in its if/try
    blocks (``if TYPE_CHECKING:`` included: mypy follows those, so a circle there is one
    too), but not function or class bodies, which run later."""
    found: list[ast.stmt] = []
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        found.append(node)
        if isinstance(node, ast.If):
            todo += [*node.body, *node.orelse]
        elif isinstance(node, ast.Try):
            todo += [*node.body, *node.orelse, *node.finalbody]
            for handler in node.handlers:
                todo += handler.body
    return found


def _imports(name: str, path: Path, *, everywhere: bool = False) -> set[str]:
    """The package modules that module ``name`` imports (at module level, or anywhere)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    nodes = list(ast.walk(tree)) if everywhere else _top_level_nodes(tree)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:  # `from . import io` imports the module autograd_mlp.nn.io
                sub = f"{source}.{alias.name}"
                found.add(sub if sub in MODULES else source)
    return {m for m in found if m in MODULES and m != name}


def _find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle a -> b -> ... -> a in ``graph``, or None (depth-first search, three colours)."""
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
                stack.append(iter(sorted(graph[child])))
    return None


def test_the_reader_sees_the_imports_that_exist() -> None:
    # The parser above must find real edges, or the acyclicity test would pass vacuously
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    assert "autograd_mlp.engine" in graph["autograd_mlp.nn.modules"]
    assert "autograd_mlp.nn" in graph["autograd_mlp"]
    assert "autograd_mlp._files" in graph["autograd_mlp.nn.io"]
    assert _find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_module_level_imports_have_no_circle() -> None:
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    assert _find_circle(graph) is None, " -> ".join(_find_circle(graph) or [])


def test_io_never_imports_nn_not_even_inside_a_function() -> None:
    # nn's MLP.save/load import io when called; io knows models through a small interface, so
    # the two are not a circle even at run time
    found = _imports("autograd_mlp.nn.io", MODULES["autograd_mlp.nn.io"], everywhere=True)
    assert not {"autograd_mlp.nn", "autograd_mlp.nn.modules"} & found
