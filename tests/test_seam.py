"""The drawing layer's two borders, read from the source with ``ast`` (DESIGN §2, §5):

* one seam to Graphviz: only the modules of `autograd_mlp.viz.render` import ``graphviz`` or
  ``pygraphviz`` or run the ``dot`` program -- at module level, inside a function, or through
  ``importlib.import_module``/``__import__`` with the name as a string;
* drawing knows nothing of lessons: no module of `autograd_mlp.viz` imports
  `autograd_mlp.teach`, in any of those ways.

The readers are tested on small sources first, so that a reader that finds nothing cannot make
the real checks pass vacuously.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "autograd_mlp"
SEAM = PACKAGE / "viz" / "render"
GRAPHVIZ = {"graphviz", "pygraphviz"}
# Calls that start a program (the ``dot`` program is one if its name is the command's first word)
RUNNERS = {"run", "Popen", "call", "check_call", "check_output", "system", "popen"}
RUNNERS |= {f"exec{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")}
RUNNERS |= {f"spawn{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(name: str, path: Path) -> list[str]:
    return name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]


def _called_name(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_dot_command(text: str) -> bool:
    first = text.strip().split(" ", 1)[0]
    return first == "dot" or first.endswith("/dot")


def imported_modules(source: str, name: str, path: Path) -> set[str]:
    """Every module ``source`` imports anywhere: import statements (relative ones resolved
    against ``name``'s package) and ``import_module``/``__import__`` calls on a string."""
    package = _package_of(name, path)
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Call) and _called_name(node) in ("import_module", "__import__"):
            text = _string(node.args[0]) if node.args else None
            if text is not None:
                if text.startswith("."):  # import_module(".teach", "autograd_mlp")
                    given = [_string(a) for a in node.args[1:2]]
                    given += [_string(k.value) for k in node.keywords if k.arg == "package"]
                    anchor = given[0].split(".") if given and given[0] else package
                    dots = len(text) - len(text.lstrip("."))
                    base = anchor[: len(anchor) - dots + 1]
                    text = ".".join([*base, text.lstrip(".")])
                found.add(text)
    return found


def runs_dot(source: str) -> list[int]:
    """Lines that look the ``dot`` program up or start it: ``shutil.which("dot")``, a command
    line ``["dot", ...]`` or ``"dot -Tsvg"`` given to a call that runs a program."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        called = _called_name(node)
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            text = _string(arg)
            if called == "which" and text is not None and _is_dot_command(text):
                lines.append(node.lineno)
            elif called in RUNNERS:
                first = arg.elts[0] if isinstance(arg, (ast.List, ast.Tuple)) and arg.elts else arg
                word = _string(first)
                if word is not None and _is_dot_command(word):
                    lines.append(node.lineno)
    return lines


def _modules() -> list[tuple[str, Path]]:
    return [(_module_name(p), p) for p in sorted(PACKAGE.rglob("*.py"))]


def test_the_readers_find_what_they_look_for() -> None:
    here = PACKAGE / "viz" / "x.py"
    sample = (
        "import os\n"
        "def f():\n"
        "    import pygraphviz\n"
        "    from ..teach import lesson\n"
        "    importlib.import_module('graphviz')\n"
        "    importlib.import_module('autograd_mlp.teach.lesson_layout')\n"
        "    importlib.import_module('..teach.frames', package='autograd_mlp.viz')\n"
    )
    found = imported_modules(sample, "autograd_mlp.viz.x", here)
    assert {"pygraphviz", "graphviz", "autograd_mlp.teach", "autograd_mlp.teach.lesson"} <= found
    assert {"autograd_mlp.teach.lesson_layout", "autograd_mlp.teach.frames"} <= found
    runs = (
        "dot = shutil.which('dot')\n"
        "subprocess.run(['dot', '-Tsvg'])\n"
        "subprocess.Popen(('/usr/bin/dot', '-Tpng'), stdin=PIPE)\n"
        "os.system('dot -Tpdf x.gv')\n"
        "subprocess.run(['python', '-c', 'dot'])\n"  # "dot" as an argument, not the program
    )
    assert runs_dot(runs) == [1, 2, 3, 4]
    # and the seam itself really is found doing what the rest may not
    seam = [(_module_name(p), p) for p in SEAM.rglob("*.py")]
    assert any({"graphviz"} & imported_modules(p.read_text(), n, p) for n, p in seam)
    assert any({"pygraphviz"} & imported_modules(p.read_text(), n, p) for n, p in seam)
    assert any(runs_dot(p.read_text()) for _, p in seam)


def test_only_the_seam_imports_graphviz_or_runs_dot() -> None:
    offenders = []
    for name, path in _modules():
        if path.is_relative_to(SEAM):
            continue
        source = path.read_text(encoding="utf-8")
        modules = imported_modules(source, name, path)
        bad = sorted(m for m in modules if m.split(".")[0] in GRAPHVIZ)
        if bad:
            offenders.append(f"{name} imports {', '.join(bad)}")
        for line in runs_dot(source):
            offenders.append(f"{name}:{line} runs dot")
    assert not offenders, "; ".join(offenders)


def test_no_module_of_viz_imports_teach() -> None:
    offenders = []
    for name, path in _modules():
        if not name.startswith("autograd_mlp.viz"):
            continue
        modules = imported_modules(path.read_text(encoding="utf-8"), name, path)
        bad = sorted(m for m in modules if m.startswith("autograd_mlp.teach"))
        if bad:
            offenders.append(f"{name} imports {', '.join(bad)}")
    assert not offenders, "; ".join(offenders)
