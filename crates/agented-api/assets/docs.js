// Interactive API docs: renders /openapi.json and lets you try each operation with your key.
// Plain DOM code, no dependencies, served from our own origin (the CSP allows no inline script).
"use strict";
(function () {
  const keyInput = document.getElementById("key");
  keyInput.value = sessionStorage.getItem("agented-docs-key") || "";
  keyInput.addEventListener("change", () => sessionStorage.setItem("agented-docs-key", keyInput.value));

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  }

  function paramsOf(op) {
    return (op.parameters || []).map((p) => ({ name: p.name, where: p.in, required: !!p.required }));
  }

  function render(doc) {
    document.getElementById("intro").textContent = doc.info.description || "";
    const byTag = new Map();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (typeof op !== "object" || !op.responses) continue;
        const tag = (op.tags && op.tags[0]) || "other";
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push({ path, method, op });
      }
    }
    const main = document.getElementById("ops");
    for (const [tag, ops] of byTag) {
      main.append(el("h2", {}, tag));
      for (const o of ops) main.append(operation(o));
    }
  }

  function operation({ path, method, op }) {
    const role = op["x-required-role"] || "";
    const summary = el("summary", {}, el("span", { class: "m" }, method), el("code", {}, path),
      el("span", {}, op.summary || ""), el("span", { class: "role" }, role === "public" ? "public" : "role: " + role));
    const body = el("div", { class: "op" });
    if (op.description) body.append(el("p", {}, op.description));
    const inputs = {};
    for (const p of paramsOf(op)) {
      const id = "p-" + method + path + p.name;
      const input = el("input", { id, placeholder: p.where + (p.required ? " (required)" : "") });
      inputs[p.name] = { input, where: p.where };
      body.append(el("div", {}, el("label", { for: id }, p.name + " "), input));
    }
    let bodyInput = null;
    if (op.requestBody) {
      bodyInput = el("textarea", { "aria-label": "request body (JSON)" }, "{}");
      body.append(el("div", {}, el("label", {}, "Body (JSON)")), bodyInput);
    }
    const out = el("pre", { "aria-live": "polite" });
    const button = el("button", { type: "button" }, "Send");
    button.addEventListener("click", async () => {
      let url = path;
      const query = new URLSearchParams();
      for (const [name, { input, where }] of Object.entries(inputs)) {
        if (!input.value) continue;
        if (where === "path") url = url.replace("{" + name + "}", encodeURIComponent(input.value));
        else if (where === "query") query.set(name, input.value);
      }
      if ([...query].length) url += "?" + query;
      const headers = {};
      if (keyInput.value) headers["X-API-Key"] = keyInput.value;
      const init = { method: method.toUpperCase(), headers, credentials: "omit" };
      if (bodyInput) {
        headers["Content-Type"] = "application/json";
        init.body = bodyInput.value;
      }
      out.textContent = "…";
      try {
        const res = await fetch(url, init);
        const text = await res.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON */ }
        out.textContent = res.status + " " + res.statusText + "\n" + shown;
      } catch (e) {
        out.textContent = "request failed: " + e;
      }
    });
    body.append(button, out);
    return el("details", {}, summary, body);
  }

  fetch("/openapi.json").then((r) => r.json()).then(render).catch((e) => {
    document.getElementById("intro").textContent = "Could not load /openapi.json: " + e;
  });
})();
