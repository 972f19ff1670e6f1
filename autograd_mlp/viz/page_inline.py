"""A page shown inline in a notebook, without a nested ``<iframe>``.

Jupyter shows each output in the notebook's own page, Colab and Kaggle each output in a frame of
its own -- and they strip a nested ``<iframe>`` from it, which is how the page used to be shown
(``<iframe srcdoc=...>``). So a page (`autograd_mlp.viz.page_kit.HtmlPage`) shows itself as a
box, the page's text as a JSON string, and a short script that builds the page inside the box's
shadow root: its styles stay inside (``:root``/``html``/``body`` rules are made the shadow's),
its ids do not meet the notebook's or another page's, and page.js runs as it is, given a
``document`` whose ``getElementById``/``querySelector`` look inside this page only, whose
``body`` is the page's own and whose keyboard shortcuts listen on the box. No frame, no network,
no kernel: an exported notebook keeps a working page, as before.
"""

from __future__ import annotations

import itertools
import json

__all__ = ["inline_html"]

_ids = itertools.count(1)

# The builder, run once per output (a second run, e.g. a re-render, finds the shadow root made).
_BUILD = """(function (id) {
  var host = document.getElementById(id), text = document.getElementById(id + "-page");
  if (!host || !text || host.shadowRoot) return;
  var page = new DOMParser().parseFromString(JSON.parse(text.textContent), "text/html");
  var root = host.attachShadow({mode: "open"});
  var css = Array.prototype.map.call(page.querySelectorAll("style"), function (s) {
    return s.textContent;
  }).join("\\n").replace(/:root\\b/g, ":host").replace(/(^|[\\s,}])(html|body)\\b/g, "$1.agm-body");
  var style = document.createElement("style");
  style.textContent = css;
  root.appendChild(style);
  var body = document.createElement("div");
  body.className = "agm-body";
  var code = [];
  Array.prototype.forEach.call(page.body.childNodes, function (node) {
    if (node.nodeName === "SCRIPT" && !node.type) code.push(node.textContent);
    else body.appendChild(document.importNode(node, true));
  });
  root.appendChild(body);
  window[id] = new Proxy(document, {get: function (doc, key) {
    if (key === "getElementById") return function (x) { return root.getElementById(x); };
    if (key === "querySelector") return function (s) { return root.querySelector(s); };
    if (key === "querySelectorAll") return function (s) { return root.querySelectorAll(s); };
    if (key === "body") return body;
    if (key === "documentElement") return host;
    if (key === "addEventListener") return function (type, f, o) {
      (type === "keydown" ? host : doc).addEventListener(type, f, o);
    };
    var value = Reflect.get(doc, key);
    return typeof value === "function" ? value.bind(doc) : value;
  }});
  var run = document.createElement("script");
  run.textContent = "(function (document) {\\n" + code.join("\\n") +
    "\\n})(window[" + JSON.stringify(id) + "]);";
  (document.head || document.body).appendChild(run);
})"""


def _json_string(text: str) -> str:
    """``text`` as a JSON string safe inside ``<script>`` (no ``<``, ``>`` or ``&``)."""
    quoted = json.dumps(text)
    return quoted.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def inline_html(page: str, height: int = 720) -> str:
    """The HTML that shows ``page`` (a whole page from `page_kit.document`) inline, without a
    frame: see the module docstring."""
    box = f"agm-{next(_ids)}-{abs(hash(page)) % 10**8:08d}"
    return (
        f'<div class="autograd-mlp-page" id="{box}" role="region" '
        f'aria-label="autograd_mlp page" style="height:{height}px;border:1px solid #ccc;'
        f'overflow:auto;position:relative"></div>\n'
        f'<script type="application/json" id="{box}-page">{_json_string(page)}</script>\n'
        f'<script>{_BUILD}("{box}");</script>'
    )
