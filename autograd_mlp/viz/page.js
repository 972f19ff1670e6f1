// The lesson page's behaviour. Every number shown comes from the JSON block that Python wrote
// (#lesson-data); this script only looks numbers up and shows them. The arithmetic below is
// geometry (zoom, pan) and the rounding of a typed answer for practise mode, nothing else.
// Text is always written with textContent, never as HTML: labels are untrusted.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("lesson-data").textContent);
  const $ = (id) => document.getElementById(id);
  const N = D.nodes;
  const E = D.edges;
  const T = D.train || null;
  // a node's name in a derivative: ∂f/∂(a·b)
  const dname = (i) => N[i].dname || N[i].name;
  // the lesson's decimal separator, for the few numbers written here (a typed answer)
  const sep = (text) => (D.decimal === "," ? text.replace(".", ",") : text);
  const state = { mode: "step", step: 0, train: 0, timer: null, picked: null, practise: null };

  // -- small helpers --------------------------------------------------------------------------
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function setText(id, text) {
    const e = $(id);
    if (e && e.textContent !== text) e.textContent = text;
  }
  function mark(id, cls, on) {
    const e = $(id);
    if (e) e.classList.toggle(cls, on);
  }
  function clearMarks() {
    for (const e of document.querySelectorAll(".active, .onpath, .used, .asked, .live")) {
      e.classList.remove("active", "onpath", "used", "asked", "live");
    }
  }
  function nodeIds(i) {
    return N[i].isOp ? ["v" + i, "op" + i] : ["v" + i];
  }
  // The last event at or before step s: [step, partial sum text, received, needed].
  function gradAt(i, s) {
    let found = null;
    for (const ev of N[i].g || []) {
      if (ev[0] <= s) found = ev;
      else break;
    }
    return found;
  }

  // A box's name for a screen reader is what it shows, numbers included ("ask the Value
  // L1.N1.w1 data 0.1000 grad −0.0120"): a name that holds the visible text, as WCAG 2.5.3 asks.
  const boxTitle = {};
  const boxLabel = {};
  function nameBox(i, shown) {
    if (!(i in boxTitle)) {
      const g = $("v" + i);
      if (!g) return;
      const rows = [...g.querySelectorAll("text")].filter((t) => !/-(data|grad|note)$/.test(t.id));
      boxTitle[i] = rows.map((t) => t.textContent.trim()).filter(Boolean).join(" ");
    }
    const label = ["ask the Value", boxTitle[i], ...shown.map((t) => t.trim()).filter(Boolean)]
      .filter(Boolean).join(" ");
    if (boxLabel[i] !== label) {
      boxLabel[i] = label;
      $("v" + i).setAttribute("aria-label", label);
    }
  }

  // -- the numbers on the graph --------------------------------------------------------------
  function showGraph() {
    const snap = state.mode === "train" && T ? T.steps[state.train] : null;
    const s = state.step;
    for (let i = 0; i < N.length; i++) {
      let data = N[i].data;
      let grad = "";
      let note = "";
      if (snap) {
        data = snap.d[i];
        grad = snap.g[i];
      } else if (state.mode === "step") {
        if (N[i].dataStep > s) data = "";
        const ev = gradAt(i, s);
        if (ev) {
          grad = ev[2] < ev[3] ? ev[1] + " +…" : ev[1];
          note = ev[4];
        }
      } else if (state.mode === "practise") {
        grad = practiseGrad(i);
      } else {
        grad = N[i].grad === undefined ? "" : N[i].grad;
      }
      setText("v" + i + "-data", "data " + data);
      setText("v" + i + "-grad", "grad " + grad);
      setText("v" + i + "-note", note || "\u00a0"); // the shared layout's row under grad
      nameBox(i, ["data " + data, "grad " + grad, note]);
    }
    for (let k = 0; k < E.length; k++) {
      let text = snap ? snap.l[k] : E[k].local;
      // a local derivative is known once the forward pass has computed its operation
      if (state.mode === "step" && N[E[k].to].dataStep > s) text = "";
      const live = state.mode === "step" && E[k].step === s;
      mark(E[k].id, "live", live);
      anchor(k, live, live ? E[k].contrib : text);
    }
  }

  // Each arrow's number sits on a white patch over its line. On the shared layout the patch
  // is a box reserved for the largest text the arrow will show: a live arrow's contribution,
  // written as a card of two lines, "local × upstream" over "= contribution", centred where
  // the number was, so that it covers no box. The patch is cut to the text shown: an arrow
  // whose number is not known yet is drawn unbroken. (Graphviz's own layout reserves no such
  // room: there the contribution is one line that ends where the local derivative ended, so it
  // grows away from the operation.)
  const SVGNS = "http://www.w3.org/2000/svg";
  const labelAt = {};
  function anchor(k, live, text) {
    const t = $(E[k].id + "-label");
    if (!t) return;
    const g = $(E[k].id);
    if (!(k in labelAt)) {
      const before = t.previousElementSibling;
      const reserved = before && before.tagName === "rect" ? before : null;
      let patch = reserved;
      if (!patch) {
        patch = document.createElementNS(SVGNS, "rect");
        t.parentNode.insertBefore(patch, t);
      }
      patch.id = E[k].id + "-card";
      patch.setAttribute("rx", "3");
      labelAt[k] = [t.getAttribute("x"), t.getAttribute("text-anchor"), t.getBBox(), reserved];
    }
    const [x, how, box, reserved] = labelAt[k];
    const patch = $(E[k].id + "-card");
    if (live) g.parentNode.appendChild(g); // drawn last: no other arrow or box covers it
    const card = live && reserved ? E[k].card || [] : [];
    if (card.length === 2) {
      if (t.childElementCount !== 2 || t.textContent !== card.join("")) {
        t.replaceChildren();
        card.forEach((line, n) => {
          const span = document.createElementNS(SVGNS, "tspan");
          span.setAttribute("x", x);
          span.setAttribute("dy", n === 0 ? "-0.65em" : "1.3em");
          span.textContent = line;
          t.append(span);
        });
      }
    } else if (t.childElementCount || t.textContent !== text) {
      t.textContent = text;
    }
    if (!reserved) {
      t.setAttribute("text-anchor", live ? "end" : how || "start");
      t.setAttribute("x", live ? String(box.x + box.width) : x);
    }
    patch.classList.toggle("card", live);
    if (!t.textContent || (!reserved && !live)) {
      patch.setAttribute("display", "none");
      return;
    }
    const b = t.getBBox();
    patch.removeAttribute("display");
    patch.setAttribute("x", String(b.x - 3));
    patch.setAttribute("y", String(b.y - 1));
    patch.setAttribute("width", String(b.width + 6));
    patch.setAttribute("height", String(b.height + 2));
  }
  for (let k = 0; k < E.length; k++) {
    const t = $(E[k].id + "-label");
    anchor(k, false, t ? t.textContent : ""); // measured as it was drawn
  }

  // -- step through ---------------------------------------------------------------------------
  function showStep() {
    clearMarks();
    const st = D.steps[state.step];
    if (st.node !== null) for (const id of nodeIds(st.node)) mark(id, "active", true);
    if (st.node !== null && view.follow) focus(st.node, N[st.node].isOp);
    setText("caption", st.caption);
    setText("step-count", "step " + state.step + " of " + (D.steps.length - 1));
    const detail = $("detail");
    detail.replaceChildren();
    if (st.phase === "forward") {
      detail.append(
        el(
          "p",
          "hint",
          "The forward pass computes each Value from its inputs and stores the local " +
            "derivative on each arrow. Press next ▶ or →; " +
            (D.practiseOnly
              ? "then find the gradients in Practise."
              : "the backward pass starts at step " + D.seedStep + "."),
        ),
      );
    }
    if (st.phase === "backward" && st.node !== null) {
      const into = N[st.node].into;
      if (into.length) {
        detail.append(el("h2", "", "arrows into " + N[st.node].name + ": local × upstream"));
        const list = el("ul", "contribs");
        for (const k of into) {
          list.append(el("li", "contrib", N[E[k].from].name + ": " + E[k].contrib));
        }
        detail.append(list);
      }
      const partial = el("ul", "partials");
      for (let i = 0; i < N.length; i++) {
        const ev = gradAt(i, state.step);
        if (ev && ev[2] < ev[3]) {
          const left = ev[3] - ev[2];
          partial.append(
            el(
              "li",
              "partial",
              N[i].name + ": " + ev[1] + " so far, " + ev[2] + " of " + ev[3] +
                " contributions received, " + left + " still to come",
            ),
          );
        }
      }
      if (partial.childElementCount) {
        detail.append(el("h2", "", "gradients still being summed"));
        detail.append(partial);
      }
    }
  }

  function go(s) {
    if (state.mode === "train" && T) {
      state.train = Math.max(0, Math.min(T.steps.length - 1, s));
      $("slider").value = String(state.train);
      showTrain();
      return;
    }
    state.step = Math.max(0, Math.min(D.steps.length - 1, s));
    $("slider").value = String(state.step);
    showStep();
    showGraph();
  }
  function current() {
    return state.mode === "train" ? state.train : state.step;
  }
  function last() {
    return state.mode === "train" && T ? T.steps.length - 1 : D.steps.length - 1;
  }
  function play(on) {
    if (state.timer !== null) {
      clearInterval(state.timer);
      state.timer = null;
    }
    if (on) {
      if (current() >= last()) go(0);
      state.timer = setInterval(() => {
        if (current() >= last()) play(false);
        else go(current() + 1);
      }, state.mode === "train" ? 60 : 900);
    }
    $("play").replaceChildren(el("span", "", on ? "❚❚" : "▶"), on ? " pause" : " play");
    $("play").firstChild.setAttribute("aria-hidden", "true");
  }

  // -- ask a node -----------------------------------------------------------------------------
  function ask(i, isOp) {
    if (state.mode === "practise") return;
    if (state.mode !== "ask") setMode("ask");
    clearMarks();
    const n = N[i];
    const detail = $("detail");
    detail.replaceChildren();
    state.picked = i;
    if (isOp) {
      mark("op" + i, "asked", true);
      setText("caption", "the operation " + n.op.symbol + " that makes " + n.name);
      detail.append(el("p", "value", n.op.value));
      detail.append(el("h2", "", "its local derivatives (the numbers on its arrows)"));
      const list = el("ul", "rules");
      for (const r of n.op.rules) {
        list.append(el("li", "rule", r.text));
        mark(E[r.edge].id, "used", true);
      }
      detail.append(list);
      return;
    }
    mark("v" + i, "asked", true);
    setText("caption", n.name + ": data " + n.data + (n.grad !== undefined ? ", grad " + n.grad : ""));
    if (!n.ask) return;
    detail.append(el("p", "formula", n.ask.formula));
    const list = el("ul", "terms");
    for (const t of n.ask.terms) {
      list.append(el("li", "term", t.text));
      mark(E[t.edge].id, "used", true);
      mark("op" + E[t.edge].to, "used", true);
    }
    detail.append(list);
    detail.append(el("p", "sum", "∂" + dname(D.root) + "/∂" + dname(i) + " = " + n.ask.sum));
    if (n.paths) showPaths(n);
  }

  // A listed path is an entry of D.pathTree, [the entry it extends towards the root, the
  // arrow it adds]: walking the entries up to the root gives its arrows, leaf first. Its
  // product comes from Python; here only names and numbers already on the page are joined.
  function pathArrows(t) {
    const arrows = [];
    for (let at = t; D.pathTree[at][0] !== -1; at = D.pathTree[at][0]) arrows.push(D.pathTree[at][1]);
    return arrows;
  }
  function factor(text) {
    return text.startsWith("−") ? "(" + text + ")" : text;
  }
  function showPaths(n) {
    const P = n.paths;
    const detail = $("detail");
    const count = P.countText || String(P.count);
    detail.append(
      el("h2", "", count + " chain-rule path" + (P.count === 1 ? "" : "s") + " to the root"),
    );
    const list = el("ol", "paths");
    for (const p of P.paths) {
      const arrows = pathArrows(p.at);
      const names = [n.name, ...arrows.map((k) => N[E[k].to].name)];
      const factors = arrows.map((k) => factor(E[k].local)).join(" × ") || "1";
      const li = el("li", "path");
      li.append(el("span", "path-names", names.join(" → ") + ": "));
      li.append(el("span", "path-factors", factors + " = "));
      li.append(el("b", "path-product", p.product));
      list.append(li);
      mark("v" + E[arrows[0]].from, "onpath", true); // the leaf (a listed path has an arrow)
      for (const k of arrows) {
        const j = E[k].to;
        mark(E[k].id, "onpath", true);
        mark("op" + j, "onpath", true);
        mark("e" + j + "_out", "onpath", true);
        mark("v" + j, "onpath", true);
      }
    }
    detail.append(list);
    if (P.count > P.paths.length) {
      detail.append(el("p", "", "too many paths to list; their sum is the gradient"));
    }
    const total = el("p", "path-total");
    total.append("sum of the products = ");
    total.append(el("b", "path-sum", P.sum));
    total.append(";  " + n.name + ".grad = ");
    total.append(el("b", "path-grad", P.grad));
    detail.append(total);
  }

  // -- practise -------------------------------------------------------------------------------
  function fnv1a(text) {
    let h = 0x811c9dc5;
    for (const b of new TextEncoder().encode(text)) {
      h ^= b;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, "0");
  }
  function practiseGrad(i) {
    const P = state.practise;
    if (i === D.root) return "1";
    if (!P) return "";
    if (P.revealed[i] !== undefined) return P.revealed[i];
    const item = D.practise.items[P.pos];
    return item && item.node === i ? "?" : "";
  }
  function startPractise() {
    if (!state.practise) state.practise = { pos: 0, right: 0, wrong: 0, shown: 0, revealed: {} };
    showPractise("");
  }
  function showPractise(message, edges) {
    const P = state.practise;
    const items = D.practise.items;
    clearMarks();
    const detail = $("detail");
    detail.replaceChildren();
    const score = el("p", "score");
    score.id = "score";
    score.textContent =
      "score: " + P.right + " right, " + P.wrong + " wrong" + (P.shown ? ", " + P.shown + " shown" : "");
    if (P.pos >= items.length) {
      setText("caption", "practice done: every gradient entered");
      detail.append(score);
      showGraph();
      return;
    }
    const item = items[P.pos];
    const n = N[item.node];
    mark("v" + item.node, "asked", true);
    if (view.follow) focus(item.node, false);
    setText(
      "caption",
      "gradient " + (P.pos + 1) + " of " + items.length + " (backward order): ∂" +
        dname(D.root) + "/∂" + dname(item.node) + " = ?",
    );
    const form = el("form", "answer");
    const label = el("label", "", "∂" + dname(D.root) + "/∂" + dname(item.node) + " = ");
    label.htmlFor = "answer";
    const input = el("input");
    input.id = "answer";
    input.type = "text";
    input.inputMode = "decimal";
    input.autocomplete = "off";
    const check = el("button", "", "check");
    check.type = "submit";
    check.id = "check";
    form.append(label, input, check);
    if (!D.practiseOnly) {
      const show = el("button", "", "show");
      show.type = "button";
      show.id = "show";
      show.addEventListener("click", () => reveal(item, n.grad, "shown"));
      form.append(show);
    }
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      answer(item, input.value);
    });
    detail.append(form);
    detail.append(el("p", "tolerance", D.practise.tolerance));
    const msg = el("p", "message", message);
    msg.id = "message";
    detail.append(msg);
    detail.append(score);
    for (const k of edges || []) mark(E[k].id, "used", true);
    showGraph();
    input.focus();
  }
  // A typed answer as a number: "−0.5" and "0,5" are read too, and inf, ∞ and nan as words.
  function typedNumber(typed) {
    const t = typed.trim().replace(/−/g, "-").replace(",", ".").toLowerCase();
    if (/^[+-]?(inf|infinity|∞)$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
    if (t === "nan") return NaN;
    const x = t === "" ? NaN : Number(t);
    return Number.isNaN(x) ? null : x;
  }
  // The text Python hashed for the same number (page_numbers._answer_text): fixed decimals,
  // from 1e21 on the first digits as toExponential writes them (Python writes them alike).
  function answerText(x, decimals) {
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (Math.abs(x) >= 1e21) return x.toExponential(decimals);
    const text = x.toFixed(decimals);
    return Number(text) === 0 ? text.replace("-", "") : text;
  }
  function answer(item, typed) {
    const P = state.practise;
    const x = typedNumber(typed);
    if (x === null) {
      showPractise("type a number, e.g. " + sep("−0.125") + " (or inf, nan)");
      return;
    }
    const text = answerText(x, D.practise.decimals);
    if (item.hashes.includes(fnv1a(D.practise.salt + text))) {
      P.right += 1;
      const shown = D.practiseOnly ? sep(text.replace("-", "−")) : N[item.node].grad;
      reveal(item, shown, "right");
    } else {
      P.wrong += 1;
      showPractise("not quite (" + sep(text.replace("-", "−")) + "). Hint: " + item.hint, item.edges);
    }
  }
  function reveal(item, value, how) {
    const P = state.practise;
    if (how === "shown") P.shown += 1;
    P.revealed[item.node] = value;
    P.pos += 1;
    showPractise(
      (how === "right" ? "right: " : "the answer: ") + "∂" + dname(D.root) + "/∂" +
        dname(item.node) + " = " + value,
    );
  }

  // -- train ----------------------------------------------------------------------------------
  function showTrain() {
    clearMarks();
    const s = T.steps[state.train];
    setText("caption", "after " + state.train + " gradient-descent step" + (state.train === 1 ? "" : "s") + ": E = " + s.E);
    setText("step-count", "step " + state.train + " of " + (T.steps.length - 1));
    setText("train-step", "E = " + s.E);
    $("train-slider").value = String(state.train);
    const dot = $("chart-dot");
    if (dot) {
      dot.setAttribute("cx", String(T.dots[state.train][0]));
      dot.setAttribute("cy", String(T.dots[state.train][1]));
    }
    showGraph();
  }

  // -- modes ----------------------------------------------------------------------------------
  function setMode(mode) {
    play(false);
    state.mode = mode;
    for (const m of ["step", "ask", "practise", "train"]) {
      $("mode-" + m).setAttribute("aria-pressed", String(m === mode));
    }
    $("stepper").hidden = !(mode === "step" || mode === "train");
    $("train-panel").hidden = mode !== "train";
    $("detail").replaceChildren();
    clearMarks();
    const slider = $("slider");
    if (mode === "train") {
      slider.max = String(T.steps.length - 1);
      go(state.train);
    } else if (mode === "step") {
      slider.max = String(D.steps.length - 1);
      go(state.step);
    } else if (mode === "practise") {
      startPractise();
    } else {
      setText("caption", "click a box or an operation to see its chain rule with numbers");
      showGraph();
    }
  }

  // -- zoom, pan, full screen -----------------------------------------------------------------
  const stage = $("stage");
  const canvas = $("canvas");
  const svg = $("lesson-svg");
  const view = { scale: 1, x: 0, y: 0, follow: false };
  const box = svg.viewBox.baseVal;
  // The drawing's units (Graphviz: points) in CSS px at scale 1, and its text size there.
  const unit = D.view.pxPerUnit;
  svg.setAttribute("width", String(box.width * unit));
  svg.setAttribute("height", String(box.height * unit));
  function applyView() {
    canvas.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.scale + ")";
  }
  // The scale that shows the boxes' text at 18 px, readable from the back on a projector.
  const READABLE = 18 / D.view.fontPx;
  function fit() {
    const w = box.width * unit;
    const h = box.height * unit;
    view.scale = Math.min(stage.clientWidth / w, stage.clientHeight / h, 2.5);
    view.x = (stage.clientWidth - w * view.scale) / 2;
    view.y = (stage.clientHeight - h * view.scale) / 2;
    view.follow = false;
    applyView();
  }
  // Too big to fit at a readable size: show it at that size and keep the active node in view
  // (the camera moves, the layout does not).
  function readable() {
    fit();
    if (view.scale >= READABLE) return;
    view.scale = READABLE;
    view.follow = true;
    applyView();
    const P = state.practise;
    const asked = state.mode === "practise" && P && D.practise.items[P.pos];
    if (asked) {
      focus(asked.node, false);
      return;
    }
    const st = D.steps[state.step];
    if (st.node === null) focus(st.focus || 0, false);
    else focus(st.node, N[st.node].isOp);
  }
  // Where each node's box is on the canvas at scale 1 ([left, top, right, bottom]), measured
  // once before any zoom (a measurement during the camera's animated move would be off).
  const boxes = {};
  canvas.style.transform = "none";
  {
    const c = canvas.getBoundingClientRect();
    for (const g of svg.querySelectorAll("g.node")) {
      const r = g.getBoundingClientRect();
      boxes[g.id] = [r.left - c.left, r.top - c.top, r.right - c.left, r.bottom - c.top];
    }
  }
  // The keyboard goes through the boxes in reading order: column by column (row by row, top to
  // bottom, on a drawing that runs top to bottom), each column from the top (left). The order
  // is the order of the elements, so a screen reader reads them in that order too.
  {
    const across = D.view.rankdir === "TB" ? [1, 3, 0] : [0, 2, 1];
    const nodes = [...svg.querySelectorAll("g.node")].filter((g) => boxes[g.id]);
    const centre = (g) => (boxes[g.id][across[0]] + boxes[g.id][across[1]]) / 2;
    nodes.sort((a, b) => centre(a) - centre(b));
    const lines = [];
    for (const g of nodes) {
      const line = lines[lines.length - 1];
      if (line && centre(g) - centre(line[0]) <= 8) line.push(g);
      else lines.push([g]);
    }
    for (const line of lines) {
      line.sort((a, b) => boxes[a.id][across[2]] - boxes[b.id][across[2]]);
      for (const g of line) g.parentNode.appendChild(g);
    }
  }
  // The browser scrolls the stage itself to show an element (on focus, for instance): that
  // scroll becomes the camera's move, at once, so that nothing jumps and the camera's
  // arithmetic stays right.
  function absorbScroll() {
    if (!stage.scrollLeft && !stage.scrollTop) return;
    view.x -= stage.scrollLeft;
    view.y -= stage.scrollTop;
    stage.scrollLeft = 0;
    stage.scrollTop = 0;
    canvas.style.transition = "none";
    applyView();
    void canvas.offsetWidth; // the move is made before the transition is back
    canvas.style.transition = "";
  }
  stage.addEventListener("scroll", absorbScroll);
  // A box that gets the keyboard's focus is brought on stage, whole. (Not one that is clicked:
  // the camera must not move it from under the pointer between press and release.)
  let byPointer = false;
  document.addEventListener("pointerdown", () => { byPointer = true; }, true);
  document.addEventListener("keydown", () => { byPointer = false; }, true);
  stage.addEventListener("focusin", (ev) => {
    absorbScroll();
    if (byPointer) return;
    const g = ev.target.closest && ev.target.closest("g.node");
    const b = g && boxes[g.id];
    if (!b) return;
    const s = view.scale;
    const pad = 12;
    const [l, t, r, bottom] = [view.x + b[0] * s, view.y + b[1] * s, view.x + b[2] * s, view.y + b[3] * s];
    if (l >= pad && t >= pad && r <= stage.clientWidth - pad && bottom <= stage.clientHeight - pad) return;
    view.x = look(b[0], b[2], b[0], b[2], stage.clientWidth, box.width);
    view.y = look(b[1], b[3], b[1], b[3], stage.clientHeight, box.height);
    view.follow = false;
    applyView();
  });

  // The camera looks at node i (its operation, for a step through it): at the operation with
  // the boxes it reads and writes where they fit on the stage, else at the node alone; and
  // never so far that the drawing's edge comes into view while more of it lies beyond the
  // other side.
  function focus(i, onOp) {
    const main = (onOp && boxes["op" + i]) || boxes["v" + i];
    if (!main) return;
    let all = main;
    if (onOp) {
      for (const id of ["v" + i, ...N[i].into.map((k) => "v" + E[k].from)]) {
        const b = boxes[id];
        if (b) all = [Math.min(all[0], b[0]), Math.min(all[1], b[1]),
          Math.max(all[2], b[2]), Math.max(all[3], b[3])];
      }
    }
    view.x = look(main[0], main[2], all[0], all[2], stage.clientWidth, box.width);
    view.y = look(main[1], main[3], all[1], all[3], stage.clientHeight, box.height);
    applyView();
  }
  // The offset along one axis that centres [lo, hi] (else [a, b]) in room, kept in bounds.
  function look(a, b, lo, hi, room, size) {
    const s = view.scale;
    const drawn = size * unit * s;
    if (drawn <= room) return (room - drawn) / 2;
    const fits = (hi - lo) * s <= room - 40;
    const at = fits ? (lo + hi) / 2 : (a + b) / 2;
    return Math.min(0, Math.max(room - drawn, room / 2 - at * s));
  }
  function zoom(factor, cx, cy) {
    const x = cx === undefined ? stage.clientWidth / 2 : cx;
    const y = cy === undefined ? stage.clientHeight / 2 : cy;
    view.x = x - (x - view.x) * factor;
    view.y = y - (y - view.y) * factor;
    view.scale *= factor;
    view.follow = false;
    applyView();
  }
  stage.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = stage.getBoundingClientRect();
    zoom(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  let drag = null;
  stage.addEventListener("pointerdown", (ev) => {
    if (ev.target.closest && ev.target.closest(".node")) return;
    drag = { x: ev.clientX - view.x, y: ev.clientY - view.y };
    stage.setPointerCapture(ev.pointerId);
  });
  stage.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    view.x = ev.clientX - drag.x;
    view.y = ev.clientY - drag.y;
    view.follow = false;
    applyView();
  });
  stage.addEventListener("pointerup", () => { drag = null; });
  $("zoom-in").addEventListener("click", () => zoom(1.25));
  $("zoom-out").addEventListener("click", () => zoom(0.8));
  $("zoom-fit").addEventListener("click", fit);
  $("zoom-read").addEventListener("click", readable);
  $("fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
  });
  document.addEventListener("fullscreenchange", readable);
  window.addEventListener("resize", readable);

  // -- wiring ---------------------------------------------------------------------------------
  for (const g of svg.querySelectorAll("g.node")) {
    const m = /^(v|op)(\d+)$/.exec(g.id);
    if (!m) continue;
    const pick = () => ask(Number(m[2]), m[1] === "op");
    g.addEventListener("click", pick);
    g.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(); }
    });
  }
  $("prev").addEventListener("click", () => { play(false); go(current() - 1); });
  $("next").addEventListener("click", () => { play(false); go(current() + 1); });
  $("play").addEventListener("click", () => play(state.timer === null));
  $("slider").addEventListener("input", () => { play(false); go(Number($("slider").value)); });
  for (const m of ["step", "ask", "practise", "train"]) {
    $("mode-" + m).addEventListener("click", () => setMode(m));
  }
  // ← and → step, space plays and pauses; but a focused control keeps its own keys: space and
  // Enter press a focused button (or box), a text field takes what is typed, space scrolls the
  // side panel.
  const OWN_KEYS =
    "button, a[href], select, textarea, summary, aside, [role=button], input:not([type=range])";
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (t && t.tagName === "INPUT" && t.type !== "range") return;
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (state.mode !== "step" && state.mode !== "train") return;
    if (ev.key === "ArrowRight") { ev.preventDefault(); play(false); go(current() + 1); }
    else if (ev.key === "ArrowLeft") { ev.preventDefault(); play(false); go(current() - 1); }
    else if (ev.key === " " && !(t && t.closest && t.closest(OWN_KEYS))) {
      ev.preventDefault();
      play(state.timer === null);
    }
  });
  if (T) {
    $("mode-train").hidden = false;
    $("train-slider").max = String(T.steps.length - 1);
    $("train-slider").addEventListener("input", () => go(Number($("train-slider").value)));
    const a = T.symbol || "a";
    setText("train-info", "gradient descent W′ = W − " + a + "·∂E/∂W with " + a + " = " + T.lr + ": " +
      (T.steps.length - 1) + " steps precomputed, stopped at " + T.stopped + ".");
  }
  if (D.practiseOnly) {
    $("mode-step").textContent = "Forward pass";
    $("mode-ask").hidden = true;
  }
  setMode(D.practiseOnly ? "practise" : "step");
  readable();
  document.body.dataset.ready = "1";
})();
