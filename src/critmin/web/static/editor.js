// The query editor: YASGUI pointed at this service, with the project's prefixes, the
// competency questions as a gallery, our completers, table and chart (editor-plugins.js)
// and code to run the current query elsewhere. Nothing is fetched from other hosts:
// the completers that call prefix.cc or LOV are replaced by ours.
"use strict";

const ENDPOINT = new URL("/sparql", window.location.href).href;
const DEFAULT_QUERY = `# The project's prefixes (cm:, mineral:, list:, ...) are predeclared: no PREFIX lines needed.
# How many of the graph's lists name each commodity? (Ctrl-Space completes cm: terms and entities.)
SELECT ?commodity (COUNT(DISTINCT ?list) AS ?lists) WHERE {
  ?commodity a cm:Commodity ;
      cm:listedIn ?list .
}
GROUP BY ?commodity
ORDER BY DESC(?lists) ?commodity
LIMIT 25
`;

function updateDownloads(query) {
  for (const format of ["csv", "tsv", "json"]) {
    const params = new URLSearchParams({ query, format });
    document.getElementById(`download-${format}`).href = `${ENDPOINT}?${params}`;
  }
  document.getElementById("downloads").hidden = false;
  drawShare(query);
}

// --- share: the same query from Python, R or the shell ------------------------------

const SNIPPETS = {
  "Python (pandas)": (q) => `import pandas as pd
from urllib.parse import urlencode

query = """${q.replace(/"""/g, '\\"\\"\\"')}"""
table = pd.read_csv("${ENDPOINT}?" + urlencode({"query": query, "format": "csv"}))
print(table)`,
  "Python (SPARQLWrapper)": (q) => `from SPARQLWrapper import JSON, SPARQLWrapper

sparql = SPARQLWrapper("${ENDPOINT}")
sparql.setQuery("""${q.replace(/"""/g, '\\"\\"\\"')}""")
sparql.setReturnFormat(JSON)
for row in sparql.query().convert()["results"]["bindings"]:
    print({name: value["value"] for name, value in row.items()})`,
  R: (q) => `query <- "${q.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"
url <- paste0("${ENDPOINT}?format=csv&query=", URLencode(query, reserved = TRUE))
table <- read.csv(url)
print(table)`,
  cURL: (q) => `curl -s ${ENDPOINT} -H 'Accept: text/csv' --data-urlencode query@- <<'SPARQL'
${q}
SPARQL`,
};
let shareChoice = "Python (pandas)";

function drawShare(query) {
  const tabs = document.querySelector("#share .share-tabs");
  tabs.replaceChildren();
  for (const name of Object.keys(SNIPPETS)) {
    const tab = Object.assign(document.createElement("button"), { type: "button", textContent: name });
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-selected", String(name === shareChoice));
    tab.addEventListener("click", () => { shareChoice = name; drawShare(query); });
    tabs.append(tab);
  }
  document.getElementById("share-code").textContent = SNIPPETS[shareChoice](query.trimEnd());
}

function wireShare() {
  const button = document.getElementById("share-button");
  const panel = document.getElementById("share");
  button.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
  });
  document.getElementById("share-copy").addEventListener("click", () =>
    navigator.clipboard && navigator.clipboard.writeText(document.getElementById("share-code").textContent));
}

// --- the editor ---------------------------------------------------------------------

function startEditor() {
  if (typeof Yasgui === "undefined") {
    document.getElementById("yasgui").textContent =
      "The YASGUI editor is not installed (run `make run`); the questions below still link to results.";
    return null;
  }
  registerCompleters(Yasgui.Yasqe);
  registerResultViews(Yasgui.Yasr);
  // Yasgui focuses its editor when it shows the first tab; someone who was already typing
  // in the search box (the page is usable before this script runs) keeps the caret.
  const typingIn = document.activeElement;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: ENDPOINT, method: "POST" },
    copyEndpointOnNewTab: true,
    // A link must not choose the endpoint (?endpoint=http://elsewhere/ would show another
    // server's answers under our name); ?query= is handled below.
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: ENDPOINT }] },
    persistenceId: "critmin-editor",
    yasqe: { value: DEFAULT_QUERY, resizeable: true, editorHeight: "260px" },
    yasr: {
      prefixes: CRITMIN.prefixes,
      defaultPlugin: "critmin-table",
      pluginOrder: ["critmin-table", "critmin-chart", "response"],
    },
  });
  if (typingIn && typingIn !== document.body) typingIn.focus();
  yasgui.on("query", (_, tab) => updateDownloads(tab.getQuery()));
  yasgui.on("tabSelect", (_, id) => setTimeout(() => predeclarePrefixes(yasgui.getTab(id).getYasqe()), 0));
  const tab = yasgui.getTab();
  predeclarePrefixes(tab.getYasqe());
  const asked = new URLSearchParams(window.location.search).get("query");
  if (asked) {
    // A "query this" link from a resource page or the compare page: load and run it.
    tab.setQuery(asked);
  }
  if (asked || tab.getQuery().trim() === DEFAULT_QUERY.trim()) {
    updateDownloads(tab.getQuery());
    tab.query();
  }
  return yasgui;
}

async function loadGallery(yasgui) {
  const list = document.getElementById("questions");
  const questions = await fetch("/api/queries").then((r) => r.json());
  for (const q of questions) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = q.title;
    button.dataset.query = q.name;
    const question = document.createElement("span");
    question.className = "question";
    question.textContent = q.question;
    button.addEventListener("click", () => {
      if (!yasgui) {
        window.location.href = `${ENDPOINT}?${new URLSearchParams({ query: q.query, format: "csv" })}`;
        return;
      }
      const tab = yasgui.getTab();
      tab.setQuery(q.query);
      updateDownloads(q.query);
      tab.query();
    });
    item.append(button, question);
    list.append(item);
  }
}

wireShare();
loadEditorData().then(() => loadGallery(startEditor()));
