// YASGUI extensions that talk only to this service (nothing from other hosts):
// - completers for the ontology's classes and properties (/api/terms) and for our
//   entities by name (/search), replacing YASQE's LOV and prefix.cc completers;
// - "Table": results with IRIs linked to the local pages, shown with prefixes, and a
//   label column beside each IRI column (/api/labels; the protocol answer is unchanged);
// - "Chart": bar, line or pie charts of the results with ECharts (served locally).
"use strict";

const CRITMIN = { prefixes: {}, terms: [], labels: new Map() };
const OUR_BASE = "https://w3id.org/critmin/";
const INSTANCE = "https://w3id.org/critmin/id/";

async function loadEditorData() {
  const [prefixes, terms] = await Promise.all([
    fetch("/api/prefixes").then((r) => r.json()),
    fetch("/api/terms").then((r) => (r.ok ? r.json() : [])),
  ]);
  CRITMIN.prefixes = prefixes;
  CRITMIN.terms = terms;
}

function compactIri(iri) {
  let best = null;
  for (const [prefix, namespace] of Object.entries(CRITMIN.prefixes)) {
    if (iri.startsWith(namespace) && iri.length > namespace.length && (!best || namespace.length > best[1].length)) {
      best = [prefix, namespace];
    }
  }
  return best ? `${best[0]}:${iri.slice(best[1].length)}` : iri;
}

function pageOf(iri) {
  if (iri.startsWith(OUR_BASE)) return iri.slice(OUR_BASE.length - 1);
  return /^https?:\/\//i.test(iri) ? iri : null;
}

// --- completers -------------------------------------------------------------------

function typedToken(yasqe, token) {
  token.autocompletionString = (token.string || "").trim();
  return token;
}

function termCompleter(name, kinds, isValid) {
  return {
    name,
    bulk: false,
    autoShow: false,
    isValidCompletionPosition: isValid,
    preProcessToken: typedToken,
    postProcessSuggestion: (_yasqe, _token, suggestion) => suggestion,
    get: (_yasqe, token) => {
      const typed = ((token && token.autocompletionString) || "").toLowerCase().replace(/^cm:/, "");
      return CRITMIN.terms
        .filter((t) => kinds.includes(t.kind))
        .filter((t) => t.curie.slice(3).toLowerCase().startsWith(typed) || t.label.toLowerCase().startsWith(typed))
        .map((t) => t.curie);
    },
    postprocessHints: (_yasqe, hints) =>
      hints.map((h) => {
        const term = CRITMIN.terms.find((t) => t.curie === h.text);
        return { ...h, displayText: term && term.label ? `${h.text}  (${term.label})` : h.text };
      }),
  };
}

function notVariable(yasqe) {
  const token = yasqe.getCompleteToken();
  return !(token.string[0] === "?" || token.string[0] === "$");
}

const classPosition = (yasqe) => {
  if (!notVariable(yasqe)) return false;
  const token = yasqe.getCompleteToken();
  const previous = yasqe.getPreviousNonWsToken(yasqe.getDoc().getCursor().line, token);
  return ["a", "rdf:type"].includes(previous.state.lastProperty) && !/^[a-z]+:/.test(token.string.replace(/^cm:/, ""));
};
const propertyPosition = (yasqe) =>
  notVariable(yasqe) && yasqe.getCompleteToken().state.possibleCurrent.indexOf("a") >= 0;

function instancePrefix(text) {
  const match = /^([a-z][a-z-]*):/.exec(text || "");
  if (!match) return null;
  const namespace = CRITMIN.prefixes[match[1]];
  return namespace && namespace.startsWith(INSTANCE) ? [match[1], namespace] : null;
}

const entityCompleter = {
  name: "critmin-entities",
  bulk: false,
  autoShow: false,
  isValidCompletionPosition: (yasqe) => notVariable(yasqe) && instancePrefix(yasqe.getCompleteToken().string) !== null,
  preProcessToken: typedToken,
  postProcessSuggestion: (_yasqe, _token, suggestion) => suggestion,
  get: async (_yasqe, token) => {
    const [prefix, namespace] = instancePrefix(token.autocompletionString);
    const local = token.autocompletionString.slice(prefix.length + 1);
    const url = local
      ? `/search?${new URLSearchParams({ q: local.replace(/[-_]/g, " "), format: "json", limit: "100" })}`
      : `${namespace.slice(OUR_BASE.length - 1)}?format=json`;
    const answer = await fetch(url).then((r) => (r.ok ? r.json() : {}));
    const found = (answer.results || answer.items || []).filter((r) => r.iri.startsWith(namespace));
    for (const r of found) CRITMIN.labels.set(r.iri, r.name);
    return found.map((r) => `${prefix}:${r.iri.slice(namespace.length)}`);
  },
  postprocessHints: (_yasqe, hints) =>
    hints.map((h) => {
      const [prefix] = instancePrefix(h.text);
      const name = CRITMIN.labels.get(CRITMIN.prefixes[prefix] + h.text.slice(prefix.length + 1));
      return { ...h, displayText: name ? `${h.text}  (${name})` : h.text };
    }),
};

function registerCompleters(Yasqe) {
  Yasqe.registerAutocompleter(termCompleter("critmin-classes", ["Class"], classPosition), false);
  Yasqe.registerAutocompleter(
    termCompleter("critmin-properties", ["ObjectProperty", "DatatypeProperty", "AnnotationProperty"], propertyPosition),
    false,
  );
  Yasqe.registerAutocompleter(entityCompleter, false);
  Yasqe.defaults.autocompleters = ["critmin-classes", "critmin-entities", "critmin-properties", "variables"];
}

// --- the labelled table -----------------------------------------------------------

async function fetchLabels(iris) {
  const missing = [...new Set(iris)].filter((i) => i.startsWith(INSTANCE) && !CRITMIN.labels.has(i));
  for (let start = 0; start < missing.length; start += 2000) {
    const chunk = missing.slice(start, start + 2000);
    const response = await fetch("/api/labels", { method: "POST", body: JSON.stringify(chunk),
      headers: { "Content-Type": "application/json" } });
    const found = response.ok ? await response.json() : {};
    for (const iri of chunk) CRITMIN.labels.set(iri, found[iri] || "");
  }
}

function cell(value, simple) {
  const td = document.createElement("td");
  if (!value) return td;
  if (value.type === "uri") {
    const href = pageOf(value.value);
    const text = simple ? compactIri(value.value) : value.value;
    const node = href ? Object.assign(document.createElement("a"), { href, textContent: text, title: value.value })
      : Object.assign(document.createElement("span"), { textContent: text });
    td.append(node);
  } else {
    td.textContent = value.value;
    const tag = value["xml:lang"] ? `@${value["xml:lang"]}` : "";
    if (tag) td.append(Object.assign(document.createElement("span"), { className: "tag", textContent: tag }));
  }
  return td;
}

// What YASR asks of a result view: its name, its place among the views, an icon.
class ResultView {
  constructor(yasr, label, priority, icon) {
    Object.assign(this, { yasr, label, priority, icon });
  }
  getIcon() {
    return Object.assign(document.createElement("span"), { textContent: this.icon });
  }
}

class LabelledTable extends ResultView {
  constructor(yasr) {
    super(yasr, "Table", 20, "▦");
  }
  canHandleResults() {
    return !!this.yasr.results && this.yasr.results.getVariables().length > 0;
  }
  async draw() {
    const options = JSON.parse(localStorage.getItem("critmin-table") || '{"labels":true,"simple":true}');
    const variables = this.yasr.results.getVariables();
    const bindings = this.yasr.results.getBindings();
    const iriColumns = variables.filter((v) => bindings.some((b) => b[v] && b[v].type === "uri"));
    if (options.labels) await fetchLabels(bindings.flatMap((b) => iriColumns.map((v) => (b[v] ? b[v].value : ""))));
    const root = document.createElement("div");
    root.className = "critmin-table";
    const bar = document.createElement("p");
    bar.className = "table-options";
    for (const [key, text] of [["labels", "label columns"], ["simple", "simple view (prefixes)"]]) {
      const box = Object.assign(document.createElement("input"), { type: "checkbox", checked: options[key] });
      box.addEventListener("change", () => {
        localStorage.setItem("critmin-table", JSON.stringify({ ...options, [key]: box.checked }));
        this.draw();
      });
      const label = document.createElement("label");
      label.append(box, ` ${text}`);
      bar.append(label);
    }
    bar.append(` ${bindings.length} row${bindings.length === 1 ? "" : "s"}`);
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    for (const v of variables) {
      head.append(Object.assign(document.createElement("th"), { textContent: `?${v}` }));
      if (options.labels && iriColumns.includes(v)) {
        head.append(Object.assign(document.createElement("th"), { textContent: `?${v}Label`, className: "label" }));
      }
    }
    const body = table.createTBody();
    for (const binding of bindings.slice(0, 5000)) {
      const row = body.insertRow();
      for (const v of variables) {
        row.append(cell(binding[v], options.simple));
        if (options.labels && iriColumns.includes(v)) {
          const td = document.createElement("td");
          td.className = "label";
          td.textContent = binding[v] && binding[v].type === "uri" ? CRITMIN.labels.get(binding[v].value) || "" : "";
          row.append(td);
        }
      }
    }
    root.append(bar, table);
    this.yasr.resultsEl.replaceChildren(root);
  }
}

// --- the chart --------------------------------------------------------------------

function chartData(results) {
  const variables = results.getVariables();
  const bindings = results.getBindings();
  const isNumber = (v) => bindings.length > 0 && bindings.every((b) => b[v] && b[v].value !== "" && !isNaN(Number(b[v].value)));
  const value = variables.find(isNumber);
  const category = variables.find((v) => v !== value && !isNumber(v) && bindings.every((b) => b[v] && b[v].type !== "uri"))
    || variables.find((v) => v !== value);
  return { value, category, bindings };
}

class Chart extends ResultView {
  constructor(yasr) {
    super(yasr, "Chart", 5, "▮");
  }
  canHandleResults() {
    if (!this.yasr.results || typeof echarts === "undefined") return false;
    const { value, category } = chartData(this.yasr.results);
    return !!(value && category);
  }
  async draw() {
    const { value, category, bindings } = chartData(this.yasr.results);
    await fetchLabels(bindings.map((b) => (b[category] && b[category].type === "uri" ? b[category].value : "")));
    const kind = localStorage.getItem("critmin-chart") || "bar";
    const root = document.createElement("div");
    root.className = "critmin-chart";
    const picker = document.createElement("p");
    picker.className = "table-options";
    for (const choice of ["bar", "line", "pie"]) {
      const button = Object.assign(document.createElement("button"), { type: "button", textContent: choice });
      button.setAttribute("aria-pressed", String(choice === kind));
      button.addEventListener("click", () => { localStorage.setItem("critmin-chart", choice); this.draw(); });
      picker.append(button);
    }
    picker.append(` ?${value} by ?${category}`);
    const canvas = document.createElement("div");
    canvas.className = "chart-canvas";
    root.append(picker, canvas);
    this.yasr.resultsEl.replaceChildren(root);
    const names = bindings.map((b) => {
      const v = b[category];
      return v ? (v.type === "uri" ? CRITMIN.labels.get(v.value) || compactIri(v.value) : v.value) : "";
    });
    const numbers = bindings.map((b) => Number(b[value].value));
    const chart = echarts.init(canvas, null, { renderer: "svg" });
    const series = kind === "pie"
      ? [{ type: "pie", radius: "65%", data: names.map((name, i) => ({ name, value: numbers[i] })) }]
      : [{ type: kind, name: value, data: numbers }];
    chart.setOption({
      animation: false,
      tooltip: { trigger: kind === "pie" ? "item" : "axis" },
      xAxis: kind === "pie" ? undefined : { type: "category", data: names, axisLabel: { rotate: 45, interval: 0 } },
      yAxis: kind === "pie" ? undefined : { type: "value", name: value },
      grid: { bottom: 120, left: 60, right: 20 },
      series,
    });
  }
}

function registerResultViews(Yasr) {
  Yasr.registerPlugin("critmin-table", LabelledTable);
  Yasr.registerPlugin("critmin-chart", Chart);
  Yasr.defaults.plugins.table = { enabled: false }; // ours links locally and shows labels
}

// The endpoint predeclares the project's prefixes; tell the editor's parser too, so a
// query without PREFIX lines is not marked wrong. An explicit PREFIX still wins: the
// parser's own declarations overwrite these.
function predeclarePrefixes(yasqe) {
  if (!yasqe || yasqe.critminPredeclared) return;
  const mode = yasqe.getMode();
  const startState = mode.startState;
  mode.startState = function (...args) {
    const state = startState.apply(this, args);
    state.prefixes = { ...CRITMIN.prefixes };
    return state;
  };
  yasqe.critminPredeclared = true;
  yasqe.getDoc().setValue(yasqe.getDoc().getValue());
  yasqe.checkSyntax && yasqe.checkSyntax();
}
