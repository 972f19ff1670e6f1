// playground.html: an expression in the command line's language, its variables' values and a
// variable whose chain-rule paths to highlight; the package's Python (in Pyodide) builds the
// graph, runs backward, draws it (Graphviz: viz.js) and writes the expression page.
// The link carries the state: ?expr=...&set=x=2,w=-3&highlight=w
import { boot, element, shown } from "./live.js";

const $ = (id) => document.getElementById(id);
const status = $("status");
const say = (text, problem = false) => {
  status.textContent = text;
  status.classList.toggle("problem", problem);
};
let app = null;

function show() {
  const started = performance.now();
  const expr = $("expr").value;
  const set = $("set").value;
  const highlight = $("highlight").value;
  const view = app.call("playground_view", expr, set, highlight);
  if (!view.ok) {
    say(view.message, true);
    return;
  }
  $("result-value").value = shown(view.value);
  const values = Object.fromEntries(
    set.replace(/,/g, " ").split(/\s+/).filter(Boolean).map((item) => item.split("=")),
  );
  const rows = view.variables.map((name) =>
    element("tr", { id: `grad-${name}` }, [
      element("th", { text: name, scope: "row" }),
      element("td", { text: values[name] ?? "" }),
      element("td", { text: shown(view.grads[name]), class: "grad" }),
    ]),
  );
  $("grads").replaceChildren(...rows);
  const select = $("highlight");
  select.replaceChildren(element("option", { value: "", text: "(no variable)" }));
  for (const name of view.variables) select.append(element("option", { value: name, text: name }));
  select.value = view.variables.includes(highlight) ? highlight : "";
  $("highlighted").innerHTML = view.svg;
  $("page").srcdoc = view.page;
  const query = new URLSearchParams({ expr, set: set.replace(/\s+/g, "") });
  if (select.value) query.set("highlight", select.value);
  const link = "playground.html?" + query.toString();
  $("share").href = link;
  history.replaceState(null, "", link);
  const ms = Math.round(performance.now() - started);
  document.body.dataset.computed = String(Number(document.body.dataset.computed || 0) + 1);
  say(`Computed by autograd_mlp in Python (Pyodide) in ${ms} ms.`);
}

async function main() {
  const query = new URLSearchParams(location.search);
  if (query.has("expr")) $("expr").value = query.get("expr");
  if (query.has("set")) $("set").value = query.get("set");
  const wanted = query.get("highlight") || "";
  try {
    app = await boot(say);
    if (wanted) $("highlight").append(element("option", { value: wanted, text: wanted }));
    $("highlight").value = wanted;
    show();
    document.body.dataset.ready = "true";
  } catch (error) {
    say(`The playground could not start: ${error.message || error}`, true);
    throw error;
  }
}

$("controls").addEventListener("submit", (event) => {
  event.preventDefault();
  show();
});
$("highlight").addEventListener("change", show);
main();
