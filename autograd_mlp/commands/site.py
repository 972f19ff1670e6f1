"""``autograd-mlp site DIR``: the lesson in every student's browser, as a static folder.

The folder holds two pages and everything they need: ``index.html`` (the lesson, live: every
number editable, everything recomputed by this package running in Pyodide) and
``playground.html`` (an expression, its graph, the chain-rule paths of a chosen leaf, the
backward pass step by step). Their files come from `autograd_mlp.teach.live`; beside them:

* ``pyodide/`` -- the Pyodide runtime (the npm package ``pyodide``: the interpreter in
  WebAssembly and Python's standard library);
* ``viz/viz-global.js`` -- Graphviz in WebAssembly (the npm package ``@viz-js/viz``), the
  layout backend of `autograd_mlp.viz.render.vizjs`;
* ``wheels/`` -- this package as a pure wheel, made here from the installed package, and the
  pure wheels of its dependencies (graphviz, tqdm), listed in ``wheels/wheels.json``.

The runtime files and the dependencies' wheels are taken from a checkout's ``web/`` (``make
web`` installs them, pinned and hash-checked) or from ``--from DIR`` (a folder holding them, or
a copy of ``web/``); a missing one is named in the error. Nothing is downloaded here. The
folder is written next to DIR and then put in its place, so DIR is a whole site or unchanged;
an existing DIR is replaced only if it is a site this command wrote (or is empty).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .._files import shown_path
from .._version import __version__
from .base import CommandFailed, Runner, Subparsers, UsageError, add_command

__all__ = ["add", "build_site", "RUNTIME_FILES", "package_wheel"]

HELP = "write the browser edition: a static site with the lesson live and a playground"
DESCRIPTION = """
Writes a folder that any static web server serves as it is (a school server, GitHub Pages,
`python -m http.server`): index.html, the lesson with every number editable and recomputed in
the browser by this package running in Pyodide, and playground.html, any expression's graph,
gradients and chain-rule paths. Links carry their state: playground.html?expr=...&set=x=2,w=-3
&highlight=w and index.html?lesson=<base64url of a lesson's JSON>. Everything the pages need is
inside the folder (about 20 MB); at run time nothing is fetched from anywhere else.
"""
EXAMPLE = """\
example: autograd-mlp site class-site && python -m http.server -d class-site 8000
also:    autograd-mlp site class-site --from /media/usb/autograd-web"""

# Site path -> where the file is found in a folder of npm packages (node_modules) or a --from
# folder (each name is also looked for directly in it, and in its pyodide/ or viz/).
RUNTIME_FILES = {
    "pyodide/pyodide.mjs": "pyodide/pyodide.mjs",
    "pyodide/pyodide.asm.mjs": "pyodide/pyodide.asm.mjs",
    "pyodide/pyodide.asm.wasm": "pyodide/pyodide.asm.wasm",
    "pyodide/python_stdlib.zip": "pyodide/python_stdlib.zip",
    "pyodide/pyodide-lock.json": "pyodide/pyodide-lock.json",
    "viz/viz-global.js": "@viz-js/viz/dist/viz-global.js",
}
DEPENDENCIES = ("graphviz", "tqdm")  # the core's dependencies (pyproject.toml): pure wheels
MARKER = ".autograd-mlp-site"  # written into every site, so a rebuild may replace it
PACKAGE = Path(__file__).resolve().parents[1]  # the installed autograd_mlp
CHECKOUT_WEB = PACKAGE.parent / "web"  # present when the package runs from a checkout


def add(sub: Subparsers) -> Runner:
    """Declare ``site``; return its runner."""
    p = add_command(sub, "site", HELP, DESCRIPTION, EXAMPLE)
    p.add_argument("folder", metavar="DIR", help="the folder to write (created or replaced)")
    p.add_argument(
        "--from",
        dest="source",
        metavar="DIR",
        help="take the Pyodide and viz.js files and the dependencies' wheels from this folder "
        "(default: the checkout's web/, installed by `make web`)",
    )
    return _run


def _run(args: argparse.Namespace) -> int:
    source = Path(args.source) if args.source is not None else None
    if source is not None and not source.is_dir():
        raise UsageError(f"site: --from {shown_path(args.source)}: not a folder")
    out = build_site(Path(args.folder), source)
    files = [p for p in out.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(
        f"wrote {out}: {len(files)} files, {size / 1e6:.1f} MB. Serve it with "
        f"`python -m http.server -d {shown_path(out)} 8000` and open http://localhost:8000/"
    )
    return 0


def _roots(source: Path | None) -> list[Path]:
    if source is not None:
        return [source, source / "node_modules", source / "web" / "node_modules"]
    return [CHECKOUT_WEB / "node_modules"]


def _wheel_roots(source: Path | None) -> list[Path]:
    if source is not None:
        return [source, source / "wheels", source / "web" / "wheels"]
    return [CHECKOUT_WEB / "wheels"]


def _find_runtime(site_path: str, npm_path: str, roots: Iterable[Path]) -> Path | None:
    name = Path(site_path).name
    for root in roots:
        for candidate in (root / npm_path, root / site_path, root / name):
            if candidate.is_file():
                return candidate
    return None


def _find_wheel(name: str, roots: Iterable[Path]) -> Path | None:
    pattern = re.compile(rf"{re.escape(name)}-[^-]+-(py3|py2\.py3)-none-any\.whl", re.IGNORECASE)
    for root in roots:
        if root.is_dir():
            found = sorted(p for p in root.iterdir() if pattern.fullmatch(p.name))
            if found:
                return found[-1]
    return None


def _sources(source: Path | None) -> tuple[dict[str, Path], list[Path]]:
    """Every runtime file by its site path, and the dependencies' wheels; CommandFailed naming
    each missing one and where it was looked for."""
    found: dict[str, Path] = {}
    missing: list[str] = []
    roots = _roots(source)
    for site_path, npm_path in RUNTIME_FILES.items():
        path = _find_runtime(site_path, npm_path, roots)
        if path is None:
            missing.append(npm_path)
        else:
            found[site_path] = path
    wheels = []
    for name in DEPENDENCIES:
        wheel = _find_wheel(name, _wheel_roots(source))
        if wheel is None:
            missing.append(f"{name}-*-py3-none-any.whl")
        else:
            wheels.append(wheel)
    if missing:
        where = f"--from {shown_path(source)}" if source is not None else shown_path(CHECKOUT_WEB)
        raise CommandFailed(
            "site",
            f"missing {', '.join(missing)} (looked in {where}): run `make web` in a checkout "
            "of autograd_mlp (npm installs pyodide and @viz-js/viz, pip downloads the wheels), "
            "or pass --from DIR with a folder that holds them",
        )
    return found, wheels


# ------------------------------------------------------------------------------------------------
# The package's own wheel, made from the installed package (pure Python: a zip with metadata)
# ------------------------------------------------------------------------------------------------

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # a wheel made twice is the same bytes


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode('ascii')}"


def package_wheel() -> tuple[str, bytes]:
    """This package as a pure wheel (file name, bytes): its modules and its data files (the
    pages' scripts and styles), with the metadata pip and Pyodide read."""
    dist_info = f"autograd_mlp-{__version__}.dist-info"
    files: list[tuple[str, bytes]] = []
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
            continue
        files.append((relative, path.read_bytes()))
    requires = "".join(f"Requires-Dist: {name}\n" for name in DEPENDENCIES)
    metadata = (
        f"Metadata-Version: 2.1\nName: autograd_mlp\nVersion: {__version__}\n"
        f"Summary: A scalar autodiff engine that shows how neural networks learn.\n{requires}"
    )
    wheel = "Wheel-Version: 1.0\nGenerator: autograd-mlp site\nRoot-Is-Purelib: true\n"
    wheel += "Tag: py3-none-any\n"
    files.append((f"{dist_info}/METADATA", metadata.encode("utf-8")))
    files.append((f"{dist_info}/WHEEL", wheel.encode("utf-8")))
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files)
    record += f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode("utf-8")))
    buffer = _zip(files)
    return f"autograd_mlp-{__version__}-py3-none-any.whl", buffer


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------
# The site, written next to DIR and put in its place
# ------------------------------------------------------------------------------------------------


def _replaceable(folder: Path) -> bool:
    if not folder.exists():
        return True
    if not folder.is_dir() or folder.is_symlink():
        return False
    return (folder / MARKER).is_file() or not any(folder.iterdir())


def build_site(folder: Path, source: Path | None = None) -> Path:
    """Write the site into ``folder`` (see the module docstring) and return it."""
    from ..teach.live import STATIC_FILES, static_text

    if not _replaceable(folder):
        raise CommandFailed(
            "site",
            f"{shown_path(folder)} exists and is not a site written by `autograd-mlp site` "
            "(nor empty): choose a new folder, or empty it first",
        )
    runtime, wheels = _sources(source)
    parent = folder.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        stage.mkdir()
        for name in STATIC_FILES:
            (stage / name).write_text(static_text(name), encoding="utf-8")
        for site_path, path in runtime.items():
            (stage / site_path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, stage / site_path)
        (stage / "wheels").mkdir()
        own_name, own = package_wheel()
        (stage / "wheels" / own_name).write_bytes(own)
        names = [own_name]
        for wheel in wheels:
            shutil.copyfile(wheel, stage / "wheels" / wheel.name)
            names.insert(0, wheel.name)  # dependencies first
        (stage / "wheels" / "wheels.json").write_text(json.dumps(names), encoding="utf-8")
        (stage / MARKER).write_text(f"autograd_mlp {__version__}\n", encoding="utf-8")
        old = None
        if folder.exists():
            old = parent / f".{folder.name}.old-{os.getpid()}"
            folder.rename(old)
        stage.rename(folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return folder
