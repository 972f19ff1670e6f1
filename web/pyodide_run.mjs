// Run a Python script inside Pyodide under Node, with folders of this machine mounted into
// Pyodide's file system: the tests' way to run this package's own engine in WebAssembly.
//
//   node web/pyodide_run.mjs [--mount HOST=PYODIDE_PATH]... [--path PYODIDE_PATH]... \
//        [--cwd PYODIDE_PATH] [--viz] SCRIPT.py [ARG...]
//
// --viz loads viz.js (web/node_modules/@viz-js/viz) as the page of the site does, so the
// package's layouts come from its viz.js backend (autograd_mlp/viz/render/vizjs.py).
//
// The Pyodide runtime is the pinned npm package in web/node_modules/pyodide (`make web`); no
// network is used (nothing is loaded from a CDN: the script imports only the standard library
// and what the mounts bring). The exit status is the script's: 0, the code of a SystemExit, or
// 1 with the traceback on stderr for any other exception.
import { basename, dirname, resolve } from "node:path";
import { loadPyodide } from "./node_modules/pyodide/pyodide.mjs";

const args = process.argv.slice(2);
const mounts = [];
const paths = [];
let cwd = null;
let viz = false;
while (args.length && args[0].startsWith("--")) {
  const option = args.shift();
  if (option === "--viz") {
    viz = true;
    continue;
  }
  const value = args.shift();
  if (value === undefined) {
    console.error(`pyodide_run: ${option} needs a value`);
    process.exit(2);
  }
  if (option === "--mount") {
    const at = value.lastIndexOf("=");
    mounts.push([value.slice(0, at), value.slice(at + 1)]);
  } else if (option === "--path") {
    paths.push(value);
  } else if (option === "--cwd") {
    cwd = value;
  } else {
    console.error(`pyodide_run: unknown option ${option}`);
    process.exit(2);
  }
}
if (!args.length) {
  console.error("pyodide_run: give the Python script to run");
  process.exit(2);
}
const [script, ...scriptArgs] = args;

if (viz) {
  const { instance } = await import("./node_modules/@viz-js/viz/dist/viz.js");
  globalThis.autogradMlpViz = await instance(); // the name vizjs.py looks for
}
const pyodide = await loadPyodide({
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
for (const [host, inside] of mounts) {
  pyodide.FS.mkdirTree(inside);
  pyodide.mountNodeFS(inside, host);
}
pyodide.FS.mkdirTree("/run");
pyodide.mountNodeFS("/run", dirname(resolve(script)));
const name = basename(script);
pyodide.globals.set("_run_argv", pyodide.toPy([name, ...scriptArgs]));
pyodide.globals.set("_run_paths", pyodide.toPy(paths));
pyodide.globals.set("_run_cwd", cwd);
const status = pyodide.runPython(`
import os, runpy, sys, traceback
sys.argv = list(_run_argv)
sys.path[:0] = list(_run_paths)
if _run_cwd:
    os.chdir(_run_cwd)
try:
    runpy.run_path("/run/" + sys.argv[0], run_name="__main__")
    _status = 0
except SystemExit as stop:
    _status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    if not isinstance(stop.code, (int, type(None))):
        print(stop.code, file=sys.stderr)
except BaseException:
    traceback.print_exc()
    _status = 1
sys.stdout.flush(); sys.stderr.flush()
_status
`);
// Node writes to a pipe asynchronously, and process.exit() drops what is still queued (a JSON
// line of more than 64 KiB came out cut at 65,536 characters): wait until both are written.
const written = (stream) => new Promise((done) => stream.write("", done));
await written(process.stdout);
await written(process.stderr);
process.exit(status);
