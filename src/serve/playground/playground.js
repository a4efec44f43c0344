// The licit playground: every answer comes from the service's endpoints (docs/serve.md).
"use strict";
const $ = (id) => document.getElementById(id);
const state = { rulebook: "", files: [], edited: {}, file: "" };
const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

async function call(method, path, body, raw) {
  const response = await fetch(path, { method, body: raw ? body : body === undefined ? undefined : JSON.stringify(body), headers: { "content-type": "application/json" } });
  const text = await response.text();
  let json; try { json = JSON.parse(text); } catch { json = text; }
  return { status: response.status, json };
}

function errorsHtml(json) {
  const errors = (json && json.errors) || [];
  return `<div class="error">${errors.map((e) => `${esc(e.code)}: ${esc(e.message)}${e.help ? "\nhelp: " + esc(e.help) : ""}`).join("\n") || esc(JSON.stringify(json))}</div>`;
}

// Highlighting: keywords, strings, comments, numbers; diagnostics underlined by line and column.
// The reserved words of `grammar/licit.pest` (tests/keywords.rs keeps them the same).
const KEYWORDS = /^(policy|source|in|force|from|until|use|enum|record|input|const|set|param|verdicts|otherwise|obligation|rule|exception|to|when|then|because|test|given|expect|decided|by|applied|suppressed|no|of|optional|some|every|if|else|or|and|not|is|none|empty|true|false|explanation|for|assert|allow|amends|add|replace|repeal|change|assume|that)$/;
function highlight(text, diagnostics) {
  const lines = text.split("\n");
  const marks = {};
  for (const d of diagnostics) (marks[d.line] = marks[d.line] || []).push(d);
  $("highlight").innerHTML = lines.map((line, index) => {
    const found = marks[index + 1];
    if (found) {
      const d = found[0];
      const start = Math.max(0, d.column - 1), end = d.end_line === d.line ? Math.max(d.end_column - 1, start + 1) : line.length;
      return esc(line.slice(0, start)) + `<span class="err" title="${esc(d.message)}">${esc(line.slice(start, end) || " ")}</span>` + esc(line.slice(end));
    }
    const comment = line.indexOf("#");
    const [code, rest] = comment >= 0 ? [line.slice(0, comment), line.slice(comment)] : [line, ""];
    return esc(code).replace(/(&quot;.*?&quot;)|\b(\d[\d.-]*)\b|\b([a-z_]+)\b/g, (m, str, num, word) =>
      str ? `<span class="str">${str}</span>` : num ? `<span class="num">${num}</span>` : word.match(KEYWORDS) ? `<span class="kw">${word}</span>` : word)
      + (rest ? `<span class="com">${esc(rest)}</span>` : "");
  }).join("\n") + "\n";
}

// The served files as edited, with a `licit.toml` marking their common folder as the project's
// root (as on disk) so that a `use` of a shared file such as `../../common/countries.licit` resolves.
function currentFiles() {
  const files = {};
  for (const f of state.files) files[f.path] = state.edited[f.path] ?? f.text;
  const folders = state.files.map((f) => f.path.split("/").slice(0, -1));
  const common = folders.length ? folders.reduce((a, b) => { let n = 0; while (n < a.length && a[n] === b[n]) n++; return a.slice(0, n); }) : [];
  const marker = [...common, "licit.toml"].join("/");
  if (!(marker in files)) files[marker] = "";
  return files;
}
function policyPath() {
  const paths = state.files.map((f) => f.path);
  const policy = paths.find((p) => p.endsWith("policy.licit")) || paths[0] || "";
  return policy.includes("/") ? policy.slice(0, policy.lastIndexOf("/")) : policy;
}

let checkTimer;
async function checkPolicy() {
  const text = $("policy").value;
  state.edited[state.file] = text;
  const { json } = await call("POST", "/v1/check", { files: currentFiles(), path: policyPath() });
  const diagnostics = (json.diagnostics || []);
  const mine = diagnostics.filter((d) => d.file.endsWith(state.file) || d.file === "");
  highlight(text, mine);
  $("diagnostics").innerHTML = diagnostics.map((d) => `<li class="${d.severity}">${esc(d.file)}:${d.line}:${d.column} ${esc(d.code)}: ${esc(d.message)}${d.help ? " — " + esc(d.help) : ""}</li>`).join("");
  saveState();
}

async function loadRulebook(name) {
  state.rulebook = name;
  const { json } = await call("GET", `/v1/rulebooks/${encodeURIComponent(name)}/source`);
  state.files = json.files || [];
  $("policy-file").innerHTML = state.files.map((f) => `<option>${esc(f.path)}</option>`).join("");
  const main = state.files.find((f) => f.path.endsWith("policy.licit")) || state.files[0];
  showFile(main ? main.path : "");
  const book = state.list.find((b) => b.name === name);
  $("rulebook-info").textContent = book ? `${book.title} — sha256 ${book.sha256.slice(0, 12)}…` : "";
  $("why-not-verdict").innerHTML = (book ? book.verdicts : []).map((v) => `<option>${esc(v)}</option>`).join("");
  const input = await call("GET", `/v1/rulebooks/${encodeURIComponent(name)}/input`);
  buildForm(input.json.fields || []);
}

function showFile(path) {
  state.file = path;
  $("policy-file").value = path;
  const file = state.files.find((f) => f.path === path);
  $("policy").value = state.edited[path] ?? (file ? file.text : "");
  highlight($("policy").value, []);
}

// The case form, generated from the input declaration; it and the JSON view stay in step.
function buildForm(fields) {
  const form = $("case-form");
  form.innerHTML = "";
  const add = (field, prefix) => {
    const path = prefix + field.name;
    if (field.kind === "record") { for (const sub of field.fields || []) add(sub, path + "."); return; }
    const label = document.createElement("label");
    let control;
    if (field.kind === "enum" || field.kind === "bool") {
      control = document.createElement("select");
      const members = field.kind === "bool" ? ["true", "false"] : field.members;
      control.innerHTML = `<option value="">${field.optional ? "(none)" : "—"}</option>` + members.map((m) => `<option>${esc(m)}</option>`).join("");
    } else {
      control = document.createElement("input");
      control.placeholder = field.kind === "set" ? "A, B" : field.type;
    }
    control.dataset.path = path; control.dataset.kind = field.kind;
    control.addEventListener("change", formToJson);
    label.append(`${path} `, control);
    form.append(label);
  };
  for (const field of fields) add(field, "");
  jsonToForm();
}
function getPath(object, path) { return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), object); }
function setPath(object, path, value) {
  const keys = path.split("."); let o = object;
  for (const k of keys.slice(0, -1)) { if (typeof o[k] !== "object" || o[k] === null) o[k] = {}; o = o[k]; }
  if (value === undefined) delete o[keys.at(-1)]; else o[keys.at(-1)] = value;
}
function jsonToForm() {
  let json; try { json = JSON.parse($("case").value || "{}"); } catch { return; }
  for (const control of $("case-form").querySelectorAll("[data-path]")) {
    const value = getPath(json, control.dataset.path);
    control.value = value == null ? "" : Array.isArray(value) ? value.join(", ") : String(value);
  }
}
function formToJson() {
  let json; try { json = JSON.parse($("case").value || "{}"); } catch { json = {}; }
  for (const control of $("case-form").querySelectorAll("[data-path]")) {
    const text = control.value.trim(), kind = control.dataset.kind;
    let value = text === "" ? undefined : text;
    if (value !== undefined && kind === "bool") value = text === "true";
    if (value !== undefined && (kind === "int" || kind === "decimal")) value = Number(text);
    if (value !== undefined && kind === "set") value = text.split(",").map((s) => s.trim()).filter(Boolean);
    if (value === undefined && getPath(json, control.dataset.path) === null) continue;
    setPath(json, control.dataset.path, value);
  }
  $("case").value = JSON.stringify(json, null, 2);
  saveState();
}

// The explanation as a tree: each rule with its status, conditions and the facts they read.
function explanationHtml(d) {
  const verdict = `<div class="verdict">${esc(d.verdict.kind)}</div>`;
  const by = d.decided_by ? `<div>decided by <b>${esc(d.decided_by.rule)}</b> — ${esc(d.decided_by.citation)}</div>` : "<div>no rule applied: the policy's otherwise verdict</div>";
  const obligations = (d.obligations || []).map((o) => `<li>${esc(o.kind)} ${esc(JSON.stringify(o.args))} (${esc(o.citation)})</li>`).join("");
  const cond = (c) => `<li>${c.holds ? "✔" : "✘"} <code>${esc(c.condition)}</code> ${Object.entries(c.observed || {}).map(([k, v]) => `<small>${esc(k)} = ${esc(JSON.stringify(v))}</small>`).join(" ")}</li>`;
  const rules = (d.explanation || []).map((r) => `<li class="${r.status}"><b>${esc(r.rule)}</b> <small>${esc(r.citation)}</small> — ${esc(r.status.replaceAll("_", " "))}`
    + (r.suppressed_by ? ` by ${esc(r.suppressed_by.join(", "))}` : "")
    + (r.in_force ? ` (${esc(r.in_force)})` : "")
    + (r.because ? `<div><i>${esc(r.because)}</i></div>` : "")
    + (r.failed_condition ? `<div>failed: <code>${esc(r.failed_condition.condition)}</code></div>` : "")
    + (r.conditions && r.conditions.length ? `<ul class="tree">${r.conditions.map(cond).join("")}</ul>` : "") + "</li>").join("");
  const receipt = d.receipt ? `<details><summary>Receipt</summary><div class="receipt">${esc(JSON.stringify(d.receipt, null, 2))}</div></details>` : "";
  return verdict + by + (obligations ? `<ul>${obligations}</ul>` : "") + `<details open><summary>Explanation</summary><ul class="tree">${rules}</ul></details>` + receipt;
}

function edited() {
  if (state.file) state.edited[state.file] = $("policy").value;
  return Object.keys(state.edited).some((p) => state.edited[p] !== (state.files.find((f) => f.path === p) || {}).text);
}

// What a question is asked of: the edited text when the policy was edited in the page, else the
// served rulebook; and a line saying which, shown above the answer.
function target() {
  const sent = edited();
  const rulebook = sent ? { files: currentFiles(), path: policyPath() } : state.rulebook;
  const under = sent
    ? `Decided under the edited text of <code>${esc(state.rulebook)}</code> (not saved; the service still serves its files)`
    : `Decided under the served rulebook <code>${esc(state.rulebook)}</code>`;
  return { rulebook, under: `<p id="decided-under" class="under" data-under="${sent ? "edited" : "served"}"><small>${under}</small></p>` };
}

async function decide() {
  const { rulebook, under } = target();
  const { status, json } = await call("POST", "/v1/explain", { rulebook, case: $("case").value });
  $("result").innerHTML = under + (status === 200 ? explanationHtml(json) : errorsHtml(json));
  saveState();
}

async function whyNot() {
  const { rulebook, under } = target();
  const { status, json } = await call("POST", "/v1/why-not", { rulebook, case: $("case").value, verdict: $("why-not-verdict").value });
  $("result").innerHTML = under + (status === 200 ? `<div class="receipt">${esc(JSON.stringify(json, null, 2))}</div>` : errorsHtml(json));
}

async function whatIf() {
  const changes = {};
  for (const part of $("what-if").value.split(/[;,]\s*(?=[\w.]+=)/)) {
    const at = part.indexOf("=");
    if (at < 0) continue;
    const value = part.slice(at + 1).trim();
    try { changes[part.slice(0, at).trim()] = JSON.parse(value); } catch { changes[part.slice(0, at).trim()] = value; }
  }
  const { rulebook, under } = target();
  const { status, json } = await call("POST", "/v1/what-if", { rulebook, case: $("case").value, changes });
  $("result").innerHTML = under + (status === 200 ? `<p>With ${esc($("what-if").value)}:</p>` + explanationHtml(json) : errorsHtml(json));
}

function diffHtml(report) {
  const rows = report.changed || [];
  const head = `<p>${esc(report.old)} → ${esc(report.new)}: ${rows.length} kind(s) of case decided differently</p>`;
  if (!rows.length) return head;
  const cell = (v) => esc(typeof v === "string" ? v : JSON.stringify(v));
  return head + `<table><tr><th>case</th><th>old</th><th>new</th><th>rules responsible</th><th>witness</th></tr>${rows.map((r) =>
    `<tr><td>${cell(r.case)}</td><td>${cell(r.old_verdict)}</td><td>${cell(r.new_verdict)}</td><td>${cell((r.rules_responsible || []).join(", "))}</td><td><code>${r.witness ? cell(r.witness) : ""}</code></td></tr>`).join("")}</table>`;
}

async function diff() {
  const pick = (value) => (value === "(edited text)" ? { files: currentFiles(), path: policyPath() } : value);
  $("diff-result").textContent = "searching…";
  const { status, json } = await call("POST", "/v1/diff", { old: pick($("diff-old").value), new: pick($("diff-new").value) });
  $("diff-result").innerHTML = status === 200 ? diffHtml(json) : errorsHtml(json);
}

// Sharing: the rulebook, the case and any edits, in the URL's fragment.
function saveState() {
  const shared = { r: state.rulebook, c: $("case").value, e: edited() ? state.edited : undefined };
  history.replaceState(null, "", "#" + encodeURIComponent(JSON.stringify(shared)));
}
function restoreState() {
  try { return JSON.parse(decodeURIComponent(location.hash.slice(1))); } catch { return null; }
}

async function start() {
  const { json } = await call("GET", "/v1/rulebooks");
  state.list = json.rulebooks || [];
  const names = state.list.map((b) => b.name);
  $("rulebook").innerHTML = names.map((n) => `<option>${esc(n)}</option>`).join("");
  $("diff-old").innerHTML = $("diff-new").innerHTML = [...names, "(edited text)"].map((n) => `<option>${esc(n)}</option>`).join("");
  $("diff-new").value = "(edited text)";
  const examples = await call("GET", "/v1/examples");
  $("example").innerHTML += (examples.json.examples || []).map((n) => `<option>${esc(n)}</option>`).join("");
  const restored = restoreState();
  if (restored && names.includes(restored.r)) $("rulebook").value = restored.r;
  await loadRulebook($("rulebook").value);
  if (restored) {
    $("case").value = restored.c || "";
    if (restored.e) { state.edited = restored.e; showFile(state.file); checkPolicy(); }
    jsonToForm();
  }
  $("rulebook").addEventListener("change", () => { state.edited = {}; loadRulebook($("rulebook").value); });
  $("policy-file").addEventListener("change", () => showFile($("policy-file").value));
  $("policy").addEventListener("input", () => { highlight($("policy").value, []); clearTimeout(checkTimer); checkTimer = setTimeout(checkPolicy, 300); });
  $("policy").addEventListener("scroll", () => { $("highlight").scrollTop = $("policy").scrollTop; $("highlight").scrollLeft = $("policy").scrollLeft; });
  $("example").addEventListener("change", async () => {
    if (!$("example").value) return;
    const { json } = await call("GET", `/v1/examples/${encodeURIComponent($("example").value)}`);
    $("case").value = JSON.stringify(json, null, 2); jsonToForm(); saveState();
  });
  $("case").addEventListener("input", () => { jsonToForm(); saveState(); });
  $("decide").addEventListener("click", decide);
  $("why-not").addEventListener("click", whyNot);
  $("what-if-go").addEventListener("click", whatIf);
  $("diff").addEventListener("click", diff);
  $("share").addEventListener("click", () => { saveState(); navigator.clipboard && navigator.clipboard.writeText(location.href); });
}
start();
