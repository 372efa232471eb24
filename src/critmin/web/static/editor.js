// The query editor: YASGUI pointed at this service, with the project's prefixes and
// the competency questions as a gallery. Nothing is fetched from other hosts: the
// autocompleters that call prefix.cc or LOV are switched off.
"use strict";

const ENDPOINT = new URL("/sparql", window.location.href).href;
const PREFIXES = {
  cm: "https://w3id.org/critmin/ontology#",
  country: "https://w3id.org/critmin/id/country/",
  mineral: "https://w3id.org/critmin/id/mineral/",
  element: "https://w3id.org/critmin/id/element/",
  list: "https://w3id.org/critmin/id/list/",
  source: "https://w3id.org/critmin/id/source/",
  technology: "https://w3id.org/critmin/id/technology/",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  owl: "http://www.w3.org/2002/07/owl#",
  skos: "http://www.w3.org/2004/02/skos/core#",
  dct: "http://purl.org/dc/terms/",
  prov: "http://www.w3.org/ns/prov#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
};

function prologue() {
  return Object.entries(PREFIXES).map(([p, ns]) => `PREFIX ${p}: <${ns}>`).join("\n") + "\n\n";
}

function updateDownloads(query) {
  const box = document.getElementById("downloads");
  for (const format of ["csv", "tsv", "json"]) {
    const params = new URLSearchParams({ query, format });
    document.getElementById(`download-${format}`).href = `${ENDPOINT}?${params}`;
  }
  box.hidden = false;
}

function startEditor() {
  if (typeof Yasgui === "undefined") {
    document.getElementById("yasgui").textContent =
      "The YASGUI editor is not installed (run `make run`); the questions below still link to results.";
    return null;
  }
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: ENDPOINT, method: "POST" },
    copyEndpointOnNewTab: true,
    // A link must not choose the endpoint (?endpoint=http://elsewhere/ would show another
    // server's answers under our name); ?query= is handled below.
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: ENDPOINT }] },
    persistenceId: "critmin-editor",
    yasqe: { value: prologue() + "SELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n} LIMIT 10\n" },
    yasr: { prefixes: PREFIXES, defaultPlugin: "table" },
  });
  yasgui.on("query", (_, tab) => updateDownloads(tab.getQuery()));
  const asked = new URLSearchParams(window.location.search).get("query");
  if (asked) {
    // A "query this" link from a resource page: load the query and run it.
    const tab = yasgui.getTab();
    tab.setQuery(asked);
    updateDownloads(asked);
    tab.query();
  }
  return yasgui;
}

async function loadGallery(yasgui) {
  const list = document.getElementById("questions");
  const response = await fetch("/api/queries");
  const questions = await response.json();
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

loadGallery(startEditor());
