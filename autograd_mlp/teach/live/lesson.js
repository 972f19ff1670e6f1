// index.html: the lesson, live. The lesson is kept as its JSON (the lesson file's format);
// every field of the form edits it, and the package's Python (autograd_mlp.teach.live, in
// Pyodide) recomputes everything: E, the outputs, and the whole lesson page in the frame.
import { boot, element, fromBase64url, shown, toBase64url } from "./live.js";

const $ = (id) => document.getElementById(id);
const status = $("status");
const say = (text, problem = false) => {
  status.textContent = text;
  status.classList.toggle("problem", problem);
};

let app = null;
let lesson = null; // the lesson's JSON, parsed

function numberField(label, value, path) {
  const input = element("input", { type: "text", inputmode: "decimal", value: shown(value) });
  input.dataset.path = path;
  input.setAttribute("aria-label", label);
  input.title = label;
  return input;
}

function buildForm() {
  const sizes = [lesson.inputs.length, ...lesson.layers.map((l) => l.weights.length)];
  $("sizes").value = sizes.join("-");
  $("error-convention").value = lesson.error;
  $("learning-rate").value = shown(lesson.learning_rate);
  const inputs = $("inputs-box");
  inputs.replaceChildren(element("legend", { text: "Inputs x" }));
  lesson.inputs.forEach((x, i) => inputs.append(numberField(`x${i + 1}`, x, `inputs.${i}`)));
  const targets = $("targets-box");
  targets.replaceChildren(element("legend", { text: "Targets t" }));
  lesson.targets.forEach((t, k) => targets.append(numberField(`t${k + 1}`, t, `targets.${k}`)));
  const layers = $("layers-box");
  layers.replaceChildren();
  lesson.layers.forEach((layer, l) => {
    const box = element("fieldset", {}, [element("legend", { text: `Layer ${l + 1}` })]);
    const activation = element("select", { "aria-label": `layer ${l + 1} activation` });
    for (const name of ["sigmoid", "tanh", "relu", "linear"]) {
      activation.append(element("option", { value: name, text: name }));
    }
    activation.value = layer.activation;
    activation.dataset.path = `layers.${l}.activation`;
    box.append(element("label", { text: "activation " }, [activation]));
    const grid = element("div", { class: "grid" });
    grid.style.gridTemplateColumns = `repeat(${layer.weights[0].length + 1}, minmax(0, 1fr))`;
    layer.weights.forEach((row, j) => {
      row.forEach((w, i) => {
        const name = `L${l + 1}.N${j + 1}.w${i + 1}`;
        grid.append(numberField(name, w, `layers.${l}.weights.${j}.${i}`));
      });
      grid.append(numberField(`L${l + 1}.N${j + 1}.b`, layer.biases[j], `layers.${l}.biases.${j}`));
    });
    box.append(element("p", { text: "weights of each neuron, then its bias" }), grid);
    layers.append(box);
  });
}

function setAt(path, value) {
  const keys = path.split(".");
  let node = lesson;
  for (const key of keys.slice(0, -1)) node = node[key];
  node[keys[keys.length - 1]] = value;
}

function recompute() {
  const started = performance.now();
  const view = app.call("lesson_view", JSON.stringify(lesson));
  if (!view.ok) {
    say(view.message, true);
    return;
  }
  lesson = JSON.parse(view.lesson);
  // printed as the lesson page prints numbers; the engine's own value kept beside it
  $("error-value").value = view.error_text;
  $("error-value").dataset.exact = shown(view.error);
  $("outputs-value").value = view.outputs_text.join("; ");
  $("outputs-value").dataset.exact = view.outputs.map(shown).join(",");
  $("page").srcdoc = view.page;
  const link = "index.html?lesson=" + toBase64url(view.lesson);
  $("share").href = link;
  history.replaceState(null, "", link);
  const ms = Math.round(performance.now() - started);
  document.body.dataset.recomputeMs = String(ms);
  document.body.dataset.computed = String(Number(document.body.dataset.computed || 0) + 1);
  say(`Recomputed by autograd_mlp in Python (Pyodide) in ${ms} ms.`);
}

function onChange(event) {
  const field = event.target;
  if (field.id === "error-convention") lesson.error = field.value;
  else if (field.id === "learning-rate") lesson.learning_rate = Number(field.value);
  else if (field.dataset.path) {
    const text = field.value.trim().replace(",", ".");
    const value = field.tagName === "SELECT" ? field.value : Number(text);
    if (field.tagName !== "SELECT" && (text === "" || !Number.isFinite(value))) {
      say(`${field.title || field.getAttribute("aria-label")}: "${field.value}" is not a number`, true);
      return;
    }
    setAt(field.dataset.path, value);
  } else return;
  recompute();
}

function applySizes() {
  const answer = app.call("resized", JSON.stringify(lesson), $("sizes").value);
  if (!answer.ok) {
    say(answer.message, true);
    return;
  }
  lesson = JSON.parse(answer.lesson);
  buildForm();
  recompute();
}

async function main() {
  try {
    app = await boot(say);
    const given = new URLSearchParams(location.search).get("lesson");
    let text = app.call("default_lesson_json");
    if (given) {
      try {
        text = fromBase64url(given);
        JSON.parse(text);
      } catch {
        say("The link's lesson could not be read (expected base64url of a lesson's JSON); showing the default lesson.", true);
        text = app.call("default_lesson_json");
      }
    }
    lesson = JSON.parse(text);
    const view = app.call("lesson_view", text);
    if (!view.ok) {
      say(`The link's lesson: ${view.message}; showing the default lesson.`, true);
      lesson = JSON.parse(app.call("default_lesson_json"));
    }
    buildForm();
    recompute();
    document.body.dataset.ready = "true";
    say(`Ready in ${app.seconds.toFixed(1)} s: change any number, and autograd_mlp recomputes the lesson in your browser.`);
  } catch (error) {
    say(`The lesson could not start: ${error.message || error}`, true);
    throw error;
  }
}

$("controls").addEventListener("change", onChange);
$("controls").addEventListener("submit", (event) => event.preventDefault());
$("apply-sizes").addEventListener("click", applySizes);
$("sizes").addEventListener("keydown", (event) => {
  if (event.key === "Enter") applySizes();
});
main();
