"""The package's face: every public name is one import away, and nothing loads until it is
used (PEP 562), so `import autograd_mlp` and the command line start quickly."""

from __future__ import annotations

import subprocess
import sys

import autograd_mlp


def _loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_importing_the_package_loads_none_of_its_layers() -> None:
    loaded = _loaded_after("import autograd_mlp")
    assert not {m for m in loaded if m.startswith("autograd_mlp.") and m != "autograd_mlp._version"}
    assert not {"graphviz", "PIL", "numpy", "tqdm"} & loaded


def test_the_engine_alone_loads_only_the_engine() -> None:
    loaded = _loaded_after("from autograd_mlp import Value\n(Value(2.0) * 3).backward()")
    ours = {m.split(".")[1] for m in loaded if m.startswith("autograd_mlp.")}
    assert ours <= {"engine", "_version"}, ours
    assert "graphviz" not in loaded


def test_every_public_name_is_there_and_is_the_object_of_its_module() -> None:
    from autograd_mlp.engine import Value
    from autograd_mlp.nn.fast import trace
    from autograd_mlp.teach import explain
    from autograd_mlp.viz import draw_graph

    for name in autograd_mlp.__all__:
        assert getattr(autograd_mlp, name) is not None, name
    assert autograd_mlp.Value is Value and autograd_mlp.trace is trace
    assert autograd_mlp.explain is explain and autograd_mlp.draw_graph is draw_graph
    assert set(autograd_mlp.__all__) <= set(dir(autograd_mlp))


def test_a_name_that_is_not_there_is_an_attribute_error() -> None:
    try:
        autograd_mlp.Valeu  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "has no attribute 'Valeu'" in str(exc)
    else:
        raise AssertionError("a misspelt name must not resolve")
