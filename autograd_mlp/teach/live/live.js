// The browser edition's loader, shared by index.html and playground.html (written by
// `autograd-mlp site`). It starts Pyodide from ./pyodide/, unpacks the package's wheel and its
// pure dependencies from ./wheels/ into it, creates viz.js's Graphviz (./viz/viz-global.js,
// loaded by the page) for the package's viz.js backend, and returns the Python module
// autograd_mlp.teach.live, whose functions compute everything the page shows. Nothing is
// fetched from anywhere but this site (the page's Content-Security-Policy says so too).

export async function boot(say) {
  const started = performance.now();
  say("Loading Python (Pyodide) and Graphviz (viz.js)…");
  const here = new URL(".", document.baseURI);
  // viz.js's Graphviz is started first: started after Pyodide has loaded, its WebAssembly
  // fails to compile ("unknown type form"), as both are Emscripten builds.
  const vizReady = globalThis.Viz.instance();
  const wheelsReady = fetch(new URL("wheels/wheels.json", here)).then((r) => r.json());
  const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", here).href);
  const [pyodide, viz, wheels] = await Promise.all([
    loadPyodide({ indexURL: new URL("pyodide/", here).href }),
    vizReady,
    wheelsReady,
  ]);
  globalThis.autogradMlpViz = viz; // what autograd_mlp/viz/render/vizjs.py looks for
  const mark = (name) => (document.body.dataset[name] = String(Math.round(performance.now() - started)));
  mark("runtimeMs");
  say("Installing autograd_mlp…");
  for (const name of wheels) {
    const response = await fetch(new URL("wheels/" + name, here));
    if (!response.ok) throw new Error(`wheels/${name}: ${response.status}`);
    pyodide.unpackArchive(await response.arrayBuffer(), "wheel");
  }
  mark("wheelsMs");
  const live = pyodide.pyimport("autograd_mlp.teach.live");
  mark("importMs");
  const call = (name, ...args) => {
    const result = live[name](...args);
    if (result === null || typeof result !== "object" || !result.toJs) return result;
    const plain = result.toJs({ dict_converter: Object.fromEntries });
    result.destroy();
    return plain;
  };
  return { call, seconds: (performance.now() - started) / 1000, pyodide };
}

// A lesson's JSON in a link: base64url of its UTF-8 bytes, and back.
export function toBase64url(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64url(code) {
  const binary = atob(code.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

// A number as the engine printed it (JS and Python both write the shortest exact form).
export function shown(x) {
  return Number.isFinite(x) ? String(x) : String(x).replace("Infinity", "inf");
}

export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}
